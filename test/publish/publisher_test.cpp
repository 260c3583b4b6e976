// The publisher: start-up, console and reload publish the same way (rule
// table, XDP keys, group memberships); a replacement keeps the XDP key, the
// membership and the counters; a delete removes all three; a reload applies
// only differences; unicast outputs follow the kernel's neighbours and
// routes, and an unknown neighbour never refuses a rule.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/compiled_rule.h"
#include "engine/engine.h"
#include "engine_setup.h"
#include "publish/publisher.h"

namespace mcr::publish {
namespace {

using engine::test::ipv4;

constexpr uint32_t in_ifindex = 11, out_ifindex = 12;
const host::Mac mac_a{0x02, 0, 0, 0, 0x0a, 0x01};
const host::Mac mac_b{0x02, 0, 0, 0, 0x0b, 0x01};
const host::Mac mac_gw{0x02, 0, 0, 0, 0x99, 0x01};

std::string key_text(const engine::InputKey &in)
{
	const engine::RuleKey k = in.rule_key(); // every rule here is IPv4 and exact
	return fmt::format("{:08x}/{:08x}/{:04x}/{}/{}", k.dst_ip, k.src_ip, k.dst_port, k.vlan,
			   k.port_index);
}

class FakeXdp : public XdpRuleSink {
public:
	int add(uint16_t port, const engine::InputKey &key, std::string *) override
	{
		adds++;
		keys.insert(std::to_string(port) + ":" + key_text(key));
		return 0;
	}
	int remove(uint16_t port, const engine::InputKey &key, std::string *) override
	{
		keys.erase(std::to_string(port) + ":" + key_text(key));
		return 0;
	}
	std::set<std::string> keys;
	int adds = 0;
};

class FakeGroups : public GroupSink {
public:
	using Key = std::tuple<uint16_t, uint32_t, uint32_t>; // IPv4 groups only here
	int join(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
		 std::string *) override
	{
		refs[key(port, group, source)]++;
		return 0;
	}
	int leave(uint16_t port, const config::IpAddress &group, const config::IpAddress &source,
		  std::string *) override
	{
		if (--refs[key(port, group, source)] == 0)
			refs.erase(key(port, group, source));
		return 0;
	}
	static Key key(uint16_t port, const config::IpAddress &group, const config::IpAddress &source)
	{
		return {port, std::get<config::Ipv4>(group), std::get<config::Ipv4>(source)};
	}
	std::map<Key, int> refs;
};

// The kernel as the publisher sees it: routes by destination (a gateway,
// or on-link when absent) and neighbours by (ifindex, ip).
class FakeKernel : public host::NeighbourSource {
public:
	int next_hop(const host::IpAddress &dst, uint32_t ifindex, host::NextHop *out,
		     std::string *) const override
	{
		asked_routes++;
		const auto gw = gateways.find(dst);
		*out = {ifindex, gw != gateways.end() ? gw->second : dst};
		return 0;
	}
	std::optional<host::Mac> neighbour(uint32_t ifindex, const host::IpAddress &ip) const override
	{
		const auto it = macs.find({ifindex, ip});
		return it == macs.end() ? std::nullopt : std::optional(it->second);
	}
	int resolve(uint32_t ifindex, const host::IpAddress &ip) override
	{
		resolved.emplace_back(ifindex, ip);
		return 0;
	}
	std::map<host::IpAddress, host::IpAddress> gateways;
	std::map<std::pair<uint32_t, host::IpAddress>, host::Mac> macs;
	std::vector<std::pair<uint32_t, host::IpAddress>> resolved;
	mutable int asked_routes = 0;
};

config::Rule multicast_rule(const std::string &name, uint32_t group, const std::string &out = "out0")
{
	config::Rule r;
	r.name = name;
	r.match.port = "in0";
	r.match.dst = config::Prefix::host(group);
	r.match.dport = config::PortRange::single(5000);
	r.outputs.push_back(engine::test::output_to(out));
	return r;
}

config::Rule unicast_rule(const std::string &name, uint32_t to)
{
	config::Rule r = multicast_rule(name, ipv4(239, 1, 9, 9));
	r.outputs[0].dst = config::Prefix::host(to);
	return r;
}

// What the rule table holds, in a comparable form: name, key and each
// output's port, MAC and whether it waits for a neighbour.
std::set<std::string> table(const engine::Engine &e)
{
	std::set<std::string> out;
	for (const engine::CompiledRule *r : e.rules().rules()) {
		std::string line = std::string(r->name()) + " " + key_text(r->key());
		for (unsigned o = 0; o < r->output_count(); o++) {
			const auto &c = r->output(o);
			line += fmt::format(" [{} {:02x}:{:02x} {}]", c.port_index,
					    c.rewrite.dst_mac.addr_bytes[4], c.rewrite.dst_mac.addr_bytes[5],
					    c.no_neighbour ? "unresolved" : "ok");
		}
		out.insert(line);
	}
	return out;
}

uint64_t total_packets(const engine::CompiledRule &r)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < r.counter_blocks(); b++)
		n += r.counters(b).packets.get();
	return n;
}

