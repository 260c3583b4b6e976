// ns/packet of the engine alone: parse, bulk lookup (10 and 100,000 rules),
// header rewrite, and the full worker path (worker_handle_burst +
// worker_flush) for 1:1 and 1:16 rules at 64- and 1400-byte frames. Egress
// ports are net_null vdevs, so TX costs only the free of what is sent.
//
// The full-path benchmarks time what a worker really does per burst: take 32
// mbufs from the RX pool, copy a frame into each (the PMD's part), then run
// the engine. BM_baseline_rx_alloc_copy_free times the PMD's part alone
// (alloc, copy, free), so engine cost = full - that. BM_baseline_output
// times an output made the textbook way, to set the per-output figure
// against.
//
// Run: bench-engine --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// EAL runs on lcore 0 unless MCR_BENCH_LCORE names another (pick an idle core).
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/compiled_rule.h"
#include "engine/engine.h"
#include "engine/rule_table.h"
#include "engine/worker.h"
#include "engine_setup.h"
#include "frame_builder.h"
#include "packet/checksum.h"
#include "packet/parse.h"
#include "packet/rewrite.h"
#include "vdev_port.h"

namespace mcr::engine::bench {
namespace {

using test::Bytes;
using test::ipv4;

constexpr uint16_t burst = 32;
constexpr uint32_t large_table = 100000;

// Groups of the rule sets: burst i goes to group base + i, one rule each,
// so a burst is 32 flows, as on a busy feed.
constexpr uint32_t groups_1to1 = ipv4(239, 1, 0, 0);
constexpr uint32_t groups_1to16 = ipv4(239, 16, 0, 0);
constexpr uint32_t groups_1to16_copy = ipv4(239, 17, 0, 0);
constexpr uint32_t groups_1to16_mixed = ipv4(239, 18, 0, 0);
constexpr uint32_t groups_1to3 = ipv4(239, 3, 0, 0);
// IPv6 (issue 14): ff3e::6:<i> (1:1) and ff3e::16:<i> (1:16) to IPv6
// groups; 239.4.0.<i> relayed onto IPv6 (4->6); 239.5.0.<i>, every one
// inside one /16 range rule whose output keeps the group.
constexpr uint16_t groups6_1to1 = 0x0006;
constexpr uint16_t groups6_1to16 = 0x0016;
constexpr uint32_t groups_4to6 = ipv4(239, 4, 0, 0);
constexpr uint32_t groups_range = ipv4(239, 5, 0, 0);
constexpr uint32_t groups_stream = ipv4(239, 20, 0, 0);   // sequenced streams, input A
constexpr uint32_t groups_stream_b = ipv4(239, 21, 0, 0); // their copies, input B

void set_counters(benchmark::State &state)
{
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * burst);
	// Inverted per-packet rate: CPU time per packet (printed as 12.3n = ns).
	state.counters["time/pkt"] = benchmark::Counter(
		burst, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Where a burst's UDP checksums come from: a sender that computed them, or
// a local sender that left its partial sum to an offload (the relay
// finishes those).
enum class Sender { whole_checksum, partial_checksum };

// An untagged UDP frame of frame_len bytes (Ethernet to payload, no FCS).
Bytes frame_to(uint32_t group, uint32_t frame_len, uint32_t seq, Sender sender)
{
	test::UdpFrame f;
	f.partial_udp_checksum = sender == Sender::partial_checksum;
	f.dst_mac = {0x01, 0x00, 0x5e, static_cast<uint8_t>((group >> 16) & 0x7f),
		     static_cast<uint8_t>(group >> 8), static_cast<uint8_t>(group)};
	f.dst_ip = group;
	f.payload = test::sequenced_payload(1, seq, frame_len - 42);
	return test::build_frame(f);
}

// ff3e::<high>:<low>, network order.
config::Ipv6 group6(uint16_t high, uint16_t low)
{
	return {0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(high >> 8),
		static_cast<uint8_t>(high), static_cast<uint8_t>(low >> 8), static_cast<uint8_t>(low)};
}

// An untagged IPv6 UDP frame of frame_len bytes to ff3e::<high>:<low>,
// from 2001:2::a, its checksum computed as a sender would.
Bytes frame6_to(uint16_t high, uint16_t low, uint32_t frame_len, uint32_t seq)
{
	const config::Ipv6 dst = group6(high, low);
	const config::Ipv6 src = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
	const Bytes payload = test::sequenced_payload(1, seq, frame_len - 62);
	const auto udp_len = static_cast<uint16_t>(8 + payload.size());
	Bytes f = {0x33, 0x33, dst[12], dst[13], dst[14], dst[15], 0x02, 0, 0, 0, 0, 0xaa, 0x86, 0xdd,
		   0x60, 0, 0, 0, static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len), 17, 64};
	f.insert(f.end(), src.begin(), src.end());
	f.insert(f.end(), dst.begin(), dst.end());
	const Bytes udp = {0x9c, 0x40, 0x13, 0x88, static_cast<uint8_t>(udp_len >> 8),
			   static_cast<uint8_t>(udp_len), 0, 0};
	f.insert(f.end(), udp.begin(), udp.end());
	f.insert(f.end(), payload.begin(), payload.end());
	uint64_t sum = packet::raw_sum(f.data() + 22, 32) + packet::raw_sum(f.data() + 54, udp_len) +
		       packet::byte_pair(0, 17) + packet::load<uint16_t>(f.data() + 58);
	const auto cksum = packet::udp_checksum_field(static_cast<uint16_t>(~packet::checksum_fold(sum)));
	std::memcpy(f.data() + 60, &cksum, 2);
	return f;
}

std::vector<Bytes> burst6_to(uint16_t high, uint32_t frame_len)
{
	std::vector<Bytes> frames;
	for (uint32_t i = 0; i < burst; i++)
		frames.push_back(frame6_to(high, static_cast<uint16_t>(i), frame_len, i));
	return frames;
}

std::vector<Bytes> burst_to(uint32_t groups, uint32_t frame_len, Sender sender = Sender::whole_checksum)
{
	std::vector<Bytes> frames;
	for (uint32_t i = 0; i < burst; i++)
		frames.push_back(frame_to(groups + i, frame_len, i, sender));
	return frames;
}

// The engine with its ports, rules and one worker, built once.
struct BenchEngine {
	std::unique_ptr<Pools> pools;
	std::vector<std::unique_ptr<test::VdevPort>> ports;
	std::unique_ptr<Engine> engine;
	std::unique_ptr<Worker> worker;
	rte_mempool *rx_pool = nullptr;
	uint32_t copy_threshold;
	bool verify_udp; // in0 has `udp_checksum: verify`

