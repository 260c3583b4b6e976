// The rule table's key: what identifies a flow on arrival. Addresses and
// port in network order, as parsed, so workers build keys without swapping.
#pragma once

#include <cstdint>

namespace mcr::engine {

// Aligned to 8: rte_hash_crc reads keys eight bytes at a time.
struct alignas(8) RuleKey {
	uint32_t dst_ip;
	uint32_t src_ip; // 0: any source (*,G)
	uint16_t dst_port;
	uint16_t vlan;       // 0: untagged
	uint16_t port_index; // ingress port
	uint16_t zero = 0;   // keeps the 16 bytes fully defined for hashing
};
static_assert(sizeof(RuleKey) == 16);

} // namespace mcr::engine
