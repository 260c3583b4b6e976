// Putting mcr's XDP program on an interface and taking it off again.
#pragma once

#include <string>
#include <string_view>

#include "xdp_fd.h"
#include "xdp_result.h"

namespace mcr::bpf {

enum class XdpMode {
	native,    // in the driver (XDP_FLAGS_DRV_MODE)
	generic,   // in the stack, any interface (XDP_FLAGS_SKB_MODE)
	automatic, // native, else generic
};

std::string_view xdp_mode_name(XdpMode mode);

// An XDP attachment held as a BPF link: detached when this object goes, and
// by the kernel when the process dies, so a crashed mcr leaves no program
// behind on an af_packet port.
class XdpAttachment {
public:
	XdpAttachment() = default;
	XdpAttachment(XdpAttachment &&other) noexcept = default;
	XdpAttachment &operator=(XdpAttachment &&other) noexcept;
	XdpAttachment(const XdpAttachment &) = delete;
	XdpAttachment &operator=(const XdpAttachment &) = delete;
	~XdpAttachment() { (void)detach(); }

	bool attached() const { return link_.valid(); }
	int ifindex() const { return ifindex_; }
	// native or generic: what is in effect, never automatic.
	XdpMode mode() const { return mode_; }
	// Why native failed when automatic fell back to generic; else empty.
	const std::string &native_error() const { return native_error_; }

	// Idempotent; the attachment is gone afterwards even on error.
	Status detach();

private:
	friend Result<XdpAttachment> attach_xdp(int prog_fd, int ifindex, XdpMode mode);

	UniqueFd link_;
	int ifindex_ = 0;
	XdpMode mode_ = XdpMode::generic;
	std::string native_error_;
};

// Fails with -EBUSY or -EEXIST when another XDP program holds the interface;
// automatic does not fall back to generic then, nor on a permission error.
Result<XdpAttachment> attach_xdp(int prog_fd, int ifindex, XdpMode mode);

// Removes mcr's program when it was attached without a link, as the af_xdp
// PMD does, and outlived its process. Nothing attached is success; another
// program, or mcr's held by a link, is left alone with -EBUSY.
Status detach_xdp(int ifindex);

} // namespace mcr::bpf