uint64_t output_packets(const engine::CompiledRule &r, unsigned o)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < r.counter_blocks(); b++)
		n += r.output_counters(b, o).packets.get();
	return n;
}

class Publish : public ::testing::Test {
protected:
	void SetUp() override
	{
		pools_ = engine::test::make_pools({{"pub_small", 512, 255, {}}});
		make();
	}
	void TearDown() override
	{
		publisher_.reset();
		engine_.reset();
		pools_.reset();
	}
	// A fresh engine, sinks and publisher (one engine may exist at a time).
	void make(uint32_t rule_capacity = 1024)
	{
		publisher_.reset();
		engine_.reset();
		xdp_ = FakeXdp{};
		groups_ = FakeGroups{};
		std::vector<engine::EnginePort> ports(2);
		ports[0].name = "in0";
		ports[0].ipv4 = ipv4(198, 18, 1, 1);
		ports[0].ifindex = in_ifindex;
		ports[1].name = "out0";
		ports[1].port_id = 1;
		ports[1].ipv4 = ipv4(198, 18, 2, 1);
		ports[1].ifindex = out_ifindex;
		engine::EngineParams params;
		params.rule_capacity = rule_capacity;
		engine_ = engine::test::make_engine(std::move(ports), *pools_, params);
		publisher_ = std::make_unique<Publisher>(*engine_, xdp_, groups_, kernel_);
	}
	const engine::CompiledRule *find(const config::Rule &r) const
	{
		return engine_->rules().find(engine::Engine::key_of(r.match, 0));
	}
	void publish(const config::Rule &r)
	{
		std::string error;
		ASSERT_EQ(publisher_->publish(r, &error), 0) << error;
	}

	std::unique_ptr<engine::Pools> pools_;
	std::unique_ptr<engine::Engine> engine_;
	FakeXdp xdp_;
	FakeGroups groups_;
	FakeKernel kernel_;
	std::unique_ptr<Publisher> publisher_;
};

std::vector<config::Rule> some_rules()
{
	config::Rule ssm = multicast_rule("ssm", ipv4(239, 1, 1, 2));
	ssm.match.src = config::Prefix::host(ipv4(198, 18, 0, 7));
	config::Rule tagged = multicast_rule("tagged", ipv4(239, 1, 1, 3));
	tagged.match.vlan = 100;
	return {multicast_rule("any", ipv4(239, 1, 1, 1)), ssm, tagged,
		unicast_rule("uni", ipv4(198, 18, 2, 10))};
}

TEST_F(Publish, StartupConsoleAndReloadGiveTheSameTableKeysAndGroups)
{
	kernel_.macs[{out_ifindex, ipv4(198, 18, 2, 10)}] = mac_a;
	const std::vector<config::Rule> rules = some_rules();
	// Start-up: each rule of the file, in order.
	for (const config::Rule &r : rules)
		publish(r);
	const auto startup_table = table(*engine_);
	const auto startup_keys = xdp_.keys;
	const auto startup_groups = groups_.refs;
	ASSERT_EQ(startup_table.size(), rules.size());
	ASSERT_EQ(startup_keys.size(), rules.size());
	EXPECT_EQ(startup_groups.size(), rules.size()) << "every match here is a group";
	EXPECT_EQ(startup_groups.count({0, ipv4(239, 1, 1, 2), ipv4(198, 18, 0, 7)}), 1u);
	EXPECT_EQ(startup_keys.count(fmt::format("0:{}", key_text(engine::Engine::key_of(
							     rules[2].match, 0)))),
		  1u);

	// Live: an empty appliance, then the same rules from the console in
	// another order.
	make();
	for (auto it = rules.rbegin(); it != rules.rend(); ++it)
		publish(*it);
	EXPECT_EQ(table(*engine_), startup_table);
	EXPECT_EQ(xdp_.keys, startup_keys);
	EXPECT_EQ(groups_.refs, startup_groups);

	// Reload: an empty appliance whose file then holds them.
	make();
	ApplyReport report;
	std::string error;
	ASSERT_EQ(publisher_->apply(rules, &report, &error), 0) << error;
	EXPECT_EQ(report.added, rules.size());
	EXPECT_EQ(table(*engine_), startup_table);
	EXPECT_EQ(xdp_.keys, startup_keys);
	EXPECT_EQ(groups_.refs, startup_groups);
}

