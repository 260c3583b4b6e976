// fuzz_engine: the worker's receive path (parse, bulk lookup, fan-out,
// rewrite, copy/clone/in-place, TX buffers) on mbufs built from the input.
//
// EAL runs once per process (LLVMFuzzerInitialize) without hugepages or
// PCI. The engine has two ingress ports that are never polled (the frames
// are handed to worker_handle_burst directly) and two net_null egress
// ports; a TX callback on each sees every packet before net_null frees it.
// Per input, a fresh Worker handles the frames (one burst per run of frames
// from the same port) and is flushed; then:
//   - every transmitted mbuf is well-formed (rte_mbuf_check) and re-parses
//     with the fields, checksums and payload the flow's output asks for, in
//     the order a model (reference parse, L2 destination check, flow table)
//     predicts, less what the TX callback refused;
//   - the drop counters equal the model's, port counters agree;
//   - every pool (RX, size classes, clone, header) is full again: no leak.
// The merged and monitored flows (relay_flows.h) start every input from a
// fresh stream: their rules are compiled and published again before it
// (a replacement compiled without the old stream starts a new window), so
// an input's verdicts depend on that input alone and a crash replays. The
// model keeps a window of its own per stream for the same input; the
// stream's counters (window and no-sequence) must equal the model's, and
// the merge's duplicate, late and no-sequence drops are checked on the
// ingress port that counted them.
// The worker has a reassembly table. An input holding an IPv4 fragment (as
// the reference parser sees it) is not modelled packet by packet: what
// comes out of it depends on DPDK's reassembly. For those, every sent
// frame must still parse, and once the table's timeout has passed
// (worker_expire_fragments) every pool must be full again.
#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/engine.h"
#include "engine/pools.h"
#include "engine/sequence_window.h"
#include "engine/stream.h"
#include "engine/worker.h"
#include "engine_input.h"
#include "fuzz_check.h"
#include "reference_frame.h"
#include "relay_flows.h"

namespace mcr::fuzz {
namespace {

using engine::Engine;
using engine::EnginePort;
using engine::Worker;
using packet::DropReason;
using packet::drop_reason_name;

constexpr size_t max_records = 256;      // one burst; worker max_burst is 512
constexpr uint16_t rx_data_room = 10240; // the largest input frame and then some
constexpr unsigned pool_size = 1023;     // more than a burst's outputs in flight

// What one output packet must look like, or what one did look like.
struct Packet {
	uint32_t src = 0, dst = 0;
	uint16_t sport = 0, dport = 0, vlan = 0;
	uint8_t ttl = 0;
	UdpChecksum udp = UdpChecksum::absent;
	std::vector<uint8_t> payload;

