// A YAML port turned into a started DPDK ethdev: the vdev (net_af_xdp or
// net_af_packet) is created here, so users never pass --vdev.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "config/model.h"
#include "netif.h"
#include "port_xdp.h"
#include "queue_plan.h"

struct rte_mempool;

namespace mcr::drivers {

// Bytes of an af_packet ring frame before the packet the PMD copies out
// (TPACKET2_HDRLEN - sizeof(sockaddr_ll)): an RX mbuf must hold
// frame_size minus this.
inline constexpr uint32_t af_packet_data_offset = 32;

struct PortRequest {
	const config::Port *cfg = nullptr;
	uint16_t workers = 1; // the port's queues are planned for them (queue_plan.h)
	// af_xdp ring sizes (powers of two); af_packet sizes its rings from
	// framecnt instead.
	uint16_t rx_desc = 2048;
	uint16_t tx_desc = 2048;
	rte_mempool *rx_pool = nullptr;
	// Set when the caller already knows af_xdp cannot work (its fill rings
	// do not fit the pool): `auto` takes af_packet, saying this.
	std::string af_xdp_refused;
};

class Port {
public:
	Port() = default;
	~Port();
	Port(const Port &) = delete;
	Port &operator=(const Port &) = delete;

	// Discovers the kernel iface, creates the vdev (falling back from af_xdp
	// to af_packet for `driver: auto`), sets up the queues and starts it.
	// Returns 0, or a negative errno with *error as a one-line reason.
	int open(const PortRequest &req, std::string *error);
	void stop();  // stops RX/TX; safe to call twice
	void close(); // closes and removes the vdev; safe to call twice

	// --- an interface deleted and created again (doc/reliability.md) ---
	// What the kernel says of the port's interface now, by name.
	enum class IfaceState { same, gone, replaced };
	IfaceState iface_state() const;
	unsigned iface_index_now() const; // 0: no interface of that name
	// The interface exists and is administratively up: configured, as
	// `ip link add` + `ip addr add` + `ip link set up` leave it.
	bool iface_up() const;
	// Opens the port again, on the backend it had, on the interface of the
	// same name as it is now (new ifindex, MAC, address, channels): a new
	// vdev, queues and XDP program. Closed before, as after close(). 0 or a
	// negative errno with *error; on error the port stays closed.
	int reopen(std::string *error);
	bool is_open() const { return !vdev_name_.empty(); }
	// Times the port went down because its interface went away, and came
	// back on a re-created one.
	uint32_t down_count() const { return down_count_; }
	uint32_t reopen_count() const { return reopen_count_; }
	void count_down() { down_count_++; }

	const std::string &name() const { return name_; }
	uint16_t id() const { return port_id_; }
	Backend backend() const { return backend_; }
	uint16_t queue_pairs() const { return plan_.queues; }
	// Which worker polls each RX queue.
	const std::vector<uint16_t> &rx_worker() const { return plan_.rx_worker; }
	const KernelIface &iface() const { return iface_; }
	uint32_t source_ipv4() const { return source_ipv4_; } // host order, 0 if unknown
	// Network order, all zero if unknown: `address:` or the interface's.
	const std::array<uint8_t, 16> &source_ipv6() const { return source_ipv6_; }
	const std::string &fallback_reason() const { return fallback_reason_; }
	rte_mempool *rx_pool() const { return request_.rx_pool; }
	bool multi_seg_tx() const { return multi_seg_tx_; } // takes chained mbufs
	PortXdp &xdp() { return xdp_; }
	const PortXdp &xdp() const { return xdp_; }

	// Main lcore, now and then: logs one WARNING the first time the XDP
	// program counts relay traffic on an RX queue without a socket
	// (no_socket), which the kernel then has and mcr never relays.
	void watch_no_socket();

private:
	int plan_backend(Backend backend, const PortRequest &req, std::string *error);
	int open_backend(Backend backend, const PortRequest &req, std::string *error);
	int start_xdp(Backend backend, const config::Port &cfg, std::string *error);
	std::string devargs(Backend backend, const PortRequest &req) const;

	std::string name_;
	std::string vdev_name_;
	uint16_t port_id_ = UINT16_MAX;
	Backend backend_ = Backend::af_packet;
	QueuePlan plan_;
	KernelIface iface_;
	uint32_t source_ipv4_ = 0;
	std::array<uint8_t, 16> source_ipv6_{};
	std::string fallback_reason_;
	bool started_ = false;
	bool multi_seg_tx_ = false;
	bool warned_no_socket_ = false;
	PortXdp xdp_;
	PortRequest request_; // what open() was given, for reopen()
	uint32_t down_count_ = 0;
	uint32_t reopen_count_ = 0;
};

} // namespace mcr::drivers