TEST_F(Publish, ReplaceKeepsTheXdpKeyTheMembershipAndTheCounters)
{
	config::Rule r = multicast_rule("feed", ipv4(239, 1, 1, 1));
	publish(r);
	const engine::CompiledRule *before = find(r);
	ASSERT_NE(before, nullptr);
	before->counters(0).packets.add(7);
	before->output_counters(0, 0).packets.add(7);

	r.outputs[0].ttl = 9; // same match, another output
	publish(r);
	const engine::CompiledRule *after = find(r);
	ASSERT_NE(after, nullptr);
	EXPECT_EQ(after->output(0).rewrite.ttl, 9);
	EXPECT_EQ(engine_->rules().size(), 1u);
	EXPECT_EQ(xdp_.adds, 1) << "the key was already in the map";
	EXPECT_EQ(xdp_.keys.size(), 1u);
	EXPECT_EQ(groups_.refs.at({0, ipv4(239, 1, 1, 1), 0}), 1) << "joined once";
	EXPECT_EQ(total_packets(*after), 7u) << "a replacement must not set counters back";
	EXPECT_EQ(output_packets(*after, 0), 7u);
}

TEST_F(Publish, WithdrawRemovesTheRuleItsKeyAndItsMembership)
{
	const config::Rule a = multicast_rule("a", ipv4(239, 1, 1, 1));
	config::Rule b = multicast_rule("b", ipv4(239, 1, 1, 1)); // same group, another port
	b.match.dport = config::PortRange::single(6000);
	publish(a);
	publish(b);
	EXPECT_EQ(groups_.refs.at({0, ipv4(239, 1, 1, 1), 0}), 2);
	std::string error;
	ASSERT_EQ(publisher_->withdraw("a", &error), 0) << error;
	EXPECT_EQ(find(a), nullptr);
	EXPECT_NE(find(b), nullptr);
	EXPECT_EQ(xdp_.keys.size(), 1u);
	EXPECT_EQ(groups_.refs.at({0, ipv4(239, 1, 1, 1), 0}), 1) << "b still needs the group";
	ASSERT_EQ(publisher_->withdraw("b", &error), 0) << error;
	EXPECT_EQ(engine_->rules().size(), 0u);
	EXPECT_TRUE(xdp_.keys.empty());
	EXPECT_TRUE(groups_.refs.empty());
	EXPECT_EQ(publisher_->withdraw("b", &error), -ENOENT);
	EXPECT_NE(error.find("no rule named 'b'"), std::string::npos) << error;
}

TEST_F(Publish, ReloadAppliesOnlyTheDifferences)
{
	const config::Rule kept = multicast_rule("kept", ipv4(239, 1, 1, 1));
	config::Rule changed = multicast_rule("changed", ipv4(239, 1, 1, 2));
	const config::Rule gone = multicast_rule("gone", ipv4(239, 1, 1, 3));
	for (const auto &r : {kept, changed, gone})
		publish(r);
	const engine::CompiledRule *kept_before = find(kept);
	const engine::CompiledRule *changed_before = find(changed);
	const int adds_before = xdp_.adds;

	changed.outputs[0].dport = 7000;
	const config::Rule added = multicast_rule("added", ipv4(239, 1, 1, 4));
	ApplyReport report;
	std::string error;
	ASSERT_EQ(publisher_->apply({kept, changed, added}, &report, &error), 0) << error;
	EXPECT_EQ(report.added, 1u);
	EXPECT_EQ(report.changed, 1u);
	EXPECT_EQ(report.removed, 1u);
	EXPECT_EQ(report.unchanged, 1u);
	EXPECT_EQ(find(kept), kept_before) << "an unchanged rule is not touched";
	EXPECT_NE(find(changed), changed_before);
	EXPECT_EQ(find(gone), nullptr);
	EXPECT_NE(find(added), nullptr);
	EXPECT_EQ(xdp_.adds, adds_before + 1) << "only the added rule's key is new";
	EXPECT_EQ(xdp_.keys.size(), 3u);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 1, 3), 0}), 0u);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 1, 4), 0}), 1u);
}