	bool operator==(const Packet &) const = default;
};

struct Run {
	uint8_t refusals = 0;
	unsigned tx_calls = 0;
	std::array<std::vector<Packet>, relay_port_count> sent;
};

struct Harness {
	std::string runtime_dir;
	std::unique_ptr<engine::Pools> pools;
	rte_mempool *rx_pool = nullptr;
	std::vector<std::string> vdevs;
	std::array<uint16_t, relay_port_count> port_ids{};
	std::unique_ptr<Engine> engine;
	// Per relay_flows() entry: the stream of its published rule, or null
	// for a plain flow (valid until the next fresh_streams()).
	std::vector<const engine::Stream *> streams;
	Run *run = nullptr; // the input being processed, for the TX callbacks
};

Harness *harness = nullptr;

[[noreturn]] void setup_failed(const std::string &what)
{
	std::fprintf(stderr, "fuzz_engine: %s\n", what.c_str());
	std::exit(1);
}

Packet packet_of(std::span<const uint8_t> frame, const RefFrame &ref)
{
	Packet p;
	p.src = ref.src;
	p.dst = ref.dst;
	p.sport = ref.sport;
	p.dport = ref.dport;
	p.vlan = ref.vlan;
	p.ttl = ref.ttl;
	p.udp = udp_checksum_state(frame, ref);
	const auto payload = frame.subspan(ref.payload_offset(), ref.payload_len());
	p.payload.assign(payload.begin(), payload.end());
	return p;
}

std::string describe(const Packet &p)
{
	char text[160];
	std::snprintf(text, sizeof(text), "%08x:%u -> %08x:%u vlan %u ttl %u udp %s, %zu bytes",
		      p.src, p.sport, p.dst, p.dport, p.vlan, p.ttl, name_of(p.udp),
		      p.payload.size());
	return text;
}

// Sees each burst the worker sends before net_null frees it; passes only
// the first half when the refusal script says this burst hits a full ring.
uint16_t inspect_tx(uint16_t port_id, uint16_t, rte_mbuf **pkts, uint16_t n, void *arg)
{
	const auto port = static_cast<uint16_t>(reinterpret_cast<uintptr_t>(arg));
	Run &run = *harness->run;
	FUZZ_CHECK(port_id == harness->port_ids[port], "TX on port id %u for port %u", port_id, port);
	const bool refuse = run.refusals & (1u << (run.tx_calls++ % 8));
	const uint16_t pass = refuse ? n / 2 : n;
	for (uint16_t i = 0; i < pass; i++) {
		rte_mbuf *m = pkts[i];
		const char *reason = nullptr;
		FUZZ_CHECK(rte_mbuf_check(m, 1, &reason) == 0, "malformed TX mbuf: %s", reason);
		std::vector<uint8_t> bytes(m->pkt_len);
		const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, bytes.data());
		FUZZ_CHECK(p != nullptr, "cannot read %u bytes of a TX mbuf", m->pkt_len);
		if (p != bytes.data())
			std::memcpy(bytes.data(), p, m->pkt_len);
		RefFrame ref;
		const DropReason verdict = reference_parse(bytes, &ref);
		FUZZ_CHECK(verdict == DropReason::none, "a transmitted frame does not parse: %s",
			   drop_reason_name(verdict));
		FUZZ_CHECK(ref.total == bytes.size() - ref.l3, "%zu bytes after the datagram",
			   bytes.size() - ref.l3 - ref.total);
		Packet sent = packet_of(bytes, ref);
		sent.udp = as_sent(sent.udp);
		run.sent[port].push_back(std::move(sent));
	}
	return pass;
}

uint16_t add_null_port(Harness &h, const std::string &name)
{
	if (rte_eal_hotplug_add("vdev", name.c_str(), "") != 0)
		setup_failed("cannot create vdev " + name);
	h.vdevs.push_back(name);
	uint16_t id = 0;
	if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0)
		setup_failed("no ethdev for " + name);
	rte_eth_conf conf{};
	const auto socket = static_cast<unsigned>(rte_socket_id());
	if (rte_eth_dev_configure(id, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(id, 0, 512, socket, nullptr, h.rx_pool) != 0 ||
	    rte_eth_tx_queue_setup(id, 0, 512, socket, nullptr) != 0 || rte_eth_dev_start(id) != 0)
		setup_failed("cannot start " + name);
	return id;
}

const char *const port_names[] = {"in0", "in1", "out0", "out1"};

config::Match match_of(const FlowInput &in)
{
	config::Match m;
	m.port = port_names[in.in_port];
	m.dst = config::Prefix::host(in.dst);
	m.dport = config::PortRange::single(in.dport);
	if (in.src != 0)
		m.src = config::Prefix::host(in.src);
	m.vlan = in.vlan;
	return m;
}

config::Rule rule_of(const Flow &flow)
{
	config::Rule r;
	r.name = flow.name;
	const std::vector<FlowInput> inputs = flow.inputs();
	r.match = match_of(inputs.front());
	for (size_t i = 1; i < inputs.size(); i++)
		r.more_inputs.push_back(match_of(inputs[i]));
	if (flow.sequence.mode != FlowSequence::none) {
		config::Sequence seq;
		seq.field = {flow.sequence.offset, flow.sequence.size, flow.sequence.big_endian};
		seq.window = flow.sequence.window;
		(flow.sequence.mode == FlowSequence::merge ? r.merge : r.monitor) = seq;
	}
	for (const FlowOutput &fo : flow.outputs) {
		config::Output o;
		o.port = port_names[fo.port];
		if (fo.dst != 0)
			o.dst = config::Prefix::host(fo.dst);
		if (fo.dport != 0)
			o.dport = fo.dport;
		if (fo.ttl != 0)
			o.ttl = fo.ttl;
		if (fo.vlan != 0)
			o.vlan = fo.vlan;
		o.mac = fo.mac;
		r.outputs.push_back(o);
	}
	return r;
}

void build_engine(Harness &h)
{
	std::string error;
	h.pools = std::make_unique<engine::Pools>();
	const std::vector<config::Pool> classes = {
		{"fuzz_small", 2048, pool_size, {}},
		{"fuzz_jumbo", 9216 + 64, pool_size, {}},
	};
	if (h.pools->create(classes, static_cast<int>(rte_socket_id()), &error) != 0)
		setup_failed(error);
	h.rx_pool = rte_pktmbuf_pool_create("fuzz_rx", 2 * max_records, 0, 0,
					    RTE_PKTMBUF_HEADROOM + rx_data_room,
					    static_cast<int>(rte_socket_id()));
	if (h.rx_pool == nullptr)
		setup_failed("cannot create the RX pool");

	const uint16_t null0 = add_null_port(h, "net_null_fuzz0");
	const uint16_t null1 = add_null_port(h, "net_null_fuzz1");
	// The ingress ports are never sent to; they only need an index.
	h.port_ids = {null0, null0, null0, null1};
	std::vector<EnginePort> ports(relay_port_count);
	for (uint16_t i = 0; i < relay_port_count; i++) {
		ports[i].name = port_names[i];
		ports[i].iface = port_names[i];
		ports[i].port_id = h.port_ids[i];
		ports[i].mac = rte_ether_addr{{0x02, 0, 0, 0, 0x01, static_cast<uint8_t>(i)}};
		ports[i].ipv4 = ip(198, 18, 9, static_cast<uint8_t>(i + 1));
	}
	// No output is fragmented (the model knows none): every MTU is the
	// largest.
	for (EnginePort &p : ports)
		p.mtu = UINT16_MAX;
	// out0 takes chained mbufs (large outputs are clone + header), out1
	// does not (every output is a copy): both fan-out paths run.
	ports[out0].multi_seg_tx = true;
	ports[out1].multi_seg_tx = false;
	// in0 keeps UDP checksums, in1 verifies them (`udp_checksum: verify`).
	ports[in1].verify_udp_checksum = true;

	engine::EngineParams params;
	params.burst = 32;
	params.copy_threshold = 512;
	params.rule_capacity = 64;
	h.engine = std::make_unique<Engine>();
	if (h.engine->init(std::move(ports), h.pools.get(), 1, params, &error) != 0)
		setup_failed(error);
	h.streams.assign(relay_flows().size(), nullptr);
	for (const Flow &flow : relay_flows())
		if (engine::CompiledRule *rule = h.engine->compile(rule_of(flow), nullptr, &error);
		    rule == nullptr || h.engine->rules().add(rule) != 0)
			setup_failed(error);

	for (uint16_t p : {out0, out1})
		if (rte_eth_add_tx_callback(h.port_ids[p], 0, inspect_tx,
					    reinterpret_cast<void *>(uintptr_t{p})) == nullptr)
			setup_failed("cannot add a TX callback");
}

// Publishes the merged and monitored flows' rules again, each compiled
// without the stream of the rule it replaces: the replacement starts a
// new window with zero counters, which the model's fresh windows match.
void fresh_streams(Harness &h)
{
	const std::vector<Flow> &flows = relay_flows();
	for (size_t i = 0; i < flows.size(); i++) {
		if (flows[i].sequence.mode == FlowSequence::none)
			continue;
		std::string error;
		engine::CompiledRule *rule = h.engine->compile(rule_of(flows[i]), nullptr, &error);
		if (rule == nullptr || rule->stream() == nullptr)
			setup_failed("no stream for flow " + std::string(flows[i].name) + ": " + error);
		h.streams[i] = rule->stream();
		if (h.engine->rules().add(rule) != 0)
			setup_failed("cannot publish flow " + std::string(flows[i].name));
	}
}

// A run that crashed or was interrupted exits without tear_down() and
// leaves its EAL runtime directory behind: the next run removes those of
// processes that are gone.
constexpr const char *runtime_prefix = "fuzz-engine-";

void remove_stale_runtime_dirs(const std::filesystem::path &ours)
{
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(ours.parent_path(), ec)) {
		const std::string name = entry.path().filename().string();
		if (name.rfind(runtime_prefix, 0) != 0)
			continue;
		const std::string pid = name.substr(std::strlen(runtime_prefix));
		if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
			continue;
		if (kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
			std::filesystem::remove_all(entry.path(), ec);
	}
}

void tear_down()
{
	if (harness == nullptr)
		return;
	// Rules first (they free with the engine), then ports, pools and EAL,
	// so LeakSanitizer's exit check sees nothing of ours outstanding.
	harness->engine.reset();
	for (const std::string &name : harness->vdevs) {
		uint16_t id;
		if (rte_eth_dev_get_port_by_name(name.c_str(), &id) == 0) {
			rte_eth_dev_stop(id);
			rte_eth_dev_close(id);
		}
		rte_eal_hotplug_remove("vdev", name.c_str());
	}
	rte_mempool_free(harness->rx_pool);
	harness->pools.reset();
	const std::string runtime_dir = harness->runtime_dir;
	delete harness;
	harness = nullptr;
	rte_eal_cleanup();
	std::error_code ignored;
	std::filesystem::remove_all(runtime_dir, ignored);
}

rte_mbuf *mbuf_of(const RxRecord &r)
{
	auto segment = [](std::span<const uint8_t> bytes, uint16_t headroom) {
		rte_mbuf *m = rte_pktmbuf_alloc(harness->rx_pool);
		FUZZ_CHECK(m != nullptr, "RX pool empty");
		m->data_off = headroom;
		std::memcpy(rte_pktmbuf_mtod(m, uint8_t *), bytes.data(), bytes.size());
		m->data_len = static_cast<uint16_t>(bytes.size());
		m->pkt_len = static_cast<uint32_t>(bytes.size());
		return m;
	};
	rte_mbuf *m = segment(r.frame.first(r.first_segment), headroom_of(r, RTE_PKTMBUF_HEADROOM));
	if (r.first_segment < r.frame.size()) {
		rte_mbuf *tail = segment(r.frame.subspan(r.first_segment), RTE_PKTMBUF_HEADROOM);
		FUZZ_CHECK(rte_pktmbuf_chain(m, tail) == 0, "cannot chain two segments");
	}
	if (r.ctl & vlan_stripped) {
		m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		m->vlan_tci = r.tci;
	}
	if (r.ctl & ip_cksum_good)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	return m;
}

// The frame's Ethernet destination is the one its IPv4 destination calls
// for: the group's MAC (01:00:5e and the low 23 bits) or the port's own.
bool sent_to_us(std::span<const uint8_t> frame, uint32_t dst, const rte_ether_addr &port_mac)
{
	if ((dst >> 28) == 0xe) {
		const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, static_cast<uint8_t>(dst >> 16 & 0x7f),
					      static_cast<uint8_t>(dst >> 8), static_cast<uint8_t>(dst)};
		return std::equal(group_mac, group_mac + 6, frame.begin());
	}
	return std::equal(port_mac.addr_bytes, port_mac.addr_bytes + 6, frame.begin());
}

