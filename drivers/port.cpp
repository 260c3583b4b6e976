#include "port.h"

#include <dirent.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include <fmt/format.h>

#include "common/log.h"
#include "common/mbuf_pool.h"

namespace mcr::drivers {

namespace {

// ethdev calls return negative errno; keep the message next to it.
int fail(std::string *error, int rc, const std::string &what)
{
	*error = fmt::format("{}: {}", what, rte_strerror(-rc));
	return rc;
}

// The af_packet PMD's sockets also receive what the host itself sends on
// the interface (its IGMP reports, its replies), which would reach mcr as
// traffic to drop. 22.11 keeps its sockets private and joins them to a
// fanout group, whose hook ignores PACKET_IGNORE_OUTGOING set afterwards;
// a classic BPF filter on each socket, dropping pkttype OUTGOING, works
// (it runs after the fanout picks the socket). mcr finds the sockets by
// the interface they are bound to.
int ignore_outgoing(unsigned ifindex)
{
	// SKF_AD_OFF is negative; the instruction takes it as a u32.
	constexpr auto pkttype = static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE);
	static sock_filter incoming_only[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, pkttype),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	const sock_fprog program{static_cast<unsigned short>(std::size(incoming_only)), incoming_only};
	int changed = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir == nullptr)
		return 0;
	while (const dirent *e = readdir(dir)) {
		const int fd = std::atoi(e->d_name);
		int domain = 0;
		socklen_t len = sizeof(domain);
		if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
		    domain != AF_PACKET)
			continue;
		sockaddr_ll sll{};
		len = sizeof(sll);
		if (getsockname(fd, reinterpret_cast<sockaddr *>(&sll), &len) < 0 ||
		    static_cast<unsigned>(sll.sll_ifindex) != ifindex)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) == 0)
			changed++;
	}
	closedir(dir);
	return changed;
}

// What a TPACKET_V2 frame of the af_packet PMD spends before the packet:
// the kernel puts the MAC header at TPACKET_ALIGN(TPACKET2_HDRLEN + 16) - 14
// = 66 bytes into the frame (tpacket_rcv) and cuts what does not fit;
// the PMD's RX queue setup wants frame_size - 32 (TPACKET2_HDRLEN -
// sizeof(sockaddr_ll)) to fit an mbuf of the RX pool.
constexpr uint32_t af_packet_rx_overhead = 80; // 66 + the Ethernet header
static_assert(af_packet_data_offset == TPACKET2_HDRLEN - sizeof(sockaddr_ll));

// af_packet: the ring's frames must hold a frame of the interface's MTU,
// and the PMD copies one frame into one RX mbuf.
int check_af_packet_frames(const config::Port &cfg, uint32_t mtu, const rte_mempool *rx_pool,
			   std::string *error)
{
	const uint32_t frame_size = cfg.af_packet.frame_size;
	const auto at = fmt::format("{}:{}:{}", cfg.where.file, cfg.where.line, cfg.where.column);
	if (frame_size < mtu + af_packet_rx_overhead) {
		const uint32_t need = rte_align32pow2(mtu + af_packet_rx_overhead);
		*error = fmt::format("{}: af_packet.frame_size {} holds frames of MTU {} at most, but {} "
				     "has MTU {}: set af_packet.frame_size to {} (the power of two "
				     "from MTU + {} up) and block_size to at least as much",
				     at, frame_size, frame_size - af_packet_rx_overhead, cfg.iface, mtu,
				     need, af_packet_rx_overhead);
		return -EINVAL;
	}
	const uint32_t room = rte_pktmbuf_data_room_size(const_cast<rte_mempool *>(rx_pool)) -
			      RTE_PKTMBUF_HEADROOM;
	if (frame_size - af_packet_data_offset > room) {
		*error = fmt::format("{}: af_packet.frame_size {} is more than the RX pool {} holds ({} "
				     "data bytes, the PMD needs frame_size - {}): lower frame_size to "
				     "{} or add a larger pool",
				     at, frame_size, rx_pool->name, room, af_packet_data_offset,
				     room + af_packet_data_offset);
		return -EINVAL;
	}
	return 0;
}

} // namespace

Port::~Port()
{
	close();
}

