// Joins, references and leaves, checked against /proc/net/igmp and
// /proc/net/mcfilter.
#include <cerrno>
#include <string>

#include "igmp_fixture.h"

namespace mcr::host::test {
namespace {

TEST_F(IgmpTest, JoinMakesTheKernelListTheGroup)
{
	ASSERT_EQ(kernel_group_users(iface_, kGroup), 0u);
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
	EXPECT_EQ(kernel_group_users(peer_, kGroup), 0u) << "joined on the wrong interface";
	EXPECT_EQ(igmp_.memberships(), 1u);
	EXPECT_EQ(igmp_.sockets(), 1u);
}

TEST_F(IgmpTest, FurtherReferencesShareOneMembership)
{
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	EXPECT_EQ(igmp_.references(iface_, kGroup, 0u), 3u);
	EXPECT_EQ(igmp_.memberships(), 1u);
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u) << "joined more than once";

	ASSERT_TRUE(leaves(iface_, kGroup, 0));
	ASSERT_TRUE(leaves(iface_, kGroup, 0));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u) << "left with a reference held";
	ASSERT_TRUE(leaves(iface_, kGroup, 0));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u) << "an idle helper socket stayed open";
}

TEST_F(IgmpTest, SourceSpecificJoinFiltersOnTheSource)
{
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
	EXPECT_EQ(kernel_included_sources(iface_, kGroup), std::vector<uint32_t>{kSource});
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	EXPECT_EQ(kernel_included_sources(iface_, kGroup), std::vector<uint32_t>{kSource});

	ASSERT_TRUE(leaves(iface_, kGroup, kSource));
	EXPECT_EQ(kernel_included_sources(iface_, kGroup), std::vector<uint32_t>{kSource});
	ASSERT_TRUE(leaves(iface_, kGroup, kSource));
	EXPECT_TRUE(kernel_included_sources(iface_, kGroup).empty());
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
}

// The kernel holds a socket's group either any-source or source-specific:
// mcr needs both when an any-source and a source-specific rule share it.
TEST_F(IgmpTest, AnySourceAndSourceSpecificOfOneGroupCoexist)
{
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	EXPECT_EQ(igmp_.memberships(), 2u);
	EXPECT_EQ(igmp_.sockets(), 2u);
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 2u);

	ASSERT_TRUE(leaves(iface_, kGroup, 0));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
	EXPECT_EQ(kernel_included_sources(iface_, kGroup), std::vector<uint32_t>{kSource});
	ASSERT_TRUE(leaves(iface_, kGroup, kSource));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
}

TEST_F(IgmpTest, OneGroupOnTwoInterfacesIsTwoMemberships)
{
	std::string why;
	const unsigned second = netns_->add_veth("mg1", "mg1p", "198.18.1.1/24", &why);
	ASSERT_NE(second, 0u) << why;
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	ASSERT_TRUE(joins(second, kGroup, kSource));
	EXPECT_EQ(igmp_.memberships(), 2u);
	EXPECT_EQ(igmp_.sockets(), 1u) << "one socket holds a group on many interfaces";

	ASSERT_TRUE(leaves(iface_, kGroup, kSource));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
	EXPECT_EQ(kernel_included_sources(second, kGroup), std::vector<uint32_t>{kSource});
}

TEST_F(IgmpTest, LeaveAllEmptiesEverything)
{
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, ipv4(239, 1, 2, 4), kSource));
	ASSERT_TRUE(joins(iface_, ipv4(239, 1, 2, 4), ipv4(198, 18, 0, 10)));
	igmp_.leave_all();
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
	EXPECT_TRUE(kernel_routable_groups(iface_).empty());
	EXPECT_TRUE(kernel_source_filters().empty());

	// And it is usable again.
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
}

TEST_F(IgmpTest, DestructionLeaves)
{
	{
		MulticastMemberships scoped;
		std::string error;
		ASSERT_EQ(scoped.join(iface_, kGroup, kSource, &error), 0) << error;
		ASSERT_EQ(kernel_group_users(iface_, kGroup), 1u);
	}
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
	EXPECT_TRUE(kernel_source_filters().empty());
}

TEST_F(IgmpTest, NonMulticastGroupIsRefused)
{
	for (uint32_t group : {ipv4(198, 18, 0, 5), ipv4(240, 0, 0, 1), ipv4(255, 255, 255, 255),
			       ipv4(0, 0, 0, 0)}) {
		std::string error;
		EXPECT_EQ(igmp_.join(iface_, group, 0u, &error), -EINVAL);
		EXPECT_TRUE(mentions(error, "not a multicast address"));
	}
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

TEST_F(IgmpTest, SourceThatCannotSendIsRefused)
{
	for (uint32_t source : {ipv4(239, 9, 9, 9), ipv4(255, 255, 255, 255), ipv4(0, 1, 2, 3)}) {
		std::string error;
		EXPECT_EQ(igmp_.join(iface_, kGroup, source, &error), -EINVAL);
		EXPECT_TRUE(mentions(error, "not a unicast source address"));
	}
	EXPECT_EQ(igmp_.memberships(), 0u);
}

TEST_F(IgmpTest, UnknownIfindexIsNamedInTheError)
{
	std::string error;
	EXPECT_EQ(igmp_.join(9999, kGroup, 0u, &error), -ENODEV);
	EXPECT_EQ(error, "cannot join group 239.1.2.3 any source on ifindex 9999: no such interface");
	EXPECT_EQ(igmp_.join(0, kGroup, kSource, &error), -ENODEV);
	EXPECT_TRUE(mentions(error, "ifindex 0: no such interface"));
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

TEST_F(IgmpTest, ErrorsNameTheInterface)
{
	std::string error;
	EXPECT_EQ(igmp_.join(iface_, ipv4(10, 0, 0, 1), 0u, &error), -EINVAL);
	EXPECT_EQ(error, "cannot join group 10.0.0.1 any source on mg0 (ifindex " +
				 std::to_string(iface_) + "): not a multicast address");
}

TEST_F(IgmpTest, LeavingWhatIsNotJoinedIsENOENT)
{
	std::string error;
	EXPECT_EQ(igmp_.leave(iface_, kGroup, 0u, &error), -ENOENT);
	EXPECT_TRUE(mentions(error, "not joined"));
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	EXPECT_EQ(igmp_.leave(iface_, kGroup, 0u, &error), -ENOENT) << "any-source is another membership";
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
}

// A port's interface can vanish under mcr; the leave that follows must
// still free the helper socket's slot.
TEST_F(IgmpTest, LeaveAfterTheInterfaceWentAway)
{
	const uint32_t source_group = ipv4(239, 1, 2, 4);
	ASSERT_TRUE(joins(iface_, kGroup, 0));
	ASSERT_TRUE(joins(iface_, source_group, kSource));
	ASSERT_TRUE(joins(iface_, source_group, ipv4(198, 18, 0, 10)));
	std::string why;
	ASSERT_TRUE(netns_->ip("link del mg0", &why)) << why;
	EXPECT_TRUE(leaves(iface_, kGroup, 0));
	EXPECT_TRUE(leaves(iface_, source_group, kSource));
	EXPECT_TRUE(leaves(iface_, source_group, ipv4(198, 18, 0, 10)));
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

} // namespace
} // namespace mcr::host::test