// A merged or monitored flow's stream, as the model follows it through
// one input. The window's verdict on each number (first, duplicate, late)
// comes from a second engine::SequenceWindow fed the same numbers from the
// same inputs in the same order; that class is checked against a plain
// model of its own in test/engine/sequence_window_test.cpp. Modelled here
// independently: where the number is read, what a payload too short for it
// does, and what merging and monitoring make of each verdict.
struct StreamModel {
	engine::SequenceWindow window;
	uint64_t no_sequence = 0;

	explicit StreamModel(const FlowSequence &s) : window(s.size * 8u, s.window) {}
};

// The number in a flow's payload (the UDP payload the relay forwards: the
// IPv4 payload after the UDP header), or none when the payload ends before
// the field does. Byte i of the field weighs 256^i little-endian,
// 256^(size-1-i) big-endian.
std::optional<uint64_t> sequence_of(const FlowSequence &s, const std::vector<uint8_t> &payload)
{
	if (payload.size() < size_t{s.offset} + s.size)
		return std::nullopt;
	uint64_t n = 0;
	for (unsigned i = 0; i < s.size; i++) {
		const unsigned weight = s.big_endian ? s.size - 1u - i : i;
		n |= uint64_t{payload[s.offset + i]} << (8 * weight);
	}
	return n;
}

