// Per (worker, egress port) TX buffer. Unlike rte_eth_tx_buffer it keeps,
// for each packet, the output it belongs to, so what the PMD accepts or
// refuses is counted on that output.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "engine/compiled_rule.h"

namespace mcr::engine {

constexpr uint16_t tx_buffer_capacity = 64;

struct TxBuffer {
	uint16_t count = 0;
	rte_mbuf *pkts[tx_buffer_capacity];
	OutputCounters *owners[tx_buffer_capacity];
	uint32_t lengths[tx_buffer_capacity];
};

} // namespace mcr::engine
