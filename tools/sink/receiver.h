// Where mcr-sink's packets come from: kernel sockets or a DPDK port. A
// receiver hands each UDP payload to the flow table with its endpoint and
// the time it was read.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "traffic/flow_table.h"

namespace mcr::sink {

class Receiver {
public:
	virtual ~Receiver() = default;

	// Receives what is there (waiting briefly, well under 100 ms, when
	// nothing is), accounts it in table; returns the payloads handed over.
	virtual uint32_t poll(traffic::FlowTable &table) = 0;

	virtual const char *backend() const = 0;
	// Back-end counters worth reporting (name, value), e.g. frames that
	// were not UDP.
	virtual std::vector<std::pair<std::string, uint64_t>> counters() const { return {}; }
};

} // namespace mcr::sink
