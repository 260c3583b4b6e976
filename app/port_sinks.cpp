#include "port_sinks.h"

namespace mcr::app {

int PortXdpSink::add(uint16_t port, const engine::InputKey &key, std::string *error)
{
	return ports_.at(port)->xdp().add_rule_key(key, error);
}

int PortXdpSink::remove(uint16_t port, const engine::InputKey &key, std::string *error)
{
	return ports_.at(port)->xdp().remove_rule_key(key, error);
}

int PortGroupSink::join(uint16_t port, const config::IpAddress &group,
			const config::IpAddress &source, std::string *error)
{
	return memberships_.join(ports_.at(port)->iface().index, group, source, error);
}

int PortGroupSink::leave(uint16_t port, const config::IpAddress &group,
			 const config::IpAddress &source, std::string *error)
{
	return memberships_.leave(ports_.at(port)->iface().index, group, source, error);
}

} // namespace mcr::app
