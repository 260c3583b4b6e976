#include "traffic/dpdk_port.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "common/mbuf_pool.h"

namespace mcr::traffic {

namespace {

constexpr unsigned pool_mbufs = 8191;
constexpr unsigned pool_cache = 256;
constexpr uint16_t ring_descs = 1024;
// The af_packet PMD's default ring (512 frames) is 25 ms at 20 kpps: less
// than a busy host may keep a poller off its CPU. 4096 frames of 2 KB
// (8 MB per direction) ride out 200 ms.
constexpr const char *af_packet_ring = "blocksz=4096,framesz=2048,framecnt=4096";

int fail(std::string *error, int rc, const std::string &what)
{
	*error = what + ": " + rte_strerror(rc < 0 ? -rc : rc);
	return -1;
}

// "0,1,3": the CPUs this process may run on.
std::string allowed_cpus()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	std::string list;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &set))
				continue;
			list += (list.empty() ? "" : ",") + std::to_string(cpu);
		}
	}
	return list.empty() ? "0" : list;
}

} // namespace

SplitArgs split_eal_args(int argc, char **argv)
{
	SplitArgs out;
	int sep = -1;
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	}
	out.eal.push_back(argv[0]);
	out.tool.push_back(argv[0]);
	if (sep < 0) {
		out.tool.insert(out.tool.end(), argv + 1, argv + argc);
		return out;
	}
	out.eal.insert(out.eal.end(), argv + 1, argv + sep);
	out.tool.insert(out.tool.end(), argv + sep + 1, argv + argc);
	out.has_eal_args = sep > 1;
	return out;
}

std::vector<std::string> default_eal_args(const char *tool)
{
	return {"--lcores", "0@(" + allowed_cpus() + ")", "--no-huge", "-m", "256", "--no-pci",
		"--file-prefix", std::string(tool) + "-" + std::to_string(getpid()), "--no-shconf",
		"--no-telemetry", "--log-level", "lib.eal:error"};
}

void stop_eal_for_port(const SplitArgs &args, bool has_port)
{
	if (!has_port)
		return;
	const std::string runtime_dir = rte_eal_get_runtime_dir();
	rte_eal_cleanup();
	// With --no-shconf and no telemetry EAL leaves the directory empty;
	// rmdir refuses anything else, so nothing of another run is touched.
	if (!args.has_eal_args && !runtime_dir.empty())
		rmdir(runtime_dir.c_str());
}

int start_eal_for_port(const char *tool, const SplitArgs &args, bool has_port)
{
	if (args.has_eal_args && !has_port) {
		std::fprintf(stderr, "%s: EAL options given but no --port\n", tool);
		return 2;
	}
	if (!has_port)
		return 0;
	std::vector<std::string> eal(args.eal.begin() + 1, args.eal.end());
	if (!args.has_eal_args)
		eal = default_eal_args(tool);
	std::string error;
	if (start_eal(args.eal[0], eal, &error) < 0) {
		std::fprintf(stderr, "%s: %s\n", tool, error.c_str());
		return 1;
	}
	return 0;
}

int start_eal(const char *argv0, const std::vector<std::string> &args, std::string *error)
{
	std::vector<std::string> storage{argv0};
	storage.insert(storage.end(), args.begin(), args.end());
	std::vector<char *> argv;
	for (std::string &s : storage)
		argv.push_back(s.data());
	argv.push_back(nullptr);
	if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0)
		return fail(error, rte_errno, "EAL init");
	return 0;
}

DpdkPort::~DpdkPort()
{
	close();
}

int DpdkPort::open(const PortSpec &spec, const char *owner, std::string *error)
{
	const bool xdp = spec.driver == PortSpec::Driver::af_xdp;
	vdev_ = std::string(xdp ? "net_af_xdp_" : "net_af_packet_") + owner;
	const std::string args = xdp ? "iface=" + spec.iface + ",start_queue=0,queue_count=1"
				     : "iface=" + spec.iface + ",qpairs=1,qdisc_bypass=1," + af_packet_ring;
	int rc = rte_eal_hotplug_add("vdev", vdev_.c_str(), args.c_str());
	if (rc < 0) {
		const std::string name = vdev_;
		vdev_.clear();
		return fail(error, rc, "cannot create " + name + " on " + spec.iface);
	}
	rc = rte_eth_dev_get_port_by_name(vdev_.c_str(), &port_id_);
	if (rc < 0) {
		close();
		return fail(error, rc, "ethdev not found after probe");
	}
	const int socket = rte_eth_dev_socket_id(port_id_);
	pool_ = create_mbuf_pool((std::string("mcr_traffic_") + owner).c_str(), pool_mbufs,
				 pool_cache, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool_ == nullptr) {
		close();
		return fail(error, rte_errno, "mbuf pool");
	}
	rte_eth_conf conf{};
	rc = rte_eth_dev_configure(port_id_, 1, 1, &conf);
	if (rc < 0) {
		close();
		return fail(error, rc, "configure");
	}
	uint16_t rx_desc = ring_descs;
	uint16_t tx_desc = ring_descs;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id_, &rx_desc, &tx_desc);
	rc = rte_eth_rx_queue_setup(port_id_, 0, rx_desc, socket, nullptr, pool_);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port_id_, 0, tx_desc, socket, nullptr);
	if (rc < 0) {
		close();
		return fail(error, rc, "queue setup");
	}
	rc = rte_eth_dev_start(port_id_);
	if (rc < 0) {
		close();
		return fail(error, rc, "start");
	}
	started_ = true;
	rte_ether_addr mac;
	if (rte_eth_macaddr_get(port_id_, &mac) == 0)
		std::memcpy(mac_.data(), mac.addr_bytes, mac_.size());
	return 0;
}

void DpdkPort::close()
{
	if (started_) {
		rte_eth_dev_stop(port_id_);
		started_ = false;
	}
	if (port_id_ != UINT16_MAX) {
		rte_eth_dev_close(port_id_);
		port_id_ = UINT16_MAX;
	}
	// Removing the vdev releases the packet or XDP socket (and the XDP
	// program the af_xdp PMD attached), leaving the interface as it was.
	if (!vdev_.empty()) {
		rte_eal_hotplug_remove("vdev", vdev_.c_str());
		vdev_.clear();
	}
	if (pool_ != nullptr) {
		rte_mempool_free(pool_);
		pool_ = nullptr;
	}
}

uint32_t iface_ipv4(const std::string &iface)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) < 0)
		return 0;
	uint32_t addr = 0;
	for (const ifaddrs *a = list; a != nullptr; a = a->ifa_next) {
		if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || iface != a->ifa_name)
			continue;
		addr = ntohl(reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr);
		break;
	}
	freeifaddrs(list);
	return addr;
}

} // namespace mcr::traffic
