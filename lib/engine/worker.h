// A worker lcore: polls its RX queues in bursts, run to completion.
#pragma once

#include <rte_common.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/counter.h"

namespace mcr::engine {

constexpr unsigned max_ports = 32;
constexpr uint16_t max_burst = 512;

struct RxQueue {
	uint16_t port_index; // index in the config's port list
	uint16_t port_id;    // ethdev id
	uint16_t queue_id;
};

// Per worker, per port: one cache line each, written by one worker only.
struct alignas(RTE_CACHE_LINE_SIZE) PortCounters {
	Counter rx_packets;
	Counter rx_bytes;
	Counter tx_packets;
	Counter tx_bytes;
	Counter tx_dropped;
};

struct alignas(RTE_CACHE_LINE_SIZE) WorkerCounters {
	Counter polls;      // RX bursts attempted
	Counter busy_polls; // bursts that returned at least one packet
};

struct Worker {
	unsigned lcore = 0;
	uint16_t index = 0;
	uint16_t burst = 32;
	std::vector<RxQueue> rx;
	// Each worker owns TX queue `index` on every port (no sharing, no lock).
	uint16_t tx_queue = 0;
	const std::atomic<bool> *running = nullptr;

	WorkerCounters counters;
	PortCounters ports[max_ports];
};

// rte_eal_remote_launch entry point; arg is a Worker*. Returns 0 when
// *running turns false.
int worker_main(void *arg);

} // namespace mcr::engine
