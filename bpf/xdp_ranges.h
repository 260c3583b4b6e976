// The range rules the XDP program steers to mcr after an exact miss:
// entries of mcr_ranges (IPv4) and mcr_ranges6 (IPv6), one per destination
// prefix and VLAN, each with the merged port ranges of every range rule
// that covers it (mcr_xdp_shared.h). Both families work alike.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mcr_xdp_shared.h"
#include "xdp_maps.h"
#include "xdp_result.h"
#include "xdp_rules.h"

namespace mcr::bpf {

// One range rule of a port, as the config model holds it. The program
// matches the destination prefix, the port range and the VLAN; a source
// prefix is mcr's to check (the program passes every source, and mcr drops
// the wrong ones as no-rule), so only whether there is one is kept.
struct RangeRule {
	uint32_t dst = 0;           // host order; bits past dst_len are ignored
	uint8_t dst_len = 0;        // 0..32
	uint32_t src = 0;           // host order
	uint8_t src_len = 0;        // 0..32; 0 is any source
	uint16_t first_port = 0;    // UDP destination ports, inclusive;
	uint16_t last_port = 65535; // 0-65535 is "dport: any"
	uint16_t vlan = 0;          // 0 is untagged
};

// The same for IPv6, addresses as config::Ipv6 holds them (network order).
struct RangeRule6 {
	Ipv6Bytes dst{};
	uint8_t dst_len = 0; // 0..128
	Ipv6Bytes src{};
	uint8_t src_len = 0; // 0..128; 0 is any source
	uint16_t first_port = 0;
	uint16_t last_port = 65535;
	uint16_t vlan = 0;
};

// Each add counts one rule and needs its own delete: rules that share a
// prefix and port range are counted in the entry (mcr_range_value.own), so
// deleting one leaves the others matched. Deleting a rule the map does not
// hold succeeds and changes nothing. An add that would leave a prefix with
// more than MCR_XDP_RANGE_PORTS port ranges (its own rules' and those of
// the shorter prefixes covering it, merged), or the map with more than
// MCR_XDP_MAX_RANGES prefixes, fails with -E2BIG and changes nothing; a
// malformed rule (prefix length, first port > last, VLAN > 4095) with
// -EINVAL.
Status add_range(const XdpMaps &maps, const RangeRule &rule);
Status delete_range(const XdpMaps &maps, const RangeRule &rule);
Status add_range(const XdpMaps &maps, const RangeRule6 &rule);
Status delete_range(const XdpMaps &maps, const RangeRule6 &rule);

// Makes mcr_ranges (mcr_ranges6) hold exactly the entries of `wanted`
// (duplicates count as several rules). Entries that do not change are not
// touched. The same errors as add_range(), checked before anything is
// written; a failed write leaves a mix of old and new, which calling again
// with the same set repairs.
Status sync_ranges(const XdpMaps &maps, std::span<const RangeRule> wanted);
Status sync_ranges6(const XdpMaps &maps, std::span<const RangeRule6> wanted);

// Every entry as the program sees it, in the map's order.
struct RangeEntry {
	mcr_range_key key;
	mcr_range_value value;
};
struct RangeEntry6 {
	mcr_range6_key key;
	mcr_range_value value;
};
Result<std::vector<RangeEntry>> read_ranges(const XdpMaps &maps);
Result<std::vector<RangeEntry6>> read_ranges6(const XdpMaps &maps);

} // namespace mcr::bpf