std::string Port::devargs(Backend backend, const PortRequest &req) const
{
	const config::Port &cfg = *req.cfg;
	if (backend == Backend::af_xdp) {
		// zero_copy: the PMD tries zero-copy first and falls back to copy
		// on its own; only "off" needs saying.
		std::string args =
			fmt::format("iface={},start_queue=0,queue_count={},busy_budget={},force_copy={}",
				    cfg.iface, plan_.queues, cfg.af_xdp.busy_budget,
				    cfg.af_xdp.zero_copy == config::ZeroCopy::off ? 1 : 0);
		// DPDK 22.11 takes a custom program only as a file path.
		std::string path, ignored;
		if (PortXdp::available() && PortXdp::write_object_file(&path, &ignored) == 0)
			args += ",xdp_prog=" + path;
		return args;
	}
	const config::AfPacketOptions &ap = cfg.af_packet;
	return fmt::format("iface={},qpairs={},blocksz={},framesz={},framecnt={},qdisc_bypass={}",
			   cfg.iface, plan_.queues, ap.block_size, ap.frame_size, ap.frame_count,
			   ap.qdisc_bypass ? 1 : 0);
}

int Port::open(const PortRequest &req, std::string *error)
{
	const config::Port &cfg = *req.cfg;
	name_ = cfg.name;
	request_ = req;
	int rc = query_kernel_iface(cfg.iface, &iface_, error);
	if (rc < 0) {
		*error = fmt::format("port '{}': {}", name_, *error);
		return rc;
	}
	if (iface_.xdp_prog_id != 0 && PortXdp::remove_stale(iface_.index, iface_.xdp_prog_id))
		iface_.xdp_prog_id = 0;
	if (cfg.address)
		source_ipv4_ = *cfg.address;
	else if (iface_.ipv4)
		source_ipv4_ = *iface_.ipv4;
	source_ipv6_ = cfg.address6 ? *cfg.address6 : iface_.ipv6.value_or(std::array<uint8_t, 16>{});

	switch (cfg.driver) {
	case config::Driver::af_packet:
		rc = open_backend(Backend::af_packet, req, error);
		break;
	case config::Driver::af_xdp:
		if (iface_.xdp_prog_id != 0) {
			*error = fmt::format("port '{}': interface {} already has XDP program id {} "
					     "attached; detach it or use driver af_packet",
					     name_, cfg.iface, iface_.xdp_prog_id);
			return -EBUSY;
		}
		rc = open_backend(Backend::af_xdp, req, error);
		break;
	case config::Driver::automatic:
		if (!req.af_xdp_refused.empty()) {
			fallback_reason_ = req.af_xdp_refused;
		} else if (iface_.xdp_prog_id != 0) {
			fallback_reason_ = fmt::format("interface {} already has XDP program id {}",
						       cfg.iface, iface_.xdp_prog_id);
		} else {
			rc = open_backend(Backend::af_xdp, req, error);
			if (rc == 0)
				break;
			fallback_reason_ = *error;
		}
		MCR_LOG(port, WARNING, "port %s: af_xdp unavailable (%s); falling back to af_packet",
			name_.c_str(), fallback_reason_.c_str());
		rc = open_backend(Backend::af_packet, req, error);
		break;
	}
	if (rc < 0) {
		*error = fmt::format("port '{}': {}", name_, *error);
		return rc;
	}
	MCR_LOG(port, INFO, "port %s: %s on %s (ifindex %u, mtu %u), %u queue pair(s), ethdev %u, "
		"XDP %s%s", name_.c_str(), backend_name(backend_), cfg.iface.c_str(), iface_.index,
		iface_.mtu, queue_pairs(), port_id_, xdp_.loaded() ? "program id " : "none",
		xdp_.loaded() ? fmt::format("{} ({})", xdp_.program_id(), xdp_.mode()).c_str() : "");
	return 0;
}

// Only af_xdp cares about channels: its sockets are bound to RX queues, one
// per channel, and relay traffic on a queue without one never reaches mcr.
int Port::plan_backend(Backend backend, const PortRequest &req, std::string *error)
{
	int rc = plan_queues(queue_plan_input(*req.cfg, backend, req.workers, iface_.channels),
			     &plan_, error);
	if (rc < 0 || backend != Backend::af_xdp)
		return rc;
	if (!plan_.warning.empty())
		MCR_LOG(port, WARNING, "port %s: %s", name_.c_str(), plan_.warning.c_str());
	if (plan_.set_combined) {
		const unsigned before = iface_.channels.combined;
		rc = set_combined_channels(req.cfg->iface, *plan_.set_combined, error);
		if (rc < 0)
			return rc;
		iface_.channels = read_channels(req.cfg->iface);
		MCR_LOG(port, NOTICE, "port %s: set %s to %u combined channels (was %u), one per "
			"af_xdp socket", name_.c_str(), req.cfg->iface.c_str(),
			*plan_.set_combined, before);
	}
	return 0;
}

