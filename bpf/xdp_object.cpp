#include "xdp_object.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <bpf/libbpf.h>

#include "mcr_xdp.skel.h"
#include "mcr_xdp_shared.h"

namespace mcr::bpf {

std::span<const uint8_t> xdp_object_bytes()
{
	size_t size = 0;
	const void *bytes = mcr_xdp__elf_bytes(&size);

	return {static_cast<const uint8_t *>(bytes), size};
}

namespace {

Status write_all(int fd, std::span<const uint8_t> bytes, const std::string &path)
{
	while (!bytes.empty()) {
		ssize_t n = ::write(fd, bytes.data(), bytes.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return make_error(-errno, "write " + path);
		bytes = bytes.subspan(static_cast<size_t>(n));
	}
	return {};
}

} // namespace

Status write_xdp_object(const std::string &path)
{
	std::string temp = path + ".XXXXXX";
	UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
	if (!fd)
		return make_error(-errno, "create " + temp);

	Status written = write_all(fd.get(), xdp_object_bytes(), temp);
	if (written && ::fchmod(fd.get(), 0644) < 0)
		written = make_error(-errno, "chmod " + temp);
	if (written && ::rename(temp.c_str(), path.c_str()) < 0)
		written = make_error(-errno, "rename " + temp + " to " + path);
	if (!written)
		::unlink(temp.c_str());
	return written;
}

Result<XdpObject> XdpObject::load()
{
	struct mcr_xdp *skeleton = mcr_xdp__open_and_load();

	if (!skeleton)
		return make_error(-errno, "load XDP program " MCR_XDP_PROG_NAME);
	return XdpObject(skeleton);
}

XdpObject::XdpObject(XdpObject &&other) noexcept
	: skeleton_(std::exchange(other.skeleton_, nullptr))
{
}

XdpObject &XdpObject::operator=(XdpObject &&other) noexcept
{
	if (this != &other) {
		mcr_xdp__destroy(skeleton_);
		skeleton_ = std::exchange(other.skeleton_, nullptr);
	}
	return *this;
}

XdpObject::~XdpObject()
{
	mcr_xdp__destroy(skeleton_);
}

int XdpObject::program_fd() const
{
	return skeleton_ ? bpf_program__fd(skeleton_->progs.mcr_xdp) : -EBADF;
}

Result<XdpMaps> XdpObject::maps() const
{
	if (!skeleton_)
		return make_error(-EBADF, "maps of an unloaded XDP object");

	// Duplicates of the skeleton's own descriptors: unlike looking the
	// maps up by id, this needs no CAP_SYS_ADMIN.
	XdpMaps maps;
	const struct {
		const bpf_map *map;
		UniqueFd XdpMaps::*fd;
	} slots[] = {
		{skeleton_->maps.mcr_rules, &XdpMaps::rules},
		{skeleton_->maps.mcr_groups, &XdpMaps::groups},
		{skeleton_->maps.mcr_rules6, &XdpMaps::rules6},
		{skeleton_->maps.mcr_groups6, &XdpMaps::groups6},
		{skeleton_->maps.mcr_ranges, &XdpMaps::ranges},
		{skeleton_->maps.mcr_ranges6, &XdpMaps::ranges6},
		{skeleton_->maps.mcr_config, &XdpMaps::config},
		{skeleton_->maps.mcr_stats, &XdpMaps::stats},
		{skeleton_->maps.xsks_map, &XdpMaps::xsks},
	};
	for (const auto &slot : slots) {
		auto fd = UniqueFd::duplicate(bpf_map__fd(slot.map));
		if (!fd)
			return fd.error();
		maps.*slot.fd = std::move(fd.value());
	}
	return maps;
}

} // namespace mcr::bpf