// Drop reasons a stream causes, counted on the packet's ingress port.
constexpr DropReason stream_drop_reasons[] = {DropReason::duplicate, DropReason::late,
					       DropReason::no_sequence};

// What the worker must do with a burst, from the reference parser and the
// flow table: the packets each egress port gets, in order, and the drops.
struct Model {
	bool fragments = false; // some record is an IPv4 fragment: see the top
	std::array<std::vector<Packet>, relay_port_count> expected;
	std::array<uint64_t, packet::drop_reason_count> drops{};
	// stream_drop_reasons per ingress port.
	std::array<std::array<uint64_t, packet::drop_reason_count>, relay_port_count> ingress_drops{};
	// Per relay_flows() entry; null for a plain flow.
	std::vector<std::unique_ptr<StreamModel>> streams;

	void drop(DropReason why, uint16_t in_port)
	{
		drops[static_cast<size_t>(why)]++;
		ingress_drops[in_port][static_cast<size_t>(why)]++;
	}
};

// Whether the flow relays this packet on: a merge passes the first copy of
// each number and drops the rest (counted), a monitor passes everything.
// Counts what the stream counts.
bool stream_passes(Model &model, const Flow &flow, unsigned input, const Packet &in,
		   size_t udp_payload_len, uint16_t in_port)
{
	StreamModel &stream = *model.streams[static_cast<size_t>(&flow - relay_flows().data())];
	const bool merges = flow.sequence.mode == FlowSequence::merge;
	// The number is read within the UDP datagram, which may end before
	// the IPv4 payload does.
	const std::vector<uint8_t> datagram(in.payload.begin(),
					    in.payload.begin() + std::min(in.payload.size(), udp_payload_len));
	const std::optional<uint64_t> number = sequence_of(flow.sequence, datagram);
	if (!number) {
		stream.no_sequence++;
		if (merges)
			model.drop(DropReason::no_sequence, in_port);
		return !merges;
	}
	const engine::SequenceVerdict verdict = stream.window.offer(*number, input);
	if (!merges || verdict == engine::SequenceVerdict::first)
		return true;
	model.drop(verdict == engine::SequenceVerdict::duplicate ? DropReason::duplicate
								 : DropReason::late,
		   in_port);
	return false;
}