	BenchEngine(uint32_t threshold, bool verify) : copy_threshold(threshold), verify_udp(verify)
	{
		pools = test::make_pools({{"b_small", 512, 8191, {}}, {"b_large", 2048, 8191, {}}});
		rx_pool = pools->smallest_fitting(RTE_ETHER_MAX_LEN)->pool;
		// in0 receives (never polled: bursts are handed over); out0/out1
		// take chained mbufs (clone path for large frames), out2/out3 do
		// not (copy path), as af_packet and af_xdp differ.
		const char *names[] = {"in0", "out0", "out1", "out2", "out3"};
		std::vector<EnginePort> eports;
		for (uint16_t i = 0; i < 5; i++) {
			ports.push_back(std::make_unique<test::VdevPort>(
				std::string("net_null_b") + std::to_string(i), "", rx_pool));
			EnginePort p;
			p.name = names[i];
			p.iface = ports.back()->name();
			p.port_id = ports.back()->port_id();
			p.mac = rte_ether_addr{{0x02, 0, 0, 0, static_cast<uint8_t>(i), 1}};
			p.ipv4 = ipv4(198, 18, static_cast<uint8_t>(i), 1);
			p.ipv6 = {0x20, 0x01, 0x00, 0x02, 0, static_cast<uint8_t>(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
			p.multi_seg_tx = i == 1 || i == 2;
			p.verify_udp_checksum = i == 0 && verify_udp;
			eports.push_back(p);
		}
		EngineParams params;
		params.copy_threshold = copy_threshold;
		engine = test::make_engine(std::move(eports), *pools, params);
		add_rules(groups_1to1, 1, "out0", "out0");
		add_rules(groups_1to16, 16, "out0", "out1");
		add_rules(groups_1to16_copy, 16, "out2", "out3");
		add_rules(groups_1to16_mixed, 16, "out0", "out2");
		add_rules(groups_1to3, 3, "out0", "out1");
		add_rules6(groups6_1to1, 1, "out0", "out0");
		add_rules6(groups6_1to16, 16, "out0", "out1");
		add_rules_4to6(groups_4to6);
		add_range_rule(groups_range);
		worker = std::make_unique<Worker>();
		worker->engine = engine.get();
	}

	~BenchEngine()
	{
		worker.reset();
		for (auto &p : ports)
			p->close();
		engine.reset();
		pools.reset();
	}

	// One rule per group of a burst, outputs alternating between two ports,
	// each to its own group and port.
	void add_rules(uint32_t groups, unsigned outputs, const char *even, const char *odd)
	{
		for (uint32_t i = 0; i < burst; i++) {
			config::Rule r;
			r.name = "g" + std::to_string(groups + i);
			r.match.port = "in0";
			r.match.dst = config::Prefix::host(groups + i);
			r.match.dport = config::PortRange::single(5000);
			for (unsigned o = 0; o < outputs; o++)
				r.outputs.push_back({.port = o % 2 ? odd : even,
						     .dst = config::Prefix::host(ipv4(239, 200, static_cast<uint8_t>(o), static_cast<uint8_t>(i))),
						     .dport = static_cast<uint16_t>(6000 + o)});
			std::string error;
			if (test::add_rule(*engine, r, NeighbourLookup{}, &error) != 0)
				throw std::runtime_error(error);
		}
	}

	// IPv6 group -> IPv6 groups, as add_rules.
	void add_rules6(uint16_t high, unsigned outputs, const char *even, const char *odd)
	{
		for (uint32_t i = 0; i < burst; i++) {
			config::Rule r;
			r.name = "g6-" + std::to_string(high) + "-" + std::to_string(i);
			r.match.port = "in0";
			r.match.dst = config::Prefix::host(group6(high, static_cast<uint16_t>(i)));
			r.match.dport = config::PortRange::single(5000);
			for (unsigned o = 0; o < outputs; o++)
				r.outputs.push_back({.port = o % 2 ? odd : even,
						     .dst = config::Prefix::host(group6(0x200 + static_cast<uint16_t>(o),
											static_cast<uint16_t>(i))),
						     .dport = static_cast<uint16_t>(6000 + o)});
			add(r);
		}
	}

	// IPv4 groups, each relayed onto an IPv6 group.
	void add_rules_4to6(uint32_t groups)
	{
		for (uint32_t i = 0; i < burst; i++) {
			config::Rule r;
			r.name = "g4to6-" + std::to_string(i);
			r.match.port = "in0";
			r.match.dst = config::Prefix::host(groups + i);
			r.match.dport = config::PortRange::single(5000);
			r.outputs.push_back({.port = "out0",
					     .dst = config::Prefix::host(group6(0x400, static_cast<uint16_t>(i))),
					     .dport = 6000});
			add(r);
		}
	}

	// One /16 range rule over the groups, its output keeping each.
	void add_range_rule(uint32_t groups)
	{
		config::Rule r;
		r.name = "range";
		r.match.port = "in0";
		r.match.dst = config::Prefix{groups, 16};
		r.match.dport = config::PortRange::single(5000);
		r.outputs.push_back({.port = "out0", .dport = 6000});
		add(r);
	}

	void add(const config::Rule &r)
	{
		std::string error;
		if (test::add_rule(*engine, r, NeighbourLookup{}, &error) != 0)
			throw std::runtime_error(error);
	}
};

std::unique_ptr<BenchEngine> the_engine;

// The engine with the given copy_threshold and checksum mode, rebuilt when
// a benchmark asks for others (the engine's pools have fixed names, so
// only one can exist at a time).
BenchEngine &bench_engine(uint32_t copy_threshold = EngineParams{}.copy_threshold,
			  bool verify_udp = false)
{
	if (the_engine && (the_engine->copy_threshold != copy_threshold ||
			   the_engine->verify_udp != verify_udp))
		the_engine.reset();
	if (!the_engine)
		the_engine = std::make_unique<BenchEngine>(copy_threshold, verify_udp);
	return *the_engine;
}

// What the PMD does for a burst: mbufs from the RX pool, frames copied in.
bool receive(rte_mempool *pool, const std::vector<Bytes> &frames, rte_mbuf **pkts)
{
	if (rte_pktmbuf_alloc_bulk(pool, pkts, burst) != 0)
		return false;
	for (uint16_t i = 0; i < burst; i++) {
		const auto len = static_cast<uint16_t>(frames[i].size());
		rte_memcpy(rte_pktmbuf_mtod(pkts[i], void *), frames[i].data(), len);
		pkts[i]->data_len = len;
		pkts[i]->pkt_len = len;
	}
	return true;
}

void BM_baseline_rx_alloc_copy_free(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	const std::vector<Bytes> frames = burst_to(groups_1to1, static_cast<uint32_t>(state.range(0)));
	rte_mbuf *pkts[burst];
	for (auto _ : state) {
		if (!receive(b.rx_pool, frames, pkts)) {
			state.SkipWithError("RX pool empty");
			break;
		}
		rte_pktmbuf_free_bulk(pkts, burst);
	}
	set_counters(state);
}

// One output per received packet, made by make(packet, frame) (nullptr: a
// pool is empty), sent to net_null, which frees them: what an output costs
// without the engine (no parse, lookup or rewrite).
template <typename MakeOutput>
void textbook_outputs(benchmark::State &state, BenchEngine &b, MakeOutput make)
{
	const std::vector<Bytes> frames = burst_to(groups_1to1, static_cast<uint32_t>(state.range(0)));
	rte_mbuf *pkts[burst];
	if (!receive(b.rx_pool, frames, pkts)) {
		state.SkipWithError("RX pool empty");
		return;
	}
	const uint16_t out0 = b.ports[1]->port_id(); // takes chained mbufs
	rte_mbuf *out[burst];
	for (auto _ : state) {
		uint16_t n = 0;
		while (n < burst && (out[n] = make(pkts[n], frames[n])) != nullptr)
			n++;
		const uint16_t sent = rte_eth_tx_burst(out0, 0, out, n);
		if (n < burst || sent < n) {
			rte_pktmbuf_free_bulk(out + sent, n - sent);
			state.SkipWithError(n < burst ? "pool empty" : "net_null refused a burst");
			break;
		}
	}
	rte_pktmbuf_free_bulk(pkts, burst);
	set_counters(state);
}

// A header mbuf of 42 bytes (Ethernet, IPv4, UDP) chained to payload.
rte_mbuf *chain_behind_header(rte_mempool *header_pool, rte_mbuf *payload)
{
	constexpr uint16_t header_len = 42;
	rte_mbuf *h = rte_pktmbuf_alloc(header_pool);
	if (h == nullptr)
		return nullptr;
	h->data_len = header_len;
	h->pkt_len = header_len + payload->pkt_len;
	h->next = payload;
	h->nb_segs = 2;
	return h;
}

// The textbook output: up to copy_threshold a copy (rte_pktmbuf_alloc from
// the smallest fitting class, memcpy of the frame), above it a header mbuf
// chained to rte_pktmbuf_clone of the received mbuf.
void BM_baseline_output(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	const auto len = static_cast<uint32_t>(state.range(0));
	rte_mempool *copy_pool = b.pools->smallest_fitting(len)->pool;
	if (len <= EngineParams{}.copy_threshold) {
		textbook_outputs(state, b, [&](rte_mbuf *, const Bytes &frame) -> rte_mbuf * {
			rte_mbuf *c = rte_pktmbuf_alloc(copy_pool);
			if (c != nullptr) {
				rte_memcpy(rte_pktmbuf_mtod(c, void *), frame.data(), frame.size());
				c->data_len = static_cast<uint16_t>(frame.size());
				c->pkt_len = c->data_len;
			}
			return c;
		});
		return;
	}
	textbook_outputs(state, b, [&](rte_mbuf *m, const Bytes &) -> rte_mbuf * {
		rte_mbuf *payload = rte_pktmbuf_clone(m, b.engine->clone_pool());
		if (payload == nullptr)
			return nullptr;
		rte_mbuf *h = chain_behind_header(b.engine->header_pool(), payload);
		if (h == nullptr)
			rte_pktmbuf_free(payload);
		return h;
	});
}

// The other way examples/ipv4_multicast shares a payload: no clone, the
// received mbuf itself is the second segment of the output's chain, held by
// one more reference (a plain store while it has one; the PMD's free drops
// it atomically). Not what mcr does: the received mbuf would then be
// shared and unchangeable, so no output could be rewritten in place.
void BM_baseline_output_refcount(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	textbook_outputs(state, b, [&](rte_mbuf *m, const Bytes &) -> rte_mbuf * {
		rte_mbuf *h = chain_behind_header(b.engine->header_pool(), m);
		if (h != nullptr)
			rte_mbuf_refcnt_update(m, 1);
		return h;
	});
}

struct PathOptions {
	uint32_t copy_threshold = EngineParams{}.copy_threshold;
	Sender sender = Sender::whole_checksum;
	bool verify_udp = false;
};

void run_path(benchmark::State &state, const std::vector<Bytes> &frames, const PathOptions &options);

void full_path(benchmark::State &state, uint32_t groups, const PathOptions &options = {})
{
	run_path(state, burst_to(groups, static_cast<uint32_t>(state.range(0)), options.sender), options);
}

// A burst of frames through the worker, as the PMD would hand it over.
void run_path(benchmark::State &state, const std::vector<Bytes> &frames, const PathOptions &options)
{
	BenchEngine &b = bench_engine(options.copy_threshold, options.verify_udp);
	Worker &w = *b.worker;
	const uint64_t no_rule_before = drop_count(w, packet::DropReason::no_rule);
	const uint64_t no_buffer_before = drop_count(w, packet::DropReason::no_buffer);
	const uint64_t bad_csum_before = drop_count(w, packet::DropReason::bad_udp_checksum);
	rte_mbuf *pkts[burst];
	for (auto _ : state) {
		if (!receive(b.rx_pool, frames, pkts)) {
			state.SkipWithError("RX pool empty");
			break;
		}
		worker_handle_burst(w, 0, pkts, burst);
		worker_flush(w);
	}
	// A benchmark of drops would measure the wrong thing.
	if (drop_count(w, packet::DropReason::no_rule) != no_rule_before ||
	    drop_count(w, packet::DropReason::no_buffer) != no_buffer_before ||
	    drop_count(w, packet::DropReason::bad_udp_checksum) != bad_csum_before)
		state.SkipWithError("packets were dropped");
	set_counters(state);
}

void BM_full_1to1(benchmark::State &state)
{
	full_path(state, groups_1to1);
}

// 1:1 while one (S,G) rule exists, for a group none of the traffic goes
// to: workers key a packet with its source only when its destination may
// have (S,G) rules, so this should cost what BM_full_1to1 does.
void BM_full_1to1_sg_elsewhere(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	config::Rule sg;
	sg.name = "sg-elsewhere";
	sg.match.port = "in0";
	sg.match.dst = config::Prefix::host(ipv4(239, 250, 0, 1));
	sg.match.dport = config::PortRange::single(5000);
	sg.match.src = config::Prefix::host(ipv4(198, 18, 9, 9));
	sg.outputs = {{.port = "out0"}};
	std::string error;
	if (test::add_rule(*b.engine, sg, NeighbourLookup{}, &error) != 0) {
		state.SkipWithError(error.c_str());
		return;
	}
	full_path(state, groups_1to1);
	test::remove_rule(*b.engine, sg);
}

void BM_full_1to16(benchmark::State &state)
{
	full_path(state, groups_1to16);
}

// IPv6 1:1 and 1:16 (the general path: copies, the last output in place),
// against BM_full_1to1 and BM_full_1to16. Frame sizes as IPv4's; an IPv6
// frame carries 20 bytes less payload.
void BM_full_ipv6_1to1(benchmark::State &state)
{
	run_path(state, burst6_to(groups6_1to1, static_cast<uint32_t>(state.range(0))), {});
}

void BM_full_ipv6_1to16(benchmark::State &state)
{
	run_path(state, burst6_to(groups6_1to16, static_cast<uint32_t>(state.range(0))), {});
}

// IPv4 relayed onto IPv6, 1:1.
void BM_full_4to6_1to1(benchmark::State &state)
{
	full_path(state, groups_4to6);
}

// IPv4 groups of one /16 range rule (the exact table misses, the range
// stage finds it), 1:1 with the group kept.
void BM_full_range_1to1(benchmark::State &state)
{
	full_path(state, groups_range);
}

// 1:16 on ports without chained-mbuf TX: large frames are copied too.
// 1:3 on ports that take chained mbufs, as af_packet ports do (issue 17's
// af_packet case): two copies (64 B) or clones (1400 B) and the in-place one.
void BM_full_1to3(benchmark::State &state)
{
	full_path(state, groups_1to3);
}

void BM_full_1to16_copy_only(benchmark::State &state)
{
	full_path(state, groups_1to16_copy);
}

// 1:16 with every other output on a port without chained-mbuf TX: at
// 1400 B, 8 clones and 7 copies (as when af_packet and af_xdp ports mix).
void BM_full_1to16_mixed(benchmark::State &state)
{
	full_path(state, groups_1to16_mixed);
}

// 1:16 with copy_threshold 0 on ports that take chained mbufs: every output
// but the in-place one is a clone, whatever the size. Against
// BM_full_1to16_copy_only, where the default copy_threshold should be.
void BM_full_1to16_clone_only(benchmark::State &state)
{
	full_path(state, groups_1to16, {.copy_threshold = 0});
}

// Datagrams from a local sender (partial UDP checksums), finished once
// per packet: against BM_full_1to1 / BM_full_1to16.
void BM_full_1to1_partial_csum(benchmark::State &state)
{
	full_path(state, groups_1to1, {.sender = Sender::partial_checksum});
}

void BM_full_1to16_partial_csum(benchmark::State &state)
{
	full_path(state, groups_1to16, {.sender = Sender::partial_checksum});
}

// The ingress port checks every UDP checksum (`udp_checksum: verify`).
void BM_full_1to1_verify(benchmark::State &state)
{
	full_path(state, groups_1to1, {.verify_udp = true});
}

// Parse only, over frames already in mbufs (IPv4 checksum verified in
// software, as with af_packet and af_xdp).
// How a sequenced stream's rule treats it (doc/merging.md).
enum class StreamRule { plain, monitored, merged };

// 1:1 relays of 32 sequenced streams whose numbers advance by one a burst:
// as plain, monitored or merged rules, the same frames either way. With
// copies, a second burst brings every number again on the merged rules'
// second input (all duplicates, dropped). Frames carry no UDP checksum, so
// writing each burst's number into the payload keeps them valid.
void stream_path(benchmark::State &state, StreamRule kind, bool copies)
{
	BenchEngine &b = bench_engine();
	for (uint32_t i = 0; i < burst; i++) {
		config::Rule r;
		r.name = "s" + std::to_string(i);
		r.match = {.port = "in0", .dst = config::Prefix::host(groups_stream + i), .dport = config::PortRange::single(5000)};
		if (kind == StreamRule::merged)
			r.more_inputs.push_back({.port = "in0", .dst = config::Prefix::host(groups_stream_b + i), .dport = config::PortRange::single(5000)});
		const config::Sequence seq{{4, 4, true}, 1024, {}}; // sequenced_payload's number
		if (kind == StreamRule::merged)
			r.merge = seq;
		if (kind == StreamRule::monitored)
			r.monitor = seq;
		r.outputs.push_back({.port = "out0", .dst = config::Prefix::host(ipv4(239, 201, 0, static_cast<uint8_t>(i))),
				     .dport = 6000});
		std::string error;
		if (test::add_rule(*b.engine, r, NeighbourLookup{}, &error) != 0)
			throw std::runtime_error(error);
	}
	const auto frame_len = static_cast<uint32_t>(state.range(0));
	std::vector<Bytes> frames_a, frames_b;
	for (uint32_t i = 0; i < burst; i++)
		for (auto [frames, group] : {std::pair{&frames_a, groups_stream}, {&frames_b, groups_stream_b}}) {
			test::UdpFrame f;
			f.dst_mac = {0x01, 0x00, 0x5e, static_cast<uint8_t>((group >> 16) & 0x7f), 0,
				     static_cast<uint8_t>(i)};
			f.dst_ip = group + i;
			f.with_udp_checksum = false;
			f.payload = test::sequenced_payload(1, 0, frame_len - 42);
			frames->push_back(test::build_frame(f));
		}
	Worker &w = *b.worker;
	const uint64_t dups_before = drop_count(w, packet::DropReason::duplicate);
	const uint64_t drops_before = drop_count(w, packet::DropReason::no_rule) +
				      drop_count(w, packet::DropReason::no_buffer) +
				      drop_count(w, packet::DropReason::late);
	rte_mbuf *pkts[burst];
	// Numbers go on from where an earlier run of the same rules stopped.
	static uint32_t number = 1u << 20;
	auto receive_numbered = [&](const std::vector<Bytes> &frames) {
		if (!receive(b.rx_pool, frames, pkts))
			return false;
		const uint32_t be = rte_cpu_to_be_32(number);
		for (uint16_t i = 0; i < burst; i++)
			std::memcpy(rte_pktmbuf_mtod_offset(pkts[i], uint8_t *, 42 + 4), &be, 4);
		return true;
	};
	for (auto _ : state) {
		number++;
		if (!receive_numbered(frames_a)) {
			state.SkipWithError("RX pool empty");
			break;
		}
		worker_handle_burst(w, 0, pkts, burst);
		if (copies) {
			if (!receive_numbered(frames_b)) {
				state.SkipWithError("RX pool empty");
				break;
			}
			worker_handle_burst(w, 0, pkts, burst);
		}
		worker_flush(w);
	}
	const uint64_t dups = drop_count(w, packet::DropReason::duplicate) - dups_before;
	if (drop_count(w, packet::DropReason::no_rule) + drop_count(w, packet::DropReason::no_buffer) +
		    drop_count(w, packet::DropReason::late) != drops_before ||
	    dups != (copies ? static_cast<uint64_t>(state.iterations()) * burst : 0))
		state.SkipWithError("unexpected drops");
	const unsigned per_iteration = copies ? 2 * burst : burst;
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * per_iteration);
	state.counters["time/pkt"] = benchmark::Counter(
		per_iteration, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_stream_1to1_plain(benchmark::State &state)
{
	stream_path(state, StreamRule::plain, false);
}

void BM_stream_1to1_monitored(benchmark::State &state)
{
	stream_path(state, StreamRule::monitored, false);
}

// Merged, one copy of each number arriving: what a merge costs on its own.
void BM_stream_1to1_merged(benchmark::State &state)
{
	stream_path(state, StreamRule::merged, false);
}

// Merged, both copies arriving: per packet, half relayed, half dropped.
void BM_stream_1to1_merged_both_copies(benchmark::State &state)
{
	stream_path(state, StreamRule::merged, true);
}

void BM_parse(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	const std::vector<Bytes> frames = burst_to(groups_1to1, static_cast<uint32_t>(state.range(0)));
	rte_mbuf *pkts[burst];
	if (!receive(b.rx_pool, frames, pkts)) {
		state.SkipWithError("RX pool empty");
		return;
	}
	packet::ParsedPacket parsed[burst];
	for (auto _ : state) {
		for (uint16_t i = 0; i < burst; i++) {
			const packet::DropReason r = packet::parse_frame(
				rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len, parsed[i],
				packet::ip_checksum_from_rx_flags(pkts[i]->ol_flags));
			benchmark::DoNotOptimize(r);
		}
		benchmark::ClobberMemory();
	}
	rte_pktmbuf_free_bulk(pkts, burst);
	set_counters(state);
}

// Header rewrite only, one output per packet, into a header buffer.
void BM_rewrite(benchmark::State &state)
{
	BenchEngine &b = bench_engine();
	const std::vector<Bytes> frames = burst_to(groups_1to1, static_cast<uint32_t>(state.range(0)));
	rte_mbuf *pkts[burst];
	if (!receive(b.rx_pool, frames, pkts)) {
		state.SkipWithError("RX pool empty");
		return;
	}
	packet::ParsedPacket parsed[burst];
	for (uint16_t i = 0; i < burst; i++)
		packet::parse_frame(rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len, parsed[i]);
	const CompiledRule *rule = b.engine->rules().find(Engine::key_of(
		{.port = "in0", .dst = config::Prefix::host(groups_1to1), .dport = config::PortRange::single(5000)}, 0));
	const packet::OutputRewrite rewrite = rule->output(0).rewrite;
	alignas(64) uint8_t headers[burst][64];
	for (auto _ : state) {
		for (uint16_t i = 0; i < burst; i++) {
			const packet::RewriteResult r = packet::write_output_headers(
				rte_pktmbuf_mtod(pkts[i], const uint8_t *), parsed[i], rewrite, headers[i]);
			benchmark::DoNotOptimize(r);
		}
		benchmark::ClobberMemory();
	}
	rte_pktmbuf_free_bulk(pkts, burst);
	set_counters(state);
}

// A rule table on its own, as the engine creates it (capacity 131072).
struct LookupTable {
	RuleTable table;
	std::vector<RuleKey> rule_keys;

	LookupTable(const std::string &name, uint32_t rules)
	{
		std::string error;
		if (table.create(name, EngineParams{}.rule_capacity, 1, &error) != 0)
			throw std::runtime_error(error);
		CompiledOutput out{};
		for (uint32_t i = 0; i < rules; i++) {
			RuleKey k{};
			k.dst_ip = rte_cpu_to_be_32(ipv4(239, 0, 0, 0) + i / 4);
			k.dst_port = rte_cpu_to_be_16(static_cast<uint16_t>(5000 + i % 4));
			k.port_index = static_cast<uint16_t>(i % 2);
			rule_keys.push_back(k);
			if (table.add(CompiledRule::create("r", k, &out, 1, 1)) != 0)
				throw std::runtime_error("rule table full");
		}
	}
};

// Keys of one lookup after another: `distinct` different hits, in random
// order, laid out so that every burst reads fresh keys (as parsing would
// produce them), whatever the table size.
std::vector<RuleKey> key_stream(const LookupTable &t, uint32_t distinct)
{
	std::mt19937 rng(42);
	std::vector<RuleKey> keys;
	const uint32_t n = std::max<uint32_t>(large_table, distinct);
	for (uint32_t i = 0; i < n; i++)
		keys.push_back(t.rule_keys[i % distinct]);
	std::shuffle(keys.begin(), keys.end(), rng);
	keys.resize(keys.size() / burst * burst);
	return keys;
}

// Built on first use, freed in teardown() while EAL is still up.
std::unique_ptr<LookupTable> small_table, large_table_rules, fallback_table;

void lookup(benchmark::State &state, uint32_t rules, uint32_t distinct)
{
	std::unique_ptr<LookupTable> &t = rules == large_table ? large_table_rules : small_table;
	if (!t)
		t = std::make_unique<LookupTable>("bench_rt_" + std::to_string(rules), rules);
	std::vector<RuleKey> keys = key_stream(*t, distinct);
	RuleRef found[burst];
	size_t off = 0, misses = 0;
	for (auto _ : state) {
		t->table.lookup_bulk(&keys[off], burst, found);
		misses += found[0].rule() == nullptr;
		off += burst;
		if (off == keys.size())
			off = 0;
	}
	if (misses != 0)
		state.SkipWithError("keys missed");
	set_counters(state);
}

void BM_lookup_bulk(benchmark::State &state)
{
	const auto rules = static_cast<uint32_t>(state.range(0));
	lookup(state, rules, rules);
}

// 100,000 rules, but bursts hit only 32 of them: the table's size without
// its cache misses.
void BM_lookup_bulk_hot32(benchmark::State &state)
{
	lookup(state, static_cast<uint32_t>(state.range(0)), burst);
}

// 10 (*,G) rules and one (S,G) rule elsewhere: workers then key every
// packet with its source, so each (*,G) hit is a miss plus a retry.
void BM_lookup_bulk_any_source_fallback(benchmark::State &state)
{
	std::unique_ptr<LookupTable> &t = fallback_table;
	if (!t) {
		t = std::make_unique<LookupTable>("bench_rt_fallback", 10);
		RuleKey sg = t->rule_keys[0];
		sg.src_ip = rte_cpu_to_be_32(ipv4(198, 18, 9, 9));
		sg.dst_ip = rte_cpu_to_be_32(ipv4(239, 250, 0, 1));
		CompiledOutput out{};
		if (t->table.add(CompiledRule::create("sg", sg, &out, 1, 1)) != 0)
			throw std::runtime_error("cannot add the (S,G) rule");
	}
	std::vector<RuleKey> stream = key_stream(*t, 10);
	for (RuleKey &k : stream)
		k.src_ip = rte_cpu_to_be_32(ipv4(198, 18, 0, 10));
	RuleKey keys[burst];
	RuleRef found[burst];
	size_t off = 0, misses = 0;
	for (auto _ : state) {
		// lookup_bulk clears src_ip on a miss: every burst starts afresh,
		// and the copy is part of what a worker does anyway (it builds keys).
		std::memcpy(keys, &stream[off], sizeof(keys));
		t->table.lookup_bulk(keys, burst, found);
		misses += found[0].rule() == nullptr;
		off += burst;
		if (off == stream.size())
			off = 0;
	}
	if (misses != 0)
		state.SkipWithError("keys missed");
	set_counters(state);
}

BENCHMARK(BM_parse)->Arg(64)->Arg(1400);
BENCHMARK(BM_lookup_bulk)->Arg(10)->Arg(large_table);
BENCHMARK(BM_lookup_bulk_hot32)->Arg(large_table);
BENCHMARK(BM_lookup_bulk_any_source_fallback);
BENCHMARK(BM_rewrite)->Arg(64)->Arg(1400);
BENCHMARK(BM_baseline_rx_alloc_copy_free)->Arg(64)->Arg(1400);
BENCHMARK(BM_baseline_output)->Arg(64)->Arg(1400);
BENCHMARK(BM_baseline_output_refcount)->Arg(1400);
BENCHMARK(BM_full_1to1)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_1to1_sg_elsewhere)->Arg(64);
BENCHMARK(BM_full_1to16)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_ipv6_1to1)->Arg(86)->Arg(1400);
BENCHMARK(BM_full_ipv6_1to16)->Arg(86)->Arg(1400);
BENCHMARK(BM_full_4to6_1to1)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_range_1to1)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_1to3)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_1to1_partial_csum)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_1to16_partial_csum)->Arg(64)->Arg(1400);
BENCHMARK(BM_full_1to1_verify)->Arg(64)->Arg(1400);
BENCHMARK(BM_stream_1to1_plain)->Arg(64)->Arg(1400);
BENCHMARK(BM_stream_1to1_monitored)->Arg(64)->Arg(1400);
BENCHMARK(BM_stream_1to1_merged)->Arg(64)->Arg(1400);
BENCHMARK(BM_stream_1to1_merged_both_copies)->Arg(64)->Arg(1400);
// The copy/clone crossover, at frame sizes (Ethernet to payload).
BENCHMARK(BM_full_1to16_copy_only)->Arg(128)->Arg(192)->Arg(256)->Arg(384)->Arg(512)->Arg(1024)->Arg(1400);
BENCHMARK(BM_full_1to16_mixed)->Arg(1400);
// Last: it rebuilds the engine with another copy_threshold.
BENCHMARK(BM_full_1to16_clone_only)->Arg(128)->Arg(192)->Arg(256)->Arg(384)->Arg(512)->Arg(1024)->Arg(1400);

} // namespace

void teardown()
{
	small_table.reset();
	large_table_rules.reset();
	fallback_table.reset();
	the_engine.reset();
}

} // namespace mcr::engine::bench

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	const char *lcore = std::getenv("MCR_BENCH_LCORE");
	std::vector<std::string> eal_args = {
		argv[0], "-l", lcore != nullptr && *lcore ? lcore : "0", "--no-huge", "-m", "256", "--no-pci",
		"--file-prefix", "mcr-engine-bench-" + std::to_string(getpid()),
		"--log-level", "lib.eal:error", "--log-level", "mcr.pool:warning",
	};
	std::vector<char *> eal_argv;
	for (std::string &a : eal_args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
		std::fprintf(stderr, "bench-engine: rte_eal_init failed\n");
		return 1;
	}
	const std::string runtime_dir = rte_eal_get_runtime_dir();
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	mcr::engine::bench::teardown();
	rte_eal_cleanup();
	std::error_code ignored;
	std::filesystem::remove_all(runtime_dir, ignored);
	return 0;
}
