// IPv6 memberships (MLD): joins, references and leaves checked against
// /proc/net/igmp6 and /proc/net/mcfilter6, the per-socket limits, and the
// MLDv2 reports the kernel sends for them, captured on the veth's far end.
#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "igmp_fixture.h"
#include "mld_wire.h"

namespace mcr::host::test {
namespace {

using namespace std::chrono_literals;

Ipv6 v6(const char *text)
{
	Ipv6 address{};
	EXPECT_EQ(inet_pton(AF_INET6, text, address.data()), 1) << text;
	return address;
}

const IpAddress kAny6 = Ipv6{};

// mg0 with IPv6 on (2001:2::1/64, no DAD to wait for) besides its IPv4.
class MldTest : public IgmpTest {
protected:
	// net.ipv6.mld_max_msf exists in the initial namespace only.
	static void SetUpTestSuite()
	{
		std::ifstream file("/proc/sys/net/ipv6/mld_max_msf");
		if (!(file >> max_msf_))
			max_msf_ = 64;
	}

	void SetUp() override
	{
		IgmpTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		std::string why;
		for (const char *iface : {"mg0", "mg0p"})
			ASSERT_TRUE(netns_->set_sysctl(
				std::string("net/ipv6/conf/") + iface + "/disable_ipv6", "0", &why))
				<< why;
		ASSERT_TRUE(netns_->ip("-6 addr add 2001:2::1/64 dev mg0 nodad", &why)) << why;
	}

	::testing::AssertionResult joins6(const Ipv6 &group, const IpAddress &source = kAny6)
	{
		return joins_any(iface_, group, source);
	}
	::testing::AssertionResult leaves6(const Ipv6 &group, const IpAddress &source = kAny6)
	{
		std::string error;
		const int rc = igmp_.leave(iface_, group, source, &error);
		if (rc == 0)
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << "leave returned " << rc << ": " << error;
	}
	::testing::AssertionResult joins_any(unsigned ifindex, const IpAddress &group,
					     const IpAddress &source)
	{
		std::string error;
		const int rc = igmp_.join(ifindex, group, source, &error);
		if (rc == 0)
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << "join returned " << rc << ": " << error;
	}

	const Ipv6 kGroup6 = v6("ff3e::1:2:3");
	const Ipv6 kSource6 = v6("2001:2::9");
	static inline unsigned max_msf_ = 64;
};

TEST_F(MldTest, JoinMakesTheKernelListTheGroup)
{
	ASSERT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
	ASSERT_TRUE(joins6(kGroup6));
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 1u);
	EXPECT_EQ(kernel_group6_users(peer_, kGroup6), 0u) << "joined on the wrong interface";
	EXPECT_EQ(igmp_.memberships(), 1u);
	EXPECT_EQ(igmp_.sockets(), 1u);
	ASSERT_TRUE(leaves6(kGroup6));
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

TEST_F(MldTest, FurtherReferencesShareOneMembership)
{
	ASSERT_TRUE(joins6(kGroup6));
	ASSERT_TRUE(joins6(kGroup6));
	EXPECT_EQ(igmp_.references(iface_, kGroup6, kAny6), 2u);
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 1u) << "joined more than once";
	ASSERT_TRUE(leaves6(kGroup6));
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 1u) << "left with a reference held";
	ASSERT_TRUE(leaves6(kGroup6));
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
	EXPECT_EQ(igmp_.memberships(), 0u);
}

TEST_F(MldTest, SourceSpecificJoinFiltersOnTheSource)
{
	ASSERT_TRUE(joins6(kGroup6, kSource6));
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 1u);
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), std::vector<Ipv6>{kSource6});
	const Ipv6 second = v6("fe80::9"); // a link-local sender is a sender
	ASSERT_TRUE(joins6(kGroup6, second));
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), (std::vector<Ipv6>{kSource6, second}));
	EXPECT_EQ(igmp_.sockets(), 1u);

	ASSERT_TRUE(leaves6(kGroup6, kSource6));
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), std::vector<Ipv6>{second});
	ASSERT_TRUE(leaves6(kGroup6, second));
	EXPECT_TRUE(kernel_source_filters6().empty());
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
}