Model model_of(const EngineInput &input)
{
	Model model;
	for (const Flow &flow : relay_flows())
		model.streams.push_back(flow.sequence.mode == FlowSequence::none
						? nullptr
						: std::make_unique<StreamModel>(flow.sequence));
	for (const RxRecord &r : input.records) {
		// The worker parses the first segment only.
		const auto seen = r.frame.first(r.first_segment);
		RefFrame ref;
		const DropReason verdict = reference_parse(seen, &ref, !(r.ctl & ip_cksum_good));
		model.fragments |= verdict == DropReason::fragment;
		if (verdict != DropReason::none) {
			model.drops[static_cast<size_t>(verdict)]++;
			continue;
		}
		const uint16_t vlan = (r.ctl & vlan_stripped) ? (r.tci & 0x0fff) : ref.vlan;
		const uint16_t in_port = (r.ctl & on_second_port) ? in1 : in0;
		if (!sent_to_us(seen, ref.dst, harness->engine->ports()[in_port].mac)) {
			model.drops[static_cast<size_t>(DropReason::mac_mismatch)]++;
			continue;
		}
		const FlowMatch match = match_flow(in_port, ref.dst, ref.dport, vlan, ref.src);
		const Flow *flow = match.flow;
		if (flow == nullptr) {
			model.drops[static_cast<size_t>(DropReason::no_rule)]++;
			continue;
		}
		const Packet in = packet_of(seen, ref);
		if (in_port == in1 && in.udp == UdpChecksum::bad) {
			model.drops[static_cast<size_t>(DropReason::bad_udp_checksum)]++;
			continue;
		}
		if (flow->sequence.mode != FlowSequence::none &&
		    !stream_passes(model, *flow, match.input, in, size_t{ref.udp_len} - 8, in_port))
			continue;
		for (const FlowOutput &o : flow->outputs) {
			if (o.ttl == 0 && ref.ttl <= 1) {
				model.drops[static_cast<size_t>(DropReason::ttl_expired)]++;
				continue;
			}
			Packet out = in;
			out.src = harness->engine->ports()[o.port].ipv4;
			out.dst = o.dst != 0 ? o.dst : in.dst;
			out.dport = o.dport != 0 ? o.dport : in.dport;
			out.ttl = o.ttl != 0 ? o.ttl : static_cast<uint8_t>(in.ttl - 1);
			out.vlan = o.vlan;
			if (out.udp == UdpChecksum::partial)
				out.udp = UdpChecksum::good; // a local sender's sum, finished
			model.expected[o.port].push_back(std::move(out));
		}
	}
	return model;
}

