#include "engine/range_table.h"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace mcr::engine {

static_assert(range_lookup_batch == RTE_HASH_LOOKUP_BULK_MAX);

namespace {

// Hash keys: class, ingress port and VLAN, then the masked addresses.
// Sizes rte_hash compares with vector instructions (16 and 48 bytes);
// aligned to 8 because rte_hash_crc reads eight bytes at a time.
// `one` keeps a key from being all zeros (0.0.0.0/0 on port 0, untagged,
// would be): its CRC is 0, rte_hash's mark of an empty bucket entry, and
// an add then takes the empty entries for the key and inserts it twice
// (found by fuzz_range).
struct alignas(8) Key4 {
	uint16_t cls;
	uint16_t port_index;
	uint16_t vlan;
	uint16_t one;
	uint32_t dst;
	uint32_t src;
};
static_assert(sizeof(Key4) == 16);

struct alignas(8) Key6 {
	uint16_t cls;
	uint16_t port_index;
	uint16_t vlan;
	uint16_t one;
	uint64_t dst[2];
	uint64_t src[2];
	uint64_t zero2;
};
static_assert(sizeof(Key6) == 48);

constexpr unsigned address_bits[2] = {32, 128};

// Per class: 4096 bits, 512 bytes. With up to a few hundred keys in a
// class, a packet whose key the class does not hold finds its bit clear
// nearly always.
constexpr unsigned filter_shift = 12;
constexpr unsigned filter_words = (1u << filter_shift) / 64;

// Fibonacci hashing, chained: ingress port, VLAN, masked destination and
// source all count, so a source-specific class passes only the packets
// from a source it holds. Computed from the key's fields as they are made
// (reading the key back would stall on store forwarding).
constexpr uint64_t fibonacci = 0x9e3779b97f4a7c15ull;

unsigned filter_bit(uint64_t h)
{
	return static_cast<unsigned>(h >> (64 - filter_shift));
}

bool filter_holds(const uint64_t *filter, unsigned bit)
{
	return (__atomic_load_n(&filter[bit / 64], __ATOMIC_RELAXED) >> (bit % 64)) & 1;
}
constexpr uint32_t no_parent = UINT32_MAX;

// A prefix length as a network-order mask of 16 bytes.
std::array<uint8_t, 16> mask_bytes(unsigned len)
{
	std::array<uint8_t, 16> m{};
	for (unsigned i = 0; i < 16 && len > 8 * i; i++) {
		const unsigned bits = std::min(8u, len - 8 * i);
		m[i] = static_cast<uint8_t>(0xff00u >> bits);
	}
	return m;
}

uint16_t class_id(unsigned dst_len, unsigned src_len)
{
	return static_cast<uint16_t>(dst_len * 129 + src_len);
}

RangeTable::MaskClass make_class(unsigned dst_len, unsigned src_len)
{
	RangeTable::MaskClass c{};
	c.id = class_id(dst_len, src_len);
	c.dst_len = static_cast<uint8_t>(dst_len);
	c.src_len = static_cast<uint8_t>(src_len);
	const std::array<uint8_t, 16> d = mask_bytes(dst_len), s = mask_bytes(src_len);
	std::memcpy(c.dst_mask, d.data(), 16);
	std::memcpy(c.src_mask, s.data(), 16);
	return c;
}

// The worker's part: the key of query q in class c, and its filter bit.
// IPv4 masks are the first 4 bytes of the class's masks.
unsigned make_key(Key4 &k, const RangeTable::MaskClass &c, const RangeQuery &q)
{
	uint32_t d, s, dm, sm;
	std::memcpy(&d, q.dst, 4);
	std::memcpy(&s, q.src, 4);
	std::memcpy(&dm, c.dst_mask, 4);
	std::memcpy(&sm, c.src_mask, 4);
	k.cls = c.id;
	k.port_index = q.port_index;
	k.vlan = q.vlan;
	k.one = 1;
	k.dst = d & dm;
	k.src = s & sm;
	const uint64_t where = q.port_index | uint64_t{q.vlan} << 16;
	const uint64_t addresses = k.dst | uint64_t{k.src} << 32;
	return filter_bit((where * fibonacci ^ addresses) * fibonacci);
}

unsigned make_key(Key6 &k, const RangeTable::MaskClass &c, const RangeQuery &q)
{
	uint64_t d[2], s[2];
	std::memcpy(d, q.dst, 16);
	std::memcpy(s, q.src, 16);
	k.cls = c.id;
	k.port_index = q.port_index;
	k.vlan = q.vlan;
	k.one = 1;
	k.dst[0] = d[0] & c.dst_mask[0];
	k.dst[1] = d[1] & c.dst_mask[1];
	k.src[0] = s[0] & c.src_mask[0];
	k.src[1] = s[1] & c.src_mask[1];
	k.zero2 = 0;
	uint64_t h = (q.port_index | uint64_t{q.vlan} << 16) * fibonacci;
	h = (h ^ (d[0] & c.dst_mask[0])) * fibonacci;
	h = (h ^ (d[1] & c.dst_mask[1])) * fibonacci;
	h = (h ^ (s[0] & c.src_mask[0])) * fibonacci;
	h = (h ^ (s[1] & c.src_mask[1])) * fibonacci;
	return filter_bit(h);
}

// The main lcore's key of a match and its filter bit (the workers' code).
template <typename Key>
Key key_of(const RangeMatch &m, unsigned *bit = nullptr)
{
	const RangeTable::MaskClass c = make_class(m.dst_len, m.src_len);
	const RangeQuery q{m.dst.data(), m.src.data(), 0, m.vlan, m.port_index, m.family};
	Key k;
	std::memset(&k, 0, sizeof(k));
	const unsigned b = make_key(k, c, q);
	if (bit != nullptr)
		*bit = b;
	return k;
}

struct PortRange {
	uint16_t first;
	uint16_t last;
	uint32_t parent; // index of the narrowest range holding this one, or no_parent
	void *value;
};
static_assert(sizeof(PortRange) == 16);

} // namespace

