// Golden pcaps for merged and monitored rules: two copies of one stream
// (A on in0, B on in1) with different losses, reordering and duplicates
// come out as exactly their union, each number once, in the order of first
// arrival; the counters are checked against a plain model of the same
// arrivals. Also: a monitored rule forwards everything and counts, a
// replaced merged rule keeps its window, and with two workers the stream's
// owner merges what the other one received.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine_setup.h"
#include "golden_common.h"

namespace mcr::engine::test {
namespace {

const MacBytes in1_mac{0x02, 0x00, 0x00, 0x00, 0x04, 0x01};
constexpr uint32_t in1_ip = ipv4(198, 18, 4, 1);

// The sequence number is the 32 bits at payload byte 4 (sequenced_payload).
constexpr packet::SequenceField seq_field{4, 4, true};
constexpr uint32_t window = 16;

struct Arrival {
	unsigned input; // 0: A on in0, 1: B on in1
	uint32_t seq;
	size_t payload_len = 100;
};

UdpFrame copy_frame(const Arrival &a)
{
	UdpFrame f = flow_frame(1, a.seq, a.payload_len);
	if (a.input == 1) {
		f.dst_ip = group_2;
		f.dst_mac = group_mac(group_2);
	}
	return f;
}

// What a merge of the arrivals must do, by sets rather than a ring: a
// number is late when it is window or more behind the highest seen.
struct Model {
	std::vector<uint32_t> relayed; // first copies, in arrival order
	uint64_t duplicates[2] = {}, late[2] = {}, reordered = 0, first[2] = {};
	std::map<uint32_t, std::set<unsigned>> delivered; // in the window
	uint32_t head = 0;

