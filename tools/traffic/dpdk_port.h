// The DPDK side both tools share: starting EAL from the arguments before
// "--" (or defaults fit for a lab host), and one port made from
// "af_packet:IFACE" or "af_xdp:IFACE" with rte_eal_hotplug_add, one RX and
// one TX queue, its own mbuf pool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/address.h"
#include "traffic/cli_values.h"

struct rte_mempool;

namespace mcr::traffic {

// argv split at the first "--": EAL's part (with argv[0]) and the tool's
// (with argv[0]). Without "--" everything is the tool's.
struct SplitArgs {
	std::vector<char *> eal;
	std::vector<char *> tool;
	bool has_eal_args = false;
};
SplitArgs split_eal_args(int argc, char **argv);

// EAL options for a host without hugepages and without PCI devices: a
// private file prefix, and the main lcore free to float over the CPUs the
// process may use, so that a generator and a sink on one two-core host do
// not both end up pinned to the first core.
std::vector<std::string> default_eal_args(const char *tool);

// rte_eal_init with argv0 followed by args; 0 or -1 with *error set.
int start_eal(const char *argv0, const std::vector<std::string> &args, std::string *error);

// What mcr-gen and mcr-sink do before anything else: EAL options without a
// DPDK port are an error; with one, EAL starts with the user's options or
// default_eal_args(tool). Returns 0 to go on, or the exit status for main
// (the message is printed).
int start_eal_for_port(const char *tool, const SplitArgs &args, bool has_port);

// The end of what start_eal_for_port began: rte_eal_cleanup, and with
// default_eal_args also EAL's runtime directory, so the defaults leave
// nothing behind. Nothing without a port.
void stop_eal_for_port(const SplitArgs &args, bool has_port);

class DpdkPort {
public:
	DpdkPort() = default;
	DpdkPort(const DpdkPort &) = delete;
	DpdkPort &operator=(const DpdkPort &) = delete;
	~DpdkPort();

	// owner names the vdev and the pool ("gen", "sink").
	int open(const PortSpec &spec, const char *owner, std::string *error);
	void close();

	uint16_t id() const { return port_id_; }
	rte_mempool *pool() const { return pool_; }
	const MacAddress &mac() const { return mac_; }

private:
	std::string vdev_;
	uint16_t port_id_ = UINT16_MAX;
	rte_mempool *pool_ = nullptr;
	MacAddress mac_{};
	bool started_ = false;
};

// The first IPv4 address of a kernel interface, 0 when it has none.
uint32_t iface_ipv4(const std::string &iface);

} // namespace mcr::traffic