// Ranges sorted by first port ascending, last port descending: a range
// comes after every range that holds it. The ranges nest or are disjoint
// (add() refuses partial overlaps), so the narrowest range holding a port
// is the last range starting at or before it, or the nearest of that
// range's ancestors that reaches the port.
struct alignas(16) RangeTable::PortRangeList {
	uint32_t n;

	PortRange *ranges() { return reinterpret_cast<PortRange *>(this + 1); }
	const PortRange *ranges() const { return reinterpret_cast<const PortRange *>(this + 1); }

	void *find(uint16_t port) const
	{
		const PortRange *r = ranges();
		uint32_t lo = 0, hi = n; // count of ranges with first <= port
		while (lo < hi) {
			const uint32_t mid = (lo + hi) / 2;
			if (r[mid].first <= port)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			return nullptr;
		uint32_t i = lo - 1;
		while (port > r[i].last) {
			i = r[i].parent;
			if (i == no_parent)
				return nullptr;
		}
		return r[i].value;
	}

	// A list of ranges (any order, nested or disjoint), or nullptr.
	static PortRangeList *make(std::vector<PortRange> ranges)
	{
		std::sort(ranges.begin(), ranges.end(), [](const PortRange &a, const PortRange &b) {
			return a.first != b.first ? a.first < b.first : a.last > b.last;
		});
		// A range's parent is the innermost range still open when it starts.
		std::vector<uint32_t> open;
		for (uint32_t i = 0; i < ranges.size(); i++) {
			while (!open.empty() && ranges[open.back()].last < ranges[i].first)
				open.pop_back();
			ranges[i].parent = open.empty() ? no_parent : open.back();
			open.push_back(i);
		}
		// One cache line for up to three ranges.
		size_t size = sizeof(PortRangeList) + ranges.size() * sizeof(PortRange);
		size = (size + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE;
		auto *list = static_cast<PortRangeList *>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, size));
		if (list == nullptr)
			return nullptr;
		list->n = static_cast<uint32_t>(ranges.size());
		std::copy(ranges.begin(), ranges.end(), list->ranges());
		return list;
	}
	std::vector<PortRange> to_vector() const { return {ranges(), ranges() + n}; }
};