// What a port sent is what the model expects, in order, less the packets
// the worker gave up on after its TX bursts were refused.
void check_port(const Run &run, const Model &model, const Worker &w, uint16_t port)
{
	const std::vector<Packet> &sent = run.sent[port];
	const std::vector<Packet> &expected = model.expected[port];
	size_t e = 0;
	for (size_t s = 0; s < sent.size(); s++) {
		while (e < expected.size() && !(expected[e] == sent[s]))
			e++;
		FUZZ_CHECK(e < expected.size(), "port %u sent an unexpected packet #%zu: %s%s%s", port,
			   s, describe(sent[s]).c_str(), expected.empty() ? "" : "; first expected: ",
			   expected.empty() ? "" : describe(expected.front()).c_str());
		e++;
	}
	const uint64_t sent_count = w.ports[port].tx_packets.get();
	const uint64_t dropped = w.ports[port].tx_dropped.get();
	FUZZ_CHECK(sent_count == sent.size(), "port %u counts %lu sent, the PMD got %zu", port,
		   static_cast<unsigned long>(sent_count), sent.size());
	FUZZ_CHECK(sent.size() + dropped == expected.size(),
		   "port %u: %zu sent + %lu dropped, the model expects %zu", port, sent.size(),
		   static_cast<unsigned long>(dropped), expected.size());
	FUZZ_CHECK(run.refusals != 0 || dropped == 0, "port %u dropped %lu with no refusal", port,
		   static_cast<unsigned long>(dropped));
}

void check_drops(const Model &model, const Worker &w)
{
	uint64_t refused = 0;
	for (uint16_t p = 0; p < relay_port_count; p++)
		refused += w.ports[p].tx_dropped.get();
	for (size_t r = 0; r < mcr::packet::drop_reason_count; r++) {
		const auto reason = static_cast<DropReason>(r);
		const uint64_t want = reason == DropReason::tx_full ? refused : model.drops[r];
		const uint64_t got = drop_count(w, static_cast<DropReason>(r));
		FUZZ_CHECK(got == want, "%lu drops for %s, expected %lu", static_cast<unsigned long>(got),
			   drop_reason_name(reason), static_cast<unsigned long>(want));
	}
}

