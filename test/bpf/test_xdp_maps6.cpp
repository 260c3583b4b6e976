// The IPv6 rule map through the control plane: mcr_rules6 and the counts
// in mcr_groups6, read back through the kernel, and the IPv4 maps left
// alone.
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "frame_builder.h"
#include "xdp_harness.h"

namespace mcr::bpf::test {
namespace {

using Address = std::array<uint8_t, 16>;

std::string text(const mcr_ipv6_addr &addr)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	::inet_ntop(AF_INET6, addr.bytes, buf, sizeof(buf));
	return buf;
}

// Keys as "src -> [dst]:port vlan N", comparable and readable in failures.
std::string key_text(const mcr_rule6_key &key)
{
	return text(key.src_ip) + " -> [" + text(key.dst_ip) + "]:" +
	       std::to_string(ntohs(key.dst_port)) + " vlan " + std::to_string(key.vlan);
}

std::set<std::string> key_set(std::initializer_list<mcr_rule6_key> keys)
{
	std::set<std::string> set;
	for (const mcr_rule6_key &key : keys)
		set.insert(key_text(key));
	return set;
}

std::set<std::string> rules_in(const XdpMaps &maps)
{
	auto keys = read_rules6(maps);
	EXPECT_TRUE(keys) << (keys ? "" : keys.error().message);
	std::set<std::string> set;
	if (keys)
		for (const mcr_rule6_key &key : keys.value())
			set.insert(key_text(key));
	return set;
}

std::map<std::string, uint32_t> groups_in(const XdpMaps &maps)
{
	std::map<std::string, uint32_t> groups;
	mcr_group6_key key{}, previous{};
	bool first = true;

	while (bpf_map_get_next_key(maps.groups6.get(), first ? nullptr : &previous, &key) == 0) {
		mcr_group_refs refs = 0;
		EXPECT_EQ(bpf_map_lookup_elem(maps.groups6.get(), &key, &refs), 0);
		groups[text(key)] = refs;
		previous = key;
		first = false;
	}
	return groups;
}

class XdpMaps6Test : public ::testing::Test {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		ASSERT_TRUE(sync_rules(maps(), {}));
		Status cleared = sync_rules6(maps(), {});
		ASSERT_TRUE(cleared) << cleared.error().message;
	}
	void TearDown() override
	{
		if (XdpHarness::get().usable()) {
			(void)sync_rules(maps(), {});
			(void)sync_rules6(maps(), {});
		}
	}
	const XdpMaps &maps() { return XdpHarness::get().maps(); }

	const mcr_rule6_key a = make_rule6_key(ipv6("ff3e::1"), 5000);
	const mcr_rule6_key a_ssm = make_rule6_key(ipv6("ff3e::1"), 5000, 0, ipv6("2001:2::7"));
	const mcr_rule6_key a_vlan = make_rule6_key(ipv6("ff3e::1"), 5000, 100);
	const mcr_rule6_key b = make_rule6_key(ipv6("ff3e::2"), 5000);
	const mcr_rule6_key c = make_rule6_key(ipv6("2001:2::1:1"), 7000);
};

TEST(XdpRule6Key, NetworkByteOrderAndAnySource)
{
	const mcr_rule6_key key = make_rule6_key(ipv6("ff3e::1:2"), 5000, 100, ipv6("2001:2::7"));
	const Address dst = ipv6("ff3e::1:2");
	const Address src = ipv6("2001:2::7");
	const uint8_t port[] = {0x13, 0x88};

	EXPECT_EQ(std::memcmp(key.dst_ip.bytes, dst.data(), 16), 0);
	EXPECT_EQ(std::memcmp(&key.dst_port, port, 2), 0);
	EXPECT_EQ(key.vlan, 100);
	EXPECT_EQ(std::memcmp(key.src_ip.bytes, src.data(), 16), 0);
	const mcr_rule6_key any = make_rule6_key(ipv6("ff3e::1:2"), 5000);
	EXPECT_EQ(std::memcmp(any.src_ip.bytes, Address{}.data(), 16), 0);
}

TEST_F(XdpMaps6Test, AddCountsEachDestinationOnceAndLeavesIpv4Alone)
{
	ASSERT_TRUE(add_rule(maps(), a));
	ASSERT_TRUE(add_rule(maps(), a_ssm));
	ASSERT_TRUE(add_rule(maps(), a)); // again: no change
	ASSERT_TRUE(add_rule(maps(), c));

	EXPECT_EQ(rules_in(maps()), key_set({a, a_ssm, c}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<std::string, uint32_t>{{"ff3e::1", 2}, {"2001:2::1:1", 1}}));
	auto ipv4_rules = read_rules(maps());
	ASSERT_TRUE(ipv4_rules);
	EXPECT_TRUE(ipv4_rules->empty());
}