namespace {

template <typename Key>
void walk_classes(const rte_hash *hash, const RangeTable::MaskClass *classes, uint32_t n_classes,
		  const RangeQuery *queries, uint64_t pending, void **found)
{
	Key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t index[RTE_HASH_LOOKUP_BULK_MAX];
	for (uint32_t c = 0; c < n_classes && pending != 0; c++) {
		const uint64_t *filter = classes[c].filter;
		unsigned m = 0;
		for (uint64_t left = pending; left != 0; left &= left - 1) {
			const unsigned i = static_cast<unsigned>(__builtin_ctzll(left));
			if (!filter_holds(filter, make_key(keys[m], classes[c], queries[i])))
				continue; // the class holds no such destination
			key_ptrs[m] = &keys[m];
			index[m++] = static_cast<uint8_t>(i);
		}
		if (m == 0)
			continue;
		uint64_t hits = 0;
		rte_hash_lookup_bulk_data(hash, key_ptrs, m, &hits, data);
		for (; hits != 0; hits &= hits - 1) {
			const unsigned j = static_cast<unsigned>(__builtin_ctzll(hits));
			const unsigned i = index[j];
			const auto *list = static_cast<const RangeTable::PortRangeList *>(data[j]);
			void *value = list->find(rte_be_to_cpu_16(queries[i].dst_port));
			if (value != nullptr) {
				found[i] = value;
				pending &= ~(1ULL << i);
			}
		}
	}
}

} // namespace

void RangeTable::lookup_bulk(const RangeQuery *queries, unsigned n, void **found) const
{
	uint64_t pending[2] = {0, 0};
	for (unsigned i = 0; i < n; i++) {
		found[i] = nullptr;
		pending[queries[i].family == RangeFamily::ipv6] |= 1ULL << i;
	}
	const ClassList *cl = classes_.load(std::memory_order_acquire);
	if (cl == nullptr)
		return;
	if (pending[0] != 0)
		walk_classes<Key4>(hash_[0], cl->classes[0], cl->count[0], queries, pending[0], found);
	if (pending[1] != 0)
		walk_classes<Key6>(hash_[1], cl->classes[1], cl->count[1], queries, pending[1], found);
}

struct RangeTable::ClassState {
	uint32_t entries = 0;
	uint64_t *filter = nullptr; // filter_words, read by the workers
	std::vector<uint32_t> keys_per_bit = std::vector<uint32_t>(filter_words * 64);

	~ClassState() { std::free(filter); }

	static std::unique_ptr<ClassState> make()
	{
		auto state = std::make_unique<ClassState>();
		state->filter = static_cast<uint64_t *>(
			std::aligned_alloc(RTE_CACHE_LINE_SIZE, filter_words * sizeof(uint64_t)));
		if (state->filter == nullptr)
			return nullptr;
		std::memset(state->filter, 0, filter_words * sizeof(uint64_t));
		return state;
	}
	// Before the class takes a key of this bit.
	void mark(unsigned bit)
	{
		if (keys_per_bit[bit]++ == 0)
			__atomic_fetch_or(&filter[bit / 64], 1ULL << (bit % 64), __ATOMIC_RELEASE);
	}
	// After the class lost a key of this bit.
	void unmark(unsigned bit)
	{
		if (--keys_per_bit[bit] == 0)
			__atomic_fetch_and(&filter[bit / 64], ~(1ULL << (bit % 64)), __ATOMIC_RELEASE);
	}
};

// Out of line: ClassState is complete only here.
RangeTable::RangeTable() = default;

RangeTable::~RangeTable()
{
	// The workers are gone by now: everything goes at once.
	for (const Pending &p : pending_) {
		std::free(p.list);
		std::free(p.classes);
		std::free(p.filter);
		if (p.slot >= 0)
			rte_hash_free_key_with_position(hash_[p.family], p.slot);
	}
	for (rte_hash *h : hash_) {
		if (h == nullptr)
			continue;
		const void *key;
		void *data;
		uint32_t next = 0;
		while (rte_hash_iterate(h, &key, &data, &next) >= 0)
			std::free(data);
		rte_hash_free(h);
	}
	std::free(const_cast<ClassList *>(classes_.load()));
}