void check_streams(const Model &model, const Worker &w)
{
	for (uint16_t port : {in0, in1})
		for (DropReason why : stream_drop_reasons) {
			const uint64_t got = w.drops[port].reasons[static_cast<size_t>(why)].get();
			const uint64_t want = model.ingress_drops[port][static_cast<size_t>(why)];
			FUZZ_CHECK(got == want, "%s port %u counts %lu, expected %lu",
				   drop_reason_name(why), port, static_cast<unsigned long>(got),
				   static_cast<unsigned long>(want));
		}
	const std::vector<Flow> &flows = relay_flows();
	for (size_t i = 0; i < flows.size(); i++) {
		if (model.streams[i] == nullptr)
			continue;
		const StreamModel &want = *model.streams[i];
		const engine::Stream &got = *harness->streams[i];
		FUZZ_CHECK(got.no_sequence_count() == want.no_sequence,
			   "stream %s: %lu without a sequence number, expected %lu", flows[i].name,
			   static_cast<unsigned long>(got.no_sequence_count()),
			   static_cast<unsigned long>(want.no_sequence));
		const engine::SequenceCounters &g = got.counters(), &e = want.window.counters();
		const struct {
			const char *name;
			const engine::Counter &got, &want;
		} pairs[] = {
			{"duplicates", g.duplicates, e.duplicates},
			{"late", g.late, e.late},               {"reordered", g.reordered, e.reordered},
			{"gaps", g.gaps, e.gaps},               {"resyncs", g.resyncs, e.resyncs},
			{"multiple", g.multiple, e.multiple},
		};
		for (const auto &c : pairs)
			FUZZ_CHECK(c.got.get() == c.want.get(), "stream %s: %s %lu, expected %lu",
				   flows[i].name, c.name, static_cast<unsigned long>(c.got.get()),
				   static_cast<unsigned long>(c.want.get()));
		for (unsigned in = 0; in < engine::max_stream_inputs; in++)
			FUZZ_CHECK(g.inputs[in].first.get() == e.inputs[in].first.get() &&
					   g.inputs[in].only.get() == e.inputs[in].only.get(),
				   "stream %s input %u: first %lu only %lu, expected %lu and %lu",
				   flows[i].name, in, static_cast<unsigned long>(g.inputs[in].first.get()),
				   static_cast<unsigned long>(g.inputs[in].only.get()),
				   static_cast<unsigned long>(e.inputs[in].first.get()),
				   static_cast<unsigned long>(e.inputs[in].only.get()));
	}
}

