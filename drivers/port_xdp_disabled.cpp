// PortXdp for a build without BPF (-Dbpf=disabled): nothing is loaded and
// the PMDs keep their own default XDP programs.
#include "port_xdp.h"

#include <cerrno>

namespace mcr::drivers {

struct PortXdp::Impl {
	std::string mode;
};

namespace {

int unavailable(std::string *error)
{
	*error = "mcr was built without BPF (-Dbpf=disabled)";
	return -ENOTSUP;
}

} // namespace

PortXdp::PortXdp() : impl_(std::make_unique<Impl>()) {}
PortXdp::~PortXdp() = default;
bool PortXdp::available() { return false; }
int PortXdp::write_object_file(std::string *, std::string *error) { return unavailable(error); }
void PortXdp::remove_object_file() {}
bool PortXdp::remove_stale(unsigned, uint32_t) { return false; }
int PortXdp::bind_af_xdp(unsigned, const config::XdpOptions &, std::string *error) { return unavailable(error); }
int PortXdp::attach_af_packet(unsigned, const config::XdpOptions &, std::string *error) { return unavailable(error); }
int PortXdp::add_rule_key(const engine::InputKey &, std::string *) { return 0; }
int PortXdp::remove_rule_key(const engine::InputKey &, std::string *) { return 0; }
void PortXdp::detach() {}
bool PortXdp::loaded() const { return false; }
const std::string &PortXdp::mode() const { return impl_->mode; }
uint32_t PortXdp::program_id() const { return 0; }
std::optional<XdpCounters> PortXdp::counters() const { return std::nullopt; }
std::optional<uint64_t> PortXdp::no_socket_packets() const { return std::nullopt; }

} // namespace mcr::drivers
