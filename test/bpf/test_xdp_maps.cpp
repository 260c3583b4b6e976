// The control plane's view of the maps: rules and their group counts,
// config flags and counters, read back through the kernel.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "frame_builder.h"
#include "xdp_config.h"
#include "xdp_harness.h"

namespace mcr::bpf::test {
namespace {

// Keys as (dst, port, vlan, src) in host order: comparable, and printed
// readably by gtest.
using KeyTuple = std::tuple<uint32_t, uint16_t, uint16_t, uint32_t>;
using KeySet = std::set<KeyTuple>;

KeySet key_set(std::initializer_list<mcr_rule_key> keys)
{
	KeySet set;
	for (const mcr_rule_key &key : keys)
		set.emplace(ntohl(key.dst_ip), ntohs(key.dst_port), key.vlan, ntohl(key.src_ip));
	return set;
}

KeySet rules_in(const XdpMaps &maps)
{
	auto keys = read_rules(maps);
	EXPECT_TRUE(keys) << (keys ? "" : keys.error().message);
	KeySet set;
	if (keys)
		for (const mcr_rule_key &key : keys.value())
			set.merge(key_set({key}));
	return set;
}

// dst (host order) -> reference count, straight from mcr_groups.
std::map<uint32_t, uint32_t> groups_in(const XdpMaps &maps)
{
	std::map<uint32_t, uint32_t> groups;
	mcr_group_key key = 0;
	mcr_group_key previous = 0;
	bool first = true;

	while (bpf_map_get_next_key(maps.groups.get(), first ? nullptr : &previous, &key) == 0) {
		mcr_group_refs refs = 0;
		EXPECT_EQ(bpf_map_lookup_elem(maps.groups.get(), &key, &refs), 0);
		groups[ntohl(key)] = refs;
		previous = key;
		first = false;
	}
	return groups;
}

class XdpMapsTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		Status cleared = sync_rules(maps(), {});
		ASSERT_TRUE(cleared) << cleared.error().message;
	}
	void TearDown() override
	{
		if (XdpHarness::get().usable())
			(void)sync_rules(maps(), {});
	}
	const XdpMaps &maps() { return XdpHarness::get().maps(); }

	const mcr_rule_key a = make_rule_key(ipv4("239.1.1.1"), 5000);
	const mcr_rule_key a_ssm = make_rule_key(ipv4("239.1.1.1"), 5000, 0, ipv4("198.18.0.7"));
	const mcr_rule_key a_vlan = make_rule_key(ipv4("239.1.1.1"), 5000, 100);
	const mcr_rule_key b = make_rule_key(ipv4("239.1.1.2"), 5000);
	const mcr_rule_key c = make_rule_key(ipv4("198.18.1.1"), 7000);
};

TEST(XdpRuleKey, NetworkByteOrderFromHostOrder)
{
	const mcr_rule_key key = make_rule_key(ipv4("239.1.2.3"), 5000, 100, ipv4("198.18.0.7"));
	const uint8_t dst[] = {239, 1, 2, 3};
	const uint8_t port[] = {0x13, 0x88};
	const uint8_t src[] = {198, 18, 0, 7};

	EXPECT_EQ(std::memcmp(&key.dst_ip, dst, 4), 0);
	EXPECT_EQ(std::memcmp(&key.dst_port, port, 2), 0);
	EXPECT_EQ(key.vlan, 100);
	EXPECT_EQ(std::memcmp(&key.src_ip, src, 4), 0);
	EXPECT_EQ(make_rule_key(ipv4("239.1.2.3"), 5000).src_ip, 0u);
}

