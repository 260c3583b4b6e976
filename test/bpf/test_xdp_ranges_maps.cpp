// The range maps through the control plane: mcr_ranges and mcr_ranges6
// entries after add, delete and sync, read back through the kernel.
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "frame_builder.h"
#include "xdp_config.h"
#include "xdp_harness.h"

namespace mcr::bpf::test {
namespace {

using Ports = std::vector<std::pair<uint16_t, uint16_t>>;

// One entry as "prefix/len vlan N" -> its ports, flags and own rules:
// comparable, and readable in failures.
struct Seen {
	Ports ports;
	uint32_t flags = 0;
	uint32_t own_rules = 0; // rules counted in own[]
	bool operator==(const Seen &) const = default;
};

std::ostream &operator<<(std::ostream &os, const Seen &s)
{
	os << "{ports";
	for (const auto &[first, last] : s.ports)
		os << " " << first << "-" << last;
	return os << ", flags " << s.flags << ", " << s.own_rules << " own rules}";
}

Seen seen(const mcr_range_value &value)
{
	Seen s;
	for (uint32_t i = 0; i < value.count && i < MCR_XDP_RANGE_PORTS; i++)
		s.ports.emplace_back(value.ports[i].first, value.ports[i].last);
	s.flags = value.flags;
	for (uint32_t i = 0; i < value.own_count && i < MCR_XDP_RANGE_PORTS; i++)
		s.own_rules += value.own[i].any_source + value.own[i].source_specific;
	return s;
}

template <typename Key>
std::string prefix_text(const Key &key)
{
	constexpr int af = sizeof(key.dst_ip) == 4 ? AF_INET : AF_INET6;
	char text[INET6_ADDRSTRLEN] = "?";
	::inet_ntop(af, &key.dst_ip, text, sizeof(text));
	return std::string(text) + "/" + std::to_string(key.prefixlen - MCR_RANGE_VLAN_BITS) +
	       " vlan " + std::to_string(key.vlan);
}

std::map<std::string, Seen> ranges_in(const XdpMaps &maps)
{
	std::map<std::string, Seen> out;
	auto entries = read_ranges(maps);
	EXPECT_TRUE(entries) << (entries ? "" : entries.error().message);
	if (entries)
		for (const RangeEntry &e : entries.value())
			out[prefix_text(e.key)] = seen(e.value);
	return out;
}

std::map<std::string, Seen> ranges6_in(const XdpMaps &maps)
{
	std::map<std::string, Seen> out;
	auto entries = read_ranges6(maps);
	EXPECT_TRUE(entries) << (entries ? "" : entries.error().message);
	if (entries)
		for (const RangeEntry6 &e : entries.value())
			out[prefix_text(e.key)] = seen(e.value);
	return out;
}

RangeRule range(const char *dst, uint8_t len, uint16_t first, uint16_t last, uint16_t vlan = 0)
{
	return {ipv4(dst), len, 0, 0, first, last, vlan};
}

RangeRule6 range6(const char *dst, uint8_t len, uint16_t first, uint16_t last,
		  uint16_t vlan = 0)
{
	return {ipv6(dst), len, {}, 0, first, last, vlan};
}

class XdpRangeMapsTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		ASSERT_TRUE(sync_rules(maps(), {}));
		ASSERT_TRUE(sync_rules6(maps(), {}));
		Status cleared = sync_ranges(maps(), {});
		ASSERT_TRUE(cleared) << cleared.error().message;
		cleared = sync_ranges6(maps(), {});
		ASSERT_TRUE(cleared) << cleared.error().message;
	}
	void TearDown() override
	{
		if (XdpHarness::get().usable()) {
			(void)sync_ranges(maps(), {});
			(void)sync_ranges6(maps(), {});
		}
	}
	const XdpMaps &maps() { return XdpHarness::get().maps(); }

	void add(const RangeRule &rule)
	{
		Status added = add_range(maps(), rule);
		ASSERT_TRUE(added) << added.error().message;
	}
	void del(const RangeRule &rule)
	{
		Status deleted = delete_range(maps(), rule);
		ASSERT_TRUE(deleted) << deleted.error().message;
	}
};

