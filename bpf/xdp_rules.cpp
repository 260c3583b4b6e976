#include "xdp_rules.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include <bpf/bpf.h>
#include <linux/bpf.h>

namespace mcr::bpf {

namespace {

// What differs between the IPv4 and IPv6 maps; the bookkeeping below is
// written once for both.
template <typename Key>
struct Family;

template <>
struct Family<mcr_rule_key> {
	using Group = mcr_group_key;
	static constexpr const char *rules_name = MCR_XDP_RULES_MAP_NAME;
	static constexpr const char *groups_name = MCR_XDP_GROUPS_MAP_NAME;
	static constexpr size_t max_rules = MCR_XDP_MAX_RULES;
	static int rules(const XdpMaps &maps) { return maps.rules.get(); }
	static int groups(const XdpMaps &maps) { return maps.groups.get(); }
	static Group group_of(const mcr_rule_key &key) { return key.dst_ip; }
};

template <>
struct Family<mcr_rule6_key> {
	using Group = mcr_group6_key;
	static constexpr const char *rules_name = MCR_XDP_RULES6_MAP_NAME;
	static constexpr const char *groups_name = MCR_XDP_GROUPS6_MAP_NAME;
	static constexpr size_t max_rules = MCR_XDP_MAX_RULES6;
	static int rules(const XdpMaps &maps) { return maps.rules6.get(); }
	static int groups(const XdpMaps &maps) { return maps.groups6.get(); }
	static Group group_of(const mcr_rule6_key &key) { return key.dst_ip; }
};

std::string describe(const mcr_rule_key &key)
{
	char dst[INET_ADDRSTRLEN] = "?";
	char src[INET_ADDRSTRLEN] = "*";

	::inet_ntop(AF_INET, &key.dst_ip, dst, sizeof(dst));
	if (key.src_ip != 0)
		::inet_ntop(AF_INET, &key.src_ip, src, sizeof(src));
	return std::string("rule ") + src + " -> " + dst + ":" + std::to_string(ntohs(key.dst_port)) +
	       " vlan " + std::to_string(key.vlan);
}

std::string describe(const mcr_rule6_key &key)
{
	static constexpr mcr_ipv6_addr any_source{};
	char dst[INET6_ADDRSTRLEN] = "?";
	char src[INET6_ADDRSTRLEN] = "*";

	::inet_ntop(AF_INET6, key.dst_ip.bytes, dst, sizeof(dst));
	if (std::memcmp(&key.src_ip, &any_source, sizeof(any_source)) != 0)
		::inet_ntop(AF_INET6, key.src_ip.bytes, src, sizeof(src));
	return std::string("rule ") + src + " -> [" + dst +
	       "]:" + std::to_string(ntohs(key.dst_port)) + " vlan " + std::to_string(key.vlan);
}

// Byte order, not numeric order: any strict order of the keys will do.
struct BytesLess {
	template <typename T>
	bool operator()(const T &a, const T &b) const
	{
		return std::memcmp(&a, &b, sizeof(a)) < 0;
	}
};

template <typename T>
bool bytes_equal(const T &a, const T &b)
{
	return std::memcmp(&a, &b, sizeof(a)) == 0;
}

template <typename Key>
using GroupOf = typename Family<Key>::Group;

template <typename Key>
Result<mcr_group_refs> group_refs(const XdpMaps &maps, const GroupOf<Key> &group)
{
	mcr_group_refs refs = 0;

	if (bpf_map_lookup_elem(Family<Key>::groups(maps), &group, &refs) == 0)
		return refs;
	if (errno == ENOENT)
		return mcr_group_refs{0};
	return make_error(-errno, std::string("look up group in ") + Family<Key>::groups_name);
}

// Sets a group's count, deleting it at zero.
template <typename Key>
Status set_group_refs(const XdpMaps &maps, const GroupOf<Key> &group, mcr_group_refs refs)
{
	const int fd = Family<Key>::groups(maps);

	if (refs == 0) {
		if (bpf_map_delete_elem(fd, &group) < 0 && errno != ENOENT)
			return make_error(-errno, std::string("delete group from ") +
							  Family<Key>::groups_name);
		return {};
	}
	if (bpf_map_update_elem(fd, &group, &refs, BPF_ANY) < 0)
		return make_error(-errno, std::string("update group in ") + Family<Key>::groups_name);
	return {};
}

template <typename Key>
Status adjust_group(const XdpMaps &maps, const GroupOf<Key> &group, int delta)
{
	auto refs = group_refs<Key>(maps, group);
	if (!refs)
		return refs.error();
	if (delta < 0 && refs.value() == 0)
		return {}; // already gone: nothing to undo
	return set_group_refs<Key>(maps, group, refs.value() + static_cast<mcr_group_refs>(delta));
}

template <typename Key>
Result<std::vector<Key>> read_keys(int map_fd, const char *map_name)
{
	std::vector<Key> keys;
	Key key{};

	// A NULL previous key asks for the first one.
	while (bpf_map_get_next_key(map_fd, keys.empty() ? nullptr : &keys.back(), &key) == 0)
		keys.push_back(key);
	if (errno != ENOENT)
		return make_error(-errno, std::string("iterate ") + map_name);
	return keys;
}

template <typename Key>
Status add_key(const XdpMaps &maps, const Key &key)
{
	const uint32_t flags = 0; // mcr_rule_flags, mcr_rule6_flags: reserved

	if (bpf_map_update_elem(Family<Key>::rules(maps), &key, &flags, BPF_NOEXIST) < 0) {
		if (errno == EEXIST)
			return {};
		return make_error(-errno, "add " + describe(key) + " to " + Family<Key>::rules_name);
	}
	return adjust_group<Key>(maps, Family<Key>::group_of(key), +1);
}

template <typename Key>
Status delete_key(const XdpMaps &maps, const Key &key)
{
	if (bpf_map_delete_elem(Family<Key>::rules(maps), &key) < 0) {
		if (errno == ENOENT)
			return {};
		return make_error(-errno,
				  "delete " + describe(key) + " from " + Family<Key>::rules_name);
	}
	return adjust_group<Key>(maps, Family<Key>::group_of(key), -1);
}

template <typename Key>
Status sync_keys(const XdpMaps &maps, std::span<const Key> wanted_keys)
{
	using F = Family<Key>;
	const int rules_fd = F::rules(maps);

	std::vector<Key> wanted(wanted_keys.begin(), wanted_keys.end());
	std::sort(wanted.begin(), wanted.end(), BytesLess{});
	wanted.erase(std::unique(wanted.begin(), wanted.end(), bytes_equal<Key>), wanted.end());
	if (wanted.size() > F::max_rules)
		return make_error(-E2BIG, std::to_string(wanted.size()) + " rules for " +
						  F::rules_name + " of " + std::to_string(F::max_rules));

	auto present = read_keys<Key>(rules_fd, F::rules_name);
	if (!present)
		return present.error();
	std::sort(present->begin(), present->end(), BytesLess{});

	// Stale keys out first, so that the map never needs room for the old
	// and the new set at once; keys in both sets are never touched.
	for (const Key &key : present.value()) {
		if (std::binary_search(wanted.begin(), wanted.end(), key, BytesLess{}))
			continue;
		if (bpf_map_delete_elem(rules_fd, &key) < 0 && errno != ENOENT)
			return make_error(-errno, "delete " + describe(key) + " from " + F::rules_name);
	}

	// Groups before their rules, so a malformed packet for a new flow is
	// recognised as soon as the flow is.
	std::map<GroupOf<Key>, mcr_group_refs, BytesLess> groups;
	for (const Key &key : wanted)
		++groups[F::group_of(key)];
	for (const auto &[group, refs] : groups)
		if (Status set = set_group_refs<Key>(maps, group, refs); !set)
			return set;

	const uint32_t flags = 0;
	for (const Key &key : wanted) {
		if (std::binary_search(present->begin(), present->end(), key, BytesLess{}))
			continue;
		if (bpf_map_update_elem(rules_fd, &key, &flags, BPF_ANY) < 0)
			return make_error(-errno, "add " + describe(key) + " to " + F::rules_name);
	}

	auto stale_groups = read_keys<GroupOf<Key>>(F::groups(maps), F::groups_name);
	if (!stale_groups)
		return stale_groups.error();
	for (const GroupOf<Key> &group : stale_groups.value())
		if (!groups.contains(group))
			if (Status gone = set_group_refs<Key>(maps, group, 0); !gone)
				return gone;
	return {};
}

} // namespace

mcr_rule_key make_rule_key(uint32_t dst, uint16_t dst_port, uint16_t vlan, uint32_t src)
{
	mcr_rule_key key{};
	key.dst_ip = htonl(dst);
	key.dst_port = htons(dst_port);
	key.vlan = vlan;
	key.src_ip = htonl(src);
	return key;
}

mcr_rule6_key make_rule6_key(const Ipv6Bytes &dst, uint16_t dst_port, uint16_t vlan,
			     const Ipv6Bytes &src)
{
	mcr_rule6_key key{};
	std::memcpy(key.dst_ip.bytes, dst.data(), sizeof(key.dst_ip.bytes));
	key.dst_port = htons(dst_port);
	key.vlan = vlan;
	std::memcpy(key.src_ip.bytes, src.data(), sizeof(key.src_ip.bytes));
	return key;
}

Status add_rule(const XdpMaps &maps, const mcr_rule_key &key)
{
	return add_key(maps, key);
}

Status add_rule(const XdpMaps &maps, const mcr_rule6_key &key)
{
	return add_key(maps, key);
}

Status delete_rule(const XdpMaps &maps, const mcr_rule_key &key)
{
	return delete_key(maps, key);
}

Status delete_rule(const XdpMaps &maps, const mcr_rule6_key &key)
{
	return delete_key(maps, key);
}

Result<std::vector<mcr_rule_key>> read_rules(const XdpMaps &maps)
{
	return read_keys<mcr_rule_key>(maps.rules.get(), MCR_XDP_RULES_MAP_NAME);
}

Result<std::vector<mcr_rule6_key>> read_rules6(const XdpMaps &maps)
{
	return read_keys<mcr_rule6_key>(maps.rules6.get(), MCR_XDP_RULES6_MAP_NAME);
}

Status sync_rules(const XdpMaps &maps, std::span<const mcr_rule_key> wanted)
{
	return sync_keys(maps, wanted);
}

Status sync_rules6(const XdpMaps &maps, std::span<const mcr_rule6_key> wanted)
{
	return sync_keys(maps, wanted);
}

} // namespace mcr::bpf
