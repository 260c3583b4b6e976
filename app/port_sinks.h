// The publisher's sinks on the running appliance: a rule's key goes into
// its ingress port's XDP rule map, its group is joined on that port's
// kernel interface.
#pragma once

#include <memory>
#include <vector>

#include "host/multicast_memberships.h"
#include "port.h"
#include "publish/sinks.h"

namespace mcr::app {

class PortXdpSink : public publish::XdpRuleSink {
public:
	explicit PortXdpSink(const std::vector<std::unique_ptr<drivers::Port>> &ports) : ports_(ports) {}
	int add(uint16_t port, const engine::InputKey &key, std::string *error) override;
	int remove(uint16_t port, const engine::InputKey &key, std::string *error) override;

private:
	const std::vector<std::unique_ptr<drivers::Port>> &ports_;
};

class PortGroupSink : public publish::GroupSink {
public:
	PortGroupSink(const std::vector<std::unique_ptr<drivers::Port>> &ports,
		      host::MulticastMemberships &memberships)
		: ports_(ports), memberships_(memberships)
	{
	}
	int join(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
		 std::string *error) override;
	int leave(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
		  std::string *error) override;

private:
	const std::vector<std::unique_ptr<drivers::Port>> &ports_;
	host::MulticastMemberships &memberships_;
};

} // namespace mcr::app