TEST_F(XdpRangeMapsTest, RulesOnOnePrefixShareOneEntryWithMergedPorts)
{
	add(range("239.2.0.0", 16, 5000, 5099));
	add(range("239.2.0.0", 16, 5100, 5199)); // adjacent: one range
	add(range("239.2.0.0", 16, 6000, 6010));
	add(range("239.2.0.0", 16, 5050, 5060)); // inside: nothing new

	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{
			  {"239.2.0.0/16 vlan 0", {{{5000, 5199}, {6000, 6010}}, 0, 4}}}));
	auto entries = read_ranges(maps());
	ASSERT_TRUE(entries);
	ASSERT_EQ(entries->size(), 1u);
	EXPECT_EQ(entries->front().key.prefixlen, 32u + 16u);
	EXPECT_EQ(entries->front().key.dst_ip, htonl(ipv4("239.2.0.0")));
}

TEST_F(XdpRangeMapsTest, AddressBitsPastThePrefixAreIgnored)
{
	add(range("239.2.3.4", 16, 5000, 5000));
	add(range("239.2.255.255", 16, 5000, 5000));
	add(range("198.18.200.9", 18, 1, 2));
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{{"239.2.0.0/16 vlan 0", {{{5000, 5000}}, 0, 2}},
					       {"198.18.192.0/18 vlan 0", {{{1, 2}}, 0, 1}}}));
}

TEST_F(XdpRangeMapsTest, LongerPrefixHoldsThePortsOfTheShorterOnesCoveringIt)
{
	add(range("239.2.7.0", 24, 6000, 6000));
	add(range("239.2.0.0", 16, 5000, 5099));
	add(range("239.0.0.0", 8, 7000, 7000));
	add(range("239.0.0.0", 8, 9000, 9000, 100)); // another VLAN: not folded
	add(range("239.3.0.0", 16, 8000, 8000));     // not covering 239.2/16
	// Prefixes off a byte boundary: the /18 covers the first /24, not the
	// second, which differs from it in the /18's last two bits.
	add(range("198.18.64.0", 18, 1, 1));
	add(range("198.18.127.0", 24, 2, 2));
	add(range("198.18.128.0", 24, 3, 3));

	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{
			  {"239.2.7.0/24 vlan 0", {{{5000, 5099}, {6000, 6000}, {7000, 7000}}, 0, 1}},
			  {"239.2.0.0/16 vlan 0", {{{5000, 5099}, {7000, 7000}}, 0, 1}},
			  {"239.0.0.0/8 vlan 0", {{{7000, 7000}}, 0, 1}},
			  {"239.0.0.0/8 vlan 100", {{{9000, 9000}}, 0, 1}},
			  {"239.3.0.0/16 vlan 0", {{{7000, 7000}, {8000, 8000}}, 0, 1}},
			  {"198.18.64.0/18 vlan 0", {{{1, 1}}, 0, 1}},
			  {"198.18.127.0/24 vlan 0", {{{1, 2}}, 0, 1}},
			  {"198.18.128.0/24 vlan 0", {{{3, 3}}, 0, 1}}}));
	ASSERT_TRUE(sync_ranges(maps(), {}));
	add(range("239.2.7.0", 24, 6000, 6000));
	add(range("239.2.0.0", 16, 5000, 5099));
	add(range("239.0.0.0", 8, 7000, 7000));
	add(range("239.0.0.0", 8, 9000, 9000, 100));
	add(range("239.3.0.0", 16, 8000, 8000));

	// Deleting the /8 takes its port out of everything it covered.
	del(range("239.0.0.0", 8, 7000, 7000));
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{
			  {"239.2.7.0/24 vlan 0", {{{5000, 5099}, {6000, 6000}}, 0, 1}},
			  {"239.2.0.0/16 vlan 0", {{{5000, 5099}}, 0, 1}},
			  {"239.0.0.0/8 vlan 100", {{{9000, 9000}}, 0, 1}},
			  {"239.3.0.0/16 vlan 0", {{{8000, 8000}}, 0, 1}}}));
}

TEST_F(XdpRangeMapsTest, SlashZeroCoversEveryPrefixOfItsVlan)
{
	add(range("239.2.0.0", 16, 5000, 5000, 200));
	add(range("0.0.0.0", 0, 0, 65535, 200));
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{{"239.2.0.0/16 vlan 200", {{{0, 65535}}, 0, 1}},
					       {"0.0.0.0/0 vlan 200", {{{0, 65535}}, 0, 1}}}));
}

