// What the kernel sends for mcr's memberships, captured on the veth's far
// end: the point of the helper sockets is that routers and snooping
// switches hear about the groups.
#include <algorithm>
#include <chrono>
#include <vector>

#include "igmp_fixture.h"
#include "igmp_wire.h"

namespace mcr::host::test {
namespace {

using namespace std::chrono_literals;

// State-change reports go out at once; 3 s covers a retransmission.
constexpr auto kReportWait = 3s;

bool names(const IgmpRecord &record, uint32_t source)
{
	return std::find(record.sources.begin(), record.sources.end(), source) !=
	       record.sources.end();
}

std::string seen_text(const std::vector<IgmpRecord> &seen)
{
	std::string text = seen.empty() ? " nothing" : "";
	for (const IgmpRecord &record : seen)
		text += "\n  " + describe(record);
	return text;
}

class IgmpWireTest : public IgmpTest {
protected:
	void SetUp() override
	{
		IgmpTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		wire_.emplace(peer_);
		ASSERT_EQ(wire_->problem(), "");
	}

	std::optional<IgmpWire> wire_;
};

TEST_F(IgmpWireTest, SourceSpecificJoinReportsTheSource)
{
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	std::vector<IgmpRecord> seen;
	const auto join = wire_->wait_for(
		[](const IgmpRecord &record) {
			return record.message == kIgmpV3Report && record.group == kGroup &&
			       (record.type == kAllowNewSources || record.type == kChangeToInclude) &&
			       names(record, kSource);
		},
		kReportWait, &seen);
	ASSERT_TRUE(join) << "no IGMPv3 ALLOW/TO_IN naming the source; seen:" << seen_text(seen);

	seen.clear();
	ASSERT_TRUE(leaves(iface_, kGroup, kSource));
	const auto leave = wire_->wait_for(
		[](const IgmpRecord &record) {
			if (record.group != kGroup)
				return false;
			if (record.message == kIgmpV2Leave)
				return true;
			return (record.type == kBlockOldSources && names(record, kSource)) ||
			       (record.type == kChangeToInclude && record.sources.empty());
		},
		kReportWait, &seen);
	ASSERT_TRUE(leave) << "no BLOCK naming the source, TO_IN {} or v2 leave; seen:"
			   << seen_text(seen);
}

TEST_F(IgmpWireTest, AnySourceJoinReportsExcludeNothing)
{
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	std::vector<IgmpRecord> seen;
	const auto join = wire_->wait_for(
		[](const IgmpRecord &record) {
			return record.group == kGroup &&
			       (record.message == kIgmpV2Report ||
				(record.type == kChangeToExclude && record.sources.empty()));
		},
		kReportWait, &seen);
	ASSERT_TRUE(join) << "no TO_EX {} or v2 report; seen:" << seen_text(seen);

	seen.clear();
	ASSERT_TRUE(leaves(iface_, kGroup, 0));
	const auto leave = wire_->wait_for(
		[](const IgmpRecord &record) {
			return record.group == kGroup &&
			       (record.message == kIgmpV2Leave ||
				(record.type == kChangeToInclude && record.sources.empty()));
		},
		kReportWait, &seen);
	ASSERT_TRUE(leave) << "no TO_IN {} or v2 leave; seen:" << seen_text(seen);
}

// A querier's general query gets current-state records: without them an
// IGMP-snooping switch would age the group out after a few minutes.
TEST_F(IgmpWireTest, GeneralQueryIsAnswered)
{
	const uint32_t any_source_group = ipv4(239, 1, 2, 4);
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	ASSERT_TRUE(joins(iface_, any_source_group, 0));
	std::string why;
	ASSERT_TRUE(wire_->send_general_query(ipv4(198, 18, 0, 2), &why)) << why;

	std::vector<IgmpRecord> seen;
	bool source_specific = false;
	bool any_source = false;
	wire_->wait_for(
		[&](const IgmpRecord &record) {
			source_specific |= record.type == kModeIsInclude && record.group == kGroup &&
					   names(record, kSource);
			any_source |= record.type == kModeIsExclude &&
				      record.group == any_source_group && record.sources.empty();
			return source_specific && any_source;
		},
		kReportWait, &seen);
	EXPECT_TRUE(source_specific) << "no IS_IN naming the source; seen:" << seen_text(seen);
	EXPECT_TRUE(any_source) << "no IS_EX {}; seen:" << seen_text(seen);
}

} // namespace
} // namespace mcr::host::test