TEST_F(MldTest, BothFamiliesAndBothKindsCoexist)
{
	ASSERT_TRUE(joins6(kGroup6));
	ASSERT_TRUE(joins6(kGroup6, kSource6));
	ASSERT_TRUE(joins(iface_, kGroup, kSource));
	EXPECT_EQ(igmp_.memberships(), 3u);
	EXPECT_EQ(igmp_.sockets(), 3u) << "any-source and source-specific, and each family, apart";
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 2u);
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);

	ASSERT_TRUE(leaves6(kGroup6));
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), std::vector<Ipv6>{kSource6});
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 1u);
	igmp_.leave_all();
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
	EXPECT_EQ(kernel_group_users(iface_, kGroup), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

// Which groups may be relayed across ports is the rules' business: a
// link-local or interface-local group is joined like any other.
TEST_F(MldTest, NarrowScopesAreJoined)
{
	for (const char *group : {"ff12::1:2", "ff11::1:2", "ff02::1:3"}) {
		ASSERT_TRUE(joins6(v6(group))) << group;
		EXPECT_EQ(kernel_group6_users(iface_, v6(group)), 1u) << group;
	}
}

TEST_F(MldTest, WhatIsNotAGroupOrASourceIsRefused)
{
	std::string error;
	for (const char *group : {"2001:2::5", "::", "fe80::1", "::ffff:239.1.2.3"}) {
		EXPECT_EQ(igmp_.join(iface_, v6(group), kAny6, &error), -EINVAL) << group;
		EXPECT_TRUE(mentions(error, "not a multicast address"));
	}
	for (const char *source : {"::1", "ff3e::9"}) {
		EXPECT_EQ(igmp_.join(iface_, kGroup6, v6(source), &error), -EINVAL) << source;
		EXPECT_TRUE(mentions(error, "not a unicast source address"));
	}
	EXPECT_EQ(igmp_.join(iface_, kGroup6, kSource, &error), -EINVAL);
	EXPECT_TRUE(mentions(error, "not of the group's family"));
	EXPECT_EQ(igmp_.join(iface_, kGroup, kSource6, &error), -EINVAL);
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

TEST_F(MldTest, ErrorsNameTheGroupAndTheInterface)
{
	std::string error;
	EXPECT_EQ(igmp_.join(iface_, v6("2001:2::5"), v6("2001:2::9"), &error), -EINVAL);
	EXPECT_EQ(error, "cannot join group 2001:2::5 source 2001:2::9 on mg0 (ifindex " +
				 std::to_string(iface_) + "): not a multicast address");
	EXPECT_EQ(igmp_.join(9999, kGroup6, kAny6, &error), -ENODEV);
	EXPECT_EQ(error, "cannot join group ff3e::1:2:3 any source on ifindex 9999: no such interface");
}

// The kernel takes a join on an interface with IPv6 disabled, and drops
// every report it sends: refused, with the setting named.
TEST_F(MldTest, AnInterfaceWithoutIPv6IsRefusedWithTheReason)
{
	std::string why;
	ASSERT_TRUE(netns_->set_sysctl("net/ipv6/conf/mg0/disable_ipv6", "1", &why)) << why;
	std::string error;
	EXPECT_EQ(igmp_.join(iface_, kGroup6, kAny6, &error), -EAFNOSUPPORT);
	EXPECT_TRUE(mentions(error, "net.ipv6.conf.mg0.disable_ipv6 = 1")) << error;
	EXPECT_EQ(kernel_group6_users(iface_, kGroup6), 0u);
	// IPv4 on it is unaffected.
	EXPECT_TRUE(joins(iface_, kGroup, 0));

	// Under IPv6's minimum MTU the interface has no IPv6 at all.
	ASSERT_TRUE(netns_->set_sysctl("net/ipv6/conf/mg0/disable_ipv6", "0", &why)) << why;
	ASSERT_TRUE(netns_->ip("link set mg0 mtu 1200", &why)) << why;
	EXPECT_EQ(igmp_.join(iface_, kGroup6, kSource6, &error), -EAFNOSUPPORT);
	EXPECT_TRUE(mentions(error, "mg0 has no IPv6")) << error;
	EXPECT_EQ(igmp_.memberships(), 1u);
}

TEST_F(MldTest, LeaveAfterTheInterfaceWentAway)
{
	ASSERT_TRUE(joins6(kGroup6));
	ASSERT_TRUE(joins6(kGroup6, kSource6));
	std::string why;
	ASSERT_TRUE(netns_->ip("link del mg0", &why)) << why;
	EXPECT_TRUE(leaves6(kGroup6));
	EXPECT_TRUE(leaves6(kGroup6, kSource6));
	EXPECT_EQ(igmp_.memberships(), 0u);
	EXPECT_EQ(igmp_.sockets(), 0u);
}

// MLD has no group count per socket: socket option memory
// (net.core.optmem_max, per namespace) is what fills one, with ENOMEM.
TEST_F(MldTest, GroupsBeyondASocketsOptionMemorySpreadOverSockets)
{
	std::string why;
	ASSERT_TRUE(netns_->set_sysctl("net/core/optmem_max", "2048", &why)) << why;
	std::vector<Ipv6> groups;
	for (unsigned i = 1; i <= 120; ++i) {
		Ipv6 group = v6("ff3e::2:0");
		group[15] = static_cast<uint8_t>(i);
		groups.push_back(group);
		ASSERT_TRUE(joins6(group)) << "group " << i;
	}
	// Sources too: lists that grow as the memory left shrinks.
	std::vector<Ipv6> sources;
	for (unsigned s = 1; s <= 40; ++s) {
		Ipv6 source = v6("2001:2::7:0");
		source[15] = static_cast<uint8_t>(s);
		sources.push_back(source);
		ASSERT_TRUE(joins6(kGroup6, source)) << "source " << s;
	}
	EXPECT_EQ(igmp_.memberships(), 160u);
	EXPECT_GE(igmp_.sockets(), 3u) << "the limit was not reached; the test proves nothing";
	std::vector<Ipv6> all = groups;
	all.push_back(kGroup6);
	std::sort(all.begin(), all.end());
	EXPECT_EQ(kernel_routable_groups6(iface_), all);
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), sources);

	igmp_.leave_all();
	EXPECT_TRUE(kernel_routable_groups6(iface_).empty());
	EXPECT_EQ(igmp_.sockets(), 0u);
}