TEST_F(XdpMaps6Test, DeleteDropsGroupWithItsLastRule)
{
	ASSERT_TRUE(add_rule(maps(), a));
	ASSERT_TRUE(add_rule(maps(), a_vlan));
	ASSERT_TRUE(add_rule(maps(), b));

	ASSERT_TRUE(delete_rule(maps(), a));
	ASSERT_TRUE(delete_rule(maps(), a)); // again: no change
	EXPECT_EQ(rules_in(maps()), key_set({a_vlan, b}));
	EXPECT_EQ(groups_in(maps()), (std::map<std::string, uint32_t>{{"ff3e::1", 1}, {"ff3e::2", 1}}));

	ASSERT_TRUE(delete_rule(maps(), a_vlan));
	EXPECT_EQ(rules_in(maps()), key_set({b}));
	EXPECT_EQ(groups_in(maps()), (std::map<std::string, uint32_t>{{"ff3e::2", 1}}));
}

TEST_F(XdpMaps6Test, SyncMakesTheMapsExactlyTheWantedSet)
{
	const std::vector<mcr_rule6_key> first{a, a_ssm, b, a}; // duplicate a
	ASSERT_TRUE(sync_rules6(maps(), first));
	EXPECT_EQ(rules_in(maps()), key_set({a, a_ssm, b}));
	EXPECT_EQ(groups_in(maps()), (std::map<std::string, uint32_t>{{"ff3e::1", 2}, {"ff3e::2", 1}}));

	const std::vector<mcr_rule6_key> second{a_vlan, a, c};
	ASSERT_TRUE(sync_rules6(maps(), second));
	EXPECT_EQ(rules_in(maps()), key_set({a, a_vlan, c}));
	EXPECT_EQ(groups_in(maps()),
		  (std::map<std::string, uint32_t>{{"ff3e::1", 2}, {"2001:2::1:1", 1}}));

	// The IPv4 sync leaves the IPv6 maps as they are.
	ASSERT_TRUE(sync_rules(maps(), {}));
	EXPECT_EQ(rules_in(maps()), key_set({a, a_vlan, c}));

	ASSERT_TRUE(sync_rules6(maps(), {}));
	EXPECT_TRUE(rules_in(maps()).empty());
	EXPECT_TRUE(groups_in(maps()).empty());
}

TEST_F(XdpMaps6Test, SyncRepairsGroupCountsLeftWrong)
{
	ASSERT_TRUE(add_rule(maps(), a));
	mcr_group6_key dst = a.dst_ip;
	mcr_group6_key stray{};
	std::memcpy(stray.bytes, ipv6("ff3e::7:7").data(), 16);
	mcr_group_refs wrong = 9;
	ASSERT_EQ(bpf_map_update_elem(maps().groups6.get(), &dst, &wrong, BPF_ANY), 0);
	ASSERT_EQ(bpf_map_update_elem(maps().groups6.get(), &stray, &wrong, BPF_ANY), 0);

	const std::vector<mcr_rule6_key> wanted{a};
	ASSERT_TRUE(sync_rules6(maps(), wanted));
	EXPECT_EQ(groups_in(maps()), (std::map<std::string, uint32_t>{{"ff3e::1", 1}}));
}

// One more key than the map holds: sync refuses before touching anything;
// add fails in the kernel and says which rule and which map.
TEST_F(XdpMaps6Test, BeyondCapacity)
{
	std::vector<mcr_rule6_key> keys;
	for (uint32_t i = 0; i <= MCR_XDP_MAX_RULES6; ++i) {
		Address dst = ipv6("ff3e::");
		dst[14] = static_cast<uint8_t>(i >> 8);
		dst[15] = static_cast<uint8_t>(i);
		keys.push_back(make_rule6_key(dst, 5000));
	}
	ASSERT_TRUE(add_rule(maps(), a));
	Status synced = sync_rules6(maps(), keys);
	ASSERT_FALSE(synced);
	EXPECT_EQ(synced.error().code, -E2BIG);
	EXPECT_NE(synced.error().message.find("rules for mcr_rules6 of 16384"), std::string::npos)
		<< synced.error().message;
	EXPECT_EQ(rules_in(maps()), key_set({a}));

	const mcr_rule6_key last = keys.back();
	keys.pop_back();
	ASSERT_TRUE(sync_rules6(maps(), keys));
	Status added = add_rule(maps(), last);
	ASSERT_FALSE(added);
	EXPECT_EQ(added.error().code, -E2BIG);
	EXPECT_EQ(added.error().message, "add rule * -> [ff3e::4000]:5000 vlan 0 to mcr_rules6: "
					 "Argument list too long")
		<< added.error().message;
}

} // namespace
} // namespace mcr::bpf::test
