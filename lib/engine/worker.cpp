#include "engine/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "common/log.h"

namespace mcr::engine {

namespace {

// Until the forwarding engine lands a worker counts what it receives and
// returns the buffers at once.
void handle_burst(Worker &w, const RxQueue &q, rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	PortCounters &pc = w.ports[q.port_index];
	pc.rx_packets.add(n);
	pc.rx_bytes.add(bytes);
	rte_pktmbuf_free_bulk(pkts, n);
}

} // namespace

int worker_main(void *arg)
{
	Worker &w = *static_cast<Worker *>(arg);
	rte_mbuf *pkts[max_burst];

	MCR_LOG(worker, INFO, "worker %u on lcore %u: %zu RX queue(s), burst %u", w.index, w.lcore,
		w.rx.size(), w.burst);
	while (w.running->load(std::memory_order_relaxed)) {
		for (const RxQueue &q : w.rx) {
			const uint16_t n = rte_eth_rx_burst(q.port_id, q.queue_id, pkts, w.burst);
			w.counters.polls.add(1);
			if (n == 0)
				continue;
			w.counters.busy_polls.add(1);
			handle_burst(w, q, pkts, n);
		}
	}
	MCR_LOG(worker, INFO, "worker %u on lcore %u stopped", w.index, w.lcore);
	return 0;
}

} // namespace mcr::engine
