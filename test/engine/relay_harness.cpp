#include "relay_harness.h"

#include <stdlib.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstring>

#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "engine_setup.h"
#include "pcap_io.h"

namespace mcr::engine::test {

namespace {

// Polls that must come back empty before the input counts as consumed:
// net_pcap returns 0 only at the end of its file, but one spare poll costs
// nothing and guards against a short read.
constexpr int idle_polls_needed = 3;
constexpr int max_polls = 100000;

// Vdev and pool names are process-wide; every harness gets its own.
int next_instance()
{
	static int n = 0;
	return n++;
}

std::string make_temp_dir()
{
	const char *base = std::getenv("TMPDIR");
	std::string templ = std::string(base && *base ? base : "/tmp") + "/mcr-engine-pcap-XXXXXX";
	if (mkdtemp(templ.data()) == nullptr)
		throw std::runtime_error("cannot create a temp dir from " + templ);
	return templ;
}

} // namespace

std::vector<config::Pool> default_classes()
{
	return {{"small", 512, 511, {}}, {"large", 2048, 1023, {}}};
}

RelayHarness::RelayHarness(std::vector<PortPlan> ports, const EngineParams &params,
			   std::vector<config::Pool> classes, uint16_t workers)
	: dir_(make_temp_dir()), plans_(std::move(ports))
{
	const int instance = next_instance();
	pool_prefix_ = "g" + std::to_string(instance) + "_";
	for (config::Pool &c : classes)
		c.name = pool_prefix_ + c.name;
	pools_ = make_pools(classes);
	// The app's choice: the smallest class that holds a full frame.
	const SizeClass *rx_class = pools_->smallest_fitting(RTE_ETHER_MAX_LEN);
	if (rx_class == nullptr)
		throw std::runtime_error("no size class holds a full frame");
	rx_pool_ = rx_class->pool;

	std::vector<EnginePort> engine_ports;
	for (const PortPlan &plan : plans_) {
		const std::string rx_path = dir_ + "/" + plan.name + ".rx.pcap";
		write_pcap(rx_path, plan.receives);
		const std::string vdev = "net_pcap_g" + std::to_string(instance) + "_" + plan.name;
		vdevs_.push_back(std::make_unique<VdevPort>(
			vdev, "rx_pcap=" + rx_path + ",tx_pcap=" + tx_path(plan.name), rx_class->pool));
		EnginePort ep;
		ep.name = plan.name;
		ep.iface = vdev;
		ep.port_id = vdevs_.back()->port_id();
		ep.mac = ether(plan.mac);
		ep.ipv4 = plan.ipv4;
		ep.multi_seg_tx = plan.multi_seg_tx.value_or(vdevs_.back()->multi_seg_tx());
		ep.verify_udp_checksum = plan.verify_udp_checksum;
		ep.mtu = plan.mtu;
		ep.ipv6 = plan.ipv6;
		engine_ports.push_back(ep);
	}
	EngineParams p = params;
	if (p.rule_capacity > 4096)
		p.rule_capacity = 4096; // the tests need few; keep EAL memory for pools
	engine_ = make_engine(std::move(engine_ports), *pools_, p, workers);

	for (uint16_t w = 0; w < workers; w++) {
		auto worker = std::make_unique<Worker>();
		worker->index = w;
		worker->tx_queue = w;
		worker->engine = engine_.get();
		workers_.push_back(std::move(worker));
	}
	for (size_t i = 0; i < plans_.size(); i++)
		workers_[0]->rx.push_back({static_cast<uint16_t>(i), vdevs_[i]->port_id(), 0});
}

RelayHarness::~RelayHarness()
{
	close_ports();
	workers_.clear();
	engine_.reset(); // frees the clone and header pools
	pools_.reset();
	// Keep the captures of a failed test to look at.
	if (::testing::Test::HasFailure()) {
		std::printf("captures kept in %s\n", dir_.c_str());
	} else {
		std::error_code ignored;
		std::filesystem::remove_all(dir_, ignored);
	}
}

std::string RelayHarness::tx_path(const std::string &port) const
{
	return dir_ + "/" + port + ".tx.pcap";
}

int RelayHarness::add_rule(const config::Rule &rule, std::string *error)
{
	return test::add_rule(*engine_, rule, NeighbourLookup{}, error);
}

uint64_t RelayHarness::poll_until_idle()
{
	uint64_t received = 0;
	int idle = 0;
	for (int polls = 0; idle < idle_polls_needed; polls++) {
		if (polls == max_polls)
			throw std::runtime_error("ports still receiving after many polls");
		unsigned n = 0;
		for (auto &w : workers_)
			n += worker_poll(*w);
		received += n;
		idle = n == 0 ? idle + 1 : 0;
	}
	return received;
}

void RelayHarness::receive(const std::string &port, const std::vector<Bytes> &frames,
			   const std::function<void(rte_mbuf *)> &adjust, uint16_t worker)
{
	std::vector<rte_mbuf *> burst;
	for (const Bytes &f : frames) {
		rte_mbuf *m = rte_pktmbuf_alloc(rx_pool_);
		if (m == nullptr) {
			rte_pktmbuf_free_bulk(burst.data(), static_cast<unsigned>(burst.size()));
			throw std::runtime_error("RX pool empty");
		}
		char *data = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
		if (data == nullptr) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free_bulk(burst.data(), static_cast<unsigned>(burst.size()));
			throw std::runtime_error("frame larger than an RX mbuf");
		}
		std::memcpy(data, f.data(), f.size());
		if (adjust)
			adjust(m);
		burst.push_back(m);
	}
	worker_handle_burst(*workers_[worker], port_index(port), burst.data(),
			    static_cast<uint16_t>(burst.size()));
}

std::map<std::string, unsigned> RelayHarness::pool_in_use() const
{
	std::map<std::string, unsigned> in_use;
	for (const SizeClass &sc : pools_->classes())
		in_use[sc.name.substr(pool_prefix_.size())] = rte_mempool_in_use_count(sc.pool);
	in_use["clone"] = rte_mempool_in_use_count(engine_->clone_pool());
	in_use["header"] = rte_mempool_in_use_count(engine_->header_pool());
	return in_use;
}

void RelayHarness::close_ports()
{
	for (auto &v : vdevs_)
		v->close();
}

std::vector<Bytes> RelayHarness::sent_on(const std::string &port)
{
	port_index(port); // throws on a name the test never made
	close_ports();
	return read_pcap(tx_path(port));
}

const EnginePort &RelayHarness::port(const std::string &name) const
{
	return engine_->ports()[port_index(name)];
}

uint16_t RelayHarness::port_index(const std::string &name) const
{
	const int i = engine_->port_index(name);
	if (i < 0)
		throw std::runtime_error("no port " + name);
	return static_cast<uint16_t>(i);
}

} // namespace mcr::engine::test