// A socket with room for one more group but not for its source list: the
// source goes to another socket, not refused (whatever number of groups
// leaves that gap on this kernel).
TEST_F(MldTest, ASourceListThatNoLongerFitsGoesToAnotherSocket)
{
	std::string why;
	ASSERT_TRUE(netns_->set_sysctl("net/core/optmem_max", "2048", &why)) << why;
	for (unsigned before = 0; before <= 45; ++before) {
		for (unsigned i = 1; i <= before; ++i) {
			Ipv6 group = v6("ff3e::2:0");
			group[15] = static_cast<uint8_t>(i);
			ASSERT_TRUE(joins6(group)) << before << " groups, group " << i;
		}
		ASSERT_TRUE(joins6(kGroup6, kSource6)) << "after " << before << " groups";
		EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), std::vector<Ipv6>{kSource6});
		igmp_.leave_all();
	}
}

// net.ipv6.mld_max_msf sources per group per socket (global, 64 by default).
TEST_F(MldTest, SourcesBeyondMldMaxMsfSpreadOverSockets)
{
	std::vector<Ipv6> sources;
	for (unsigned s = 1; s <= max_msf_ + 6; ++s) {
		Ipv6 source = v6("2001:2::8:0");
		source[14] = static_cast<uint8_t>(s >> 8);
		source[15] = static_cast<uint8_t>(s);
		sources.push_back(source);
		ASSERT_TRUE(joins6(kGroup6, source)) << "source " << s;
	}
	EXPECT_GE(igmp_.sockets(), 2u);
	EXPECT_EQ(kernel_included_sources6(iface_, kGroup6), sources);
	for (const Ipv6 &source : sources)
		ASSERT_TRUE(leaves6(kGroup6, source));
	EXPECT_TRUE(kernel_source_filters6().empty());
	EXPECT_EQ(igmp_.sockets(), 0u);
}

