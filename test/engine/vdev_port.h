// An ethdev on a virtual device that the test creates and removes itself:
// net_pcap for the golden tests, net_null for the benchmark. One RX and one
// TX queue, started on construction.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace mcr::engine::test {

class VdevPort {
public:
	// vdev_name must be unique in the process and start with the driver
	// name (net_pcap..., net_null...). Throws std::runtime_error naming
	// the step that failed; nothing is left behind then.
	VdevPort(std::string vdev_name, const std::string &devargs, rte_mempool *rx_pool);
	~VdevPort();
	VdevPort(const VdevPort &) = delete;
	VdevPort &operator=(const VdevPort &) = delete;

	// Stops and closes the port and removes the vdev. net_pcap writes its
	// tx_pcap out on close, so read the capture only after this. Idempotent.
	void close();

	uint16_t port_id() const { return port_id_; }
	// The PMD takes chained mbufs (a header mbuf in front of a clone).
	bool multi_seg_tx() const { return multi_seg_tx_; }
	const std::string &name() const { return name_; }

private:
	void open(const std::string &devargs, rte_mempool *rx_pool);

	std::string name_;
	uint16_t port_id_ = UINT16_MAX;
	bool added_ = false;
	bool multi_seg_tx_ = false;
};

} // namespace mcr::engine::test