TEST_F(Publish, ReloadWithARuleThatCannotCompileChangesNothing)
{
	const config::Rule a = multicast_rule("a", ipv4(239, 1, 1, 1));
	publish(a);
	const auto before = table(*engine_);
	config::Rule bad = multicast_rule("bad", ipv4(239, 1, 1, 2), "nowhere");
	bad.where = {"t.yaml", 7, 5};
	ApplyReport report;
	std::string error;
	EXPECT_EQ(publisher_->apply({bad}, &report, &error), -EINVAL);
	EXPECT_NE(error.find("t.yaml:7:5: rule 'bad': unknown port 'nowhere'"), std::string::npos)
		<< error;
	EXPECT_EQ(table(*engine_), before);
	EXPECT_EQ(xdp_.keys.size(), 1u);
}

TEST_F(Publish, UnknownNeighbourPublishesUnresolvedAndAsksTheKernel)
{
	const config::Rule r = unicast_rule("uni", ipv4(198, 18, 2, 10));
	publish(r);
	const engine::CompiledRule *c = find(r);
	ASSERT_NE(c, nullptr) << "a cold neighbour cache never refuses a rule";
	EXPECT_TRUE(c->output(0).no_neighbour);
	EXPECT_EQ(c->min_mtu(), 0) << "an unresolved output sends the rule down the slow path";
	ASSERT_EQ(kernel_.resolved.size(), 1u);
	EXPECT_EQ(kernel_.resolved[0], std::make_pair(out_ifindex, host::IpAddress{ipv4(198, 18, 2, 10)}));
	const auto uses = publisher_->neighbours();
	ASSERT_EQ(uses.size(), 1u);
	EXPECT_EQ(uses[0].port, "out0");
	EXPECT_FALSE(uses[0].mac);
	EXPECT_EQ(uses[0].rules, std::vector<std::string>{"uni"});
	EXPECT_EQ(publisher_->unresolved(), 1u);
	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), mac_a});
	EXPECT_EQ(publisher_->unresolved(), 0u);
	EXPECT_FALSE(find(r)->output(0).no_neighbour);
}

TEST_F(Publish, NeighbourChangeReplacesTheRulesUsingItAndKeepsTheirCounters)
{
	const config::Rule uni = unicast_rule("uni", ipv4(198, 18, 2, 10));
	const config::Rule other = unicast_rule("other", ipv4(198, 18, 2, 11));
	config::Rule other_match = other;
	other_match.match.dport = config::PortRange::single(6000);
	publish(uni);
	publish(other_match);
	engine::CompiledRule *before = engine_->rules().find(engine::Engine::key_of(uni.match, 0));
	const engine::CompiledRule *bystander = find(other_match);
	before->counters(0).packets.add(3);
	before->output_counters(0, 0).drop(packet::DropReason::no_neighbour).add(3);

	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), mac_a});
	const engine::CompiledRule *after = find(uni);
	ASSERT_NE(after, nullptr);
	EXPECT_NE(after, before);
	EXPECT_FALSE(after->output(0).no_neighbour);
	EXPECT_EQ(after->output(0).rewrite.dst_mac.addr_bytes[4], 0x0a);
	EXPECT_GT(after->min_mtu(), 0);
	EXPECT_EQ(total_packets(*after), 3u);
	uint64_t drops = 0;
	for (unsigned b = 0; b < after->counter_blocks(); b++)
		drops += after->output_counters(b, 0).dropped(packet::DropReason::no_neighbour);
	EXPECT_EQ(drops, 3u) << "no-neighbour drops survive the resolution";
	EXPECT_EQ(find(other_match), bystander) << "a rule using another neighbour is not touched";
	EXPECT_EQ(xdp_.adds, 2);

	// The same MAC again changes nothing; a new one replaces again.
	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), mac_a});
	EXPECT_EQ(find(uni), after);
	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), mac_b});
	EXPECT_EQ(find(uni)->output(0).rewrite.dst_mac.addr_bytes[4], 0x0b);

	// Gone: unresolved again, and the kernel is asked to resolve it.
	const size_t asked = kernel_.resolved.size();
	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), std::nullopt});
	EXPECT_TRUE(find(uni)->output(0).no_neighbour);
	EXPECT_EQ(kernel_.resolved.size(), asked + 1);
}

