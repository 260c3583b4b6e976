// The relay flows the XDP program steers to mcr: keys in mcr_rules, with
// mcr_groups kept as the per-destination count of those keys.
#pragma once

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

// Idempotent: adding a present key or deleting an absent one succeeds and
// changes nothing. Callers whose rules can share a key should use
// sync_rules(), which counts each key once whatever the duplicates.
Status add_rule(const XdpMaps &maps, const mcr_rule_key &key);
Status delete_rule(const XdpMaps &maps, const mcr_rule_key &key);

// Makes mcr_rules hold exactly `wanted` (duplicates allowed) and rebuilds
// mcr_groups from it. Keys in both the old and the new set are never
// touched, so their flows see no gap. On error the maps hold a mix of old
// and new; calling again with the same set repairs them.
Status sync_rules(const XdpMaps &maps, std::span<const mcr_rule_key> wanted);

// Every key in mcr_rules, in the map's order.
Result<std::vector<mcr_rule_key>> read_rules(const XdpMaps &maps);

} // namespace mcr::bpf
