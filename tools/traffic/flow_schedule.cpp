#include "traffic/flow_schedule.h"

namespace mcr::traffic {

FlowSchedule::FlowSchedule(uint32_t flows, const SeqPattern &pattern, uint64_t count_per_flow)
	: finished_(flows, 0), active_(flows)
{
	for (uint32_t f = 0; f < flows; f++)
		emitters_.emplace_back(pattern, count_per_flow, f);
}

uint32_t FlowSchedule::fill(SendItem *items, uint32_t max)
{
	const auto flows = static_cast<uint32_t>(emitters_.size());
	uint32_t n = 0;
	while (n < max && active_ > 0) {
		const uint32_t f = cursor_;
		cursor_ = cursor_ + 1 == flows ? 0 : cursor_ + 1;
		if (finished_[f])
			continue;
		uint64_t seq;
		if (!emitters_[f].next(&seq)) {
			finished_[f] = 1;
			active_--;
			continue;
		}
		items[n++] = SendItem{f, seq};
	}
	return n;
}

} // namespace mcr::traffic