// State-change reports go out at once; 3 s covers a retransmission.
constexpr auto kReportWait = 3s;

bool names(const MldRecord &record, const Ipv6 &source)
{
	return std::find(record.sources.begin(), record.sources.end(), source) !=
	       record.sources.end();
}

std::string seen_text(const std::vector<MldRecord> &seen)
{
	std::string text = seen.empty() ? " nothing" : "";
	for (const MldRecord &record : seen)
		text += "\n  " + describe(record);
	return text;
}

class MldWireTest : public MldTest {
protected:
	void SetUp() override
	{
		MldTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		wire_.emplace(peer_);
		ASSERT_EQ(wire_->problem(), "");
	}

	std::optional<MldWire> wire_;
};

TEST_F(MldWireTest, AnySourceJoinReportsExcludeNothing)
{
	ASSERT_TRUE(joins6(kGroup6));
	std::vector<MldRecord> seen;
	const auto join = wire_->wait_for(
		[&](const MldRecord &record) {
			return record.message == kMldV2Report && record.group == kGroup6 &&
			       record.type == kMldChangeToExclude && record.sources.empty();
		},
		kReportWait, &seen);
	ASSERT_TRUE(join) << "no MLDv2 TO_EX {} for the group; seen:" << seen_text(seen);

	seen.clear();
	ASSERT_TRUE(leaves6(kGroup6));
	const auto leave = wire_->wait_for(
		[&](const MldRecord &record) {
			return record.group == kGroup6 && record.type == kMldChangeToInclude &&
			       record.sources.empty();
		},
		kReportWait, &seen);
	ASSERT_TRUE(leave) << "no MLDv2 TO_IN {}; seen:" << seen_text(seen);
}

TEST_F(MldWireTest, SourceSpecificJoinReportsTheSource)
{
	ASSERT_TRUE(joins6(kGroup6, kSource6));
	std::vector<MldRecord> seen;
	const auto join = wire_->wait_for(
		[&](const MldRecord &record) {
			return record.message == kMldV2Report && record.group == kGroup6 &&
			       (record.type == kMldAllowNewSources ||
				record.type == kMldChangeToInclude) &&
			       names(record, kSource6);
		},
		kReportWait, &seen);
	ASSERT_TRUE(join) << "no MLDv2 ALLOW/TO_IN naming the source; seen:" << seen_text(seen);

	seen.clear();
	ASSERT_TRUE(leaves6(kGroup6, kSource6));
	const auto leave = wire_->wait_for(
		[&](const MldRecord &record) {
			return record.group == kGroup6 &&
			       ((record.type == kMldBlockOldSources && names(record, kSource6)) ||
				(record.type == kMldChangeToInclude && record.sources.empty()));
		},
		kReportWait, &seen);
	ASSERT_TRUE(leave) << "no BLOCK naming the source or TO_IN {}; seen:" << seen_text(seen);
}

// A querier's general query gets current-state records: without them an
// MLD-snooping switch would age the group out.
TEST_F(MldWireTest, GeneralQueryIsAnswered)
{
	const Ipv6 any_source_group = v6("ff3e::1:2:4");
	ASSERT_TRUE(joins6(kGroup6, kSource6));
	ASSERT_TRUE(joins6(any_source_group));
	// Past the state-change reports, so that what follows answers the query.
	wire_->wait_for([](const MldRecord &) { return false; }, 1500ms);
	std::string why;
	ASSERT_TRUE(wire_->send_general_query(v6("fe80::2"), &why)) << why;

	std::vector<MldRecord> seen;
	bool source_specific = false;
	bool any_source = false;
	wire_->wait_for(
		[&](const MldRecord &record) {
			source_specific |= record.type == kMldModeIsInclude &&
					   record.group == kGroup6 && names(record, kSource6);
			any_source |= record.type == kMldModeIsExclude &&
				      record.group == any_source_group && record.sources.empty();
			return source_specific && any_source;
		},
		kReportWait, &seen);
	EXPECT_TRUE(source_specific) << "no IS_IN naming the source; seen:" << seen_text(seen);
	EXPECT_TRUE(any_source) << "no IS_EX {}; seen:" << seen_text(seen);
}

} // namespace
} // namespace mcr::host::test