TEST_F(Publish, GatewayRoutesUseTheGatewaysMacAndFollowRouteChanges)
{
	const uint32_t far = ipv4(198, 19, 5, 5), gw = ipv4(198, 18, 2, 254);
	kernel_.gateways[far] = gw;
	kernel_.macs[{out_ifindex, gw}] = mac_gw;
	kernel_.macs[{out_ifindex, far}] = mac_a; // not what an off-link destination uses
	const config::Rule r = unicast_rule("far", far);
	publish(r);
	EXPECT_EQ(find(r)->output(0).rewrite.dst_mac.addr_bytes[4], 0x99);
	auto uses = publisher_->neighbours();
	ASSERT_EQ(uses.size(), 1u);
	EXPECT_EQ(uses[0].destination, config::IpAddress{far});
	EXPECT_EQ(uses[0].next_hop.ip, host::IpAddress{gw});
	ASSERT_TRUE(uses[0].mac);
	EXPECT_EQ(*uses[0].mac, mac_gw);

	config::Rule same_dst = r;
	same_dst.name = "far-too";
	same_dst.match.dport = config::PortRange::single(6000);
	const int asked = kernel_.asked_routes;
	publish(same_dst);
	EXPECT_EQ(kernel_.asked_routes, asked) << "a destination's route is asked once";

	const engine::CompiledRule *before = find(r);
	publisher_->routes_changed(); // nothing moved
	EXPECT_EQ(find(r), before);
	EXPECT_EQ(kernel_.asked_routes, asked + 1) << "routes changed: asked again, once";
	kernel_.gateways.erase(far); // now on-link
	publisher_->routes_changed();
	EXPECT_EQ(find(r)->output(0).rewrite.dst_mac.addr_bytes[4], 0x0a);
	uses = publisher_->neighbours();
	ASSERT_EQ(uses.size(), 1u);
	EXPECT_EQ(uses[0].next_hop.ip, host::IpAddress{far});
}

// 10,000 rules behind one next hop: one neighbour change republishes every
// one of them (and nothing else), their counters kept. Prints the main
// lcore's cost (no workers here, so no grace periods are waited for).
TEST_F(Publish, OneNeighbourChangeRepublishesTenThousandRules)
{
	make(16384);
	constexpr uint32_t n = 10000;
	for (uint32_t i = 0; i < n; i++) {
		config::Rule r = unicast_rule(fmt::format("r{}", i), ipv4(198, 18, 2, 10));
		r.match.dst = config::Prefix::host(ipv4(239, 2, 0, 0) + i);
		publish(r);
	}
	publish(unicast_rule("elsewhere", ipv4(198, 18, 2, 11)));
	for (const engine::CompiledRule *r : engine_->rules().rules())
		r->counters(0).packets.add(1);
	const auto start = std::chrono::steady_clock::now();
	publisher_->neighbour_changed({out_ifindex, ipv4(198, 18, 2, 10), mac_a});
	const auto took = std::chrono::steady_clock::now() - start;
	size_t resolved = 0;
	for (const engine::CompiledRule *r : engine_->rules().rules()) {
		resolved += !r->output(0).no_neighbour;
		EXPECT_EQ(total_packets(*r), 1u) << r->name();
	}
	EXPECT_EQ(resolved, n) << "every rule behind that next hop, and only those";
	std::printf("neighbour change republishing %u rules: %.1f ms\n", n,
		    std::chrono::duration<double, std::milli>(took).count());
}

