// The configuration as plain values: what the YAML loader produces and what
// the rest of mcr is built from. No YAML types leak past the loader.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
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
// IPv6 addresses in network byte order, as on the wire and in the IPv6 rule
// key: nothing to convert between the config and the engine.
using Ipv6 = std::array<uint8_t, 16>;
// An address of either family.
using IpAddress = std::variant<Ipv4, Ipv6>;
using Mac = std::array<uint8_t, 6>;

inline bool is_ipv6(const IpAddress &address)
{
	return std::holds_alternative<Ipv6>(address);
}

// ADDRESS/LENGTH of either family: 239.1.0.0/16, ff3e::/96, 2001:2::/48;
// an exact address is a host prefix (/32, /128). No bits are set past the
// length (parse_prefix refuses them), so a prefix has one representation.
struct Prefix {
	IpAddress address;
	uint8_t length = 0; // 0..32 or 0..128

	static Prefix host(const IpAddress &address);
	bool is_ipv6() const { return config::is_ipv6(address); }
	uint8_t max_length() const { return is_ipv6() ? 128 : 32; }
	bool is_host() const { return length == max_length(); }
	// The bits past the prefix: 0 for a host.
	unsigned host_bits() const { return max_length() - length; }
	// The address when the prefix is one IPv4 (IPv6) host, else nullopt:
	// what consumers that handle exact addresses of one family ask.
	std::optional<Ipv4> ipv4_host() const;
	std::optional<Ipv6> ipv6_host() const;
	bool operator==(const Prefix &) const = default;
};

// UDP destination ports first..last, both included.
struct PortRange {
	uint16_t first = 0;
	uint16_t last = 0;

	static PortRange single(uint16_t port) { return {port, port}; }
	static PortRange any() { return {0, 65535}; }
	bool is_single() const { return first == last; }
	bool is_any() const { return first == 0 && last == 65535; }
	bool contains(uint16_t port) const { return first <= port && port <= last; }
	bool overlaps(const PortRange &o) const { return first <= o.last && o.first <= last; }
	unsigned size() const { return unsigned(last) - first + 1; }
	bool operator==(const PortRange &) const = default;
};

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
	// The port's own addresses, the source of what it sends unless an
	// output says otherwise; each defaults to the iface's address of its
	// family. YAML `address:` takes one address or a list of at most one per
	// family.
	std::optional<Ipv4> address;
	std::optional<Ipv6> address6;
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

// What an input receives. An exact input (host dst, host or no src, one
// port) is one hash lookup in the engine; a range input (a dst or src
// prefix, or a port range) is matched when no exact input does. Precedence
// among matching inputs: exact beats range; then the longer dst prefix, then
// (S,G) over (*,G) and the longer src prefix, then the narrower port range.
struct Match {
	std::string port;
	Prefix dst{Ipv4{0}, 32};
	std::optional<Prefix> src; // source-specific (S,G) when set; same family as dst
	PortRange dport;
	uint16_t vlan = 0; // 0: untagged
	// Groups the kernel joins (IGMP/MLD) on the port for a range input. An
	// exact input joins its dst when it is a group, and join stays empty.
	// A range joins only what is listed: joining a whole /16 cannot be
	// done (the kernel caps memberships per socket, igmp_max_memberships),
	// and joining the groups seen is circular where a snooping switch
	// forwards only groups somebody joined.
	std::vector<IpAddress> join;
	Location where;
	Location port_where; // of the port name, so an unknown port points at it

	bool is_range() const
	{
		return !dst.is_host() || (src && !src->is_host()) || !dport.is_single();
	}
	bool is_ipv6() const { return dst.is_ipv6(); }
};

// Source address of an output's packets. Routers (the kernel's multicast
// routing, VPP) forward with the received source, which source-specific
// receivers downstream need; mcr re-originates from its port by default.
struct OutputSource {
	enum class Kind { port, keep, address };
	Kind kind = Kind::port; // the egress port's address of the output's family
	IpAddress address;      // when kind is address

	static OutputSource keep() { return {Kind::keep, Ipv4{0}}; }
	static OutputSource given(const IpAddress &address) { return {Kind::address, address}; }
	bool operator==(const OutputSource &) const = default;
};

struct Output {
	std::string port;
	// Absent: keep the received destination (YAML `dst: keep`, the default).
	// A host prefix: send to that address. A shorter prefix maps: the
	// received destination's host bits (past the input's dst prefix) become
	// this prefix's host bits; the input's dst prefix has as many host bits
	// (239.1.0.0/16 -> 239.2.0.0/16, or -> ff3e::1:0/112).
	std::optional<Prefix> dst;
	std::optional<uint16_t> dport;
	std::optional<uint8_t> ttl; // set; default is decrement
	std::optional<uint16_t> vlan;
	std::optional<Mac> mac; // next hop; default from group or neighbour table
	OutputSource src;
	std::optional<uint8_t> dscp; // set, ECN kept; default keeps the received TOS
	Location where;
	Location port_where;

	// Where the output sends: its dst when set (a host, or a map prefix),
	// else the input's dst (kept).
	Prefix destination(const Match &input) const { return dst.value_or(input.dst); }
	// The output's family: its dst's when it sets one, else the input's.
	bool is_ipv6(const Match &input) const { return dst ? dst->is_ipv6() : input.is_ipv6(); }
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