TEST_F(XdpRangeMapsTest, DeleteCountsRulesAndForgetsOnlyTheLast)
{
	const RangeRule rule = range("239.2.0.0", 16, 5000, 5099);
	add(rule);
	add(rule); // a second rule with the same prefix and ports
	del(rule);
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{{"239.2.0.0/16 vlan 0", {{{5000, 5099}}, 0, 1}}}));
	del(rule);
	EXPECT_TRUE(ranges_in(maps()).empty());
	// Deleting what is not there changes nothing and succeeds.
	del(rule);
	add(range("239.2.0.0", 16, 6000, 6000));
	del(range("239.2.0.0", 16, 6000, 6001));
	del(range("239.2.0.0", 17, 6000, 6000));
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{{"239.2.0.0/16 vlan 0", {{{6000, 6000}}, 0, 1}}}));
}

TEST_F(XdpRangeMapsTest, SourcePrefixIsFlaggedNotMatched)
{
	RangeRule with_source = range("198.18.64.0", 18, 8000, 8999);
	with_source.src = ipv4("198.18.0.0");
	with_source.src_len = 24;
	add(with_source);
	add(range("198.18.64.0", 18, 8000, 8999)); // the same ports, any source
	add(range("198.18.70.0", 24, 1, 1));
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{
			  {"198.18.64.0/18 vlan 0", {{{8000, 8999}}, MCR_RANGE_F_SOURCE_SPECIFIC, 2}},
			  {"198.18.70.0/24 vlan 0",
			   {{{1, 1}, {8000, 8999}}, MCR_RANGE_F_SOURCE_SPECIFIC, 1}}}));
	del(with_source);
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{{"198.18.64.0/18 vlan 0", {{{8000, 8999}}, 0, 1}},
					       {"198.18.70.0/24 vlan 0",
						{{{1, 1}, {8000, 8999}}, 0, 1}}}));
}

TEST_F(XdpRangeMapsTest, SyncMakesTheMapExactlyTheWantedSetAndLeavesExactRulesAlone)
{
	const std::vector<mcr_rule_key> exact{make_rule_key(ipv4("239.1.1.1"), 5000)};
	ASSERT_TRUE(sync_rules(maps(), exact));
	add(range("239.9.0.0", 16, 1, 1));
	const std::vector<RangeRule> wanted{range("239.2.0.0", 16, 5000, 5099),
					    range("239.2.7.0", 24, 6000, 6000),
					    range("239.2.7.0", 24, 6000, 6000)};
	Status synced = sync_ranges(maps(), wanted);
	ASSERT_TRUE(synced) << synced.error().message;
	EXPECT_EQ(ranges_in(maps()),
		  (std::map<std::string, Seen>{
			  {"239.2.0.0/16 vlan 0", {{{5000, 5099}}, 0, 1}},
			  {"239.2.7.0/24 vlan 0", {{{5000, 5099}, {6000, 6000}}, 0, 2}}}));
	auto rules = read_rules(maps());
	ASSERT_TRUE(rules);
	EXPECT_EQ(rules->size(), 1u);
	// And the other way round.
	ASSERT_TRUE(sync_rules(maps(), {}));
	EXPECT_EQ(ranges_in(maps()).size(), 2u);
	// Sync then delete: the counts sync wrote are the ones delete uses.
	del(range("239.2.7.0", 24, 6000, 6000));
	EXPECT_EQ(ranges_in(maps()).at("239.2.7.0/24 vlan 0").own_rules, 1u);
	ASSERT_TRUE(sync_ranges(maps(), {}));
	EXPECT_TRUE(ranges_in(maps()).empty());
}