TEST_F(Publish, ConfiguredMacOverridesAndAsksTheKernelNothing)
{
	config::Rule r = unicast_rule("pinned", ipv4(198, 18, 2, 10));
	r.outputs[0].mac = config::Mac{0x02, 0, 0, 0, 0x0c, 0x0c};
	publish(r);
	EXPECT_EQ(find(r)->output(0).rewrite.dst_mac.addr_bytes[4], 0x0c);
	EXPECT_FALSE(find(r)->output(0).no_neighbour);
	EXPECT_EQ(kernel_.asked_routes, 0);
	EXPECT_TRUE(kernel_.resolved.empty());
	EXPECT_TRUE(publisher_->neighbours().empty());
}

// A merged rule's inputs: two groups on in0, merged onto 239.2.2.2.
config::Rule merged_rule(const std::string &name, uint32_t second_group)
{
	config::Rule r = multicast_rule(name, ipv4(239, 1, 1, 1));
	r.outputs[0].dst = config::Prefix::host(ipv4(239, 2, 2, 2));
	config::Match b = r.match;
	b.dst = config::Prefix::host(second_group);
	r.more_inputs.push_back(b);
	r.merge = config::Sequence{packet::rtp_sequence, 1024, {}};
	return r;
}

std::string xdp_key(const config::Match &m)
{
	return "0:" + key_text(engine::Engine::key_of(m, 0));
}

TEST_F(Publish, AMergedRuleHasEveryInputsKeyAndGroupAndWithdrawsThemAll)
{
	const config::Rule r = merged_rule("feed", ipv4(239, 1, 2, 1));
	publish(r);
	EXPECT_EQ(engine_->rules().size(), 1u);
	EXPECT_EQ(xdp_.keys, (std::set<std::string>{xdp_key(r.match), xdp_key(r.more_inputs[0])}));
	EXPECT_EQ(groups_.refs.size(), 2u);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 2, 1), 0}), 1u);
	const engine::CompiledRule *compiled = find(r);
	ASSERT_NE(compiled, nullptr);
	ASSERT_NE(compiled->stream(), nullptr);
	EXPECT_TRUE(compiled->stream()->merges());

	// The second input moves: its key and group follow; the first input's
	// stay, and so does the stream (same numbers, same window).
	const engine::Stream *stream = compiled->stream();
	const config::Rule moved = merged_rule("feed", ipv4(239, 1, 3, 1));
	publish(moved);
	EXPECT_EQ(xdp_.keys, (std::set<std::string>{xdp_key(r.match), xdp_key(moved.more_inputs[0])}));
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 2, 1), 0}), 0u);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 3, 1), 0}), 1u);
	EXPECT_EQ(find(moved)->stream(), stream);
	EXPECT_EQ(engine_->rules().find(engine::Engine::key_of(r.more_inputs[0], 0)), nullptr);

	// Another rule may not take an input of it.
	const auto keys_before = xdp_.keys;
	config::Rule thief = multicast_rule("thief", ipv4(239, 1, 3, 1));
	std::string error;
	EXPECT_EQ(publisher_->publish(thief, &error), -EEXIST);
	EXPECT_NE(error.find("rule 'feed''s already"), std::string::npos) << error;
	EXPECT_EQ(xdp_.keys, keys_before);
	EXPECT_EQ(find(moved)->name(), std::string("feed"));

	ASSERT_EQ(publisher_->withdraw("feed", &error), 0) << error;
	EXPECT_TRUE(xdp_.keys.empty());
	EXPECT_TRUE(groups_.refs.empty());
	EXPECT_EQ(engine_->rules().size(), 0u);

	// A reload installs it the same way.
	ApplyReport report;
	ASSERT_EQ(publisher_->apply({moved}, &report, &error), 0) << error;
	EXPECT_EQ(xdp_.keys, keys_before);
	EXPECT_EQ(groups_.refs.size(), 2u);
	ASSERT_EQ(publisher_->apply({}, &report, &error), 0) << error;
	EXPECT_TRUE(xdp_.keys.empty());
	EXPECT_TRUE(groups_.refs.empty());
}

config::Rule merged_of(const std::string &name, std::vector<uint32_t> groups, uint32_t out_group)
{
	config::Rule r = multicast_rule(name, groups[0]);
	r.outputs[0].dst = config::Prefix::host(out_group);
	for (size_t i = 1; i < groups.size(); i++) {
		config::Match m = r.match;
		m.dst = config::Prefix::host(groups[i]);
		r.more_inputs.push_back(m);
	}
	r.merge = config::Sequence{packet::rtp_sequence, 1024, {}};
	return r;
}

