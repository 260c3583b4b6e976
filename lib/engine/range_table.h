// The range stage: rules that match a destination prefix, an optional
// source prefix and a destination port range, looked up only for the
// packets the exact rule table missed, so flows on exact rules never pay
// for it.
//
// Entries are grouped by mask class (family, destination prefix length,
// source prefix length). Each family has one rte_hash keyed by class,
// masked addresses, ingress port and VLAN; an entry's value is an
// immutable list of (port range, value). A lookup walks the classes in
// precedence order (longer destination prefix first, then longer source
// prefix), one bulk hash lookup per class for the packets still unmatched,
// and in a hit's list takes the narrowest range holding the port. A bitmap
// per class of the keys it holds (hashed to 4096 bits) spares the hash
// lookup in classes that cannot match: a miss through many classes costs a
// few instructions per class, not a hash lookup each.
//
// Readers never lock: the hashes are lock-free for readers, and the class
// list and port-range lists are replaced copy-on-write, the old ones freed
// after a grace period of the rte_rcu_qsbr the table is given (the rule
// table's: the workers report quiescent states on it already).
#pragma once

#include <rte_ip.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "packet/parse.h"

struct rte_hash;
struct rte_rcu_qsbr;

namespace mcr::engine {

enum class RangeFamily : uint8_t { ipv4, ipv6 };

// Queries per bulk lookup (rte_hash's RTE_HASH_LOOKUP_BULK_MAX).
constexpr unsigned range_lookup_batch = 64;

// What a range entry matches. Addresses in network order (as on the
// wire); an IPv4 address in the first 4 bytes. Bits past a prefix length
// are ignored.
struct RangeMatch {
	RangeFamily family = RangeFamily::ipv4;
	uint8_t dst_len = 0; // 0..32 or 0..128
	uint8_t src_len = 0; // 0: any source
	uint16_t port_index = 0; // ingress port
	uint16_t vlan = 0;       // 0: untagged
	uint16_t first_port = 0; // destination ports, host order, inclusive
	uint16_t last_port = 65535;
	std::array<uint8_t, 16> dst{};
	std::array<uint8_t, 16> src{};
};

// One packet to look up, as a worker has it after parsing: addresses
// point at network-order bytes (4 or 16: ParsedPacket's uint32 fields for
// IPv4, the frame's header for IPv6), read during the lookup only.
struct RangeQuery {
	const void *dst;
	const void *src;
	uint16_t dst_port; // network order, as parsed
	uint16_t vlan;
	uint16_t port_index;
	RangeFamily family;
};

// A parsed packet's query: IPv4 addresses from p, IPv6 ones from the
// frame's header (parse_ipv6.h leaves them there). p and the frame must
// outlive the lookup.
inline RangeQuery range_query(const packet::ParsedPacket &p, const uint8_t *frame, uint16_t port_index)
{
	if (p.ip_version == 6) {
		const uint8_t *ip6 = frame + p.l3_offset;
		return {ip6 + offsetof(rte_ipv6_hdr, dst_addr), ip6 + offsetof(rte_ipv6_hdr, src_addr),
			p.dst_port, p.vlan, port_index, RangeFamily::ipv6};
	}
	return {&p.dst_ip, &p.src_ip, p.dst_port, p.vlan, port_index, RangeFamily::ipv4};
}

class RangeTable {
public:
	RangeTable();
	~RangeTable();
	RangeTable(const RangeTable &) = delete;
	RangeTable &operator=(const RangeTable &) = delete;

	// capacity: entries (each a match with its port range) the table
	// holds, per family; max_classes: mask classes per family (a miss walks
	// them all). qsbr: the workers' (RuleTable::qsbr()), not owned.
	// Returns 0 or a negative errno with *error.
	int create(const std::string &name, uint32_t capacity, unsigned max_classes,
		   rte_rcu_qsbr *qsbr, std::string *error);

