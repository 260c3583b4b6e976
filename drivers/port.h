// A YAML port turned into a started DPDK ethdev: the vdev (net_af_xdp or
// net_af_packet) is created here, so users never pass --vdev.
#pragma once

#include <cstdint>
#include <string>

#include "config/model.h"
#include "netif.h"
#include "port_xdp.h"

struct rte_mempool;

namespace mcr::drivers {

enum class Backend { af_xdp, af_packet };

// Bytes of an af_packet ring frame before the packet the PMD copies out
// (TPACKET2_HDRLEN - sizeof(sockaddr_ll)): an RX mbuf must hold
// frame_size minus this.
inline constexpr uint32_t af_packet_data_offset = 32;
const char *backend_name(Backend b);

struct PortRequest {
	const config::Port *cfg = nullptr;
	uint16_t queue_pairs = 1; // one RX/TX pair per worker at least
	// af_xdp ring sizes (powers of two); af_packet sizes its rings from
	// framecnt instead.
	uint16_t rx_desc = 2048;
	uint16_t tx_desc = 2048;
	rte_mempool *rx_pool = nullptr;
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

	const std::string &name() const { return name_; }
	uint16_t id() const { return port_id_; }
	Backend backend() const { return backend_; }
	uint16_t queue_pairs() const { return queue_pairs_; }
	const KernelIface &iface() const { return iface_; }
	uint32_t source_ipv4() const { return source_ipv4_; } // host order, 0 if unknown
	const std::string &fallback_reason() const { return fallback_reason_; }
	bool multi_seg_tx() const { return multi_seg_tx_; } // takes chained mbufs
	PortXdp &xdp() { return xdp_; }
	const PortXdp &xdp() const { return xdp_; }

private:
	int open_backend(Backend backend, const PortRequest &req, std::string *error);
	int start_xdp(Backend backend, const config::Port &cfg, std::string *error);
	std::string devargs(Backend backend, const PortRequest &req) const;

	std::string name_;
	std::string vdev_name_;
	uint16_t port_id_ = UINT16_MAX;
	Backend backend_ = Backend::af_packet;
	uint16_t queue_pairs_ = 0;
	KernelIface iface_;
	uint32_t source_ipv4_ = 0;
	std::string fallback_reason_;
	bool started_ = false;
	bool multi_seg_tx_ = false;
	PortXdp xdp_;
};

} // namespace mcr::drivers