TEST_F(XdpRangeMapsTest, NinthPortRangeOnAPrefixIsRefusedAndChangesNothing)
{
	for (uint16_t i = 0; i < MCR_XDP_RANGE_PORTS; i++)
		add(range("239.2.0.0", 16, 1000 + 10 * i, 1000 + 10 * i));
	const auto before = ranges_in(maps());
	Status ninth = add_range(maps(), range("239.2.0.0", 16, 2000, 2000));
	ASSERT_FALSE(ninth);
	EXPECT_EQ(ninth.error().code, -E2BIG);
	EXPECT_NE(ninth.error().message.find("239.2.0.0/16"), std::string::npos)
		<< ninth.error().message;
	EXPECT_EQ(ranges_in(maps()), before);
	// The record keeps each rule's ports, to delete them exactly: a ninth
	// port range of the prefix's own rules is refused even where it would
	// merge; another rule with ports already held is counted.
	Status inside = add_range(maps(), range("239.2.0.0", 16, 1001, 1009));
	ASSERT_FALSE(inside);
	EXPECT_EQ(inside.error().code, -E2BIG);
	add(range("239.2.0.0", 16, 1000, 1000));
	EXPECT_EQ(ranges_in(maps()).at("239.2.0.0/16 vlan 0").own_rules, 9u);
}

TEST_F(XdpRangeMapsTest, FoldingPastTheLimitIsRefusedNamingThePrefix)
{
	std::vector<RangeRule> rules;
	for (uint16_t i = 0; i < 5; i++)
		rules.push_back(range("239.2.0.0", 16, 1000 + 10 * i, 1000 + 10 * i));
	for (uint16_t i = 0; i < 4; i++)
		rules.push_back(range("239.2.7.0", 24, 2000 + 10 * i, 2000 + 10 * i));
	add(range("239.9.0.0", 16, 1, 1));
	const auto before = ranges_in(maps());

	Status synced = sync_ranges(maps(), rules);
	ASSERT_FALSE(synced);
	EXPECT_EQ(synced.error().code, -E2BIG);
	EXPECT_NE(synced.error().message.find("239.2.7.0/24 vlan 0 would need 9 port ranges"),
		  std::string::npos)
		<< synced.error().message;
	EXPECT_EQ(ranges_in(maps()), before);

	rules.pop_back();
	ASSERT_TRUE(sync_ranges(maps(), rules));
	Status added = add_range(maps(), range("239.2.7.0", 24, 3000, 3000));
	ASSERT_FALSE(added);
	EXPECT_EQ(added.error().code, -E2BIG);
	EXPECT_EQ(ranges_in(maps()).at("239.2.7.0/24 vlan 0").ports.size(), 8u);
}

TEST_F(XdpRangeMapsTest, MalformedRulesAreRefused)
{
	for (const RangeRule &bad : {range("239.2.0.0", 33, 1, 1), range("239.2.0.0", 16, 2, 1),
				     range("239.2.0.0", 16, 1, 1, 4096),
				     RangeRule{ipv4("239.2.0.0"), 16, 0, 33, 1, 1, 0}}) {
		Status added = add_range(maps(), bad);
		ASSERT_FALSE(added);
		EXPECT_EQ(added.error().code, -EINVAL) << added.error().message;
		const std::vector<RangeRule> one{bad};
		Status synced = sync_ranges(maps(), one);
		ASSERT_FALSE(synced);
		EXPECT_EQ(synced.error().code, -EINVAL) << synced.error().message;
	}
	Status v6 = add_range(maps(), range6("ff3e::", 129, 1, 1));
	ASSERT_FALSE(v6);
	EXPECT_EQ(v6.error().code, -EINVAL);
	EXPECT_TRUE(ranges_in(maps()).empty());
	EXPECT_TRUE(ranges6_in(maps()).empty());
}

TEST_F(XdpRangeMapsTest, BeyondCapacityIsRefusedBeforeWriting)
{
	std::vector<RangeRule> rules;
	for (uint32_t i = 0; i < MCR_XDP_MAX_RANGES; i++)
		rules.push_back(RangeRule{ipv4("239.0.0.0") + i, 32, 0, 0, 5000, 5000, 0});
	Status full = sync_ranges(maps(), rules);
	ASSERT_TRUE(full) << full.error().message;
	auto entries = read_ranges(maps());
	ASSERT_TRUE(entries);
	EXPECT_EQ(entries->size(), size_t{MCR_XDP_MAX_RANGES});

	rules.push_back(RangeRule{ipv4("239.1.0.0"), 32, 0, 0, 5000, 5000, 0});
	Status over = sync_ranges(maps(), rules);
	ASSERT_FALSE(over);
	EXPECT_EQ(over.error().code, -E2BIG);
	EXPECT_NE(over.error().message.find("4097 range prefixes for mcr_ranges of 4096"),
		  std::string::npos)
		<< over.error().message;
	Status one_more = add_range(maps(), rules.back());
	ASSERT_FALSE(one_more);
	EXPECT_EQ(one_more.error().code, -E2BIG);
	entries = read_ranges(maps());
	ASSERT_TRUE(entries);
	EXPECT_EQ(entries->size(), size_t{MCR_XDP_MAX_RANGES});
}