int Port::open_backend(Backend backend, const PortRequest &req, std::string *error)
{
	// Checked before the plan, which may change the interface's channels.
	if (backend == Backend::af_xdp && !pool_fits_umem_window(req.rx_pool)) {
		*error = fmt::format("pool {} is not one contiguous area, so the af_xdp PMD "
				     "cannot register all of it as UMEM (give EAL more memory, -m)",
				     req.rx_pool->name);
		return -EINVAL;
	}
	if (backend == Backend::af_packet) {
		const int rc = check_af_packet_frames(*req.cfg, iface_.mtu, req.rx_pool, error);
		if (rc < 0)
			return rc;
	}
	int rc = plan_backend(backend, req, error);
	if (rc < 0)
		return rc;
	const std::string vdev =
		fmt::format("{}_{}", backend == Backend::af_xdp ? "net_af_xdp" : "net_af_packet", name_);
	const std::string args = devargs(backend, req);
	rc = rte_eal_hotplug_add("vdev", vdev.c_str(), args.c_str());
	if (rc < 0)
		return fail(error, rc, fmt::format("cannot create {} on {}", vdev, req.cfg->iface));

	vdev_name_ = vdev;
	backend_ = backend;
	rc = rte_eth_dev_get_port_by_name(vdev.c_str(), &port_id_);
	if (rc < 0) {
		close();
		return fail(error, rc, "ethdev not found after probe");
	}

	rte_eth_dev_info info;
	rc = rte_eth_dev_info_get(port_id_, &info);
	multi_seg_tx_ = rc == 0 && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	// af_xdp in 22.11 puts each frame in one mbuf of the pool it uses as
	// UMEM, and a UMEM chunk is at most a page: its max_mtu (about 3,500
	// with 4 KiB pages) is the largest frame it can take.
	if (rc == 0 && backend == Backend::af_xdp && iface_.mtu > info.max_mtu) {
		*error = fmt::format("{} has MTU {}, more than the af_xdp PMD takes ({}: a frame must "
				     "fit one page-sized UMEM chunk); lower the MTU or use driver "
				     "af_packet",
				     req.cfg->iface, iface_.mtu, info.max_mtu);
		close();
		return -EINVAL;
	}
	if (rc == 0 && info.max_rx_queues < plan_.queues) {
		*error = fmt::format("{} offers {} queue(s), {} needed", vdev, info.max_rx_queues,
				     plan_.queues);
		close();
		return -EINVAL;
	}

	rte_eth_conf conf{};
	if (multi_seg_tx_)
		conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(port_id_, plan_.queues, plan_.queues, &conf);
	if (rc < 0) {
		close();
		return fail(error, rc, "configure");
	}
	uint16_t rx_desc = req.rx_desc;
	uint16_t tx_desc = req.tx_desc;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id_, &rx_desc, &tx_desc);
	const int socket = rte_eth_dev_socket_id(port_id_);
	for (uint16_t q = 0; q < plan_.queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id_, q, rx_desc, socket, nullptr, req.rx_pool);
		if (rc < 0) {
			close();
			return fail(error, rc, fmt::format("RX queue {} setup", q));
		}
		rc = rte_eth_tx_queue_setup(port_id_, q, tx_desc, socket, nullptr);
		if (rc < 0) {
			close();
			return fail(error, rc, fmt::format("TX queue {} setup", q));
		}
	}
	rc = rte_eth_dev_start(port_id_);
	if (rc < 0) {
		close();
		return fail(error, rc, "start");
	}
	started_ = true;
	if (backend == Backend::af_packet && ignore_outgoing(iface_.index) == 0)
		MCR_LOG(port, WARNING, "port %s: cannot keep the host's outgoing packets out of the "
			"af_packet sockets; mcr will count them as drops", name_.c_str());
	rc = start_xdp(backend, *req.cfg, error);
	if (rc < 0) {
		close();
		return rc;
	}

	// Neither PMD filters by MAC and neither implements allmulticast in
	// 22.11 (-ENOTSUP): multicast reaches us through the kernel's own
	// membership, so only an unexpected error is worth a word.
	rc = rte_eth_allmulticast_enable(port_id_);
	if (rc < 0 && rc != -ENOTSUP)
		MCR_LOG(port, WARNING, "port %s: allmulticast: %s", name_.c_str(), rte_strerror(-rc));
	return 0;
}

// On af_xdp the PMD attached our program (xdp_prog=) and we adopt its maps;
// on af_packet we attach it ourselves, and a port runs without it (kernel
// path, no early drop) rather than not at all.
int Port::start_xdp(Backend backend, const config::Port &cfg, std::string *error)
{
	if (!PortXdp::available())
		return 0;
	std::string why;
	if (backend == Backend::af_xdp) {
		const int rc = xdp_.bind_af_xdp(iface_.index, cfg.xdp, &why);
		if (rc < 0)
			*error = "XDP program: " + why;
		return rc;
	}
	if (xdp_.attach_af_packet(iface_.index, cfg.xdp, &why) < 0)
		MCR_LOG(port, WARNING, "port %s: running without mcr's XDP program: %s", name_.c_str(),
			why.c_str());
	return 0;
}

