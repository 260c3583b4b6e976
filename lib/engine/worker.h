// A worker lcore: polls its RX queues in bursts and runs each packet to
// completion (parse, bulk lookup, fan-out, TX buffers), never blocking,
// allocating from the heap, locking or logging per packet.
#pragma once

#include <rte_common.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/counter.h"
#include "engine/engine.h"
#include "engine/reassembly.h"
#include "engine/tx_buffer.h"
#include "packet/drop_reason.h"

struct rte_mbuf;

namespace mcr::engine {

constexpr unsigned max_ports = 32;
constexpr uint16_t max_burst = 512;

struct RxQueue {
	uint16_t port_index; // index in the engine's port list
	uint16_t port_id;    // ethdev id at start; workers poll Engine::ethdev(port_index)
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

// Per worker, per port, by reason: a packet dropped before a rule chose
// its outputs counts on its ingress port, one an output dropped on that
// output's egress port. Totals are sums (drop_count); written by one
// worker only, never cleared.
struct alignas(RTE_CACHE_LINE_SIZE) PortDrops {
	Counter reasons[packet::drop_reason_count];
};

struct alignas(RTE_CACHE_LINE_SIZE) WorkerCounters {
	Counter polls;      // RX bursts attempted
	Counter busy_polls; // bursts that returned at least one packet
	Counter idle_sleeps; // sleeps of an idle worker (EngineParams::idle_sleep_us)
	Counter reassembled;   // datagrams made whole from fragments
	Counter fragmented;    // output datagrams split to fit their port's MTU
	Counter fragments_out; // the fragments they were split into
};

struct Worker {
	unsigned lcore = 0;
	uint16_t index = 0; // also its RCU thread id
	std::vector<RxQueue> rx;
	// Each worker owns TX queue `index` on every port (no sharing, no lock).
	uint16_t tx_queue = 0;
	const std::atomic<bool> *running = nullptr;
	const Engine *engine = nullptr;

	WorkerCounters counters;
	PortCounters ports[max_ports];
	PortDrops drops[max_ports];
	TxBuffer tx[max_ports];
	uint32_t tx_pending = 0; // packets across all TX buffers
	// Empty TX calls still owed, per port, to take back what it sent
	// (EnginePort::reclaims_in_tx_call); made while idle, one per drain tick.
	uint8_t tx_reclaims[max_ports] = {};
	uint32_t tx_reclaims_owed = 0; // ports with tx_reclaims[] > 0
	FragmentTable fragments; // create() before launch, or fragments are dropped
};

// The worker's drops for one reason, over all ports.
inline uint64_t drop_count(const Worker &w, packet::DropReason reason)
{
	uint64_t n = 0;
	for (const PortDrops &p : w.drops)
		n += p.reasons[static_cast<size_t>(reason)].get();
	return n;
}

// rte_eal_remote_launch entry point; arg is a Worker*. Returns 0 when
// *running turns false, after flushing its TX buffers.
int worker_main(void *arg);

// One pass over the worker's RX queues; returns packets received. For
// tests that drive a worker from the main lcore.
unsigned worker_poll(Worker &w);
// Sends whatever the TX buffers hold.
void worker_flush(Worker &w);
// One empty TX call on each port still owed one (see Worker::tx_reclaims).
void worker_reclaim_tx(Worker &w);

// Processes a received burst (exposed for tests and benchmarks).
void worker_handle_burst(Worker &w, uint16_t port_index, rte_mbuf **pkts, uint16_t n);

} // namespace mcr::engine
