// Per (worker, egress port) TX buffer. Unlike rte_eth_tx_buffer it keeps,
// for each packet, the output it belongs to: a packet is counted on its
// output when queued, and what the PMD refuses is moved from that output's
// packets and bytes to its drops.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "engine/compiled_rule.h"

namespace mcr::engine {

constexpr uint16_t tx_buffer_capacity = 64;

struct TxBuffer {
	uint16_t count = 0;
	uint64_t bytes = 0; // of the queued packets, for the port's tx_bytes
	rte_mbuf *pkts[tx_buffer_capacity];
	OutputCounters *owners[tx_buffer_capacity];
};

} // namespace mcr::engine