void Port::stop()
{
	if (!started_)
		return;
	started_ = false;
	const int rc = rte_eth_dev_stop(port_id_);
	if (rc < 0)
		MCR_LOG(port, WARNING, "port %s: stop: %s", name_.c_str(), rte_strerror(-rc));
}

void Port::close()
{
	if (vdev_name_.empty())
		return;
	stop();
	xdp_.detach();
	if (port_id_ != UINT16_MAX) {
		rte_eth_dev_close(port_id_);
		port_id_ = UINT16_MAX;
	}
	// Removing the vdev is what releases the AF_XDP sockets and detaches the
	// XDP program, so nothing is left on the interface.
	const int rc = rte_eal_hotplug_remove("vdev", vdev_name_.c_str());
	if (rc < 0 && rc != -ENOENT)
		MCR_LOG(port, WARNING, "port %s: remove %s: %s", name_.c_str(), vdev_name_.c_str(),
			rte_strerror(-rc));
	vdev_name_.clear();
}

unsigned Port::iface_index_now() const
{
	return if_nametoindex(request_.cfg->iface.c_str());
}

Port::IfaceState Port::iface_state() const
{
	const unsigned index = iface_index_now();
	if (index == 0)
		return IfaceState::gone;
	return index == iface_.index ? IfaceState::same : IfaceState::replaced;
}

bool Port::iface_up() const
{
	const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ifreq ifr{};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", request_.cfg->iface.c_str());
	const bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	::close(fd);
	return up;
}

int Port::reopen(std::string *error)
{
	close();
	const config::Port &cfg = *request_.cfg;
	warned_no_socket_ = false;
	int rc = query_kernel_iface(cfg.iface, &iface_, error);
	if (rc == 0 && iface_.xdp_prog_id != 0 &&
	    PortXdp::remove_stale(iface_.index, iface_.xdp_prog_id))
		iface_.xdp_prog_id = 0;
	if (rc == 0 && backend_ == Backend::af_xdp && iface_.xdp_prog_id != 0) {
		*error = fmt::format("interface {} already has XDP program id {} attached",
				     cfg.iface, iface_.xdp_prog_id);
		rc = -EBUSY;
	}
	if (rc == 0) {
		source_ipv4_ = cfg.address ? *cfg.address : iface_.ipv4.value_or(0);
		source_ipv6_ = cfg.address6 ? *cfg.address6 : iface_.ipv6.value_or(std::array<uint8_t, 16>{});
		rc = open_backend(backend_, request_, error);
	}
	// The PMD has loaded the program by now; devargs() wrote it again.
	if (backend_ == Backend::af_xdp)
		PortXdp::remove_object_file();
	if (rc < 0) {
		*error = fmt::format("port '{}': {}", name_, *error);
		return rc;
	}
	reopen_count_++;
	MCR_LOG(port, NOTICE, "port %s: reopened: %s on %s (ifindex %u, mtu %u), %u queue pair(s), "
		"ethdev %u, XDP %s", name_.c_str(), backend_name(backend_), cfg.iface.c_str(),
		iface_.index, iface_.mtu, queue_pairs(), port_id_,
		xdp_.loaded() ? fmt::format("program id {} ({})", xdp_.program_id(), xdp_.mode()).c_str()
			      : "none");
	return 0;
}

void Port::watch_no_socket()
{
	if (warned_no_socket_ || backend_ != Backend::af_xdp)
		return;
	const std::optional<uint64_t> packets = xdp_.no_socket_packets();
	if (!packets || *packets == 0)
		return;
	warned_no_socket_ = true;
	// What the interface says now: its channels may have changed since.
	const ChannelCounts now = read_channels(iface_.name);
	const std::string channels =
		now.max_combined > 0
			? fmt::format("{} combined channel(s) now", now.combined)
			: fmt::format("no combined channels and {} RX channel(s): DPDK 22.11's "
				      "af_xdp PMD binds only queue 0 there (set its RX channels to 1 "
				      "or use driver af_packet)",
				      now.rx);
	MCR_LOG(port, WARNING, "port %s: %" PRIu64 " relay packet(s) arrived on RX queues of "
		"%s that have no mcr socket and went to the kernel, never relayed (XDP counter "
		"no_socket, show xdp); mcr has sockets on RX queues 0-%u, %s has %s",
		name_.c_str(), *packets, iface_.name.c_str(), queue_pairs() - 1u,
		iface_.name.c_str(), channels.c_str());
}

} // namespace mcr::drivers
