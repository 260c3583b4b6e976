// The relay flows the XDP program steers to mcr: keys in mcr_rules (IPv4)
// and mcr_rules6 (IPv6), with mcr_groups and mcr_groups6 kept as the
// per-destination count of those keys. Both families work alike.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "mcr_xdp_shared.h"
#include "xdp_maps.h"
#include "xdp_result.h"

namespace mcr::bpf {

// A key from host-order values, as the config model holds them.
// src 0 is any source; vlan 0 is untagged.
mcr_rule_key make_rule_key(uint32_t dst, uint16_t dst_port, uint16_t vlan = 0, uint32_t src = 0);

// An IPv6 address as the config model holds it (config::Ipv6): network order.
using Ipv6Bytes = std::array<uint8_t, 16>;

// The same for IPv6. src all zeros (the default) is any source.
mcr_rule6_key make_rule6_key(const Ipv6Bytes &dst, uint16_t dst_port, uint16_t vlan = 0,
			     const Ipv6Bytes &src = {});

// Idempotent: adding a present key or deleting an absent one succeeds and
// changes nothing. Callers whose rules can share a key should use
// sync_rules(), which counts each key once whatever the duplicates.
Status add_rule(const XdpMaps &maps, const mcr_rule_key &key);
Status delete_rule(const XdpMaps &maps, const mcr_rule_key &key);
// IPv6: mcr_rules6 and mcr_groups6.
Status add_rule(const XdpMaps &maps, const mcr_rule6_key &key);
Status delete_rule(const XdpMaps &maps, const mcr_rule6_key &key);

// Makes mcr_rules hold exactly `wanted` (duplicates allowed) and rebuilds
// mcr_groups from it. Keys in both the old and the new set are never
// touched, so their flows see no gap. On error the maps hold a mix of old
// and new; calling again with the same set repairs them.
Status sync_rules(const XdpMaps &maps, std::span<const mcr_rule_key> wanted);
// The same for mcr_rules6 and mcr_groups6; a name of its own so that
// sync_rules(maps, {}) stays unambiguous.
Status sync_rules6(const XdpMaps &maps, std::span<const mcr_rule6_key> wanted);

// Every key in mcr_rules (mcr_rules6), in the map's order.
Result<std::vector<mcr_rule_key>> read_rules(const XdpMaps &maps);
Result<std::vector<mcr_rule6_key>> read_rules6(const XdpMaps &maps);

} // namespace mcr::bpf