	// --- main lcore (one writer at a time) ---
	// Publishes value (opaque, not null, not owned) for match. An entry
	// with the same match (ranges equal) is replaced, its value in
	// *replaced (else nullptr there). Port ranges of one destination and
	// source prefix nest or are disjoint; one that partly overlaps another
	// is ambiguous: -EEXIST. -EINVAL for a bad length or range or a null
	// value, -ENOSPC when capacity or max_classes is reached, -ENOMEM.
	// When add or remove returns outside a Batch, a grace period has
	// passed since the change: no worker still holds what it took out
	// (the replaced or removed value included).
	int add(const RangeMatch &match, void *value, void **replaced = nullptr);
	// Unpublishes match's entry (ranges equal), its value in *removed.
	// -ENOENT if none.
	int remove(const RangeMatch &match, void **removed = nullptr);
	// The value published for exactly match, or nullptr.
	void *find(const RangeMatch &match) const;
	// Every entry with its value (console, telemetry, tests), in no order.
	std::vector<std::pair<RangeMatch, void *>> entries() const;
	// Entries of both families.
	uint32_t size() const { return n_entries_[0] + n_entries_[1]; }
	// Mask classes in use, of both families.
	unsigned class_count() const
	{
		return static_cast<unsigned>(classes_in_use_[0].size() + classes_in_use_[1].size());
	}

	// While a batch is open, what changes take out waits for one grace
	// period, when the outermost batch closes.
	class Batch {
	public:
		explicit Batch(RangeTable &table) : table_(table) { table_.batch_depth_++; }
		~Batch()
		{
			if (--table_.batch_depth_ == 0)
				table_.retire_pending();
		}
		Batch(const Batch &) = delete;
		Batch &operator=(const Batch &) = delete;

	private:
		RangeTable &table_;
	};

	// --- workers ---
	// Looks up n queries (n <= range_lookup_batch): found[i] is the value
	// of the best entry matching queries[i], or nullptr. No allocation, no
	// lock; the caller is a registered reader of qsbr between quiescent
	// states.
	void lookup_bulk(const RangeQuery *queries, unsigned n, void **found) const;

	// Internal layout, public for the implementation's helpers only.
	struct MaskClass {
		uint16_t id; // in the hash key: dst_len * 129 + src_len
		uint8_t dst_len;
		uint8_t src_len;
		uint64_t dst_mask[2]; // network order bytes (IPv4: first 4 of [0])
		uint64_t src_mask[2];
		// Bit filter_bit(key) is set while the class may hold a key
		// hashing to it. Owned by the class's ClassState.
		const uint64_t *filter;
	};
	// Immutable once published: each family's classes in precedence order.
	struct ClassList {
		uint32_t count[2];
		const MaskClass *classes[2];
	};
	// One hash entry's ranges, immutable once published (PortRangeList in
	// range_table.cpp).
	struct PortRangeList;
	// The main lcore's record of a class in use (range_table.cpp).
	struct ClassState;

private:
	int family_index(RangeFamily f) const { return f == RangeFamily::ipv6 ? 1 : 0; }
	int publish_classes();
	void retire_list(PortRangeList *list);
	void retire_classes(ClassList *list);
	void retire_slot(int family, int32_t position);
	void retire_pending();

	rte_hash *hash_[2] = {nullptr, nullptr};
	rte_rcu_qsbr *qsbr_ = nullptr;
	uint32_t capacity_ = 0;
	unsigned max_classes_ = 0;
	uint32_t n_entries_[2] = {0, 0};
	// Main lcore's view: the classes in use by id, per family.
	std::map<uint16_t, std::unique_ptr<ClassState>> classes_in_use_[2];
	std::atomic<const ClassList *> classes_{nullptr};

	struct Pending {
		PortRangeList *list = nullptr;
		ClassList *classes = nullptr;
		uint64_t *filter = nullptr;
		int family = 0;
		int32_t slot = -1;
	};
	std::vector<Pending> pending_;
	unsigned batch_depth_ = 0;
};

} // namespace mcr::engine