TEST_F(Publish, AReloadMovingAnInputBetweenMergedRulesLeavesEachItsOwn)
{
	const uint32_t a = ipv4(239, 1, 0, 1), b = ipv4(239, 1, 0, 2), c = ipv4(239, 1, 0, 3),
		       d = ipv4(239, 1, 0, 4);
	ApplyReport report;
	std::string error;
	ASSERT_EQ(publisher_->apply({merged_of("x", {a, b}, ipv4(239, 2, 0, 1))}, &report, &error), 0);
	// z takes B from x, and is listed first.
	const config::Rule z = merged_of("z", {b, d}, ipv4(239, 2, 0, 2));
	const config::Rule x = merged_of("x", {a, c}, ipv4(239, 2, 0, 1));
	ASSERT_EQ(publisher_->apply({z, x}, &report, &error), 0) << error;
	EXPECT_EQ(report.added, 1u);
	EXPECT_EQ(report.changed, 1u);
	EXPECT_EQ(report.removed, 0u);
	auto holder = [&](uint32_t group) -> std::string {
		config::Match m = x.match;
		m.dst = config::Prefix::host(group);
		const engine::CompiledRule *r = engine_->rules().find(engine::Engine::key_of(m, 0));
		return r == nullptr ? "none" : r->name();
	};
	EXPECT_EQ(holder(a), "x");
	EXPECT_EQ(holder(b), "z");
	EXPECT_EQ(holder(c), "x");
	EXPECT_EQ(holder(d), "z");
	EXPECT_EQ(engine_->rules().size(), 2u);
	EXPECT_EQ(xdp_.keys.size(), 4u) << "every input's key, B's included";
	EXPECT_EQ(groups_.refs.size(), 4u);
	EXPECT_NE(find(x)->stream(), find(z)->stream()) << "two rules never share a stream";

	// Inputs reordered: the rule comes back under its new first input.
	const config::Rule swapped = merged_of("x", {c, a}, ipv4(239, 2, 0, 1));
	ASSERT_EQ(publisher_->apply({z, swapped}, &report, &error), 0) << error;
	EXPECT_EQ(holder(a), "x");
	EXPECT_EQ(holder(c), "x");
	EXPECT_EQ(engine_->rules().size(), 2u);
	EXPECT_EQ(xdp_.keys.size(), 4u);
	EXPECT_EQ(groups_.refs.size(), 4u);
	EXPECT_EQ(publisher_->size(), 2u);
}

// A range input's `join:` list is not part of its key: a replacement
// with another list joins the new groups and leaves the old ones.
TEST_F(Publish, ARangeInputsChangedJoinListJoinsTheNewGroupsAndLeavesTheOld)
{
	config::Rule r;
	r.name = "range";
	r.match.port = "in0";
	r.match.dst = config::Prefix{config::Ipv4{ipv4(239, 1, 0, 0)}, 16};
	r.match.dport = config::PortRange::single(5000);
	r.match.join = {config::Ipv4{ipv4(239, 1, 0, 1)}};
	r.outputs.push_back(engine::test::output_to("out0"));
	publish(r);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 0, 1), 0}), 1u);

	r.match.join = {config::Ipv4{ipv4(239, 1, 0, 2)}};
	ApplyReport report;
	std::string error;
	ASSERT_EQ(publisher_->apply({r}, &report, &error), 0) << error;
	EXPECT_EQ(report.changed, 1u);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 0, 2), 0}), 1u) << "the new list joined";
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 0, 1), 0}), 0u) << "the old list left";

	r.match.join = {config::Ipv4{ipv4(239, 1, 0, 3)}, config::Ipv4{ipv4(239, 1, 0, 2)}};
	publish(r);
	EXPECT_EQ(groups_.refs.count({0, ipv4(239, 1, 0, 3), 0}), 1u) << "a console replacement joins";
	EXPECT_EQ(groups_.refs.at({0, ipv4(239, 1, 0, 2), 0}), 1) << "a group in both lists: joined once";

	ASSERT_EQ(publisher_->withdraw("range", &error), 0) << error;
	EXPECT_TRUE(groups_.refs.empty()) << "every group left with the rule";
}

} // namespace
} // namespace mcr::publish
