#include "xdp_ranges.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "xdp_config.h"

namespace mcr::bpf {

namespace {

// What differs between the IPv4 and IPv6 maps; the bookkeeping below is
// written once for both. Keys hold the address as bytes on the wire at
// dst_ip, whichever its type.
template <typename Rule>
struct RangeFamily;

template <>
struct RangeFamily<RangeRule> {
	using Key = mcr_range_key;
	using Entry = RangeEntry;
	static constexpr unsigned address_bits = 32;
	static constexpr const char *map_name = MCR_XDP_RANGES_MAP_NAME;
	static constexpr size_t max_entries = MCR_XDP_MAX_RANGES;
	static constexpr uint32_t held_bit = MCR_XDP_RANGES_IPV4;
	static int fd(const XdpMaps &maps) { return maps.ranges.get(); }
	static void copy_dst(const RangeRule &rule, Key &key) { key.dst_ip = htonl(rule.dst); }
};

template <>
struct RangeFamily<RangeRule6> {
	using Key = mcr_range6_key;
	using Entry = RangeEntry6;
	static constexpr unsigned address_bits = 128;
	static constexpr const char *map_name = MCR_XDP_RANGES6_MAP_NAME;
	static constexpr size_t max_entries = MCR_XDP_MAX_RANGES6;
	static constexpr uint32_t held_bit = MCR_XDP_RANGES_IPV6;
	static int fd(const XdpMaps &maps) { return maps.ranges6.get(); }
	static void copy_dst(const RangeRule6 &rule, Key &key)
	{
		std::memcpy(key.dst_ip.bytes, rule.dst.data(), sizeof(key.dst_ip.bytes));
	}
};

template <typename Key>
uint8_t *address_of(Key &key)
{
	return reinterpret_cast<uint8_t *>(&key.dst_ip);
}

template <typename Key>
const uint8_t *address_of(const Key &key)
{
	return reinterpret_cast<const uint8_t *>(&key.dst_ip);
}

template <typename Key>
unsigned prefix_length(const Key &key)
{
	return key.prefixlen - MCR_RANGE_VLAN_BITS;
}

template <typename Key>
std::string describe(const Key &key)
{
	constexpr int af = sizeof(key.dst_ip) == 4 ? AF_INET : AF_INET6;
	char text[INET6_ADDRSTRLEN] = "?";

	::inet_ntop(af, address_of(key), text, sizeof(text));
	return std::string("prefix ") + text + "/" + std::to_string(prefix_length(key)) + " vlan " +
	       std::to_string(key.vlan);
}

// Byte order, not numeric order: any strict order of the keys will do.
struct BytesLess {
	template <typename T>
	bool operator()(const T &a, const T &b) const
	{
		return std::memcmp(&a, &b, sizeof(a)) < 0;
	}
};

// The rules on each prefix (mcr_range_value.own), the one thing the
// entries are computed from.
template <typename Key>
using OwnRules = std::map<Key, std::vector<mcr_range_own>, BytesLess>;

template <typename Rule>
Result<typename RangeFamily<Rule>::Key> key_of(const Rule &rule)
{
	using F = RangeFamily<Rule>;
	typename F::Key key{};

	if (rule.dst_len > F::address_bits || rule.src_len > F::address_bits)
		return make_error(-EINVAL, "range rule prefix length " +
						   std::to_string(std::max(rule.dst_len, rule.src_len)) +
						   " is past " + std::to_string(F::address_bits));
	if (rule.first_port > rule.last_port)
		return make_error(-EINVAL, "range rule port range " + std::to_string(rule.first_port) +
						   "-" + std::to_string(rule.last_port) +
						   " ends before it starts");
	if (rule.vlan > 4095)
		return make_error(-EINVAL, "range rule VLAN " + std::to_string(rule.vlan) +
						   " is past 4095");
	key.prefixlen = MCR_RANGE_VLAN_BITS + rule.dst_len;
	key.vlan = rule.vlan;
	F::copy_dst(rule, key);
	// Bits past the prefix are zero, so one prefix is one key.
	uint8_t *address = address_of(key);
	for (unsigned byte = 0; byte < F::address_bits / 8; ++byte) {
		const unsigned kept = std::min(8u, rule.dst_len > byte * 8 ? rule.dst_len - byte * 8 : 0u);
		address[byte] &= static_cast<uint8_t>(0xff00u >> kept);
	}
	return key;
}

bool same_ports(const mcr_port_range &a, const mcr_port_range &b)
{
	return a.first == b.first && a.last == b.last;
}

template <typename Rule>
Status count_rule(OwnRules<typename RangeFamily<Rule>::Key> &own, const Rule &rule)
{
	auto key = key_of(rule);
	if (!key)
		return key.error();
	const mcr_port_range ports{rule.first_port, rule.last_port};
	std::vector<mcr_range_own> &rules = own[key.value()];
	auto slot = std::find_if(rules.begin(), rules.end(), [&](const mcr_range_own &o) {
		return same_ports(o.ports, ports);
	});
	if (slot == rules.end()) {
		if (rules.size() == MCR_XDP_RANGE_PORTS)
			return make_error(-E2BIG, describe(key.value()) + " has rules with " +
							  std::to_string(MCR_XDP_RANGE_PORTS) +
							  " port ranges, the most it holds");
		slot = rules.insert(rules.end(), mcr_range_own{ports, 0, 0});
	}
	uint16_t &rules_of_kind = rule.src_len ? slot->source_specific : slot->any_source;
	if (rules_of_kind == UINT16_MAX)
		return make_error(-EOVERFLOW, describe(key.value()) + " holds " +
						      std::to_string(UINT16_MAX) + " rules of ports " +
						      std::to_string(ports.first) + "-" +
						      std::to_string(ports.last));
	++rules_of_kind;
	return {};
}

// Forgetting a rule the record does not hold changes nothing.
template <typename Rule>
Status uncount_rule(OwnRules<typename RangeFamily<Rule>::Key> &own, const Rule &rule)
{
	auto key = key_of(rule);
	if (!key)
		return key.error();
	auto found = own.find(key.value());
	if (found == own.end())
		return {};
	std::vector<mcr_range_own> &rules = found->second;
	const mcr_port_range ports{rule.first_port, rule.last_port};
	auto slot = std::find_if(rules.begin(), rules.end(), [&](const mcr_range_own &o) {
		return same_ports(o.ports, ports);
	});
	if (slot == rules.end())
		return {};
	uint16_t &rules_of_kind = rule.src_len ? slot->source_specific : slot->any_source;
	if (rules_of_kind > 0)
		--rules_of_kind;
	if (slot->any_source == 0 && slot->source_specific == 0)
		rules.erase(slot);
	if (rules.empty())
		own.erase(found);
	return {};
}

// outer covers inner: same VLAN, outer's prefix no longer, and the
// addresses equal over outer's length.
template <typename Key>
bool covers(const Key &outer, const Key &inner)
{
	if (outer.vlan != inner.vlan || outer.prefixlen > inner.prefixlen)
		return false;
	const unsigned bits = prefix_length(outer);
	const uint8_t *a = address_of(outer), *b = address_of(inner);
	if (std::memcmp(a, b, bits / 8) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	const uint8_t mask = static_cast<uint8_t>(0xff00u >> (bits % 8));
	return ((a[bits / 8] ^ b[bits / 8]) & mask) == 0;
}

// The entries the program needs for a record: per prefix, the merged port
// ranges of its rules and of every shorter prefix covering it.
template <typename Key>
Result<std::map<Key, mcr_range_value, BytesLess>> entries_of(const OwnRules<Key> &own)
{
	std::map<Key, mcr_range_value, BytesLess> entries;

	for (const auto &[key, rules] : own) {
		mcr_range_value value{};
		std::vector<mcr_port_range> ports;
		for (const auto &[outer, outer_rules] : own) {
			if (!covers(outer, key))
				continue;
			for (const mcr_range_own &o : outer_rules) {
				ports.push_back(o.ports);
				if (o.source_specific)
					value.flags |= MCR_RANGE_F_SOURCE_SPECIFIC;
			}
		}
		std::sort(ports.begin(), ports.end(), [](const auto &a, const auto &b) {
			return a.first < b.first;
		});
		std::vector<mcr_port_range> merged;
		for (const mcr_port_range &p : ports) {
			// Overlapping or adjacent: one range (32 bits: 65535 + 1).
			if (!merged.empty() && uint32_t{p.first} <= uint32_t{merged.back().last} + 1)
				merged.back().last = std::max(merged.back().last, p.last);
			else
				merged.push_back(p);
		}
		if (merged.size() > MCR_XDP_RANGE_PORTS)
			return make_error(-E2BIG,
					  describe(key) + " would need " + std::to_string(merged.size()) +
						  " port ranges (its rules' and those of the shorter "
						  "prefixes covering it, merged); the XDP program holds " +
						  std::to_string(MCR_XDP_RANGE_PORTS));
		value.count = static_cast<uint32_t>(merged.size());
		std::copy(merged.begin(), merged.end(), value.ports);
		value.own_count = static_cast<uint32_t>(rules.size());
		std::copy(rules.begin(), rules.end(), value.own);
		entries.emplace(key, value);
	}
	return entries;
}

template <typename Rule>
Result<std::vector<typename RangeFamily<Rule>::Entry>> read_entries(const XdpMaps &maps)
{
	using F = RangeFamily<Rule>;
	std::vector<typename F::Entry> entries;
	typename F::Key key{};

	// A NULL previous key asks for the first one.
	while (bpf_map_get_next_key(F::fd(maps), entries.empty() ? nullptr : &entries.back().key,
				    &key) == 0) {
		typename F::Entry entry{key, {}};
		if (bpf_map_lookup_elem(F::fd(maps), &key, &entry.value) < 0) {
			if (errno == ENOENT)
				continue; // deleted behind our back: not there
			return make_error(-errno, "look up " + describe(key) + " in " + F::map_name);
		}
		entries.push_back(entry);
	}
	if (errno != ENOENT)
		return make_error(-errno, std::string("iterate ") + F::map_name);
	return entries;
}

template <typename Rule>
Result<OwnRules<typename RangeFamily<Rule>::Key>> read_own(const XdpMaps &maps)
{
	auto entries = read_entries<Rule>(maps);
	if (!entries)
		return entries.error();
	OwnRules<typename RangeFamily<Rule>::Key> own;
	for (const auto &entry : entries.value()) {
		const uint32_t n = std::min<uint32_t>(entry.value.own_count, MCR_XDP_RANGE_PORTS);
		if (n > 0)
			own[entry.key].assign(entry.value.own, entry.value.own + n);
	}
	return own;
}

// Makes the map hold the entries of `own`, touching only what differs;
// stale prefixes go first, so the map never needs room for both sets.
template <typename Rule>
Status write_entries(const XdpMaps &maps, const OwnRules<typename RangeFamily<Rule>::Key> &own)
{
	using F = RangeFamily<Rule>;
	auto wanted = entries_of(own);
	if (!wanted)
		return wanted.error();
	if (wanted->size() > F::max_entries)
		return make_error(-E2BIG, std::to_string(wanted->size()) + " range prefixes for " +
						  F::map_name + " of " + std::to_string(F::max_entries));
	auto present = read_entries<Rule>(maps);
	if (!present)
		return present.error();

	std::map<typename F::Key, mcr_range_value, BytesLess> held;
	for (const auto &entry : present.value()) {
		held.emplace(entry.key, entry.value);
		if (wanted->contains(entry.key))
			continue;
		if (bpf_map_delete_elem(F::fd(maps), &entry.key) < 0 && errno != ENOENT)
			return make_error(-errno, "delete " + describe(entry.key) + " from " + F::map_name);
	}
	for (const auto &[key, value] : wanted.value()) {
		auto old = held.find(key);
		if (old != held.end() && std::memcmp(&old->second, &value, sizeof(value)) == 0)
			continue;
		if (bpf_map_update_elem(F::fd(maps), &key, &value, BPF_ANY) < 0)
			return make_error(-errno, "write " + describe(key) + " to " + F::map_name);
	}
	// The program looks into the map only while this says it holds
	// entries: an empty trie's lookup would cost every miss for nothing.
	return set_xdp_ranges_held(maps, F::held_bit, !wanted->empty());
}

template <typename Rule>
Status change_rule(const XdpMaps &maps, const Rule &rule, bool add)
{
	auto own = read_own<Rule>(maps);
	if (!own)
		return own.error();
	Status counted = add ? count_rule(own.value(), rule) : uncount_rule(own.value(), rule);
	if (!counted)
		return counted;
	return write_entries<Rule>(maps, own.value());
}

template <typename Rule>
Status sync_all(const XdpMaps &maps, std::span<const Rule> wanted)
{
	OwnRules<typename RangeFamily<Rule>::Key> own;
	for (const Rule &rule : wanted)
		if (Status counted = count_rule(own, rule); !counted)
			return counted;
	return write_entries<Rule>(maps, own);
}

} // namespace

Status add_range(const XdpMaps &maps, const RangeRule &rule)
{
	return change_rule(maps, rule, true);
}

Status delete_range(const XdpMaps &maps, const RangeRule &rule)
{
	return change_rule(maps, rule, false);
}

Status add_range(const XdpMaps &maps, const RangeRule6 &rule)
{
	return change_rule(maps, rule, true);
}

Status delete_range(const XdpMaps &maps, const RangeRule6 &rule)
{
	return change_rule(maps, rule, false);
}

Status sync_ranges(const XdpMaps &maps, std::span<const RangeRule> wanted)
{
	return sync_all(maps, wanted);
}

Status sync_ranges6(const XdpMaps &maps, std::span<const RangeRule6> wanted)
{
	return sync_all(maps, wanted);
}

Result<std::vector<RangeEntry>> read_ranges(const XdpMaps &maps)
{
	return read_entries<RangeRule>(maps);
}

Result<std::vector<RangeEntry6>> read_ranges6(const XdpMaps &maps)
{
	return read_entries<RangeRule6>(maps);
}

} // namespace mcr::bpf