void check_pool(rte_mempool *mp)
{
	const unsigned in_use = rte_mempool_in_use_count(mp);
	FUZZ_CHECK(in_use == 0, "pool %s: %u of %u mbufs not returned", mp->name, in_use, mp->size);
}

} // namespace
} // namespace mcr::fuzz

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	using namespace mcr::fuzz;
	const std::string prefix = std::string(runtime_prefix) + std::to_string(getpid());
	std::vector<std::string> args = {(*argv)[0], "-l", "0", "--no-huge", "-m", "128",
					 "--no-pci", "--no-telemetry", "--file-prefix", prefix,
					 "--log-level", "error"};
	(void)argc;
	std::vector<char *> eal_argv;
	for (std::string &a : args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0)
		setup_failed("rte_eal_init failed");
	harness = new Harness;
	harness->runtime_dir = rte_eal_get_runtime_dir();
	remove_stale_runtime_dirs(harness->runtime_dir);
	build_engine(*harness);
	std::atexit(tear_down);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace mcr::fuzz;
	const EngineInput input = decode_engine_input({data, size}, max_records);
	for (const RxRecord &r : input.records)
		if (r.frame.size() > rx_data_room || r.frame.empty())
			return -1; // not something a PMD hands over; keep it out of the corpus

	fresh_streams(*harness);
	Run run;
	run.refusals = input.refusals;
	harness->run = &run;
	const Model model = model_of(input);

	auto w = std::make_unique<Worker>();
	w->engine = harness->engine.get();
	{
		std::string error;
		// Few entries, so that inputs can fill the table.
		if (w->fragments.create({.flows = 16, .timeout_ms = 1000}, SOCKET_ID_ANY, &error) != 0)
			setup_failed(error);
	}
	// A burst comes from one port: consecutive records of the same port
	// make one burst, as a worker polling its queues in turn would see.
	size_t rx = 0;
	for (size_t i = 0; i < input.records.size();) {
		const uint8_t port_bit = input.records[i].ctl & on_second_port;
		std::vector<rte_mbuf *> burst;
		for (; i < input.records.size() && (input.records[i].ctl & on_second_port) == port_bit; i++)
			burst.push_back(mbuf_of(input.records[i]));
		rx += burst.size();
		mcr::engine::worker_handle_burst(*w, port_bit ? in1 : in0, burst.data(),
						 static_cast<uint16_t>(burst.size()));
	}
	mcr::engine::worker_flush(*w);
	harness->run = nullptr;

	FUZZ_CHECK(w->tx_pending == 0, "%u packets still buffered after worker_flush", w->tx_pending);
	FUZZ_CHECK(w->ports[in0].rx_packets.get() + w->ports[in1].rx_packets.get() == rx,
		   "RX counters miss packets");
	// MCR_FUZZ_VERBOSE=1 prints what each input did, for replaying a crash
	// or checking that seeds reach the fan-out.
	static const bool verbose = std::getenv("MCR_FUZZ_VERBOSE") != nullptr;
	if (verbose) {
		std::fprintf(stderr, "fuzz_engine: %zu frames, sent %zu + %zu, dropped:", rx,
			     run.sent[out0].size(), run.sent[out1].size());
		for (size_t r = 0; r < mcr::packet::drop_reason_count; r++)
			if (drop_count(*w, static_cast<DropReason>(r)) != 0)
				std::fprintf(stderr, " %s %lu",
					     drop_reason_name(static_cast<DropReason>(r)),
					     static_cast<unsigned long>(drop_count(*w, static_cast<DropReason>(r))));
		const std::vector<Flow> &flows = relay_flows();
		for (size_t i = 0; i < flows.size(); i++)
			if (const mcr::engine::Stream *s = harness->streams[i]) {
				const mcr::engine::SequenceCounters &c = s->counters();
				std::fprintf(stderr, "; %s: accepted %lu dup %lu late %lu reordered %lu "
					     "gaps %lu resyncs %lu no-seq %lu", flows[i].name,
					     static_cast<unsigned long>(c.accepted()),
					     static_cast<unsigned long>(c.duplicates.get()),
					     static_cast<unsigned long>(c.late.get()),
					     static_cast<unsigned long>(c.reordered.get()),
					     static_cast<unsigned long>(c.gaps.get()),
					     static_cast<unsigned long>(c.resyncs.get()),
					     static_cast<unsigned long>(s->no_sequence_count()));
			}
		std::fputc('\n', stderr);
	}
	if (model.fragments) {
		// Incomplete datagrams are given up once their time is past.
		mcr::engine::worker_expire_fragments(*w, rte_rdtsc() + 2 * rte_get_tsc_hz());
		FUZZ_CHECK(w->tx_pending == 0, "expiry queued packets");
	} else {
		check_port(run, model, *w, out0);
		check_port(run, model, *w, out1);
		check_drops(model, *w);
		check_streams(model, *w);
	}
	check_pool(harness->rx_pool);
	for (const mcr::engine::SizeClass &sc : harness->engine->pools().classes())
		check_pool(sc.pool);
	check_pool(harness->engine->clone_pool());
	check_pool(harness->engine->header_pool());
	return 0;
}
