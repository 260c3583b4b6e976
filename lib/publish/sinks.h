// Where the publisher puts what is not the engine's: the XDP rule map of an
// ingress port and the kernel's multicast memberships. Ports are the
// engine's port indexes; the running appliance maps them to its ports.
#pragma once

#include <cstdint>
#include <string>

#include "config/model.h"
#include "engine/rule_key.h"

namespace mcr::publish {

class XdpRuleSink {
public:
	virtual ~XdpRuleSink() = default;
	// One input more or less in port's XDP rule maps: an exact key of
	// either family (idempotent), or a range (counted: each add needs its
	// own remove). 0 or a negative errno with *error.
	virtual int add(uint16_t port, const engine::InputKey &key, std::string *error) = 0;
	virtual int remove(uint16_t port, const engine::InputKey &key, std::string *error) = 0;
};

class GroupSink {
public:
	virtual ~GroupSink() = default;
	// One reference more or less on (group, source) joined on port's
	// interface; either family (IPv4 in host order), the source of the
	// group's family, all zeros for any source. 0 or a negative errno with
	// *error.
	virtual int join(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
			 std::string *error) = 0;
	virtual int leave(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
			  std::string *error) = 0;
};

} // namespace mcr::publish
