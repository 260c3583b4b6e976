// Engine::compile: how a config rule becomes what the workers execute. The
// next-hop MAC (group MAC, `mac:`, or the neighbour table), the source of
// each output, whether its port takes chained mbufs, the refusals with
// their messages, and that every rewrite and key field is stored in network
// order.
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/compiled_rule.h"
#include "engine/engine.h"
#include "engine_setup.h"
#include "frame_builder.h"

namespace mcr::engine {
namespace {

using test::bytes_of;
using test::ipv4;
using test::MacBytes;
using test::memory_bytes;

using Bytes4 = std::vector<uint8_t>;

const MacBytes in0_mac{0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
const MacBytes out0_mac{0x02, 0x00, 0x00, 0x00, 0x02, 0x01};
const MacBytes out1_mac{0x02, 0x00, 0x00, 0x00, 0x03, 0x01};
const MacBytes neighbour_mac{0x02, 0x00, 0x00, 0x00, 0x0e, 0x0e};
const MacBytes configured_mac{0x02, 0x00, 0x00, 0x00, 0x0c, 0x0c};

struct RuleDeleter {
	void operator()(CompiledRule *r) const { CompiledRule::destroy(r); }
};
using RulePtr = std::unique_ptr<CompiledRule, RuleDeleter>;

class Compile : public ::testing::Test {
protected:
	void SetUp() override
	{
		pools_ = test::make_pools({{"cmp_small", 512, 255, {}}});
		// in0 deliberately not first, so port indexes are not all 0.
		std::vector<EnginePort> ports = {
			{"out0", "lr2", 0, test::ether(out0_mac), ipv4(198, 18, 2, 1), true},
			{"in0", "lr1", 1, test::ether(in0_mac), ipv4(198, 18, 1, 1), true},
			{.name = "out1", .iface = "lr3", .port_id = 2, .mac = test::ether(out1_mac),
			 .ipv4 = ipv4(198, 18, 3, 1), .multi_seg_tx = false, .mtu = 1280}, // no chains, a smaller MTU
			{"noaddr", "lr9", 3, test::ether(out1_mac), 0, true},
		};
		EngineParams params;
		params.rule_capacity = 1024;
		engine_ = test::make_engine(std::move(ports), *pools_, params);
	}

	void TearDown() override
	{
		engine_.reset(); // before the pools it points at
		pools_.reset();
	}

	static config::Rule rule_to(std::vector<config::Output> outputs)
	{
		config::Rule r;
		r.name = "feed-a";
		r.match.port = "in0";
		r.match.dst = config::Prefix::host(ipv4(239, 1, 1, 1));
		r.match.dport = config::PortRange::single(5000);
		r.outputs = std::move(outputs);
		return r;
	}

	// A neighbour table with one entry that records how it was asked.
	NeighbourLookup neighbours()
	{
		return [this](const EnginePort &port,
			      const config::IpAddress &address) -> std::optional<rte_ether_addr> {
			const uint32_t ip = std::get<config::Ipv4>(address);
			asked_.push_back(port.name + "/" + std::to_string(ip));
			if (port.name == "out1" && ip == ipv4(198, 18, 3, 10))
				return test::ether(neighbour_mac);
			return std::nullopt;
		};
	}

	RulePtr compile(const config::Rule &rule, const NeighbourLookup &lookup)
	{
		error_.clear();
		return RulePtr(engine_->compile(rule, lookup, &error_));
	}

	std::unique_ptr<Pools> pools_;
	std::unique_ptr<Engine> engine_;
	std::vector<std::string> asked_;
	std::string error_;
};

TEST_F(Compile, MulticastOutputGetsTheGroupMacAndNetworkOrderFields)
{
	config::Output o = test::output_to("out1");
	o.dst = config::Prefix::host(ipv4(239, 129, 2, 3)); // high bit of the second octet is not in the MAC
	o.dport = 6000;
	o.ttl = 16;
	const RulePtr r = compile(rule_to({o}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_TRUE(asked_.empty()) << "a group needs no neighbour";
	EXPECT_STREQ(r->name(), "feed-a");
	ASSERT_EQ(r->output_count(), 1u);
	const CompiledOutput &out = r->output(0);
	EXPECT_EQ(out.port_index, 2u);
	EXPECT_EQ(bytes_of(out.rewrite.dst_mac), (MacBytes{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}));
	EXPECT_EQ(bytes_of(out.rewrite.src_mac), out1_mac);
	EXPECT_EQ(memory_bytes(out.rewrite.src_ip), (Bytes4{198, 18, 3, 1}));
	EXPECT_EQ(memory_bytes(out.rewrite.dst_ip), (Bytes4{239, 129, 2, 3}));
	EXPECT_EQ(memory_bytes(out.rewrite.dst_port), (Bytes4{0x17, 0x70})); // 6000
	EXPECT_EQ(out.rewrite.ttl, 16);
	EXPECT_EQ(out.rewrite.vlan, 0);
	EXPECT_EQ(out.header_len, 14 + 20 + 8);
}

TEST_F(Compile, OutputWithoutDestinationKeepsItAndUsesTheMatchedGroupMac)
{
	const RulePtr r = compile(rule_to({test::output_to("out0")}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	const CompiledOutput &out = r->output(0);
	EXPECT_EQ(out.port_index, 0u);
	EXPECT_EQ(bytes_of(out.rewrite.dst_mac), (MacBytes{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01}));
	EXPECT_EQ(bytes_of(out.rewrite.src_mac), out0_mac);
	EXPECT_EQ(memory_bytes(out.rewrite.src_ip), (Bytes4{198, 18, 2, 1}));
	EXPECT_EQ(out.rewrite.dst_ip, 0u) << "0 = keep the received destination";
	EXPECT_EQ(out.rewrite.dst_port, 0u) << "0 = keep the received port";
	EXPECT_EQ(out.rewrite.ttl, 0) << "0 = decrement";
}

TEST_F(Compile, KeyIsInNetworkOrderOnTheIngressPortIndex)
{
	config::Rule rule = rule_to({test::output_to("out0")});
	rule.match.src = config::Prefix::host(ipv4(198, 18, 0, 10));
	rule.match.vlan = 100;
	rule.match.dport = config::PortRange::single(5001);
	const RulePtr r = compile(rule, neighbours());
	ASSERT_NE(r, nullptr) << error_;
	ASSERT_TRUE(r->key().exact());
	const RuleKey k = r->key().rule_key();
	EXPECT_EQ(memory_bytes(k.dst_ip), (Bytes4{239, 1, 1, 1}));
	EXPECT_EQ(memory_bytes(k.src_ip), (Bytes4{198, 18, 0, 10}));
	EXPECT_EQ(memory_bytes(k.dst_port), (Bytes4{0x13, 0x89})); // 5001
	EXPECT_EQ(k.vlan, 100);
	EXPECT_EQ(k.port_index, 1u);
	EXPECT_EQ(k.zero, 0u);
	EXPECT_EQ(Engine::key_of(rule.match, 1), r->key());
}

TEST_F(Compile, UnicastOutputUsesConfiguredMacWithoutAskingNeighbours)
{
	config::Output o = test::output_to("out1");
	o.dst = config::Prefix::host(ipv4(198, 18, 3, 99)); // no neighbour entry: `mac:` must win
	o.mac = configured_mac;
	o.dport = 7000;
	const RulePtr r = compile(rule_to({o}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_TRUE(asked_.empty());
	EXPECT_EQ(bytes_of(r->output(0).rewrite.dst_mac), configured_mac);
	EXPECT_EQ(memory_bytes(r->output(0).rewrite.dst_ip), (Bytes4{198, 18, 3, 99}));
}

TEST_F(Compile, ConfiguredMacOverridesTheGroupMac)
{
	config::Output o = test::output_to("out1");
	o.mac = configured_mac;
	const RulePtr r = compile(rule_to({o}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_EQ(bytes_of(r->output(0).rewrite.dst_mac), configured_mac);
}

TEST_F(Compile, UnicastOutputUsesTheNeighbourTable)
{
	config::Output o = test::output_to("out1");
	o.dst = config::Prefix::host(ipv4(198, 18, 3, 10));
	const RulePtr r = compile(rule_to({o}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	ASSERT_EQ(asked_.size(), 1u);
	// Asked on the egress port, with the host-order destination.
	EXPECT_EQ(asked_[0], "out1/" + std::to_string(ipv4(198, 18, 3, 10)));
	EXPECT_EQ(bytes_of(r->output(0).rewrite.dst_mac), neighbour_mac);
}

// A cold neighbour cache never refuses a rule: the output waits, counting
// no-neighbour drops, and the whole rule takes the one-by-one path.
TEST_F(Compile, UnicastOutputWithoutMacOrNeighbourIsCompiledUnresolved)
{
	config::Output o = test::output_to("out0");
	o.dst = config::Prefix::host(ipv4(198, 18, 2, 77));
	for (const NeighbourLookup &lookup : {neighbours(), NeighbourLookup{}}) {
		const RulePtr r = compile(rule_to({o, test::output_to("out1")}), lookup);
		ASSERT_NE(r, nullptr) << error_;
		EXPECT_TRUE(r->output(0).no_neighbour);
		EXPECT_FALSE(r->output(1).no_neighbour) << "a group's MAC needs no neighbour";
		EXPECT_EQ(r->min_mtu(), 0) << "the fast path's MTU gate must send it aside";
	}
	const RulePtr resolved = compile(rule_to({test::output_to("out0")}), neighbours());
	EXPECT_FALSE(resolved->output(0).no_neighbour);
	EXPECT_EQ(resolved->min_mtu(), 1500);
}

TEST_F(Compile, PortWithoutIpv4IsRefused)
{
	const RulePtr r = compile(rule_to({test::output_to("out0"), test::output_to("noaddr")}),
				  neighbours());
	EXPECT_EQ(r, nullptr);
	EXPECT_NE(error_.find("'noaddr'"), std::string::npos) << error_;
	EXPECT_NE(error_.find("address"), std::string::npos) << error_;
}

TEST_F(Compile, PortWithoutIpv4TakesOutputsThatNameTheirSource)
{
	config::Output keep = test::output_to("noaddr");
	keep.src = config::OutputSource::keep();
	config::Output given = test::output_to("noaddr");
	given.dst = config::Prefix::host(ipv4(239, 9, 9, 9));
	given.src = config::OutputSource::given(ipv4(198, 18, 9, 1));
	const RulePtr r = compile(rule_to({keep, given}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
}

TEST_F(Compile, SourceIsThePortsTheGivenOneOrTheReceivedOne)
{
	config::Output keep = test::output_to("out0");
	keep.src = config::OutputSource::keep();
	config::Output given = test::output_to("out0");
	given.dst = config::Prefix::host(ipv4(239, 9, 9, 9));
	given.src = config::OutputSource::given(ipv4(198, 18, 9, 1));
	const RulePtr r = compile(rule_to({test::output_to("out1"), keep, given}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_EQ(memory_bytes(r->output(0).rewrite.src_ip), (Bytes4{198, 18, 3, 1}));
	EXPECT_FALSE(r->output(0).rewrite.keep_src);
	EXPECT_TRUE(r->output(1).rewrite.keep_src);
	EXPECT_EQ(r->output(1).rewrite.src_ip, 0u) << "no address with keep_src";
	EXPECT_EQ(memory_bytes(r->output(2).rewrite.src_ip), (Bytes4{198, 18, 9, 1}));
	EXPECT_FALSE(r->output(2).rewrite.keep_src);
}

TEST_F(Compile, DscpReplacesTheUpperSixTosBitsOnly)
{
	config::Output ef = test::output_to("out0");
	ef.dscp = 46;
	config::Output zero = test::output_to("out1");
	zero.dscp = 0;
	const RulePtr r = compile(rule_to({test::output_to("out0"), ef, zero}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_EQ(r->output(0).rewrite.tos_clear, 0) << "no dscp: the TOS is kept";
	EXPECT_EQ(r->output(0).rewrite.tos_set, 0);
	EXPECT_EQ(r->output(1).rewrite.tos_clear, 0xfc) << "ECN, the low two bits, stays";
	EXPECT_EQ(r->output(1).rewrite.tos_set, 0xb8);
	EXPECT_EQ(r->output(2).rewrite.tos_clear, 0xfc) << "dscp 0 is set, not kept";
	EXPECT_EQ(r->output(2).rewrite.tos_set, 0);
}

TEST_F(Compile, UnknownPortsAreRefused)
{
	config::Rule bad_match = rule_to({test::output_to("out0")});
	bad_match.match.port = "nope0";
	EXPECT_EQ(compile(bad_match, neighbours()), nullptr);
	EXPECT_NE(error_.find("unknown port 'nope0'"), std::string::npos) << error_;

	EXPECT_EQ(compile(rule_to({test::output_to("nope1")}), neighbours()), nullptr);
	EXPECT_NE(error_.find("unknown port 'nope1'"), std::string::npos) << error_;
}

TEST_F(Compile, OutputCountIsBounded)
{
	EXPECT_EQ(compile(rule_to({}), neighbours()), nullptr);
	EXPECT_NE(error_.find("outputs"), std::string::npos) << error_;

	std::vector<config::Output> outs(max_outputs, test::output_to("out0"));
	const RulePtr full = compile(rule_to(outs), neighbours());
	ASSERT_NE(full, nullptr) << error_;
	EXPECT_EQ(full->output_count(), max_outputs);

	outs.push_back(test::output_to("out1"));
	EXPECT_EQ(compile(rule_to(outs), neighbours()), nullptr);
}

TEST_F(Compile, TaggedOutputHasTheLongerHeader)
{
	config::Output o = test::output_to("out0");
	o.vlan = 200;
	const RulePtr r = compile(rule_to({o}), neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_EQ(r->output(0).rewrite.vlan, 200);
	EXPECT_EQ(r->output(0).header_len, 14 + 4 + 20 + 8);
}

TEST_F(Compile, OutputsTakeTheirPortsMtuAndTheRuleTheSmallest)
{
	// What decides, with one compare per packet, whether any output needs
	// fragments or is too big.
	const RulePtr r = compile(rule_to({test::output_to("out0"), test::output_to("out1")}),
				  neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_EQ(r->output(0).mtu, 1500);
	EXPECT_EQ(r->output(1).mtu, 1280);
	EXPECT_EQ(r->min_mtu(), 1280);
	const RulePtr one = compile(rule_to({test::output_to("out0")}), neighbours());
	ASSERT_NE(one, nullptr) << error_;
	EXPECT_EQ(one->min_mtu(), 1500);
}

TEST_F(Compile, OutputsKnowWhetherTheirPortChainsAndTheRuleCountsThem)
{
	// What the fan-out sizes its bulk gets by: outputs that may be cloned,
	// with and without the last one (which is sent in place).
	const RulePtr r = compile(rule_to({test::output_to("out0"), test::output_to("out1"),
					   test::output_to("out0"), test::output_to("out0")}),
				  neighbours());
	ASSERT_NE(r, nullptr) << error_;
	EXPECT_TRUE(r->output(0).chains);
	EXPECT_FALSE(r->output(1).chains);
	EXPECT_EQ(r->chaining_outputs(4), 3u);
	EXPECT_EQ(r->chaining_outputs(3), 2u);

	const RulePtr last_copies = compile(rule_to({test::output_to("out0"), test::output_to("out1")}),
					    neighbours());
	ASSERT_NE(last_copies, nullptr) << error_;
	EXPECT_EQ(last_copies->chaining_outputs(2), 1u);
	EXPECT_EQ(last_copies->chaining_outputs(1), 1u);
}

TEST_F(Compile, AddRulePublishesAndRefusalsPublishNothing)
{
	std::string error;
	EXPECT_EQ(test::add_rule(*engine_, rule_to({test::output_to("noaddr")}), neighbours(), &error),
		  -EINVAL);
	EXPECT_EQ(engine_->rules().size(), 0u);

	const config::Rule good = rule_to({test::output_to("out0")});
	ASSERT_EQ(test::add_rule(*engine_, good, neighbours(), &error), 0) << error;
	const CompiledRule *published = engine_->rules().find(Engine::key_of(good.match, 1));
	ASSERT_NE(published, nullptr);
	EXPECT_STREQ(published->name(), "feed-a");
	EXPECT_EQ(published->worker_count(), 1u);

	EXPECT_EQ(test::remove_rule(*engine_, good), 0);
	EXPECT_EQ(engine_->rules().size(), 0u);
	EXPECT_EQ(test::remove_rule(*engine_, good), -ENOENT);
}

TEST_F(Compile, AMergedRuleHasAKeyPerInputAndAStreamOnWorkerZero)
{
	config::Rule rule = rule_to({test::output_to("out1")});
	rule.outputs[0].dst = config::Prefix::host(ipv4(239, 2, 2, 2));
	config::Match b = rule.match;
	b.dst = config::Prefix::host(ipv4(239, 1, 2, 1));
	rule.more_inputs.push_back(b);
	rule.merge = config::Sequence{packet::rtp_sequence, 1024, {}};
	const RulePtr r = compile(rule, neighbours());
	ASSERT_NE(r, nullptr) << error_;
	ASSERT_EQ(r->input_count(), 2u);
	EXPECT_EQ(r->input_key(1).rule_key().dst_ip, rte_cpu_to_be_32(ipv4(239, 1, 2, 1)));
	ASSERT_NE(r->stream(), nullptr);
	EXPECT_TRUE(r->stream()->merges());
	EXPECT_EQ(r->stream()->owner(), 0u) << "one worker owns every stream";
	EXPECT_EQ(r->stream()->window_size(), 1024u);
}

TEST_F(Compile, MergedInputsThatDifferNeedTheOutputToSayWhatItSends)
{
	config::Rule rule = rule_to({test::output_to("out1")});
	config::Match b = rule.match;
	b.dst = config::Prefix::host(ipv4(239, 1, 2, 1));
	rule.more_inputs.push_back(b);
	rule.merge = config::Sequence{packet::rtp_sequence, 1024, {}};
	EXPECT_EQ(compile(rule, neighbours()), nullptr);
	EXPECT_NE(error_.find("needs `dst:`"), std::string::npos) << error_;

	rule.outputs[0].dst = config::Prefix::host(ipv4(239, 2, 2, 2));
	rule.more_inputs[0].dport = config::PortRange::single(5001);
	EXPECT_EQ(compile(rule, neighbours()), nullptr);
	EXPECT_NE(error_.find("needs `dport:`"), std::string::npos) << error_;
	rule.outputs[0].dport = 6000;
	EXPECT_NE(compile(rule, neighbours()), nullptr) << error_;

	rule.more_inputs[0] = rule.match;
	EXPECT_EQ(compile(rule, neighbours()), nullptr);
	EXPECT_NE(error_.find("inputs 0 and 1 are the same"), std::string::npos) << error_;
	rule.more_inputs[0].dst = config::Prefix::host(ipv4(239, 1, 2, 1));
	rule.merge.reset();
	EXPECT_EQ(compile(rule, neighbours()), nullptr);
	EXPECT_NE(error_.find("without `merge:`"), std::string::npos) << error_;
}

TEST_F(Compile, SequenceFieldsAndWindowsTheWindowCannotHoldAreRefused)
{
	config::Rule rule = rule_to({test::output_to("out1")});
	rule.monitor = config::Sequence{{0, 3, true}, 1024, {}};
	EXPECT_EQ(compile(rule, neighbours()), nullptr);
	EXPECT_NE(error_.find("2, 4 or 8"), std::string::npos) << error_;
	for (const uint32_t window : {0u, 1u, 1000u, 131072u}) {
		rule.monitor = config::Sequence{{0, 4, true}, window, {}};
		EXPECT_EQ(compile(rule, neighbours()), nullptr) << window;
	}
	rule.monitor = config::Sequence{packet::rtp_sequence, 16384, {}};
	EXPECT_EQ(compile(rule, neighbours()), nullptr) << "16-bit numbers resync at 2^14";
	rule.monitor = config::Sequence{packet::rtp_sequence, 8192, {}};
	EXPECT_NE(compile(rule, neighbours()), nullptr) << error_;
}

} // namespace
} // namespace mcr::engine
