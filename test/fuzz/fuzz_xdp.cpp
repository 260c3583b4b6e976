// fuzz_xdp: mcr's XDP program, run by the kernel on the input bytes through
// BPF_PROG_TEST_RUN (as test/bpf's harness does), with the keys of
// relay_flows()' inputs on port in0 in its maps, and relay_flows6() below
// in its IPv6 maps. Each input runs twice: af_packet flags (no redirect),
// then af_packet + strict. Needs root (CAP_BPF and CAP_NET_ADMIN); without
// it the target exits 77, which meson counts as skipped.
//
// Checked per run:
//   - the action and the one counter it bumps are those of the verdict
//     table in doc/xdp.md (expected_verdict below, written from the table);
//   - against the user-space parser (parse_frame, which mcr runs on what
//     XDP lets through): a frame mcr would relay (parsed, matching a flow)
//     is pass_match; whatever XDP drops as malformed or fragment mcr
//     rejects too; what XDP counts as pass_match mcr either relays or
//     rejects only for the IPv4 checksum, which XDP does not verify.
//   - IPv6 the same way, against parse_ipv6_frame (which mcr will run on
//     IPv6 once issue 14 wires it in), with relay_flows6() as the rules;
//     IPv6 fragments to a relayed destination are ipv6_pass_match, which
//     the parser calls fragment.
//   - range rules (range_rules() and range_rules6() below, in mcr_ranges
//     and mcr_ranges6): after an exact miss, a frame whose destination,
//     port and VLAN a range rule covers is range_pass_match (ipv6_...),
//     and "mcr relays" includes range rules whose source prefix matches;
//     a range match mcr does not relay is allowed only where a source
//     prefix is what refuses it (XDP leaves sources to mcr).
// Intended differences (XDP leaves them to the kernel, mcr drops them):
// malformed UDP not aimed at a relay group, non-UDP and non-IPv4 frames,
// stacked VLAN tags. Fragments to a relayed destination are pass_match (mcr
// reassembles them; the parser alone calls them fragments). XDP does not
// look at the Ethernet destination (mcr drops a mismatch as mac-mismatch),
// so "mcr relays" here means parsed and matching a flow, whatever the MAC.
#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fuzz_check.h"
#include "mcr_xdp_shared.h"
#include "packet/parse.h"
#include "packet/parse_ipv6.h"
#include "reference_frame.h"
#include "relay_flows.h"
#include "xdp_config.h"
#include "xdp_maps.h"
#include "xdp_object.h"
#include "xdp_ranges.h"
#include "xdp_rules.h"
#include "xdp_stats.h"

