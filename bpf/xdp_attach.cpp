#include "xdp_attach.h"

#include <cerrno>
#include <string>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "mcr_xdp_shared.h"

namespace mcr::bpf {

namespace {

std::string where(int ifindex)
{
	return "ifindex " + std::to_string(ifindex);
}

Result<UniqueFd> create_link(int prog_fd, int ifindex, XdpMode mode)
{
	bpf_link_create_opts opts{};
	opts.sz = sizeof(opts);
	opts.flags = mode == XdpMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;

	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return make_error(fd, "attach XDP (" + std::string(xdp_mode_name(mode)) + ") to " +
					      where(ifindex));
	return UniqueFd(fd);
}

// Errors generic mode would hit just the same, or that mean the interface
// belongs to someone else's program.
bool final_error(int code)
{
	return code == -EPERM || code == -EACCES || code == -EBUSY || code == -EEXIST ||
	       code == -ENODEV;
}

Status detach_mode(int ifindex, uint32_t prog_id, uint32_t mode_flag)
{
	UniqueFd prog(bpf_prog_get_fd_by_id(prog_id));
	if (!prog)
		return make_error(-errno, "bpf_prog_get_fd_by_id(" + std::to_string(prog_id) + ")");

	bpf_prog_info info{};
	uint32_t len = sizeof(info);
	if (int err = bpf_obj_get_info_by_fd(prog.get(), &info, &len); err)
		return make_error(err, "bpf_obj_get_info_by_fd(program)");
	if (std::string_view(info.name) != MCR_XDP_PROG_NAME)
		return make_error(-EBUSY, where(ifindex) + " has XDP program '" + info.name +
						  "', not mcr's; left alone");

	// old_prog_fd: remove it only if it is still this very program.
	bpf_xdp_attach_opts opts{};
	opts.sz = sizeof(opts);
	opts.old_prog_fd = prog.get();
	if (int err = bpf_xdp_detach(ifindex, mode_flag, &opts); err)
		return make_error(err, "detach XDP program from " + where(ifindex));
	return {};
}

} // namespace

std::string_view xdp_mode_name(XdpMode mode)
{
	switch (mode) {
	case XdpMode::native:
		return "native";
	case XdpMode::generic:
		return "generic";
	case XdpMode::automatic:
		return "auto";
	}
	return "unknown";
}

XdpAttachment &XdpAttachment::operator=(XdpAttachment &&other) noexcept
{
	if (this != &other) {
		(void)detach();
		link_ = std::move(other.link_);
		ifindex_ = other.ifindex_;
		mode_ = other.mode_;
		native_error_ = std::move(other.native_error_);
	}
	return *this;
}

Status XdpAttachment::detach()
{
	if (!link_)
		return {};
	// Explicit, so the program comes off even if a copy of the link fd
	// lingers somewhere (a forked child, say).
	int err = bpf_link_detach(link_.get());
	link_.reset();
	// ENOLINK: the interface went away and took the attachment with it.
	if (err && err != -ENOLINK)
		return make_error(err, "detach XDP link from " + where(ifindex_));
	return {};
}

Result<XdpAttachment> attach_xdp(int prog_fd, int ifindex, XdpMode mode)
{
	XdpAttachment attachment;
	attachment.ifindex_ = ifindex;

	if (mode != XdpMode::generic) {
		auto link = create_link(prog_fd, ifindex, XdpMode::native);
		if (link) {
			attachment.link_ = std::move(link.value());
			attachment.mode_ = XdpMode::native;
			return attachment;
		}
		if (mode == XdpMode::native || final_error(link.error().code))
			return link.error();
		attachment.native_error_ = link.error().message;
	}

	auto link = create_link(prog_fd, ifindex, XdpMode::generic);
	if (!link) {
		Error error = link.error();
		if (!attachment.native_error_.empty())
			error.message += " (native: " + attachment.native_error_ + ")";
		return error;
	}
	attachment.link_ = std::move(link.value());
	attachment.mode_ = XdpMode::generic;
	return attachment;
}

Status detach_xdp(int ifindex)
{
	bpf_xdp_query_opts query{};
	query.sz = sizeof(query);

	if (int err = bpf_xdp_query(ifindex, 0, &query); err)
		return make_error(err, "bpf_xdp_query(" + where(ifindex) + ")");
	if (query.drv_prog_id)
		return detach_mode(ifindex, query.drv_prog_id, XDP_FLAGS_DRV_MODE);
	if (query.skb_prog_id)
		return detach_mode(ifindex, query.skb_prog_id, XDP_FLAGS_SKB_MODE);
	return {};
}

} // namespace mcr::bpf
