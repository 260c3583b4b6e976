// mcr's XDP program as built into the binary: the ELF object bytes (for the
// af_xdp PMD, which only takes a file path) and a loaded instance of it (for
// af_packet ports and for tests, which need no interface).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "xdp_maps.h"
#include "xdp_result.h"

struct mcr_xdp; // the bpftool skeleton, private to xdp_object.cpp

namespace mcr::bpf {

// The object file embedded by the skeleton, byte for byte what clang built.
std::span<const uint8_t> xdp_object_bytes();

// Writes xdp_object_bytes() to path (mode 0644) through a temporary file
// and a rename, so a reader such as the PMD never sees half an object.
Status write_xdp_object(const std::string &path);

// The program and its maps loaded into the kernel (not attached anywhere).
// Everything is released when the last reference goes: this object, an
// attachment made from program_fd(), or map fds from maps().
class XdpObject {
public:
	static Result<XdpObject> load();

	XdpObject(XdpObject &&other) noexcept;
	XdpObject &operator=(XdpObject &&other) noexcept;
	XdpObject(const XdpObject &) = delete;
	XdpObject &operator=(const XdpObject &) = delete;
	~XdpObject();

	int program_fd() const;
	// Fresh descriptors for the maps, independent of this object's life.
	Result<XdpMaps> maps() const;

private:
	explicit XdpObject(struct mcr_xdp *skeleton) : skeleton_(skeleton) {}

	struct mcr_xdp *skeleton_ = nullptr;
};

} // namespace mcr::bpf
