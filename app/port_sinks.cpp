#include "port_sinks.h"

namespace mcr::app {

int PortXdpSink::add(uint16_t port, const engine::RuleKey &key, std::string *error)
{
	return ports_.at(port)->xdp().add_rule_key(key, error);
}

int PortXdpSink::remove(uint16_t port, const engine::RuleKey &key, std::string *error)
{
	return ports_.at(port)->xdp().remove_rule_key(key, error);
}

int PortGroupSink::join(uint16_t port, uint32_t group, uint32_t source, std::string *error)
{
	return igmp_.join(ports_.at(port)->iface().index, group, source, error);
}

int PortGroupSink::leave(uint16_t port, uint32_t group, uint32_t source, std::string *error)
{
	return igmp_.leave(ports_.at(port)->iface().index, group, source, error);
}

} // namespace mcr::app
