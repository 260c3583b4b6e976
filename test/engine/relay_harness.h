// The engine between pcap files: every port is a net_pcap vdev that reads
// the frames a test gives it (rx_pcap) and writes what the engine sends
// (tx_pcap). One Worker is driven by hand from the main lcore, exactly as
// worker_main would drive it, minus the threads. Everything it creates
// (temp dir, vdevs, pools, engine) is gone when it is destroyed, so tests
// are independent.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/engine.h"
#include "engine/pools.h"
#include "engine/worker.h"
#include "frame_builder.h"
#include "packet/drop_reason.h"
#include "vdev_port.h"

namespace mcr::engine::test {

struct PortPlan {
	std::string name;
	MacBytes mac;
	uint32_t ipv4 = 0;           // host order
	std::vector<Bytes> receives; // what arrives on the port, in order
	// Whether the engine may hand this port chained mbufs; absent: as the
	// PMD advertises it (RTE_ETH_TX_OFFLOAD_MULTI_SEGS), like the app does.
	// net_pcap 22.11 writes chains out correctly (rte_pktmbuf_read) but does
	// not advertise the offload, so the clone-path tests set it.
	std::optional<bool> multi_seg_tx;
	bool verify_udp_checksum = false; // `udp_checksum: verify`
	uint16_t mtu = 1500; // larger outputs are fragmented or too-big
	std::array<uint8_t, 16> ipv6{}; // what IPv6 outputs are sent from; zero: none
};

// Default size classes: copies of small outputs go to "small"; "large"
// holds a full frame, so it is the RX pool (as the app chooses it).
std::vector<config::Pool> default_classes();

class RelayHarness {
public:
	// Throws std::runtime_error when any piece cannot be created. Worker 0
	// polls every port; with more workers the others poll nothing but get
	// bursts through receive() and their hand-off rings.
	RelayHarness(std::vector<PortPlan> ports, const EngineParams &params,
		     std::vector<config::Pool> classes = default_classes(), uint16_t workers = 1);
	~RelayHarness();
	RelayHarness(const RelayHarness &) = delete;
	RelayHarness &operator=(const RelayHarness &) = delete;

	// Engine::add_rule without a neighbour table (tests give `mac:`).
	int add_rule(const config::Rule &rule, std::string *error);

	// Polls (every worker) until nothing arrives several polls in a row.
	// Returns the frames received. TX buffers are not flushed.
	uint64_t poll_until_idle();
	void flush()
	{
		for (auto &w : workers_)
			worker_flush(*w);
	}

	// Hands frames to the worker as one burst received on `port`
	// (worker_handle_burst), bypassing the PMD, for what net_pcap cannot
	// produce such as RX offload flags; `adjust` may set mbuf fields.
	void receive(const std::string &port, const std::vector<Bytes> &frames,
		     const std::function<void(rte_mbuf *)> &adjust = {}, uint16_t worker = 0);

	// mbufs in use per pool: the size classes by their config names, and
	// "clone" and "header" for the engine's own pools.
	std::map<std::string, unsigned> pool_in_use() const;

	// Stops and closes every port (net_pcap writes its tx_pcap out then)
	// and returns what the port sent, in order.
	std::vector<Bytes> sent_on(const std::string &port);

	Worker &worker(uint16_t i = 0) { return *workers_[i]; }
	Engine &engine() { return *engine_; }
	const EnginePort &port(const std::string &name) const;
	uint16_t port_index(const std::string &name) const;
	// Over every worker.
	uint64_t drops(packet::DropReason reason) const
	{
		uint64_t n = 0;
		for (const auto &w : workers_)
			n += drop_count(*w, reason);
		return n;
	}
	uint64_t port_drops(const std::string &port, packet::DropReason reason) const
	{
		uint64_t n = 0;
		for (const auto &w : workers_)
			n += w->drops[port_index(port)].reasons[static_cast<size_t>(reason)].get();
		return n;
	}
	const std::string &dir() const { return dir_; }

private:
	void close_ports();
	std::string tx_path(const std::string &port) const;

	std::string dir_;
	std::vector<PortPlan> plans_;
	std::string pool_prefix_;
	std::unique_ptr<Pools> pools_;
	rte_mempool *rx_pool_ = nullptr;
	std::vector<std::unique_ptr<VdevPort>> vdevs_;
	std::unique_ptr<Engine> engine_;
	std::vector<std::unique_ptr<Worker>> workers_;
};

} // namespace mcr::engine::test
