// Where the publisher puts what is not the engine's: the XDP rule map of an
// ingress port and the kernel's multicast memberships. Ports are the
// engine's port indexes; the running appliance maps them to its ports.
#pragma once

#include <cstdint>
#include <string>

#include "engine/rule_key.h"

namespace mcr::publish {

class XdpRuleSink {
public:
	virtual ~XdpRuleSink() = default;
	// One key more or less in port's XDP rule map (idempotent). 0 or a
	// negative errno with *error.
	virtual int add(uint16_t port, const engine::RuleKey &key, std::string *error) = 0;
	virtual int remove(uint16_t port, const engine::RuleKey &key, std::string *error) = 0;
};

class GroupSink {
public:
	virtual ~GroupSink() = default;
	// One reference more or less on (group, source) joined on port's
	// interface; addresses in host order, source 0 for any source. 0 or a
	// negative errno with *error.
	virtual int join(uint16_t port, uint32_t group, uint32_t source, std::string *error) = 0;
	virtual int leave(uint16_t port, uint32_t group, uint32_t source, std::string *error) = 0;
};

} // namespace mcr::publish