	explicit Model(const std::vector<Arrival> &arrivals)
	{
		bool started = false;
		for (const Arrival &a : arrivals) {
			if (started && a.seq + window <= head) {
				late[a.input]++;
				continue;
			}
			auto &who = delivered[a.seq];
			if (!who.empty()) {
				duplicates[a.input]++;
				who.insert(a.input);
				continue;
			}
			who.insert(a.input);
			first[a.input]++;
			if (started && a.seq < head)
				reordered++;
			head = started ? std::max(head, a.seq) : a.seq;
			started = true;
			relayed.push_back(a.seq);
		}
	}
	// Numbers that left the window: delivered by none, by one input only,
	// by both. From the first number the stream started at (0 here).
	void left(uint64_t &gaps, uint64_t only[2], uint64_t &multiple) const
	{
		for (uint32_t n = 0; n + window <= head; n++) {
			const auto it = delivered.find(n);
			const size_t k = it == delivered.end() ? 0 : it->second.size();
			if (k == 0)
				gaps++;
			else if (k == 1)
				only[*it->second.begin()]++;
			else
				multiple++;
		}
	}
};

config::Rule merged_rule(const std::string &name)
{
	config::Rule r = make_rule(name, group_1, 5000, {{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000}});
	config::Match b = r.match;
	b.port = "in1";
	b.dst = config::Prefix::host(group_2);
	r.more_inputs.push_back(b);
	r.merge = config::Sequence{seq_field, window, {}};
	return r;
}

// A: 0..59 without 5, 20, 21, 40, with 30 and 31 swapped; B: 0..59
// without 20, 21, 33, 45, 46, with 12 sent twice. Interleaved in bursts of
// eight, then one late copy (10) and one datagram too short for its number.
std::vector<std::vector<Arrival>> two_lossy_copies()
{
	std::vector<Arrival> a, b;
	for (uint32_t n = 0; n < 60; n++) {
		if (n != 5 && n != 20 && n != 21 && n != 40)
			a.push_back({0, n == 30 ? 31u : n == 31 ? 30u : n});
		if (n != 20 && n != 21 && n != 33 && n != 45 && n != 46) {
			b.push_back({1, n});
			if (n == 12)
				b.push_back({1, n});
		}
	}
	std::vector<std::vector<Arrival>> bursts;
	for (size_t i = 0; i < std::max(a.size(), b.size()); i += 8) {
		if (i < a.size())
			bursts.emplace_back(a.begin() + i, a.begin() + std::min(a.size(), i + 8));
		if (i < b.size())
			bursts.emplace_back(b.begin() + i, b.begin() + std::min(b.size(), i + 8));
	}
	bursts.push_back({{1, 10}});
	return bursts;
}

std::vector<Bytes> frames_of(const std::vector<Arrival> &burst)
{
	std::vector<Bytes> frames;
	for (const Arrival &a : burst)
		frames.push_back(build_frame(copy_frame(a)));
	return frames;
}

// A frame of B whose payload ends before the sequence number does.
Bytes short_frame()
{
	UdpFrame f = copy_frame({1, 0});
	f.payload.resize(6);
	f.padding = 60 - (14 + 20 + 8 + 6);
	return build_frame(f);
}

std::vector<PortPlan> merge_ports()
{
	return {ingress({}), {"in1", in1_mac, in1_ip, {}}, egress("out0")};
}

std::vector<UdpFrame> relayed_frames(const std::vector<uint32_t> &seqs)
{
	std::vector<UdpFrame> out;
	for (uint32_t n : seqs)
		out.push_back(relayed(copy_frame({0, n}), {group_mac(out_group_a), out0_mac, out0_ip,
							   out_group_a, 6000}));
	return out;
}

// Publishes a merged rule whose stream worker 0 owns (the pcap ports have
// one TX queue, worker 0's).
config::Rule merged_rule_on_worker_0(RelayHarness &h)
{
	for (int i = 0; i < 64; i++) {
		config::Rule rule = merged_rule("feed-" + std::to_string(i));
		std::string error;
		if (test::add_rule(h.engine(), rule, NeighbourLookup{}, &error) != 0)
			throw std::runtime_error(error);
		if (published(h, rule).stream_owner() == 0)
			return rule;
		remove_rule(h.engine(), rule);
	}
	throw std::runtime_error("no name gave worker 0 the stream");
}

TEST(GoldenMerge, TwoLossyCopiesComeOutAsTheirUnionInFirstArrivalOrder)
{
	RelayHarness h(merge_ports(), EngineParams{});
	const config::Rule rule = merged_rule("feed");
	add_rule(h, rule);

	std::vector<Arrival> all;
	const PoolUse before = h.pool_in_use();
	for (const auto &burst : two_lossy_copies()) {
		h.receive(burst[0].input == 0 ? "in0" : "in1", frames_of(burst));
		all.insert(all.end(), burst.begin(), burst.end());
	}
	h.receive("in1", {short_frame()});
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	const Model model(all);
	ASSERT_EQ(model.relayed.size(), 58u) << "the model: every number but 20 and 21";
	expect_sent(h, "out0", relayed_frames(model.relayed), "merged output");

	const CompiledRule &r = published(h, rule);
	ASSERT_NE(r.stream(), nullptr);
	const SequenceCounters &c = r.stream()->counters();
	EXPECT_EQ(c.accepted(), model.relayed.size());
	EXPECT_EQ(c.duplicates.get(), model.duplicates[0] + model.duplicates[1]);
	EXPECT_EQ(c.late.get(), model.late[0] + model.late[1]);
	EXPECT_EQ(c.late.get(), 1u);
	EXPECT_EQ(c.reordered.get(), model.reordered);
	EXPECT_EQ(c.resyncs.get(), 0u);
	uint64_t gaps = 0, only[2] = {}, multiple = 0;
	model.left(gaps, only, multiple);
	EXPECT_EQ(gaps, 2u) << "the model: 20 and 21 left the window unseen";
	EXPECT_EQ(c.gaps.get(), gaps);
	EXPECT_EQ(c.multiple.get(), multiple);
	for (unsigned i = 0; i < 2; i++) {
		EXPECT_EQ(c.inputs[i].first.get(), model.first[i]) << "input " << i;
		EXPECT_EQ(c.inputs[i].only.get(), only[i]) << "input " << i;
	}
	EXPECT_EQ(r.stream()->no_sequence_count(), 1u);
	EXPECT_EQ(r.counters(0).packets.get(), model.relayed.size()) << "the rule counts what it relays";

	// Each drop on the port its copy came in on.
	expect_port_drops(h, "in0", {{DropReason::duplicate, model.duplicates[0]}});
	expect_port_drops(h, "in1", {{DropReason::duplicate, model.duplicates[1]},
				     {DropReason::late, 1},
				     {DropReason::no_sequence, 1}});
}

TEST(GoldenMerge, AMonitoredRuleForwardsEverythingAndCounts)
{
	RelayHarness h(merge_ports(), EngineParams{});
	config::Rule rule = make_rule("watched", group_1, 5000, {{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000}});
	rule.monitor = config::Sequence{seq_field, window, {}};
	add_rule(h, rule);

	// 0..39 without 7 and 8, 15 twice, 25 after 26.
	std::vector<Arrival> sent;
	for (uint32_t n = 0; n < 40; n++) {
		if (n == 7 || n == 8 || n == 25)
			continue;
		sent.push_back({0, n});
		if (n == 15)
			sent.push_back({0, n});
		if (n == 26)
			sent.push_back({0, 25});
	}
	h.receive("in0", frames_of(sent));
	UdpFrame short_one = copy_frame({0, 0});
	short_one.payload.resize(6);
	short_one.padding = 12;
	h.receive("in0", {build_frame(short_one)});
	h.flush();

	std::vector<UdpFrame> want;
	for (const Arrival &a : sent)
		want.push_back(relayed(copy_frame(a), {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
	want.push_back(relayed(short_one, {group_mac(out_group_a), out0_mac, out0_ip, out_group_a, 6000}));
	expect_sent(h, "out0", want, "monitored output: everything, duplicates and short ones too");

	const Stream &s = *published(h, rule).stream();
	EXPECT_EQ(s.counters().accepted(), 38u);
	EXPECT_EQ(s.counters().duplicates.get(), 1u);
	EXPECT_EQ(s.counters().reordered.get(), 1u);
	EXPECT_EQ(s.counters().gaps.get(), 2u) << "7 and 8 left the window (head 39) unseen";
	EXPECT_EQ(s.no_sequence_count(), 1u);
	expect_drops(h, {});
}

TEST(GoldenMerge, AReplacedMergedRuleKeepsItsWindow)
{
	RelayHarness h(merge_ports(), EngineParams{});
	config::Rule rule = merged_rule("feed");
	add_rule(h, rule);
	std::vector<Arrival> a, b;
	for (uint32_t n = 0; n < 10; n++) {
		a.push_back({0, n});
		b.push_back({1, n});
	}
	h.receive("in0", frames_of(a));
	const Stream *before = published(h, rule).stream();

	rule.outputs[0].dport = 6001; // a change: the rule is compiled again
	add_rule(h, rule);
	const CompiledRule &now = published(h, rule);
	EXPECT_EQ(now.stream(), before) << "the replacement took the stream over";
	h.receive("in1", frames_of(b));
	h.flush();

	EXPECT_EQ(h.sent_on("out0").size(), 10u) << "B's copies were all duplicates";
	EXPECT_EQ(h.port_drops("in1", DropReason::duplicate), 10u);
	EXPECT_EQ(now.stream()->counters().duplicates.get(), 10u);

	// A different window is another stream: it starts afresh.
	rule.merge->window = 32;
	add_rule(h, rule);
	EXPECT_NE(published(h, rule).stream(), before);
}

TEST(GoldenMerge, TheRuleIsPublishedUnderEachInputAndGoesWithAllOfThem)
{
	RelayHarness h(merge_ports(), EngineParams{});
	const config::Rule rule = merged_rule("feed");
	add_rule(h, rule);
	RuleTable &table = h.engine().rules();
	const InputKey a = Engine::key_of(rule.match, h.port_index("in0"));
	const InputKey b = Engine::key_of(rule.more_inputs[0], h.port_index("in1"));
	ASSERT_NE(table.find(a), nullptr);
	EXPECT_EQ(table.find(a), table.find(b));
	EXPECT_EQ(table.size(), 1u);
	EXPECT_EQ(table.rules().size(), 1u);

	RuleKey keys[2] = {a.rule_key(), b.rule_key()};
	RuleRef found[2];
	table.lookup_bulk(keys, 2, found);
	EXPECT_EQ(found[0].rule(), table.find(a));
	EXPECT_EQ(found[0].input(), 0u);
	EXPECT_EQ(found[1].input(), 1u);

	// Replaced by a single-input rule on A: B is unpublished with the old rule.
	config::Rule plain = make_rule("feed", group_1, 5000, {{.port = "out0", .dst = config::Prefix::host(out_group_a), .dport = 6000}});
	add_rule(h, plain);
	EXPECT_NE(table.find(a), nullptr);
	EXPECT_EQ(table.find(b), nullptr);
	EXPECT_LT(table.key_slot(b.rule_key()), 0);
	EXPECT_EQ(table.size(), 1u);

	add_rule(h, rule);
	EXPECT_EQ(table.remove(b), 0) << "any input's key removes the whole rule";
	EXPECT_EQ(table.find(a), nullptr);
	EXPECT_EQ(table.size(), 0u);
}

TEST(GoldenMerge, WithTwoWorkersTheStreamsOwnerMergesWhatTheOtherReceived)
{
	RelayHarness h(merge_ports(), EngineParams{}, default_classes(), 2);
	const config::Rule rule = merged_rule_on_worker_0(h);
	std::vector<Arrival> a, b;
	for (uint32_t n = 0; n < 20; n++) {
		if (n % 3 != 0)
			a.push_back({0, n});
		if (n % 4 != 0)
			b.push_back({1, n});
	}
	const PoolUse before = h.pool_in_use();
	h.receive("in0", frames_of(a), {}, 0);
	h.receive("in1", frames_of(b), {}, 1); // worker 1 hands these to worker 0
	EXPECT_EQ(published(h, rule).counters(0).packets.get(), a.size()) << "B not merged yet";
	EXPECT_EQ(h.poll_until_idle(), b.size()) << "worker 0 took B from its ring";
	h.flush();
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";

	std::vector<Arrival> all = a;
	all.insert(all.end(), b.begin(), b.end());
	const Model model(all);
	expect_sent(h, "out0", relayed_frames(model.relayed), "merged over two workers");
	EXPECT_EQ(published(h, rule).stream()->counters().duplicates.get(),
		  model.duplicates[0] + model.duplicates[1]);
	EXPECT_EQ(h.drops(DropReason::handoff_full), 0u);
}

TEST(GoldenMerge, AFullHandOffRingDropsWhatItCannotTakeAndCountsIt)
{
	RelayHarness h(merge_ports(), EngineParams{}, {{"small", 512, 511, {}}, {"large", 2048, 4095, {}}}, 2);
	const config::Rule rule = merged_rule_on_worker_0(h);
	const PoolUse before = h.pool_in_use();
	constexpr uint32_t sent = 2100, ring_holds = 2047;
	for (uint32_t n = 0; n < sent; n += 20) {
		std::vector<Arrival> burst;
		for (uint32_t k = n; k < n + 20 && k < sent; k++)
			burst.push_back({1, k});
		h.receive("in1", frames_of(burst), {}, 1);
	}
	EXPECT_EQ(h.port_drops("in1", DropReason::handoff_full), sent - ring_holds);
	EXPECT_EQ(h.poll_until_idle(), ring_holds);
	h.flush();
	EXPECT_EQ(h.sent_on("out0").size(), ring_holds);
	EXPECT_EQ(published(h, rule).stream()->counters().accepted(), ring_holds);
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
}

TEST(GoldenMerge, APacketHandedOffBeforeItsRuleWentIsANoRuleDropOnTheOwner)
{
	RelayHarness h(merge_ports(), EngineParams{}, default_classes(), 2);
	const config::Rule rule = merged_rule_on_worker_0(h);
	const PoolUse before = h.pool_in_use();
	std::vector<Arrival> b;
	for (uint32_t n = 0; n < 10; n++)
		b.push_back({1, n});
	h.receive("in1", frames_of(b), {}, 1);
	ASSERT_EQ(remove_rule(h.engine(), rule), 0);
	EXPECT_EQ(h.poll_until_idle(), 10u);
	h.flush();
	EXPECT_EQ(h.port_drops("in1", DropReason::no_rule), 10u);
	EXPECT_EQ(h.pool_in_use(), before) << "mbufs leaked";
	EXPECT_TRUE(h.sent_on("out0").empty());
}

} // namespace
} // namespace mcr::engine::test
