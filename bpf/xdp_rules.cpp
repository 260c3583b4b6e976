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

bool key_less(const mcr_rule_key &a, const mcr_rule_key &b)
{
	return std::memcmp(&a, &b, sizeof(a)) < 0;
}

bool key_equal(const mcr_rule_key &a, const mcr_rule_key &b)
{
	return std::memcmp(&a, &b, sizeof(a)) == 0;
}

Result<mcr_group_refs> group_refs(const XdpMaps &maps, mcr_group_key group)
{
	mcr_group_refs refs = 0;

	if (bpf_map_lookup_elem(maps.groups.get(), &group, &refs) == 0)
		return refs;
	if (errno == ENOENT)
		return mcr_group_refs{0};
	return make_error(-errno, "look up group in " MCR_XDP_GROUPS_MAP_NAME);
}

// Sets a group's count, deleting it at zero.
Status set_group_refs(const XdpMaps &maps, mcr_group_key group, mcr_group_refs refs)
{
	if (refs == 0) {
		if (bpf_map_delete_elem(maps.groups.get(), &group) < 0 && errno != ENOENT)
			return make_error(-errno, "delete group from " MCR_XDP_GROUPS_MAP_NAME);
		return {};
	}
	if (bpf_map_update_elem(maps.groups.get(), &group, &refs, BPF_ANY) < 0)
		return make_error(-errno, "update group in " MCR_XDP_GROUPS_MAP_NAME);
	return {};
}

Status adjust_group(const XdpMaps &maps, mcr_group_key group, int delta)
{
	auto refs = group_refs(maps, group);
	if (!refs)
		return refs.error();
	if (delta < 0 && refs.value() == 0)
		return {}; // already gone: nothing to undo
	return set_group_refs(maps, group, refs.value() + static_cast<mcr_group_refs>(delta));
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

Status add_rule(const XdpMaps &maps, const mcr_rule_key &key)
{
	const mcr_rule_flags flags = 0;

	if (bpf_map_update_elem(maps.rules.get(), &key, &flags, BPF_NOEXIST) < 0) {
		if (errno == EEXIST)
			return {};
		return make_error(-errno, "add " + describe(key) + " to " MCR_XDP_RULES_MAP_NAME);
	}
	return adjust_group(maps, key.dst_ip, +1);
}

Status delete_rule(const XdpMaps &maps, const mcr_rule_key &key)
{
	if (bpf_map_delete_elem(maps.rules.get(), &key) < 0) {
		if (errno == ENOENT)
			return {};
		return make_error(-errno, "delete " + describe(key) + " from " MCR_XDP_RULES_MAP_NAME);
	}
	return adjust_group(maps, key.dst_ip, -1);
}

Result<std::vector<mcr_rule_key>> read_rules(const XdpMaps &maps)
{
	return read_keys<mcr_rule_key>(maps.rules.get(), MCR_XDP_RULES_MAP_NAME);
}

Status sync_rules(const XdpMaps &maps, std::span<const mcr_rule_key> wanted_keys)
{
	std::vector<mcr_rule_key> wanted(wanted_keys.begin(), wanted_keys.end());
	std::sort(wanted.begin(), wanted.end(), key_less);
	wanted.erase(std::unique(wanted.begin(), wanted.end(), key_equal), wanted.end());
	if (wanted.size() > MCR_XDP_MAX_RULES)
		return make_error(-E2BIG, std::to_string(wanted.size()) + " rules for " +
						  MCR_XDP_RULES_MAP_NAME + " of " +
						  std::to_string(MCR_XDP_MAX_RULES));

	auto present = read_rules(maps);
	if (!present)
		return present.error();
	std::sort(present->begin(), present->end(), key_less);

	// Stale keys out first, so that the map never needs room for the old
	// and the new set at once; keys in both sets are never touched.
	for (const mcr_rule_key &key : present.value()) {
		if (std::binary_search(wanted.begin(), wanted.end(), key, key_less))
			continue;
		if (bpf_map_delete_elem(maps.rules.get(), &key) < 0 && errno != ENOENT)
			return make_error(-errno,
					  "delete " + describe(key) + " from " MCR_XDP_RULES_MAP_NAME);
	}

	// Groups before their rules, so a malformed packet for a new flow is
	// recognised as soon as the flow is.
	std::map<mcr_group_key, mcr_group_refs> groups;
	for (const mcr_rule_key &key : wanted)
		++groups[key.dst_ip];
	for (const auto &[group, refs] : groups)
		if (Status set = set_group_refs(maps, group, refs); !set)
			return set;

	const mcr_rule_flags flags = 0;
	for (const mcr_rule_key &key : wanted) {
		if (std::binary_search(present->begin(), present->end(), key, key_less))
			continue;
		if (bpf_map_update_elem(maps.rules.get(), &key, &flags, BPF_ANY) < 0)
			return make_error(-errno, "add " + describe(key) + " to " MCR_XDP_RULES_MAP_NAME);
	}

	auto stale_groups = read_keys<mcr_group_key>(maps.groups.get(), MCR_XDP_GROUPS_MAP_NAME);
	if (!stale_groups)
		return stale_groups.error();
	for (mcr_group_key group : stale_groups.value())
		if (!groups.contains(group))
			if (Status gone = set_group_refs(maps, group, 0); !gone)
				return gone;
	return {};
}

} // namespace mcr::bpf
