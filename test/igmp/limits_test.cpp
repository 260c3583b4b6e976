// More memberships than one socket may hold: net.ipv4.igmp_max_memberships
// groups per socket (default 20), net.ipv4.igmp_max_msf sources per group
// per socket (default 10).
#include <algorithm>
#include <vector>

#include "igmp_fixture.h"

namespace mcr::host::test {
namespace {

TEST_F(IgmpTest, FortyFiveGroupsSpreadOverSockets)
{
	std::vector<uint32_t> groups;
	for (uint32_t i = 1; i <= 45; ++i) {
		groups.push_back(ipv4(239, 2, 0, i));
		ASSERT_TRUE(joins(iface_, groups.back(), 0)) << "group " << i;
	}
	EXPECT_EQ(igmp_.memberships(), 45u);
	EXPECT_GE(igmp_.sockets(), 3u);
	EXPECT_EQ(kernel_routable_groups(iface_), groups);

	igmp_.leave_all();
	EXPECT_TRUE(kernel_routable_groups(iface_).empty());
	EXPECT_EQ(igmp_.sockets(), 0u);
}

TEST_F(IgmpTest, FifteenSourcesOfOneGroupSpreadOverSockets)
{
	std::vector<uint32_t> sources;
	for (uint32_t i = 1; i <= 15; ++i) {
		sources.push_back(ipv4(198, 18, 7, i));
		ASSERT_TRUE(joins(iface_, kGroup, sources.back())) << "source " << i;
	}
	EXPECT_EQ(igmp_.memberships(), 15u);
	EXPECT_GE(igmp_.sockets(), 2u);
	EXPECT_EQ(kernel_included_sources(iface_, kGroup), sources);

	igmp_.leave_all();
	EXPECT_TRUE(kernel_source_filters().empty());
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
}

// Both limits at once, low, with slots freed and reused in between: the
// placement must learn each socket's limits from the kernel, not assume them.
TEST_F(IgmpTest, LowLimitsAreLearnedFromTheKernel)
{
	std::string why;
	ASSERT_TRUE(netns_->set_sysctl("net/ipv4/igmp_max_memberships", "3", &why)) << why;
	ASSERT_TRUE(netns_->set_sysctl("net/ipv4/igmp_max_msf", "2", &why)) << why;
	const auto group = [](uint32_t g) { return ipv4(239, 3, 0, g); };
	const auto source = [](uint32_t s) { return ipv4(198, 18, 3, s); };
	std::vector<uint32_t> all_sources;
	for (uint32_t s = 1; s <= 5; ++s)
		all_sources.push_back(source(s));
	for (uint32_t g = 1; g <= 9; ++g)
		for (uint32_t s = 1; s <= 5; ++s)
			ASSERT_TRUE(joins(iface_, group(g), source(s))) << g << "/" << s;
	for (uint32_t g = 1; g <= 9; ++g)
		EXPECT_EQ(kernel_included_sources(iface_, group(g)), all_sources) << "group " << g;
	// 45 (group, source) in lists of 2 at most, 3 lists a socket.
	EXPECT_GE(igmp_.sockets(), 9u);

	// Slots freed by leaves are found again before any new socket opens.
	ASSERT_TRUE(leaves(iface_, group(4), source(1)));
	ASSERT_TRUE(leaves(iface_, group(4), source(2)));
	for (uint32_t s = 1; s <= 5; ++s)
		ASSERT_TRUE(leaves(iface_, group(5), source(s)));
	EXPECT_EQ(kernel_group_users(iface_, group(5)), 0u);
	const size_t sockets_before = igmp_.sockets();
	ASSERT_TRUE(joins(iface_, group(4), source(1)));
	ASSERT_TRUE(joins(iface_, group(4), source(2)));
	ASSERT_TRUE(joins(iface_, group(10), 0));
	ASSERT_TRUE(joins(iface_, group(11), 0));
	EXPECT_EQ(igmp_.sockets(), sockets_before) << "a freed slot was not reused";
	EXPECT_EQ(kernel_included_sources(iface_, group(4)), all_sources);
	EXPECT_EQ(kernel_group_users(iface_, group(10)), 1u);
	EXPECT_EQ(kernel_group_users(iface_, group(11)), 1u);

	igmp_.leave_all();
	EXPECT_TRUE(kernel_source_filters().empty());
	EXPECT_TRUE(kernel_routable_groups(iface_).empty());
}

} // namespace
} // namespace mcr::host::test
