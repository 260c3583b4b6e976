#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "traffic/flow_schedule.h"

using namespace mcr::traffic;

namespace {

using Items = std::vector<std::pair<uint32_t, uint64_t>>;

Items drain(FlowSchedule &s, uint32_t batch)
{
	Items out;
	std::vector<SendItem> items(batch);
	for (uint32_t n; (n = s.fill(items.data(), batch)) > 0;)
		for (uint32_t i = 0; i < n; i++)
			out.emplace_back(items[i].flow, items[i].seq);
	return out;
}

} // namespace

TEST(FlowSchedule, TakesTurnsAcrossFlows)
{
	FlowSchedule s(3, {}, 2);
	EXPECT_EQ(drain(s, 4), (Items{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}}));
	EXPECT_TRUE(s.done());
	EXPECT_EQ(s.seqs_consumed(2), 2u);
}

TEST(FlowSchedule, EachFlowFollowsThePattern)
{
	FlowSchedule s(2, {.skip_every = 2}, 4);
	EXPECT_EQ(drain(s, 1), (Items{{0, 0}, {1, 0}, {0, 2}, {1, 2}}));
}

TEST(FlowSchedule, FillsWholeBatchesUntilTheEnd)
{
	FlowSchedule s(2, {}, 5);
	std::vector<SendItem> items(4);
	EXPECT_EQ(s.fill(items.data(), 4), 4u);
	EXPECT_EQ(s.fill(items.data(), 4), 4u);
	EXPECT_EQ(s.fill(items.data(), 4), 2u);
	EXPECT_EQ(s.fill(items.data(), 4), 0u);
}