TEST_F(XdpRangeMapsTest, Ipv6EntriesFoldAndMergeLikeIpv4AndLeaveIpv4Alone)
{
	add(range("239.2.0.0", 16, 5000, 5000));
	for (const RangeRule6 &rule :
	     {range6("ff3e::1:0", 112, 5000, 5099), range6("ff3e::1:77f", 121, 6000, 6000),
	      range6("ff3e::1:700", 121, 5100, 5100), range6("ff3e::4:4", 128, 7000, 7001),
	      range6("::", 0, 0, 65535, 200)}) {
		Status added = add_range(maps(), rule);
		ASSERT_TRUE(added) << added.error().message;
	}
	EXPECT_EQ(ranges6_in(maps()),
		  (std::map<std::string, Seen>{
			  {"ff3e::1:0/112 vlan 0", {{{5000, 5099}}, 0, 1}},
			  {"ff3e::1:700/121 vlan 0", {{{5000, 5100}, {6000, 6000}}, 0, 2}},
			  {"ff3e::4:4/128 vlan 0", {{{7000, 7001}}, 0, 1}},
			  {"::/0 vlan 200", {{{0, 65535}}, 0, 1}}}));
	EXPECT_EQ(ranges_in(maps()).size(), 1u);

	ASSERT_TRUE(delete_range(maps(), range6("ff3e::1:0", 112, 5000, 5099)));
	EXPECT_EQ(ranges6_in(maps()).at("ff3e::1:700/121 vlan 0").ports,
		  (Ports{{5100, 5100}, {6000, 6000}}));
	const std::vector<RangeRule6> one{range6("ff3e::4:4", 128, 7000, 7001)};
	ASSERT_TRUE(sync_ranges6(maps(), one));
	EXPECT_EQ(ranges6_in(maps()),
		  (std::map<std::string, Seen>{{"ff3e::4:4/128 vlan 0", {{{7000, 7001}}, 0, 1}}}));
	EXPECT_EQ(ranges_in(maps()).size(), 1u);
}

// mcr_xdp_config.ranges says which range maps hold entries; set_xdp_flags
// leaves it alone.
TEST_F(XdpRangeMapsTest, ConfigSaysWhichRangeMapsHoldEntries)
{
	auto held = [&] {
		auto bits = read_xdp_ranges_held(maps());
		EXPECT_TRUE(bits) << (bits ? "" : bits.error().message);
		return bits ? bits.value() : ~0u;
	};
	EXPECT_EQ(held(), 0u);
	add(range("239.2.0.0", 16, 5000, 5099));
	EXPECT_EQ(held(), uint32_t{MCR_XDP_RANGES_IPV4});
	ASSERT_TRUE(add_range(maps(), range6("ff3e::1:0", 112, 5000, 5099)));
	EXPECT_EQ(held(), uint32_t{MCR_XDP_RANGES_IPV4 | MCR_XDP_RANGES_IPV6});
	ASSERT_TRUE(set_xdp_flags(maps(), MCR_XDP_F_STRICT));
	EXPECT_EQ(held(), uint32_t{MCR_XDP_RANGES_IPV4 | MCR_XDP_RANGES_IPV6});
	EXPECT_EQ(read_xdp_flags(maps()).value(), uint32_t{MCR_XDP_F_STRICT});
	del(range("239.2.0.0", 16, 5000, 5099));
	EXPECT_EQ(held(), uint32_t{MCR_XDP_RANGES_IPV6});
	ASSERT_TRUE(sync_ranges6(maps(), {}));
	EXPECT_EQ(held(), 0u);
	ASSERT_TRUE(set_xdp_flags(maps(), 0));
}

} // namespace
} // namespace mcr::bpf::test