TEST_F(XdpMapsTest, AddCountsEachDestinationOnce)
{
	ASSERT_TRUE(add_rule(maps(), a));
	ASSERT_TRUE(add_rule(maps(), a_ssm));
	ASSERT_TRUE(add_rule(maps(), a)); // again: no change
	ASSERT_TRUE(add_rule(maps(), c));

	EXPECT_EQ(rules_in(maps()), key_set({a, a_ssm, c}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.1"), 2}, {ipv4("198.18.1.1"), 1}}));
}

TEST_F(XdpMapsTest, DeleteDropsGroupWithItsLastRule)
{
	ASSERT_TRUE(add_rule(maps(), a));
	ASSERT_TRUE(add_rule(maps(), a_vlan));
	ASSERT_TRUE(add_rule(maps(), b));

	ASSERT_TRUE(delete_rule(maps(), a));
	ASSERT_TRUE(delete_rule(maps(), a)); // again: no change
	EXPECT_EQ(rules_in(maps()), key_set({a_vlan, b}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.1"), 1}, {ipv4("239.1.1.2"), 1}}));

	ASSERT_TRUE(delete_rule(maps(), a_vlan));
	EXPECT_EQ(rules_in(maps()), key_set({b}));
	EXPECT_EQ(groups_in(maps()), (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.2"), 1}}));
}

TEST_F(XdpMapsTest, SyncMakesTheMapsExactlyTheWantedSet)
{
	const std::vector<mcr_rule_key> first{a, a_ssm, b, a}; // duplicate a
	ASSERT_TRUE(sync_rules(maps(), first));
	EXPECT_EQ(rules_in(maps()), key_set({a, a_ssm, b}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.1"), 2}, {ipv4("239.1.1.2"), 1}}));

	const std::vector<mcr_rule_key> second{a_vlan, a, c};
	ASSERT_TRUE(sync_rules(maps(), second));
	EXPECT_EQ(rules_in(maps()), key_set({a, a_vlan, c}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.1"), 2}, {ipv4("198.18.1.1"), 1}}));

	ASSERT_TRUE(sync_rules(maps(), {}));
	EXPECT_TRUE(rules_in(maps()).empty());
	EXPECT_TRUE(groups_in(maps()).empty());
}

TEST_F(XdpMapsTest, SyncRepairsGroupCountsLeftWrong)
{
	ASSERT_TRUE(add_rule(maps(), a));
	// Someone else's damage: a wrong count and a group with no rule.
	mcr_group_key dst = htonl(ipv4("239.1.1.1"));
	mcr_group_key stray = htonl(ipv4("239.7.7.7"));
	mcr_group_refs wrong = 9;
	ASSERT_EQ(bpf_map_update_elem(maps().groups.get(), &dst, &wrong, BPF_ANY), 0);
	ASSERT_EQ(bpf_map_update_elem(maps().groups.get(), &stray, &wrong, BPF_ANY), 0);

	const std::vector<mcr_rule_key> wanted{a};
	ASSERT_TRUE(sync_rules(maps(), wanted));
	EXPECT_EQ(groups_in(maps()), (std::map<uint32_t, uint32_t>{{ipv4("239.1.1.1"), 1}}));
}

TEST_F(XdpMapsTest, SyncBeyondCapacityChangesNothing)
{
	ASSERT_TRUE(add_rule(maps(), a));
	std::vector<mcr_rule_key> too_many;
	for (uint32_t i = 0; i <= MCR_XDP_MAX_RULES; ++i)
		too_many.push_back(make_rule_key(ipv4("239.0.0.0") + i, 5000));

	Status synced = sync_rules(maps(), too_many);
	ASSERT_FALSE(synced);
	EXPECT_EQ(synced.error().code, -E2BIG);
	EXPECT_NE(synced.error().message.find("mcr_rules"), std::string::npos);
	EXPECT_EQ(rules_in(maps()), key_set({a}));
}

TEST_F(XdpMapsTest, ConfigFlagsRoundTrip)
{
	for (uint32_t flags : {0u, 1u * MCR_XDP_F_REDIRECT, 1u * MCR_XDP_F_STRICT,
			       1u * (MCR_XDP_F_REDIRECT | MCR_XDP_F_STRICT)}) {
		ASSERT_TRUE(set_xdp_flags(maps(), flags));
		auto read = read_xdp_flags(maps());
		ASSERT_TRUE(read) << read.error().message;
		EXPECT_EQ(read.value(), flags);
	}
}

TEST_F(XdpMapsTest, UnknownConfigFlagIsRefused)
{
	ASSERT_TRUE(set_xdp_flags(maps(), MCR_XDP_F_STRICT));
	Status set = set_xdp_flags(maps(), 1u << 7);
	ASSERT_FALSE(set);
	EXPECT_EQ(set.error().code, -EINVAL);
	EXPECT_EQ(read_xdp_flags(maps()).value(), uint32_t{MCR_XDP_F_STRICT});
}

TEST_F(XdpMapsTest, StatsCountAndClear)
{
	ASSERT_TRUE(set_xdp_flags(maps(), 0));
	const auto arp = Frame().with_ethertype(0x0806).bytes();
	for (int i = 0; i < 3; ++i)
		ASSERT_TRUE(run_frame(XdpHarness::get().program_fd(), arp));

	auto stats = read_xdp_stats(maps());
	ASSERT_TRUE(stats) << stats.error().message;
	EXPECT_GE(stats.value()[MCR_XDP_STAT_PASS_NON_IP], 3u);

	ASSERT_TRUE(clear_xdp_stats(maps()));
	stats = read_xdp_stats(maps());
	ASSERT_TRUE(stats);
	for (uint64_t packets : stats.value())
		EXPECT_EQ(packets, 0u);
}

TEST(XdpStatName, EveryCounterHasItsOwnName)
{
	std::set<std::string> names;
	for (int stat = 0; stat < MCR_XDP_STAT__COUNT; ++stat) {
		const std::string name(xdp_stat_name(static_cast<mcr_xdp_stat>(stat)));
		EXPECT_NE(name, "unknown");
		EXPECT_TRUE(names.insert(name).second) << name;
	}
}

} // namespace
} // namespace mcr::bpf::test
