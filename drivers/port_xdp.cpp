#include "port_xdp.h"

#include <bpf/libbpf.h>
#include <rte_byteorder.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "common/log.h"
#include "mcr_xdp_shared.h"
#include "xdp_attach.h"
#include "xdp_config.h"
#include "xdp_ranges.h"
#include "xdp_maps.h"
#include "xdp_object.h"
#include "xdp_rules.h"
#include "xdp_stats.h"
#include "queue_plan.h"

namespace mcr::drivers {

static_assert(max_af_xdp_queues == MCR_XDP_MAX_QUEUES, "one socket per xsks_map slot");

namespace {

std::string object_path;

bpf::XdpMode to_bpf(config::XdpMode mode)
{
	switch (mode) {
	case config::XdpMode::native:
		return bpf::XdpMode::native;
	case config::XdpMode::generic:
		return bpf::XdpMode::generic;
	case config::XdpMode::automatic:
		break;
	}
	return bpf::XdpMode::automatic;
}

// What the kernel says is attached: id and mode.
std::pair<uint32_t, std::string> attached(unsigned ifindex)
{
	bpf_xdp_query_opts q{};
	q.sz = sizeof(q);
	if (bpf_xdp_query(static_cast<int>(ifindex), 0, &q) != 0)
		return {0, ""};
	if (q.drv_prog_id != 0)
		return {q.drv_prog_id, "native"};
	if (q.hw_prog_id != 0)
		return {q.hw_prog_id, "offload"};
	if (q.skb_prog_id != 0)
		return {q.skb_prog_id, "generic"};
	return {0, ""};
}

} // namespace

struct PortXdp::Impl {
	std::optional<bpf::XdpObject> object; // af_packet: we own the program
	bpf::XdpAttachment attachment;
	std::optional<bpf::XdpMaps> maps;
	bool loaded = false;
	std::string mode;
	uint32_t prog_id = 0;