int RangeTable::create(const std::string &name, uint32_t capacity, unsigned max_classes,
		       rte_rcu_qsbr *qsbr, std::string *error)
{
	if (capacity == 0 || capacity > (1u << 24) || max_classes == 0 || qsbr == nullptr) {
		*error = "range table: capacity and max_classes must be positive, and a qsbr given";
		return -EINVAL;
	}
	qsbr_ = qsbr;
	capacity_ = capacity;
	max_classes_ = max_classes;
	const char *suffix[2] = {"_v4", "_v6"};
	const uint32_t key_len[2] = {sizeof(Key4), sizeof(Key6)};
	for (int f = 0; f < 2; f++) {
		const std::string hash_name = name + suffix[f];
		rte_hash_parameters params{};
		params.name = hash_name.c_str();
		// Room beyond capacity: a cuckoo hash refuses keys well before
		// every slot is taken, and removed keys hold their slots until
		// the grace period ends. capacity is enforced by counting.
		params.entries = capacity + capacity / 4 + 16;
		params.key_len = key_len[f];
		params.hash_func = rte_hash_crc;
		params.socket_id = static_cast<int>(rte_socket_id());
		// Readers never lock; with LF the slot of a deleted key is ours to
		// free, after the grace period. One writer: no MULTI_WRITER_ADD.
		params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
		hash_[f] = rte_hash_create(&params);
		if (hash_[f] == nullptr) {
			*error = fmt::format("cannot create the range table ({} entries): {}", capacity,
					     rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	return publish_classes();
}

int RangeTable::publish_classes()
{
	std::vector<MaskClass> classes[2];
	for (int f = 0; f < 2; f++) {
		for (const auto &[id, state] : classes_in_use_[f]) {
			classes[f].push_back(make_class(id / 129, id % 129));
			classes[f].back().filter = state->filter;
		}
		// Precedence: longer destination prefix, then longer source prefix.
		std::sort(classes[f].begin(), classes[f].end(), [](const MaskClass &a, const MaskClass &b) {
			return a.dst_len != b.dst_len ? a.dst_len > b.dst_len : a.src_len > b.src_len;
		});
	}
	const size_t n = classes[0].size() + classes[1].size();
	auto *list = static_cast<ClassList *>(std::aligned_alloc(
		RTE_CACHE_LINE_SIZE,
		(sizeof(ClassList) + n * sizeof(MaskClass) + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE *
			RTE_CACHE_LINE_SIZE));
	if (list == nullptr)
		return -ENOMEM;
	auto *at = reinterpret_cast<MaskClass *>(reinterpret_cast<uint8_t *>(list) + sizeof(ClassList));
	static_assert(sizeof(ClassList) % alignof(MaskClass) == 0);
	for (int f = 0; f < 2; f++) {
		list->count[f] = static_cast<uint32_t>(classes[f].size());
		list->classes[f] = at;
		at = std::copy(classes[f].begin(), classes[f].end(), at);
	}
	const ClassList *old = classes_.exchange(list, std::memory_order_acq_rel);
	if (old != nullptr)
		retire_classes(const_cast<ClassList *>(old));
	return 0;
}

void RangeTable::retire_list(PortRangeList *list)
{
	pending_.push_back({.list = list});
}

void RangeTable::retire_classes(ClassList *list)
{
	pending_.push_back({.classes = list});
}

void RangeTable::retire_slot(int family, int32_t position)
{
	pending_.push_back({.family = family, .slot = position});
}

void RangeTable::retire_pending()
{
	if (pending_.empty())
		return;
	// Every registered worker has passed a quiescent state since the
	// change: none holds a list, class list or key slot taken out.
	rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
	for (const Pending &p : pending_) {
		std::free(p.list);
		std::free(p.classes);
		std::free(p.filter);
		if (p.slot >= 0)
			rte_hash_free_key_with_position(hash_[p.family], p.slot);
	}
	pending_.clear();
}

namespace {

bool match_valid(const RangeMatch &m)
{
	const unsigned bits = address_bits[m.family == RangeFamily::ipv6];
	return (m.family == RangeFamily::ipv4 || m.family == RangeFamily::ipv6) && m.dst_len <= bits &&
	       m.src_len <= bits && m.first_port <= m.last_port;
}

bool overlap_partly(const PortRange &a, uint16_t first, uint16_t last)
{
	const bool disjoint = a.last < first || last < a.first;
	const bool nested = (a.first <= first && last <= a.last) || (first <= a.first && a.last <= last);
	return !disjoint && !nested;
}

} // namespace

// Looks key up in hash, with the current list or nullptr.
template <typename Key>
static void *current_list(rte_hash *hash, const Key &key)
{
	void *data = nullptr;
	return rte_hash_lookup_data(hash, &key, &data) >= 0 ? data : nullptr;
}

int RangeTable::add(const RangeMatch &match, void *value, void **replaced)
{
	if (replaced != nullptr)
		*replaced = nullptr;
	if (!match_valid(match) || value == nullptr)
		return -EINVAL;
	const int f = family_index(match.family);
	unsigned bits[2];
	const Key4 k4 = key_of<Key4>(match, &bits[0]);
	const Key6 k6 = key_of<Key6>(match, &bits[1]);
	const void *key = f == 0 ? static_cast<const void *>(&k4) : static_cast<const void *>(&k6);
	auto *old = static_cast<PortRangeList *>(f == 0 ? current_list(hash_[0], k4)
						       : current_list(hash_[1], k6));

	std::vector<PortRange> ranges;
	void *was = nullptr;
	if (old != nullptr)
		ranges = old->to_vector();
	for (PortRange &r : ranges) {
		if (r.first == match.first_port && r.last == match.last_port) {
			was = r.value;
			r.value = value;
		} else if (overlap_partly(r, match.first_port, match.last_port)) {
			return -EEXIST;
		}
	}
	if (was == nullptr) {
		if (n_entries_[f] >= capacity_)
			return -ENOSPC;
		ranges.push_back({match.first_port, match.last_port, no_parent, value});
	}
	const uint16_t cls = class_id(match.dst_len, match.src_len);
	const auto in_use = classes_in_use_[f].find(cls);
	const bool new_class = in_use == classes_in_use_[f].end();
	if (new_class && classes_in_use_[f].size() >= max_classes_)
		return -ENOSPC;
	std::unique_ptr<ClassState> fresh;
	if (new_class && (fresh = ClassState::make()) == nullptr)
		return -ENOMEM;
	ClassState &state = new_class ? *fresh : *in_use->second;

	PortRangeList *list = PortRangeList::make(std::move(ranges));
	if (list == nullptr)
		return -ENOMEM;
	// The filter bit is set before the key is in: a worker that finds the
	// bit clear would find no key either.
	const unsigned bit = bits[f];
	if (old == nullptr)
		state.mark(bit);
	const int rc = rte_hash_add_key_data(hash_[f], key, list);
	if (rc < 0) {
		if (old == nullptr)
			state.unmark(bit);
		std::free(list);
		return rc;
	}
	if (old != nullptr)
		retire_list(old);
	if (was == nullptr) {
		n_entries_[f]++;
		state.entries++;
	}
	if (new_class)
		classes_in_use_[f][cls] = std::move(fresh);
	// The key is in before its class is: a worker that sees the class
	// finds the key.
	if (new_class && publish_classes() != 0) {
		// Out of memory for the class list: the entry goes again.
		void *ignored;
		remove(match, &ignored);
		return -ENOMEM;
	}
	if (replaced != nullptr)
		*replaced = was;
	if (batch_depth_ == 0)
		retire_pending();
	return 0;
}

int RangeTable::remove(const RangeMatch &match, void **removed)
{
	if (removed != nullptr)
		*removed = nullptr;
	if (!match_valid(match))
		return -EINVAL;
	const int f = family_index(match.family);
	unsigned bits[2];
	const Key4 k4 = key_of<Key4>(match, &bits[0]);
	const Key6 k6 = key_of<Key6>(match, &bits[1]);
	const void *key = f == 0 ? static_cast<const void *>(&k4) : static_cast<const void *>(&k6);
	auto *old = static_cast<PortRangeList *>(f == 0 ? current_list(hash_[0], k4)
						       : current_list(hash_[1], k6));
	if (old == nullptr)
		return -ENOENT;
	std::vector<PortRange> ranges = old->to_vector();
	const auto it = std::find_if(ranges.begin(), ranges.end(), [&](const PortRange &r) {
		return r.first == match.first_port && r.last == match.last_port;
	});
	if (it == ranges.end())
		return -ENOENT;
	void *value = it->value;
	ranges.erase(it);

	const uint16_t cls = class_id(match.dst_len, match.src_len);
	ClassState &state = *classes_in_use_[f].at(cls);
	if (ranges.empty()) {
		const int32_t pos = rte_hash_del_key(hash_[f], key);
		if (pos >= 0)
			retire_slot(f, pos);
		state.unmark(bits[f]);
	} else {
		PortRangeList *list = PortRangeList::make(std::move(ranges));
		if (list == nullptr)
			return -ENOMEM;
		// Replaces the data of a present key: takes no slot, cannot fail.
		rte_hash_add_key_data(hash_[f], key, list);
	}
	retire_list(old);
	n_entries_[f]--;
	if (--state.entries == 0) {
		std::unique_ptr<ClassState> gone = std::move(classes_in_use_[f][cls]);
		classes_in_use_[f].erase(cls);
		if (publish_classes() == 0) {
			// Its filter goes after the grace period, with the class
			// list that still points at it.
			pending_.push_back({.filter = gone->filter});
			gone->filter = nullptr;
		} else {
			// No memory for a smaller list: the class stays, empty, its
			// filter clear, so lookups pass it by.
			classes_in_use_[f][cls] = std::move(gone);
		}
	}
	if (removed != nullptr)
		*removed = value;
	if (batch_depth_ == 0)
		retire_pending();
	return 0;
}

void *RangeTable::find(const RangeMatch &match) const
{
	if (!match_valid(match))
		return nullptr;
	const int f = family_index(match.family);
	const auto *list = static_cast<const PortRangeList *>(
		f == 0 ? current_list(hash_[0], key_of<Key4>(match)) : current_list(hash_[1], key_of<Key6>(match)));
	if (list == nullptr)
		return nullptr;
	for (const PortRange &r : list->to_vector())
		if (r.first == match.first_port && r.last == match.last_port)
			return r.value;
	return nullptr;
}

std::vector<std::pair<RangeMatch, void *>> RangeTable::entries() const
{
	std::vector<std::pair<RangeMatch, void *>> out;
	for (int f = 0; f < 2; f++) {
		const void *key;
		void *data;
		uint32_t next = 0;
		while (rte_hash_iterate(hash_[f], &key, &data, &next) >= 0) {
			RangeMatch m;
			m.family = f == 0 ? RangeFamily::ipv4 : RangeFamily::ipv6;
			uint16_t cls;
			if (f == 0) {
				const auto *k = static_cast<const Key4 *>(key);
				cls = k->cls;
				m.port_index = k->port_index;
				m.vlan = k->vlan;
				std::memcpy(m.dst.data(), &k->dst, 4);
				std::memcpy(m.src.data(), &k->src, 4);
			} else {
				const auto *k = static_cast<const Key6 *>(key);
				cls = k->cls;
				m.port_index = k->port_index;
				m.vlan = k->vlan;
				std::memcpy(m.dst.data(), k->dst, 16);
				std::memcpy(m.src.data(), k->src, 16);
			}
			m.dst_len = static_cast<uint8_t>(cls / 129);
			m.src_len = static_cast<uint8_t>(cls % 129);
			for (const PortRange &r : static_cast<const PortRangeList *>(data)->to_vector()) {
				m.first_port = r.first;
				m.last_port = r.last;
				out.emplace_back(m, r.value);
			}
		}
	}
	return out;
}

} // namespace mcr::engine
