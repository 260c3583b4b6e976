// The order in which the generator sends: one packet per flow in turn
// (round robin), each flow's sequence numbers from its SeqEmitter. A flow
// that reached its count drops out; the others keep their turns.
#pragma once

#include <cstdint>
#include <vector>

#include "traffic/seq_pattern.h"

namespace mcr::traffic {

struct SendItem {
	uint32_t flow; // index into the generator's flow list
	uint64_t seq;
};

class FlowSchedule {
public:
	// count_per_flow: sequence numbers per flow, SeqEmitter::unlimited for none.
	FlowSchedule(uint32_t flows, const SeqPattern &pattern, uint64_t count_per_flow);

	// Writes up to max items; fewer (0 at the end) once flows run out.
	uint32_t fill(SendItem *items, uint32_t max);

	bool done() const { return active_ == 0; }
	uint64_t seqs_consumed(uint32_t flow) const { return emitters_[flow].consumed(); }

private:
	std::vector<SeqEmitter> emitters_;
	std::vector<uint8_t> finished_;
	uint32_t cursor_ = 0;
	uint32_t active_;
};

} // namespace mcr::traffic