	int finish(unsigned ifindex, uint32_t flags, std::string *error);
};

PortXdp::PortXdp() : impl_(std::make_unique<Impl>()) {}
PortXdp::~PortXdp() = default;

bool PortXdp::available()
{
	return true;
}

bool PortXdp::loaded() const
{
	return impl_->loaded;
}

const std::string &PortXdp::mode() const
{
	return impl_->mode;
}

uint32_t PortXdp::program_id() const
{
	return impl_->prog_id;
}

int PortXdp::write_object_file(std::string *path, std::string *error)
{
	if (object_path.empty()) {
		const std::string p = fmt::format("/tmp/mcr-xdp-{}.o", getpid());
		const bpf::Status st = bpf::write_xdp_object(p);
		if (!st) {
			*error = "cannot write the XDP program for the af_xdp PMD: " + st.error().message;
			return st.error().code;
		}
		object_path = p;
	}
	*path = object_path;
	return 0;
}

void PortXdp::remove_object_file()
{
	if (!object_path.empty())
		unlink(object_path.c_str());
	object_path.clear();
}

bool PortXdp::remove_stale(unsigned ifindex, uint32_t prog_id)
{
	// Only a program whose maps are mcr's is ours to remove.
	auto maps = bpf::find_xdp_maps(static_cast<int>(ifindex));
	if (!maps)
		return false;
	const bpf::Status st = bpf::detach_xdp(static_cast<int>(ifindex));
	if (!st) {
		MCR_LOG(port, WARNING, "cannot remove stale mcr XDP program id %u: %s", prog_id,
			st.error().message.c_str());
		return false;
	}
	MCR_LOG(port, NOTICE, "removed XDP program id %u that a previous mcr left on ifindex %u",
		prog_id, ifindex);
	return true;
}

int PortXdp::Impl::finish(unsigned ifindex, uint32_t flags, std::string *error)
{
	const bpf::Status st = bpf::set_xdp_flags(*maps, flags);
	if (!st) {
		*error = st.error().message;
		return st.error().code;
	}
	std::tie(prog_id, mode) = attached(ifindex);
	loaded = true;
	return 0;
}

int PortXdp::bind_af_xdp(unsigned ifindex, const config::XdpOptions &opt, std::string *error)
{
	auto maps = bpf::find_xdp_maps(static_cast<int>(ifindex));
	if (!maps) {
		*error = "the af_xdp PMD's XDP program is not mcr's: " + maps.error().message;
		return maps.error().code;
	}
	impl_->maps = std::move(maps.value());
	uint32_t flags = MCR_XDP_F_REDIRECT;
	if (opt.filter == config::XdpFilter::strict)
		flags |= MCR_XDP_F_STRICT;
	const int rc = impl_->finish(ifindex, flags, error);
	const std::string &mode_ = impl_->mode;
	// The PMD attaches in the kernel's default mode; say so when the YAML
	// asked for the other one.
	if (rc == 0 && opt.mode != config::XdpMode::automatic &&
	    mode_ != (opt.mode == config::XdpMode::native ? "native" : "generic"))
		MCR_LOG(port, WARNING, "ifindex %u: xdp mode %s requested, the af_xdp PMD attached "
			"in %s mode (DPDK 22.11 does not choose)", ifindex,
			opt.mode == config::XdpMode::native ? "native" : "generic", mode_.c_str());
	return rc;
}

int PortXdp::attach_af_packet(unsigned ifindex, const config::XdpOptions &opt, std::string *error)
{
	auto object = bpf::XdpObject::load();
	if (!object) {
		*error = object.error().message;
		return object.error().code;
	}
	auto link = bpf::attach_xdp(object->program_fd(), static_cast<int>(ifindex), to_bpf(opt.mode));
	if (!link) {
		*error = link.error().message;
		return link.error().code;
	}
	auto maps = object->maps();
	if (!maps) {
		*error = maps.error().message;
		return maps.error().code;
	}
	impl_->object = std::move(object.value());
	impl_->attachment = std::move(link.value());
	impl_->maps = std::move(maps.value());
	uint32_t flags = 0;
	if (opt.filter == config::XdpFilter::strict)
		flags |= MCR_XDP_F_STRICT;
	return impl_->finish(ifindex, flags, error);
}

namespace {

// The engine's keys and the program's hold the same fields in the same
// (network) order: copied, not converted.
mcr_rule_key xdp_key(const engine::RuleKey &k)
{
	mcr_rule_key key{};
	key.dst_ip = k.dst_ip;
	key.dst_port = k.dst_port;
	key.vlan = k.vlan;
	key.src_ip = k.src_ip;
	return key;
}

mcr_rule6_key xdp_key6(const engine::RuleKey6 &k)
{
	mcr_rule6_key key{};
	std::memcpy(key.dst_ip.bytes, k.dst_ip, sizeof key.dst_ip.bytes);
	key.dst_port = k.dst_port;
	key.vlan = k.vlan;
	std::memcpy(key.src_ip.bytes, k.src_ip, sizeof key.src_ip.bytes);
	return key;
}

int status_errno(const bpf::Status &st, std::string *error)
{
	if (st)
		return 0;
	*error = st.error().message;
	return st.error().code;
}

// A range input as the program's range maps take it (host order for
// IPv4, as bpf/xdp_ranges.h asks).
bpf::RangeRule xdp_range(const engine::InputKey &k)
{
	bpf::RangeRule r;
	r.dst = rte_be_to_cpu_32(packet::ipv4_of(k.dst));
	r.dst_len = k.dst_len;
	r.src = rte_be_to_cpu_32(packet::ipv4_of(k.src));
	r.src_len = k.src_len;
	r.first_port = k.dport_first;
	r.last_port = k.dport_last;
	r.vlan = k.vlan;
	return r;
}

bpf::RangeRule6 xdp_range6(const engine::InputKey &k)
{
	bpf::RangeRule6 r;
	r.dst = k.dst;
	r.dst_len = k.dst_len;
	r.src = k.src;
	r.src_len = k.src_len;
	r.first_port = k.dport_first;
	r.last_port = k.dport_last;
	r.vlan = k.vlan;
	return r;
}

} // namespace

int PortXdp::add_rule_key(const engine::InputKey &k, std::string *error)
{
	if (!impl_->maps)
		return 0;
	const bpf::XdpMaps &maps = *impl_->maps;
	if (!k.exact())
		return status_errno(k.ipv6 ? bpf::add_range(maps, xdp_range6(k))
					   : bpf::add_range(maps, xdp_range(k)),
				    error);
	return status_errno(k.ipv6 ? bpf::add_rule(maps, xdp_key6(k.rule_key6()))
				   : bpf::add_rule(maps, xdp_key(k.rule_key())),
			    error);
}

int PortXdp::remove_rule_key(const engine::InputKey &k, std::string *error)
{
	if (!impl_->maps)
		return 0;
	const bpf::XdpMaps &maps = *impl_->maps;
	if (!k.exact())
		return status_errno(k.ipv6 ? bpf::delete_range(maps, xdp_range6(k))
					   : bpf::delete_range(maps, xdp_range(k)),
				    error);
	return status_errno(k.ipv6 ? bpf::delete_rule(maps, xdp_key6(k.rule_key6()))
				   : bpf::delete_rule(maps, xdp_key(k.rule_key())),
			    error);
}

void PortXdp::detach()
{
	(void)impl_->attachment.detach();
	impl_->maps.reset();
	impl_->object.reset();
	impl_->loaded = false;
}

std::optional<XdpCounters> PortXdp::counters() const
{
	if (!impl_->maps)
		return std::nullopt;
	auto stats = bpf::read_xdp_stats(*impl_->maps);
	if (!stats)
		return std::nullopt;
	XdpCounters out;
	for (unsigned i = 0; i < MCR_XDP_STAT__COUNT; i++)
		out.emplace_back(bpf::xdp_stat_name(static_cast<mcr_xdp_stat>(i)), stats.value()[i]);
	return out;
}

std::optional<uint64_t> PortXdp::no_socket_packets() const
{
	if (!impl_->maps)
		return std::nullopt;
	// Relay traffic of either family, exact or range, on a queue mcr has
	// no socket on.
	uint64_t total = 0;
	for (mcr_xdp_stat stat : {MCR_XDP_STAT_NO_SOCKET, MCR_XDP_STAT_IPV6_NO_SOCKET,
				  MCR_XDP_STAT_RANGE_NO_SOCKET, MCR_XDP_STAT_IPV6_RANGE_NO_SOCKET}) {
		auto packets = bpf::read_xdp_stat(*impl_->maps, stat);
		if (!packets)
			return std::nullopt;
		total += packets.value();
	}
	return total;
}

} // namespace mcr::drivers