namespace mcr::fuzz {
namespace {

using packet::DropReason;
using packet::drop_reason_name;

// BPF_PROG_TEST_RUN wants at least an Ethernet header, and a linear XDP
// buffer is one page less headroom and skb_shared_info.
constexpr size_t min_frame = 14;
constexpr size_t max_frame = 3000;

struct Loaded {
	bpf::XdpObject object;
	bpf::XdpMaps maps;
	size_t cpus;
	uint32_t flags = ~0u; // what mcr_config holds now
	std::array<uint64_t, MCR_XDP_STAT__COUNT> stats{}; // after the last run
};

Loaded *loaded = nullptr;

struct Verdict {
	int action = -1;
	int stat = -1;
	bool operator==(const Verdict &) const = default;
};

// One libFuzzer feature per (user-space verdict, XDP counter, mode): the
// program runs in the kernel, out of reach of coverage instrumentation, so
// this is how the fuzzer learns that an input reached a new verdict.
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t
	verdict_features[2][packet::drop_reason_count][MCR_XDP_STAT__COUNT];

const char *stat_name(int stat)
{
	return stat >= 0 && stat < MCR_XDP_STAT__COUNT
		       ? bpf::xdp_stat_name(static_cast<mcr_xdp_stat>(stat)).data()
		       : "none";
}

const char *action_name(int action)
{
	return action == XDP_PASS ? "XDP_PASS" : action == XDP_DROP ? "XDP_DROP" : "other";
}

// --- the verdict table of doc/xdp.md ---------------------------------------

bool group_known(uint32_t dst)
{
	for (const Flow &f : relay_flows())
		for (unsigned i = 0; i < f.input_count(); i++)
			if (f.input(i).in_port == in0 && f.input(i).dst == dst)
				return true;
	return false;
}

bool rule_matches(uint32_t dst, uint16_t dport, uint16_t vlan, uint32_t src)
{
	return find_flow(in0, dst, dport, vlan, src) != nullptr;
}

bool is_multicast(uint32_t dst)
{
	return (dst >> 28) == 0xe;
}

bool is_routable_multicast(uint32_t dst)
{
	return is_multicast(dst) && (dst >> 8) != 0xe00000;
}

// Range rules on in0, near the seeds' flows: nested prefixes, one off a
// byte boundary, a source prefix, exact rules inside, /0 on VLAN 200.
const std::array<bpf::RangeRule, 6> &range_rules()
{
	static const std::array<bpf::RangeRule, 6> rules{{
		{ip(239, 1, 0, 0), 16, 0, 0, 6000, 6099, 0},
		{ip(239, 1, 1, 0), 24, 0, 0, 5001, 5010, 0},
		{ip(239, 1, 5, 0), 25, ip(198, 18, 0, 0), 24, 5000, 5003, 0},
		{0, 0, 0, 0, 0, 65535, 200},
		{ip(198, 18, 1, 0), 30, 0, 0, 7001, 7001, 0},
		{ip(239, 1, 1, 0), 26, 0, 0, 6000, 6000, 100},
	}};
	return rules;
}

// Host order; a prefix of length 0 covers everything.
bool in_prefix(uint32_t addr, uint32_t prefix, uint8_t len)
{
	return len == 0 || ((addr ^ prefix) >> (32 - len)) == 0;
}

// XDP's view: destination, port and VLAN; the source is mcr's.
bool range_covers(uint32_t dst, uint16_t vlan)
{
	for (const bpf::RangeRule &r : range_rules())
		if (r.vlan == vlan && in_prefix(dst, r.dst, r.dst_len))
			return true;
	return false;
}

bool range_matches(uint32_t dst, uint16_t dport, uint16_t vlan)
{
	for (const bpf::RangeRule &r : range_rules())
		if (r.vlan == vlan && in_prefix(dst, r.dst, r.dst_len) && dport >= r.first_port &&
		    dport <= r.last_port)
			return true;
	return false;
}

// mcr's view: the source prefix too.
bool range_relays(uint32_t dst, uint16_t dport, uint16_t vlan, uint32_t src)
{
	for (const bpf::RangeRule &r : range_rules())
		if (r.vlan == vlan && in_prefix(dst, r.dst, r.dst_len) && dport >= r.first_port &&
		    dport <= r.last_port && in_prefix(src, r.src, r.src_len))
			return true;
	return false;
}

enum class Match { none, exact, range };

// IPv6: the rules test/bpf's standard_rules6() has, at the addresses the
// IPv6 seeds of corpus/ use (make_corpus.py frame6()).
using Ipv6 = std::array<uint8_t, 16>;

struct Flow6 {
	Ipv6 dst;
	uint16_t dport;
	uint16_t vlan;
	Ipv6 src; // all zeros: any source
};

constexpr Ipv6 v6(uint16_t a, uint16_t b, uint16_t g, uint16_t h)
{
	return {static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a), static_cast<uint8_t>(b >> 8),
		static_cast<uint8_t>(b), 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(g >> 8),
		static_cast<uint8_t>(g), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

const std::array<Flow6, 4> &relay_flows6()
{
	static const std::array<Flow6, 4> flows{{
		{v6(0xff3e, 0, 0x8000, 1), 5000, 0, {}},                  // any source
		{v6(0xff3e, 0, 0x8000, 2), 5000, 0, v6(0x2001, 2, 0, 7)}, // source-specific
		{v6(0xff3e, 0, 0x8000, 3), 6000, 100, {}},                // on VLAN 100
		{v6(0x2001, 2, 1, 1), 7000, 0, {}},                       // unicast to the host
	}};
	return flows;
}

bool same(const uint8_t *a, const Ipv6 &b)
{
	return std::memcmp(a, b.data(), b.size()) == 0;
}

bool group6_known(const uint8_t *dst)
{
	for (const Flow6 &f : relay_flows6())
		if (same(dst, f.dst))
			return true;
	return false;
}

bool rule6_matches(const uint8_t *dst, uint16_t dport, uint16_t vlan, const uint8_t *src)
{
	for (const Flow6 &f : relay_flows6())
		if (same(dst, f.dst) && f.dport == dport && f.vlan == vlan &&
		    (same(src, f.src) || f.src == Ipv6{}))
			return true;
	return false;
}

const std::array<bpf::RangeRule6, 6> &range_rules6()
{
	static const std::array<bpf::RangeRule6, 6> rules{{
		{v6(0xff3e, 0, 0x8000, 0), 112, {}, 0, 6000, 6099, 0},
		{v6(0xff3e, 0, 0x8000, 0), 120, {}, 0, 5001, 5010, 0},
		{v6(0xff3e, 0, 0x8000, 0), 126, v6(0x2001, 2, 0, 0), 32, 5000, 5003, 0},
		{{}, 0, {}, 0, 0, 65535, 200},
		{v6(0x2001, 2, 1, 0), 113, {}, 0, 7001, 7001, 0},
		{v6(0xff3e, 0, 0, 0), 120, {}, 0, 6000, 6000, 100},
	}};
	return rules;
}

bool in_prefix6(const uint8_t *addr, const Ipv6 &prefix, uint8_t len)
{
	for (unsigned bit = 0; bit < len; bit++) {
		const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
		if ((addr[bit / 8] & mask) != (prefix[bit / 8] & mask))
			return false;
	}
	return true;
}

bool range6_covers(const uint8_t *dst, uint16_t vlan)
{
	for (const bpf::RangeRule6 &r : range_rules6())
		if (r.vlan == vlan && in_prefix6(dst, r.dst, r.dst_len))
			return true;
	return false;
}

bool range6_matches(const uint8_t *dst, uint16_t dport, uint16_t vlan)
{
	for (const bpf::RangeRule6 &r : range_rules6())
		if (r.vlan == vlan && in_prefix6(dst, r.dst, r.dst_len) && dport >= r.first_port &&
		    dport <= r.last_port)
			return true;
	return false;
}

bool range6_relays(const uint8_t *dst, uint16_t dport, uint16_t vlan, const uint8_t *src)
{
	for (const bpf::RangeRule6 &r : range_rules6())
		if (r.vlan == vlan && in_prefix6(dst, r.dst, r.dst_len) && dport >= r.first_port &&
		    dport <= r.last_port && in_prefix6(src, r.src, r.src_len))
			return true;
	return false;
}

// The IPv6 verdict table of doc/xdp.md, from the IPv6 header at l3 on.
Verdict expected_verdict6(std::span<const uint8_t> f, size_t l3, uint16_t vlan, uint32_t flags)
{
	const size_t n = f.size();
	auto pass = [](int stat) { return Verdict{XDP_PASS, stat}; };
	auto drop = [](int stat) { return Verdict{XDP_DROP, stat}; };
	if (n < l3 + 40)
		return pass(MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	const uint8_t *ip = &f[l3];
	const uint8_t *dst = ip + 24, *src = ip + 8;
	// (†) for IPv6: groups of scope 3 and wider.
	auto not_for_relay = [&](int stat) {
		if ((flags & MCR_XDP_F_STRICT) && dst[0] == 0xff && (dst[1] & 0x0f) > 2)
			return drop(MCR_XDP_STAT_IPV6_DROP_STRICT);
		return pass(stat);
	};
	// Exact first, then range: by destination, and by rule.
	const Match known = group6_known(dst)	      ? Match::exact
			    : range6_covers(dst, vlan) ? Match::range
						       : Match::none;
	auto relay = [&](Match m) {
		return pass(m == Match::range ? MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH
					      : MCR_XDP_STAT_IPV6_PASS_MATCH);
	};
	auto by_destination = [&]() {
		return known != Match::none ? drop(MCR_XDP_STAT_IPV6_DROP_MALFORMED)
					    : not_for_relay(MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	};

	// The chain: hop-by-hop (first only), routing (no segments left),
	// destination options; at most 8, each in the frame.
	size_t off = l3 + 40;
	uint8_t next = ip[6];
	bool bad = false;
	for (unsigned k = 0; next == 0 || next == 43 || next == 60; k++) {
		if (k == 8 || off + 8 > n)
			return by_destination();
		bad |= (next == 0 && k != 0) || (next == 43 && f[off + 3] != 0);
		next = f[off];
		off += (size_t{f[off + 1]} + 1) * 8;
	}
	const size_t end = l3 + 40 + be16(ip + 4); // the payload length's end
	bad |= (ip[0] >> 4) != 6;

	if (next == 44) {
		if (off + 8 > n)
			return by_destination();
		if (f[off] != 17)
			return pass(MCR_XDP_STAT_IPV6_PASS_OTHER);
		const uint16_t frag = be16(&f[off + 2]);
		off += 8;
		if (bad || off > end || end > n)
			return by_destination();
		if (frag & 0xfff8)
			return known != Match::none ? relay(known)
						    : not_for_relay(MCR_XDP_STAT_IPV6_PASS_OTHER);
		if (off + 4 > n)
			return known != Match::none ? drop(MCR_XDP_STAT_IPV6_DROP_FRAGMENT)
						    : not_for_relay(MCR_XDP_STAT_IPV6_PASS_MALFORMED);
		return known != Match::none ? relay(known)
					    : not_for_relay(MCR_XDP_STAT_IPV6_PASS_OTHER);
	}
	if (next != 17)
		return pass(MCR_XDP_STAT_IPV6_PASS_OTHER);
	if (bad || off > end || end > n)
		return by_destination();
	if (off + 4 > n)
		return by_destination();
	const uint16_t dport = be16(&f[off + 2]);
	const Match aimed = rule6_matches(dst, dport, vlan, src) ? Match::exact
			    : range6_matches(dst, dport, vlan)    ? Match::range
								  : Match::none;
	if (off + 8 > n || be16(&f[off + 4]) < 8 || be16(&f[off + 4]) > end - off ||
	    be16(&f[off + 6]) == 0)
		return aimed != Match::none ? drop(MCR_XDP_STAT_IPV6_DROP_MALFORMED)
					    : not_for_relay(MCR_XDP_STAT_IPV6_PASS_MALFORMED);
	if (aimed != Match::none)
		return relay(aimed);
	return not_for_relay(MCR_XDP_STAT_IPV6_PASS_OTHER);
}

Verdict expected_verdict(std::span<const uint8_t> f, uint32_t flags)
{
	const size_t n = f.size();
	auto pass = [](int stat) { return Verdict{XDP_PASS, stat}; };
	auto drop = [](int stat) { return Verdict{XDP_DROP, stat}; };
	if (n < 14)
		return pass(MCR_XDP_STAT_PASS_MALFORMED);
	size_t l3 = 14;
	uint16_t type = be16(&f[12]), vlan = 0;
	if (type == 0x8100) {
		if (n < 18)
			return pass(MCR_XDP_STAT_PASS_MALFORMED);
		vlan = be16(&f[14]) & 0x0fff;
		type = be16(&f[16]);
		l3 = 18;
	}
	if (type == 0x86dd)
		return expected_verdict6(f, l3, vlan, flags);
	if (type != 0x0800)
		return pass(MCR_XDP_STAT_PASS_NON_IP);
	if (n < l3 + 20)
		return pass(MCR_XDP_STAT_PASS_MALFORMED);
	const uint8_t *ip = &f[l3];
	if (ip[9] != 17)
		return pass(MCR_XDP_STAT_PASS_OTHER);

	const uint32_t dst = be32(ip + 16), src = be32(ip + 12);
	// (†): the strict filter takes routable multicast no rule wants.
	auto not_for_relay = [&](int stat) {
		if ((flags & MCR_XDP_F_STRICT) && is_routable_multicast(dst))
			return drop(MCR_XDP_STAT_DROP_STRICT);
		return pass(stat);
	};
	// Exact first, then range: by destination, and by rule.
	const Match known = group_known(dst)	       ? Match::exact
			    : range_covers(dst, vlan) ? Match::range
						      : Match::none;
	auto relay = [&](Match m) {
		return pass(m == Match::range ? MCR_XDP_STAT_RANGE_PASS_MATCH
					      : MCR_XDP_STAT_PASS_MATCH);
	};
	const size_t ihl = size_t{ip[0] & 0x0fu} * 4, total = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || l3 + ihl > n || total < ihl || l3 + total > n)
		return known != Match::none ? drop(MCR_XDP_STAT_DROP_MALFORMED)
					    : not_for_relay(MCR_XDP_STAT_PASS_MALFORMED);
	const uint16_t frag = be16(ip + 6);
	if (frag & 0x1fff)
		return known != Match::none ? relay(known)
					    : not_for_relay(MCR_XDP_STAT_PASS_OTHER);
	const bool first_fragment = frag & 0x2000;
	// "Cut" is against the frame, not the IPv4 total length: the program
	// reads the port wherever the frame still has bytes.
	const size_t l4 = l3 + ihl;
	if (l4 + 4 > n)
		return known != Match::none ? drop(first_fragment ? MCR_XDP_STAT_DROP_FRAGMENT
								  : MCR_XDP_STAT_DROP_MALFORMED)
					    : not_for_relay(MCR_XDP_STAT_PASS_MALFORMED);
	if (first_fragment)
		return known != Match::none ? relay(known)
					    : not_for_relay(MCR_XDP_STAT_PASS_OTHER);
	const uint16_t dport = be16(&f[l4 + 2]);
	const Match aimed = rule_matches(dst, dport, vlan, src) ? Match::exact
			    : range_matches(dst, dport, vlan)   ? Match::range
								: Match::none;
	if (l4 + 8 > n || be16(&f[l4 + 4]) < 8 || be16(&f[l4 + 4]) > total - ihl)
		return aimed != Match::none ? drop(MCR_XDP_STAT_DROP_MALFORMED)
					    : not_for_relay(MCR_XDP_STAT_PASS_MALFORMED);
	if (aimed != Match::none)
		return relay(aimed);
	return not_for_relay(MCR_XDP_STAT_PASS_OTHER);
}

// --- running the program -----------------------------------------------------

// Every counter summed over CPUs, in one batched lookup: the syscalls,
// not the program, are what a fuzz iteration costs.
std::array<uint64_t, MCR_XDP_STAT__COUNT> read_stats()
{
	std::array<uint32_t, MCR_XDP_STAT__COUNT> keys{};
	std::vector<uint64_t> values(MCR_XDP_STAT__COUNT * loaded->cpus);
	uint32_t count = MCR_XDP_STAT__COUNT, next = 0;
	const int err = bpf_map_lookup_batch(loaded->maps.stats.get(), nullptr, &next, keys.data(),
					     values.data(), &count, nullptr);
	FUZZ_CHECK((err == 0 || err == -ENOENT) && count == MCR_XDP_STAT__COUNT,
		   "batched lookup of mcr_stats: %d, %u entries", err, count);
	std::array<uint64_t, MCR_XDP_STAT__COUNT> totals{};
	for (uint32_t i = 0; i < count; i++)
		for (size_t cpu = 0; cpu < loaded->cpus; cpu++)
			totals[keys[i]] += values[i * loaded->cpus + cpu];
	return totals;
}

Verdict run(std::span<const uint8_t> frame, uint32_t flags)
{
	if (loaded->flags != flags) {
		const bpf::Status set = bpf::set_xdp_flags(loaded->maps, flags);
		FUZZ_CHECK(set.ok(), "set_xdp_flags: %s", set.error().message.c_str());
		loaded->flags = flags;
	}
	// Only this process runs this instance of the program (it is attached
	// nowhere), so the counters after the previous run are still current.
	std::vector<uint8_t> input(frame.begin(), frame.end());
	bpf_test_run_opts opts{};
	opts.sz = sizeof(opts);
	opts.data_in = input.data();
	opts.data_size_in = static_cast<uint32_t>(input.size());
	opts.repeat = 1;
	const int err = bpf_prog_test_run_opts(loaded->object.program_fd(), &opts);
	FUZZ_CHECK(err == 0, "bpf_prog_test_run_opts(%zu bytes): %d", frame.size(), err);

	Verdict v;
	v.action = static_cast<int>(opts.retval);
	const auto after = read_stats();
	for (uint32_t s = 0; s < MCR_XDP_STAT__COUNT; s++) {
		const uint64_t delta = after[s] - loaded->stats[s];
		FUZZ_CHECK(delta == 0 || (delta == 1 && v.stat < 0),
			   "one frame bumped %s by %lu (and %s)", stat_name(static_cast<int>(s)),
			   static_cast<unsigned long>(delta), stat_name(v.stat));
		if (delta == 1)
			v.stat = static_cast<int>(s);
	}
	loaded->stats = after;
	FUZZ_CHECK(v.stat >= 0, "no counter moved (action %s)", action_name(v.action));
	return v;
}

// mcr's view of the same frame: what its worker would do after XDP passed it.
struct UserSpace {
	DropReason verdict;
	bool relayed; // parsed and matches a flow or range rule of in0
	// parsed and a range rule's destination, port and VLAN, but not its
	// source prefix: XDP steers it to mcr, which drops it as no-rule
	bool range_candidate = false;
};

// The IPv6 header's offset and the VLAN, for an IPv6 frame parse_frame
// hands over (one tag at most, as parse_frame takes).
bool ipv6_frame(std::span<const uint8_t> f, uint32_t &l3, uint16_t &vlan)
{
	if (f.size() >= 18 && be16(&f[12]) == 0x8100 && be16(&f[16]) == 0x86dd) {
		l3 = 18;
		vlan = be16(&f[14]) & 0x0fff;
		return true;
	}
	l3 = 14;
	vlan = 0;
	return be16(&f[12]) == 0x86dd;
}

UserSpace user_space(std::span<const uint8_t> frame)
{
	packet::ParsedPacket pkt{};
	uint32_t l3 = 0;
	uint16_t vlan = 0;
	if (ipv6_frame(frame, l3, vlan)) {
		UserSpace u{packet::parse_ipv6_frame(frame.data(),
						     static_cast<uint32_t>(frame.size()), l3, vlan,
						     pkt),
			    false};
		if (u.verdict == DropReason::none) {
			const uint8_t *dst = &frame[l3 + 24], *src = &frame[l3 + 8];
			const uint16_t dport = ntohs(pkt.dst_port);
			u.relayed = rule6_matches(dst, dport, vlan, src) ||
				    range6_relays(dst, dport, vlan, src);
			u.range_candidate = range6_matches(dst, dport, vlan);
		}
		return u;
	}
	UserSpace u{packet::parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), pkt),
		    false};
	if (u.verdict == DropReason::none) {
		const uint32_t dst = ntohl(pkt.dst_ip), src = ntohl(pkt.src_ip);
		const uint16_t dport = ntohs(pkt.dst_port);
		u.relayed = rule_matches(dst, dport, pkt.vlan, src) ||
			    range_relays(dst, dport, pkt.vlan, src);
		u.range_candidate = range_matches(dst, dport, pkt.vlan);
	}
	return u;
}

bool is_drop_for_relay(int stat)
{
	return stat == MCR_XDP_STAT_DROP_MALFORMED || stat == MCR_XDP_STAT_DROP_FRAGMENT ||
	       stat == MCR_XDP_STAT_IPV6_DROP_MALFORMED || stat == MCR_XDP_STAT_IPV6_DROP_FRAGMENT;
}

bool is_strict_drop(int stat)
{
	return stat == MCR_XDP_STAT_DROP_STRICT || stat == MCR_XDP_STAT_IPV6_DROP_STRICT;
}

bool is_range_pass_match(int stat)
{
	return stat == MCR_XDP_STAT_RANGE_PASS_MATCH || stat == MCR_XDP_STAT_IPV6_RANGE_PASS_MATCH;
}

bool is_pass_match(int stat)
{
	return stat == MCR_XDP_STAT_PASS_MATCH || stat == MCR_XDP_STAT_IPV6_PASS_MATCH ||
	       is_range_pass_match(stat);
}

void check_against_user_space(const UserSpace &u, const Verdict &v, uint32_t flags)
{
	const char *mode = (flags & MCR_XDP_F_STRICT) ? "strict" : "normal";
	if (u.relayed)
		FUZZ_CHECK(v.action == XDP_PASS && is_pass_match(v.stat),
			   "%s: mcr relays this frame, XDP says %s/%s", mode, action_name(v.action),
			   stat_name(v.stat));
	if (is_drop_for_relay(v.stat))
		FUZZ_CHECK(u.verdict != DropReason::none,
			   "%s: XDP drops as %s a frame mcr accepts", mode, stat_name(v.stat));
	if (is_pass_match(v.stat))
		FUZZ_CHECK(u.relayed || u.verdict == DropReason::bad_checksum ||
				   u.verdict == DropReason::fragment ||
				   (is_range_pass_match(v.stat) && u.range_candidate),
			   "%s: XDP steers to mcr a frame mcr %s", mode,
			   u.verdict == DropReason::none ? "has no rule for"
							 : drop_reason_name(u.verdict));
	if (is_strict_drop(v.stat))
		FUZZ_CHECK(!u.relayed, "%s: the strict filter drops a relayed frame", mode);
}

} // namespace
} // namespace mcr::fuzz

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	using namespace mcr;
	auto object = bpf::XdpObject::load();
	if (!object) {
		std::fprintf(stderr, "fuzz_xdp: cannot load the XDP program: %s\n",
			     object.error().message.c_str());
		// No privilege is a skip (meson: exit 77); anything else fails.
		std::exit(object.error().code == -EPERM ? 77 : 1);
	}
	auto maps = object->maps();
	if (!maps) {
		std::fprintf(stderr, "fuzz_xdp: %s\n", maps.error().message.c_str());
		std::exit(1);
	}
	std::vector<mcr_rule_key> keys;
	for (const fuzz::Flow &f : fuzz::relay_flows())
		for (const fuzz::FlowInput &in : f.inputs())
			if (in.in_port == fuzz::in0)
				keys.push_back(bpf::make_rule_key(in.dst, in.dport, in.vlan, in.src));
	if (auto synced = bpf::sync_rules(maps.value(), keys); !synced) {
		std::fprintf(stderr, "fuzz_xdp: %s\n", synced.error().message.c_str());
		std::exit(1);
	}
	std::vector<mcr_rule6_key> keys6;
	for (const fuzz::Flow6 &f : fuzz::relay_flows6())
		keys6.push_back(bpf::make_rule6_key(f.dst, f.dport, f.vlan, f.src));
	if (auto synced = bpf::sync_rules6(maps.value(), keys6); !synced) {
		std::fprintf(stderr, "fuzz_xdp: %s\n", synced.error().message.c_str());
		std::exit(1);
	}
	if (auto synced = bpf::sync_ranges(maps.value(), fuzz::range_rules()); !synced) {
		std::fprintf(stderr, "fuzz_xdp: %s\n", synced.error().message.c_str());
		std::exit(1);
	}
	if (auto synced = bpf::sync_ranges6(maps.value(), fuzz::range_rules6()); !synced) {
		std::fprintf(stderr, "fuzz_xdp: %s\n", synced.error().message.c_str());
		std::exit(1);
	}
	const int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0) {
		std::fprintf(stderr, "fuzz_xdp: cannot count CPUs\n");
		std::exit(1);
	}
	fuzz::loaded = new fuzz::Loaded{std::move(object).value(), std::move(maps).value(),
					static_cast<size_t>(cpus)};
	fuzz::loaded->stats = fuzz::read_stats();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace mcr::fuzz;
	if (size < min_frame || size > max_frame)
		return -1; // BPF_PROG_TEST_RUN refuses these sizes
	const std::span<const uint8_t> frame(data, size);
	const UserSpace u = user_space(frame);

	const uint32_t modes[] = {0, MCR_XDP_F_STRICT}; // af_packet, af_packet + strict
	for (int m = 0; m < 2; m++) {
		const Verdict got = run(frame, modes[m]);
		const Verdict want = expected_verdict(frame, modes[m]);
		verdict_features[m][static_cast<size_t>(u.verdict)][got.stat] = 1;
		FUZZ_CHECK(got == want, "%s: XDP says %s/%s, the verdict table %s/%s",
			   m ? "strict" : "normal", action_name(got.action), stat_name(got.stat),
			   action_name(want.action), stat_name(want.stat));
		FUZZ_CHECK((got.action == XDP_DROP) ==
				   (is_drop_for_relay(got.stat) || is_strict_drop(got.stat)),
			   "action %s with counter %s", action_name(got.action), stat_name(got.stat));
		check_against_user_space(u, got, modes[m]);
	}
	return 0;
}
