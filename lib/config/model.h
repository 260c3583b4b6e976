// The configuration as plain values: what the YAML loader produces and what
// the rest of mcr is built from. No YAML types leak past the loader.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "packet/sequence_field.h"

namespace mcr::config {

// Where a value came from, for error messages (1-based line and column).
struct Location {
	std::string file;
	int line = 0;
	int column = 0;
};

// IPv4 addresses are kept in host byte order; the engine converts once.
using Ipv4 = uint32_t;
using Mac = std::array<uint8_t, 6>;

enum class Driver { automatic, af_xdp, af_packet };
enum class ZeroCopy { automatic, on, off };
enum class XdpMode { automatic, native, generic };
enum class XdpFilter { normal, strict };
// What the relay does with a received UDP checksum: carry it over
// (updated for the rewritten fields, so an error stays detectable
// downstream), or check it and drop datagrams whose checksum is wrong.
enum class UdpChecksum { keep, verify };

struct AfXdpOptions {
	ZeroCopy zero_copy = ZeroCopy::automatic;
	uint32_t busy_budget = 64; // 0 disables preferred busy polling
	// Let mcr set the interface's combined channels to the port's queue
	// count (ethtool -L) instead of refusing a mismatch.
	bool set_channels = false;
};

struct AfPacketOptions {
	uint32_t block_size = 4096;
	uint32_t frame_size = 2048;
	uint32_t frame_count = 4096;
	bool qdisc_bypass = true;
};

struct XdpOptions {
	XdpMode mode = XdpMode::automatic;
	XdpFilter filter = XdpFilter::normal;
};

struct Port {
	std::string name;
	std::string iface;
	Driver driver = Driver::automatic;
	uint16_t queues = 0; // 0: af_xdp one per combined channel, af_packet one per worker
	std::optional<Ipv4> address; // default: the iface's own address
	AfXdpOptions af_xdp;
	AfPacketOptions af_packet;
	XdpOptions xdp;
	UdpChecksum udp_checksum = UdpChecksum::keep;
	Location where;
};

struct Workers {
	std::vector<unsigned> lcores{1};
	uint16_t burst = 32;
	// Outputs of up to this many bytes are copied into a size-class mbuf;
	// larger ones are an indirect clone behind a private header mbuf.
	uint32_t copy_threshold = 256;
	// TX buffers are sent when full, when the worker is idle, and at
	// least this often.
	uint32_t tx_drain_us = 100;
	// 0: busy-poll always. Otherwise an idle worker sleeps, a little longer
	// each idle round up to this many microseconds, so that what shares its
	// core (softirq, other processes) runs.
	uint32_t idle_sleep_us = 0;
	// IPv4 reassembly per worker: datagrams in flight (0: none, fragments
	// are dropped), and how long one may take to complete.
	uint32_t reassembly_flows = 256;
	uint32_t reassembly_timeout_ms = 1000;
	Location where;
};

struct Pool {
	std::string name;
	uint32_t data_size = 0; // bytes of packet data per mbuf
	uint32_t count = 0;
	Location where;
};

struct Match {
	std::string port;
	Ipv4 dst = 0;
	uint16_t dport = 0;
	std::optional<Ipv4> src; // source-specific (S,G) when set
	uint16_t vlan = 0;       // 0: untagged
	Location where;
	Location port_where; // of the port name, so an unknown port points at it
};

// Source address of an output's packets. Routers (the kernel's multicast
// routing, VPP) forward with the received source, which source-specific
// receivers downstream need; mcr re-originates from its port by default.
struct OutputSource {
	enum class Kind { port, keep, address };
	Kind kind = Kind::port; // the egress port's address
	Ipv4 address = 0;       // when kind is address

	static OutputSource keep() { return {Kind::keep, 0}; }
	static OutputSource given(Ipv4 address) { return {Kind::address, address}; }
	bool operator==(const OutputSource &) const = default;
};

struct Output {
	std::string port;
	std::optional<Ipv4> dst;
	std::optional<uint16_t> dport;
	std::optional<uint8_t> ttl; // set; default is decrement
	std::optional<uint16_t> vlan;
	std::optional<Mac> mac; // next hop; default from group or neighbour table
	OutputSource src;
	std::optional<uint8_t> dscp; // set, ECN kept; default keeps the received TOS
	Location where;
	Location port_where;
};

// A stream's sequence numbers: where each datagram carries its own, and
// how many of the latest the relay remembers (a power of two; also how far
// back a late copy is still known for one).
struct Sequence {
	packet::SequenceField field = packet::rtp_sequence;
	uint32_t window = 1024;
	Location where;

	bool operator==(const Sequence &o) const { return field == o.field && window == o.window; }
};

// Most inputs a merged rule takes (the sequence window's input sets are
// bytes).
constexpr size_t max_rule_inputs = 8;

struct Rule {
	std::string name;
	// The input. A merged rule (YAML `inputs:`) has several: this is the
	// first, more_inputs the others, in the YAML's order.
	Match match;
	std::vector<Match> more_inputs;
	// Set on a merged rule: its inputs carry the same stream, and each
	// sequence number is relayed once, the first copy to arrive.
	std::optional<Sequence> merge;
	// Set on a monitored single-input rule: its stream's health is counted
	// (gaps, reordering, duplicates), nothing is dropped for it.
	std::optional<Sequence> monitor;
	std::vector<Output> outputs;
	Location where;

	// match, then more_inputs.
	std::vector<const Match *> inputs() const;
	// The stream whose sequence numbers the rule watches: merge or monitor.
	const std::optional<Sequence> &sequence() const { return merge ? merge : monitor; }
};

// The Prometheus endpoint (app/metrics_server): off unless `listen` is set.
struct Metrics {
	std::optional<std::string> address; // numeric IPv4, or IPv6 without brackets
	uint16_t port = 0;
	// Rules exported one series each, in configuration order; the rest are
	// counted in mcr_rules_unexported, so a huge rule set cannot flood a TSDB.
	uint32_t max_rules = 1000;
	Location where;

	bool enabled() const { return address.has_value(); }
};

struct Config {
	std::string file;
	std::vector<Port> ports;
	Workers workers;
	std::vector<Pool> pools{Pool{"default", 2048, 8191, {}}}; // when the YAML has none
	std::vector<Rule> rules;
	Metrics metrics;

	const Port *find_port(const std::string &name) const;
	const Rule *find_rule(const std::string &name) const;
};

} // namespace mcr::config
