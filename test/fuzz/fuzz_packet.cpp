// fuzz_packet: the fast-path parser and the output rewrite on arbitrary bytes.
//
// For every input: parse_frame must give the verdict the reference reading
// (reference_frame.h) gives, in both checksum modes, and l2_destination_ok
// the answer its rule gives. For an accepted frame,
// each fixed OutputRewrite (and one drawn from the payload) must produce
// exactly output_header_len bytes, nothing for an expired TTL, the same bytes
// when written in place over the frame's own headers, and a frame that
// re-parses with the expected fields, valid checksums and the same payload.
//
// Every frame parse_frame accepts, of either family, also goes through
// write_general_headers (rewrite_general.h) for fixed outputs of both
// families (destination set, kept and mapped; source given and kept;
// VLAN; TTL or hop limit set and decremented; DSCP) and one drawn from
// the payload: exactly general_header_len bytes, the same in place, an
// output that re-parses with the addresses, ports, hop limit and MAC the
// output says, and a UDP checksum as good or as bad as the received one
// (an IPv4 datagram without one gets a correct one as IPv6).
//
// Every input also goes through parse_ipv6_frame (from the IPv6 header
// where an IPv6 ethertype would put it, whatever the ethertype says, so
// all inputs exercise it) against reference_ipv6.h, and an accepted
// datagram through udp_checksum_ipv6_ok against the reference sum.
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "packet/parse.h"
#include "packet/parse_ipv6.h"
#include "packet/rewrite.h"
#include "packet/rewrite_general.h"
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"
#include "reference_frame.h"
#include "reference_ipv6.h"

namespace mcr::fuzz {
namespace {

using packet::DropReason;
using packet::drop_reason_name;
using packet::IpChecksum;
using packet::Address16;
using packet::GeneralRewrite;
using packet::OutputRewrite;
using packet::ParsedPacket;

constexpr uint8_t sentinel = 0xa5;

rte_ether_addr mac(uint8_t last)
{
	return rte_ether_addr{{0x02, 0x00, 0x00, 0x00, 0x00, last}};
}

// VLAN on/off, TTL set/decrement, destination kept/changed, source
// given/kept, TOS kept/DSCP set.
std::vector<OutputRewrite> fixed_rewrites()
{
	std::vector<OutputRewrite> v;
	v.push_back({mac(1), mac(2), 0, 0, 0, htonl(0xc6120101), 0, 0, 0, false});
	v.push_back({mac(3), mac(4), 200, 0xfc, 46 << 2, htonl(0xc6120201), htonl(0xef020202),
		     htons(6000), 16, false});
	v.push_back({mac(5), mac(6), 4094, 0, 0, 0, htonl(0xc612020a), 0, 0, true});
	v.push_back({mac(7), mac(8), 0, 0xfc, 0, htonl(0xc6120401), 0, htons(7000), 255, false});
	v.push_back({mac(9), mac(10), 1, 0xfc, 63 << 2, 0, htonl(0xffffffff), htons(65535), 1,
		     true});
	return v;
}

// An output whose values the fuzzer chooses, so checksum corner cases
// (words that cancel, results of 0 and 0xffff) are reachable without
// hoping the frame's own fields hit them.
bool rewrite_from_payload(std::span<const uint8_t> payload, OutputRewrite *out)
{
	if (payload.size() < 14)
		return false;
	const uint8_t *p = payload.data() + payload.size() - 14;
	std::memcpy(&out->src_ip, p, 4);
	std::memcpy(&out->dst_ip, p + 4, 4);
	std::memcpy(&out->dst_port, p + 8, 2);
	out->ttl = p[10];
	out->vlan = static_cast<uint16_t>(be16(p + 11) % 4095); // config allows 0..4094
	// As compiled from `src: keep` (no address) and `dscp: N`.
	out->keep_src = (p[13] & 0x80) != 0;
	if (out->keep_src)
		out->src_ip = 0;
	out->tos_clear = (p[13] & 0x40) != 0 ? 0xfc : 0;
	out->tos_set = out->tos_clear != 0 ? static_cast<uint8_t>((p[13] & 0x3f) << 2) : 0;
	out->dst_mac = mac(11);
	out->src_mac = mac(12);
	return true;
}

void check_parsed_fields(const ParsedPacket &pkt, const RefFrame &ref)
{
	FUZZ_CHECK(pkt.src_ip == htonl(ref.src) && pkt.dst_ip == htonl(ref.dst),
		   "addresses %08x -> %08x, reference %08x -> %08x", ntohl(pkt.src_ip),
		   ntohl(pkt.dst_ip), ref.src, ref.dst);
	FUZZ_CHECK(pkt.src_port == htons(ref.sport) && pkt.dst_port == htons(ref.dport),
		   "ports %u -> %u, reference %u -> %u", ntohs(pkt.src_port), ntohs(pkt.dst_port),
		   ref.sport, ref.dport);
	FUZZ_CHECK(pkt.vlan == ref.vlan, "vlan %u, reference %u", pkt.vlan, ref.vlan);
	FUZZ_CHECK(pkt.l3_offset == ref.l3 && pkt.l4_offset == ref.l4(),
		   "offsets l3 %u l4 %u, reference %zu %zu", pkt.l3_offset, pkt.l4_offset, ref.l3,
		   ref.l4());
	FUZZ_CHECK(pkt.ip_total_len == ref.total && pkt.ttl == ref.ttl,
		   "total %u ttl %u, reference %zu %u", pkt.ip_total_len, pkt.ttl, ref.total, ref.ttl);
	FUZZ_CHECK(packet::payload_offset(pkt) == ref.payload_offset() &&
			   packet::payload_len(pkt) == ref.payload_len(),
		   "payload at %u, %u bytes; reference %zu, %zu", packet::payload_offset(pkt),
		   packet::payload_len(pkt), ref.payload_offset(), ref.payload_len());
}

// The parser against the reference, and the trusted mode against verify:
// trusting the checksum may only turn bad_checksum into another verdict.
DropReason check_parse(std::span<const uint8_t> frame, IpChecksum mode, ParsedPacket *pkt,
		       RefFrame *ref)
{
	const bool verify = mode == IpChecksum::verify;
	const DropReason got = packet::parse_frame(frame.data(), static_cast<uint32_t>(frame.size()),
						   *pkt, mode);
	const DropReason want = reference_parse(frame, ref, verify);
	FUZZ_CHECK(got == want, "parse_frame (%s checksum) gives %s, the reference %s",
		   verify ? "verify" : "trusted", drop_reason_name(got), drop_reason_name(want));
	// An IPv6 datagram's fields are check_ipv6's.
	if (got == DropReason::none && pkt->ip_version == 4)
		check_parsed_fields(*pkt, *ref);
	return got;
}

// l2_destination_ok against the rule it implements: a group's datagram in
// a frame to that group's MAC, anything else to the port's own MAC.
void check_l2_destination(std::span<const uint8_t> in, const ParsedPacket &pkt, const RefFrame &ref)
{
	static const rte_ether_addr port_macs[] = {mac(0), {{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01}}};
	for (const rte_ether_addr &port_mac : port_macs) {
		bool want;
		if ((ref.dst >> 28) == 0xe) {
			const uint8_t group[6] = {0x01, 0x00, 0x5e, static_cast<uint8_t>(ref.dst >> 16 & 0x7f),
						  static_cast<uint8_t>(ref.dst >> 8),
						  static_cast<uint8_t>(ref.dst)};
			want = std::equal(group, group + 6, in.begin());
		} else {
			want = std::equal(port_mac.addr_bytes, port_mac.addr_bytes + 6, in.begin());
		}
		const bool got = packet::l2_destination_ok(in.data(), pkt.dst_ip, port_mac);
		FUZZ_CHECK(got == want, "l2_destination_ok says %d for %02x:%02x:%02x:%02x:%02x:%02x to %08x",
			   got, in[0], in[1], in[2], in[3], in[4], in[5], ref.dst);
	}
}

void check_output(std::span<const uint8_t> in, const ParsedPacket &pkt, const RefFrame &in_ref,
		  const OutputRewrite &rw, std::span<const uint8_t> out)
{
	RefFrame o;
	const DropReason verdict = reference_parse(out, &o);
	FUZZ_CHECK(verdict == DropReason::none, "output does not re-parse: %s",
		   drop_reason_name(verdict));
	ParsedPacket again{};
	FUZZ_CHECK(packet::parse_frame(out.data(), static_cast<uint32_t>(out.size()), again) ==
			   DropReason::none,
		   "parse_frame refuses the output the reference accepts");

	const uint32_t want_dst = ntohl(rw.dst_ip != 0 ? rw.dst_ip : pkt.dst_ip);
	const uint16_t want_dport = ntohs(rw.dst_port != 0 ? rw.dst_port : pkt.dst_port);
	const uint8_t want_ttl = rw.ttl != 0 ? rw.ttl : static_cast<uint8_t>(pkt.ttl - 1);
	FUZZ_CHECK(o.dst == want_dst && o.dport == want_dport, "output to %08x:%u, expected %08x:%u",
		   o.dst, o.dport, want_dst, want_dport);
	const uint32_t want_src = rw.keep_src ? in_ref.src : ntohl(rw.src_ip);
	FUZZ_CHECK(o.src == want_src && o.sport == in_ref.sport,
		   "output from %08x:%u, expected %08x:%u", o.src, o.sport, want_src, in_ref.sport);
	FUZZ_CHECK(o.ttl == want_ttl, "output TTL %u, expected %u", o.ttl, want_ttl);
	FUZZ_CHECK(o.vlan == (rw.vlan & 0x0fff) && (o.l3 == 18) == (rw.vlan != 0),
		   "output VLAN %u at l3 %zu, expected %u", o.vlan, o.l3, rw.vlan);
	FUZZ_CHECK(o.ihl == 20, "output keeps %zu bytes of IPv4 header", o.ihl);
	const auto want_tos = static_cast<uint8_t>((in_ref.tos & ~rw.tos_clear) | rw.tos_set);
	FUZZ_CHECK(o.tos == want_tos && o.id == in_ref.id && o.frag == in_ref.frag,
		   "tos/id/frag %02x/%04x/%04x, expected %02x/%04x/%04x", o.tos, o.id, o.frag,
		   want_tos, in_ref.id, in_ref.frag);
	FUZZ_CHECK(o.udp_len == in_ref.udp_len, "UDP length %u, input %u", o.udp_len,
		   in_ref.udp_len);
	FUZZ_CHECK(o.total == out.size() - o.l3, "output carries %zu bytes after its datagram",
		   out.size() - o.l3 - o.total);
	FUZZ_CHECK(o.payload_len() == in_ref.payload_len() &&
			   std::equal(in.begin() + in_ref.payload_offset(),
				      in.begin() + in_ref.payload_offset() + in_ref.payload_len(),
				      out.begin() + o.payload_offset()),
		   "payload differs (%zu bytes out, %zu in)", o.payload_len(), in_ref.payload_len());
	FUZZ_CHECK(ipv4_checksum_verifies(out, o), "output IPv4 checksum does not verify");

	// The update is incremental, so a datagram arrives as good or as bad
	// as it left the sender; a zero (absent) checksum stays zero; a partial
	// sum (a local sender's) is finished.
	const UdpChecksum before = udp_checksum_state(in, in_ref);
	const UdpChecksum after = as_sent(udp_checksum_state(out, o));
	const UdpChecksum expected = before == UdpChecksum::partial ? UdpChecksum::good : before;
	FUZZ_CHECK(after == expected, "UDP checksum %s on input (%04x), %s on output (%04x)",
		   name_of(before), in_ref.udp_cksum, name_of(after), o.udp_cksum);
}

void check_rewrite(std::span<const uint8_t> in, const ParsedPacket &pkt, const RefFrame &ref,
		   const OutputRewrite &rw)
{
	const uint32_t payload_len = packet::payload_len(pkt);
	const uint16_t header_len = packet::output_header_len(rw);
	FUZZ_CHECK(header_len <= packet::max_output_header_len, "header_len %u", header_len);

	// Out of place, into a buffer whose every byte is known beforehand.
	std::vector<uint8_t> buf(packet::max_output_header_len + 16, sentinel);
	const packet::RewriteResult r = packet::write_output_headers(in.data(), pkt, rw, buf.data());
	if (rw.ttl == 0 && pkt.ttl <= 1) {
		FUZZ_CHECK(r.drop == DropReason::ttl_expired && r.header_len == 0,
			   "TTL %u decremented: %s, %u bytes", pkt.ttl, drop_reason_name(r.drop),
			   r.header_len);
		FUZZ_CHECK(std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == sentinel; }),
			   "an expired TTL still wrote output bytes");
		return;
	}
	FUZZ_CHECK(r.drop == DropReason::none && r.header_len == header_len,
		   "rewrite gives %s, %u bytes; expected none, %u", drop_reason_name(r.drop),
		   r.header_len, header_len);
	FUZZ_CHECK(std::all_of(buf.begin() + header_len, buf.end(),
			       [](uint8_t b) { return b == sentinel; }),
		   "rewrite wrote past its %u header bytes", header_len);

	std::vector<uint8_t> out(buf.begin(), buf.begin() + header_len);
	const uint8_t *payload = in.data() + packet::payload_offset(pkt);
	out.insert(out.end(), payload, payload + payload_len);
	check_output(in, pkt, ref, rw, out);

	// In place, as the worker does for a packet's last output: the new
	// headers end where the payload starts, overlapping the old ones.
	constexpr size_t headroom = packet::max_output_header_len;
	std::vector<uint8_t> frame(headroom + in.size());
	std::copy(in.begin(), in.end(), frame.begin() + headroom);
	uint8_t *start = frame.data() + headroom + packet::payload_offset(pkt) - header_len;
	packet::write_output_headers(frame.data() + headroom, pkt, rw, start);
	FUZZ_CHECK(std::equal(out.begin(), out.end(), start),
		   "rewriting in place gives other bytes than into a separate buffer");
}

// parse_ipv6_frame after an untagged or a one-tag Ethernet header, as
// parse_frame will hand over.
void check_ipv6(std::span<const uint8_t> in)
{
	size_t l3 = 14;
	uint16_t vlan = 0;
	if (in.size() >= 18 && be16(in.data() + 12) == 0x8100) {
		l3 = 18;
		vlan = be16(in.data() + 14) & 0x0fff;
	}
	ParsedPacket pkt{};
	const DropReason got = packet::parse_ipv6_frame(in.data(), static_cast<uint32_t>(in.size()),
							static_cast<uint32_t>(l3), vlan, pkt);
	RefDatagram6 ref;
	const DropReason want = reference_parse_ipv6(in, l3, &ref);
	FUZZ_CHECK(got == want, "parse_ipv6_frame gives %s, the reference %s",
		   drop_reason_name(got), drop_reason_name(want));
	if (got != DropReason::none)
		return;
	FUZZ_CHECK(pkt.ip_version == 6 && pkt.src_ip == 0 && pkt.dst_ip == 0,
		   "version %u, IPv4 addresses %08x %08x", pkt.ip_version, pkt.src_ip, pkt.dst_ip);
	FUZZ_CHECK(pkt.vlan == vlan && pkt.l3_offset == ref.l3 && pkt.l4_offset == ref.l4,
		   "vlan %u l3 %u l4 %u; expected %u %zu %zu", pkt.vlan, pkt.l3_offset,
		   pkt.l4_offset, vlan, ref.l3, ref.l4);
	FUZZ_CHECK(pkt.ip_total_len == ref.total && pkt.ttl == ref.hop_limit,
		   "total %u hop limit %u; reference %zu %u", pkt.ip_total_len, pkt.ttl, ref.total,
		   ref.hop_limit);
	FUZZ_CHECK(pkt.src_port == htons(ref.sport) && pkt.dst_port == htons(ref.dport),
		   "ports %u -> %u, reference %u -> %u", ntohs(pkt.src_port), ntohs(pkt.dst_port),
		   ref.sport, ref.dport);
	FUZZ_CHECK(packet::payload_offset(pkt) == ref.payload_offset() &&
			   packet::payload_len(pkt) == ref.payload_len() &&
			   ref.payload_offset() + ref.payload_len() <= in.size(),
		   "payload at %u, %u bytes; reference %zu, %zu; frame %zu",
		   packet::payload_offset(pkt), packet::payload_len(pkt), ref.payload_offset(),
		   ref.payload_len(), in.size());
	for (const rte_ether_addr &port_mac : {mac(0), rte_ether_addr{{0x33, 0x33, 0, 0, 0, 1}}}) {
		const uint8_t *want_mac = port_mac.addr_bytes;
		const uint8_t group_mac[6] = {0x33, 0x33, ref.dst[12], ref.dst[13], ref.dst[14],
					      ref.dst[15]};
		if (ref.dst[0] == 0xff)
			want_mac = group_mac;
		FUZZ_CHECK(packet::ipv6_l2_destination_ok(in.data(), pkt, port_mac) ==
				   std::equal(want_mac, want_mac + 6, in.begin()),
			   "ipv6_l2_destination_ok wrong for %02x:%02x:%02x:%02x:%02x:%02x",
			   in[0], in[1], in[2], in[3], in[4], in[5]);
	}
	const UdpChecksum state = udp6_checksum_state(in, ref);
	FUZZ_CHECK(packet::udp_checksum_ipv6_ok(in.data(), pkt) ==
			   (state == UdpChecksum::good || state == UdpChecksum::partial),
		   "udp_checksum_ipv6_ok disagrees with a %s checksum (%04x)", name_of(state),
		   ref.udp_cksum);
}


// The received datagram as the general rewrite sees it, read by the
// reference parsers: addresses as 16 bytes (IPv4 in the last four).
struct GeneralRef {
	bool ipv6 = false;
	Address16 src{}, dst{};
	uint16_t sport = 0, dport = 0;
	uint8_t ttl = 0, tos = 0;
	uint16_t id = 0, frag = 0;
	uint32_t flow_label = 0;
	size_t payload_offset = 0, payload_len = 0;
	UdpChecksum udp = UdpChecksum::absent;
};

Address16 address16(uint32_t host_order)
{
	return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(host_order >> 24),
		static_cast<uint8_t>(host_order >> 16), static_cast<uint8_t>(host_order >> 8),
		static_cast<uint8_t>(host_order)};
}

Address16 address16(std::span<const uint8_t> bytes)
{
	Address16 a{};
	std::copy(bytes.begin(), bytes.end(), a.begin());
	return a;
}

// A frame of either family, read by the reference parsers; false when
// they refuse it.
bool general_ref_of(std::span<const uint8_t> frame, GeneralRef *g)
{
	const size_t l3 = frame.size() >= 14 && be16(frame.data() + 12) == 0x8100 ? 18 : 14;
	const uint16_t ether_type = frame.size() >= l3 ? be16(frame.data() + l3 - 2) : 0;
	if (ether_type == 0x86dd) {
		RefDatagram6 r;
		if (reference_parse_ipv6(frame, l3, &r) != DropReason::none)
			return false;
		g->ipv6 = true;
		g->src = r.src;
		g->dst = r.dst;
		g->sport = r.sport;
		g->dport = r.dport;
		g->ttl = r.hop_limit;
		g->tos = static_cast<uint8_t>(be16(frame.data() + l3) >> 4);
		g->flow_label = be32(frame.data() + l3) & 0xfffff;
		g->payload_offset = r.payload_offset();
		g->payload_len = r.payload_len();
		g->udp = udp6_checksum_state(frame, r);
		return true;
	}
	RefFrame r;
	if (reference_parse(frame, &r, false) != DropReason::none)
		return false;
	g->ipv6 = false;
	g->src = address16(r.src);
	g->dst = address16(r.dst);
	g->sport = r.sport;
	g->dport = r.dport;
	g->ttl = r.ttl;
	g->tos = r.tos;
	g->id = r.id;
	g->frag = r.frag;
	g->payload_offset = r.payload_offset();
	g->payload_len = r.payload_len();
	g->udp = udp_checksum_state(frame, r);
	return true;
}

Address16 v6(std::initializer_list<uint8_t> bytes)
{
	Address16 a{};
	std::copy(bytes.begin(), bytes.end(), a.begin());
	return a;
}

// Outputs as Engine::compile makes them: IPv6 set/keep/map, IPv4 set/map,
// VLAN on and off, TTL set and decremented, DSCP set. keep (source or
// destination) only applies to an input of the output's family.
std::vector<GeneralRewrite> fixed_general_rewrites()
{
	using Dst = GeneralRewrite::Dst;
	const Address16 group6 = v6({0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34});
	const Address16 src6 = v6({0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
	const Address16 prefix6 = v6({0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
	const Address16 unicast6 = v6({0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a});
	std::vector<GeneralRewrite> v;
	// IPv6 set, group MAC, untagged, hop limit decremented.
	v.push_back({mac(1), mac(2), 0, 0, true, Dst::set, 0, false, true, 0, 0, 0, src6, group6});
	// IPv6 keep (source and destination), VLAN, hop limit set, DSCP.
	v.push_back({mac(3), mac(4), 100, htons(6000), true, Dst::keep, 0, true, true, 64, 0xfc,
		     46 << 2, {}, {}});
	// IPv6 map of the low 32 bits (an IPv4 group's too) into ff3e::/96.
	v.push_back({mac(5), mac(6), 4094, 0, true, Dst::map, 32, false, true, 1, 0, 0, src6,
		     prefix6});
	// IPv6 unicast, the neighbour's MAC, map of 12 bits (not a byte).
	v.push_back({mac(7), mac(8), 0, htons(65535), true, Dst::map, 12, false, false, 255, 0xfc,
		     0, src6, unicast6});
	// IPv4 set, VLAN, TTL decremented.
	v.push_back({mac(9), mac(10), 200, htons(7000), false, Dst::set, 0, false, true, 0, 0, 0,
		     address16(0xc6120101), address16(0xef020202)});
	// IPv4 map into 239.9.0.0/16, source kept.
	v.push_back({mac(11), mac(12), 0, 0, false, Dst::map, 16, true, true, 16, 0xfc, 10 << 2,
		     {}, address16(0xef090000)});
	// IPv4 keep, TTL 1, mapped 7 bits of a unicast.
	v.push_back({mac(13), mac(14), 1, 0, false, Dst::keep, 0, false, true, 1, 0, 0,
		     address16(0xc612020a), {}});
	v.push_back({mac(15), mac(16), 0, 0, false, Dst::map, 7, false, false, 0, 0, 0,
		     address16(0xc612020a), address16(0xc6120300)});
	return v;
}

// An output whose values the fuzzer picks from the payload's last 40
// bytes: checksum corners (words that cancel, sums of 0 and 0xffff) and
// every map width, both families.
bool general_rewrite_from_payload(std::span<const uint8_t> payload, bool in_ipv6,
				  GeneralRewrite *out)
{
	if (payload.size() < 40)
		return false;
	const uint8_t *p = payload.data() + payload.size() - 40;
	*out = GeneralRewrite{};
	out->ipv6 = (p[0] & 1) != 0;
	const unsigned mode = (p[0] >> 1) % 3;
	out->dst_mode = mode == 0 ? GeneralRewrite::Dst::keep
				  : mode == 1 ? GeneralRewrite::Dst::set : GeneralRewrite::Dst::map;
	if (out->dst_mode == GeneralRewrite::Dst::keep && out->ipv6 != in_ipv6)
		out->dst_mode = GeneralRewrite::Dst::set;
	out->keep_src = (p[0] & 0x08) != 0 && out->ipv6 == in_ipv6;
	out->mac_from_group = (p[0] & 0x10) != 0;
	out->map_bits = static_cast<uint8_t>(p[1] % ((out->ipv6 && in_ipv6 ? 128 : 32) + 1));
	std::memcpy(out->dst.data(), p + 2, 16);
	if (!out->keep_src)
		std::memcpy(out->src.data(), p + 18, 16);
	if (!out->ipv6) {
		std::fill(out->dst.begin(), out->dst.begin() + 12, 0);
		std::fill(out->src.begin(), out->src.begin() + 12, 0);
	}
	if (out->dst_mode == GeneralRewrite::Dst::map)
		out->dst = packet::with_low_bits(out->dst, Address16{}, out->map_bits);
	std::memcpy(&out->dst_port, p + 34, 2);
	out->ttl = p[36];
	out->vlan = static_cast<uint16_t>(be16(p + 37) % 4095);
	out->tos_clear = (p[39] & 0x40) != 0 ? 0xfc : 0;
	out->tos_set = out->tos_clear != 0 ? static_cast<uint8_t>((p[39] & 0x3f) << 2) : 0;
	out->dst_mac = mac(17);
	out->src_mac = mac(18);
	return true;
}

// The destination the output must carry: bit i (from the right) from the
// received destination when i < map_bits, from the output's otherwise.
Address16 expected_destination(const GeneralRef &in, const GeneralRewrite &rw)
{
	if (rw.dst_mode == GeneralRewrite::Dst::keep)
		return in.dst;
	if (rw.dst_mode == GeneralRewrite::Dst::set)
		return rw.dst;
	Address16 a = rw.dst;
	for (unsigned bit = 0; bit < rw.map_bits; bit++) {
		const unsigned byte = 15 - bit / 8;
		const auto mask = static_cast<uint8_t>(1u << (bit % 8));
		a[byte] = static_cast<uint8_t>((a[byte] & ~mask) | (in.dst[byte] & mask));
	}
	return a;
}

void check_general_output(std::span<const uint8_t> in, const GeneralRef &g,
			  const GeneralRewrite &rw, std::span<const uint8_t> out)
{
	ParsedPacket again{};
	const DropReason verdict =
		packet::parse_frame(out.data(), static_cast<uint32_t>(out.size()), again);
	FUZZ_CHECK(verdict == DropReason::none, "general output (IPv%d) does not parse: %s",
		   rw.ipv6 ? 6 : 4, drop_reason_name(verdict));
	FUZZ_CHECK(again.ip_version == (rw.ipv6 ? 6 : 4), "output is IPv%u, expected IPv%d",
		   again.ip_version, rw.ipv6 ? 6 : 4);
	GeneralRef o;
	FUZZ_CHECK(general_ref_of(out, &o), "the reference refuses the general output");
	FUZZ_CHECK(again.vlan == rw.vlan && (again.l3_offset == 18) == (rw.vlan != 0),
		   "output VLAN %u at %u, expected %u", again.vlan, again.l3_offset, rw.vlan);

	Address16 want_dst = expected_destination(g, rw);
	Address16 want_src = rw.keep_src ? g.src : rw.src;
	if (!rw.ipv6) {
		std::fill(want_dst.begin(), want_dst.begin() + 12, 0);
		std::fill(want_src.begin(), want_src.begin() + 12, 0);
	}
	FUZZ_CHECK(o.dst == want_dst, "general output to the wrong destination (mode %d, %u bits)",
		   static_cast<int>(rw.dst_mode), rw.map_bits);
	FUZZ_CHECK(o.src == want_src, "general output from the wrong source (keep %d)", rw.keep_src);
	const uint16_t want_dport = rw.dst_port != 0 ? ntohs(rw.dst_port) : g.dport;
	FUZZ_CHECK(o.sport == g.sport && o.dport == want_dport, "ports %u -> %u, expected %u -> %u",
		   o.sport, o.dport, g.sport, want_dport);
	const uint8_t want_ttl = rw.ttl != 0 ? rw.ttl : static_cast<uint8_t>(g.ttl - 1);
	FUZZ_CHECK(o.ttl == want_ttl, "hop limit %u, expected %u", o.ttl, want_ttl);
	const auto want_tos = static_cast<uint8_t>((g.tos & ~rw.tos_clear) | rw.tos_set);
	FUZZ_CHECK(o.tos == want_tos, "traffic class %02x, expected %02x", o.tos, want_tos);
	if (rw.ipv6) {
		const uint32_t want_label = g.ipv6 ? g.flow_label : 0;
		FUZZ_CHECK(o.flow_label == want_label, "flow label %05x, expected %05x", o.flow_label,
			   want_label);
	} else {
		const uint16_t want_id = g.ipv6 ? 0 : g.id;
		const uint16_t want_frag = g.ipv6 ? 0x4000 : g.frag;
		FUZZ_CHECK(o.id == want_id && o.frag == want_frag, "id/frag %04x/%04x, expected %04x/%04x",
			   o.id, o.frag, want_id, want_frag);
	}

	// Ethernet: the group's MAC when asked for and the destination is a
	// group of the output's family, the given one otherwise.
	uint8_t want_mac[6];
	std::memcpy(want_mac, rw.dst_mac.addr_bytes, 6);
	if (rw.mac_from_group && rw.ipv6 && want_dst[0] == 0xff) {
		const uint8_t m[6] = {0x33, 0x33, want_dst[12], want_dst[13], want_dst[14], want_dst[15]};
		std::memcpy(want_mac, m, 6);
	} else if (rw.mac_from_group && !rw.ipv6 && (want_dst[12] & 0xf0) == 0xe0) {
		const uint8_t m[6] = {0x01, 0x00, 0x5e, static_cast<uint8_t>(want_dst[13] & 0x7f),
				      want_dst[14], want_dst[15]};
		std::memcpy(want_mac, m, 6);
	}
	FUZZ_CHECK(std::equal(want_mac, want_mac + 6, out.begin()) &&
			   std::equal(rw.src_mac.addr_bytes, rw.src_mac.addr_bytes + 6, out.begin() + 6),
		   "general output's Ethernet addresses are wrong");

	FUZZ_CHECK(o.payload_len == g.payload_len &&
			   std::equal(in.begin() + g.payload_offset,
				      in.begin() + g.payload_offset + g.payload_len,
				      out.begin() + o.payload_offset),
		   "general output payload differs (%zu bytes out, %zu in)", o.payload_len,
		   g.payload_len);
	FUZZ_CHECK(o.payload_offset + o.payload_len == out.size(),
		   "general output carries bytes after its datagram");
	if (!rw.ipv6) {
		RefFrame r;
		reference_parse(out, &r);
		FUZZ_CHECK(ipv4_checksum_verifies(out, r), "general output's IPv4 checksum is wrong");
	}

	// Incremental: as good or as bad as received; a partial sum is
	// finished; none stays none in IPv4 and is computed for IPv6.
	UdpChecksum want = g.udp == UdpChecksum::partial ? UdpChecksum::good : g.udp;
	if (want == UdpChecksum::absent && rw.ipv6)
		want = UdpChecksum::good;
	const UdpChecksum got = as_sent(o.udp);
	FUZZ_CHECK(got == want, "general output (IPv%d from IPv%d): UDP checksum %s on input, %s on "
		   "output", rw.ipv6 ? 6 : 4, g.ipv6 ? 6 : 4, name_of(g.udp), name_of(got));
	if (got == UdpChecksum::good)
		FUZZ_CHECK(rw.ipv6 ? packet::udp_checksum_ipv6_ok(out.data(), again)
				   : packet::udp_checksum_ok(out.data(), again),
			   "udp_checksum_ok refuses a good general output");
}

void check_general_rewrite(std::span<const uint8_t> in, const ParsedPacket &pkt,
			   const GeneralRef &g, const GeneralRewrite &rw)
{
	const packet::GeneralInput gin = packet::read_general_input(in.data(), pkt);
	const uint16_t header_len = packet::general_header_len(rw);
	FUZZ_CHECK(header_len <= packet::max_general_header_len, "general header_len %u", header_len);
	std::vector<uint8_t> buf(packet::max_general_header_len + 16, sentinel);
	const packet::RewriteResult r = packet::write_general_headers(gin, rw, buf.data());
	if (rw.ttl == 0 && g.ttl <= 1) {
		FUZZ_CHECK(r.drop == DropReason::ttl_expired && r.header_len == 0,
			   "hop limit %u decremented: %s, %u bytes", g.ttl, drop_reason_name(r.drop),
			   r.header_len);
		FUZZ_CHECK(std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == sentinel; }),
			   "an expired hop limit still wrote output bytes");
		return;
	}
	FUZZ_CHECK(r.drop == DropReason::none && r.header_len == header_len,
		   "general rewrite gives %s, %u bytes; expected none, %u", drop_reason_name(r.drop),
		   r.header_len, header_len);
	FUZZ_CHECK(std::all_of(buf.begin() + header_len, buf.end(),
			       [](uint8_t b) { return b == sentinel; }),
		   "general rewrite wrote past its %u header bytes", header_len);
	std::vector<uint8_t> out(buf.begin(), buf.begin() + header_len);
	out.insert(out.end(), in.begin() + g.payload_offset,
		   in.begin() + g.payload_offset + g.payload_len);
	check_general_output(in, g, rw, out);

	// In place over the received headers, as the worker's last output.
	constexpr size_t headroom = packet::max_general_header_len;
	std::vector<uint8_t> frame(headroom + in.size());
	std::copy(in.begin(), in.end(), frame.begin() + headroom);
	const packet::GeneralInput gin2 = packet::read_general_input(frame.data() + headroom, pkt);
	uint8_t *start = frame.data() + headroom + g.payload_offset - header_len;
	packet::write_general_headers(gin2, rw, start);
	FUZZ_CHECK(std::equal(out.begin(), out.end(), start),
		   "general rewrite in place gives other bytes than into a separate buffer");
}

void check_general(std::span<const uint8_t> in, const ParsedPacket &pkt)
{
	static const std::vector<GeneralRewrite> rewrites = fixed_general_rewrites();
	GeneralRef g;
	FUZZ_CHECK(general_ref_of(in, &g), "the reference refuses a frame parse_frame accepts");
	FUZZ_CHECK(g.ipv6 == (pkt.ip_version == 6), "family differs");
	for (const GeneralRewrite &rw : rewrites) {
		const bool keeps = rw.keep_src || rw.dst_mode == GeneralRewrite::Dst::keep;
		if (keeps && rw.ipv6 != g.ipv6)
			continue; // compile refuses keep across families
		check_general_rewrite(in, pkt, g, rw);
	}
	GeneralRewrite chosen;
	if (general_rewrite_from_payload(in.subspan(g.payload_offset, g.payload_len), g.ipv6, &chosen))
		check_general_rewrite(in, pkt, g, chosen);
}

} // namespace
} // namespace mcr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace mcr::fuzz;
	static const std::vector<OutputRewrite> rewrites = fixed_rewrites();

	// parse_frame takes a 32-bit length; frames are far shorter.
	if (size > UINT16_MAX)
		return 0;
	const std::span<const uint8_t> in(data, size);
	const std::vector<uint8_t> original(in.begin(), in.end());

	ParsedPacket pkt{}, trusted_pkt{};
	RefFrame ref, trusted_ref;
	const DropReason verified = check_parse(in, IpChecksum::verify, &pkt, &ref);
	const DropReason trusted = check_parse(in, IpChecksum::trusted, &trusted_pkt, &trusted_ref);
	FUZZ_CHECK(verified == trusted || verified == DropReason::bad_checksum,
		   "trusting the checksum turns %s into %s", drop_reason_name(verified),
		   drop_reason_name(trusted));

	if (verified == DropReason::none && pkt.ip_version == 4)
		check_l2_destination(in, pkt, ref);
	check_ipv6(in);

	// The rewrite runs on everything the trusted mode accepts: a header the
	// PMD vouched for still gets a fresh, correct checksum.
	if (trusted == DropReason::none && trusted_pkt.ip_version == 4) {
		// `udp_checksum: verify` refuses exactly the bad ones.
		const UdpChecksum state = udp_checksum_state(in, trusted_ref);
		FUZZ_CHECK(mcr::packet::udp_checksum_ok(data, trusted_pkt) == (state != UdpChecksum::bad),
			   "udp_checksum_ok disagrees with a %s checksum (%04x)", name_of(state),
			   trusted_ref.udp_cksum);
		for (const OutputRewrite &rw : rewrites)
			check_rewrite(in, trusted_pkt, trusted_ref, rw);
		OutputRewrite chosen{};
		if (rewrite_from_payload(in.subspan(trusted_ref.payload_offset(),
						    trusted_ref.payload_len()),
					 &chosen))
			check_rewrite(in, trusted_pkt, trusted_ref, chosen);
	}
	if (trusted == DropReason::none)
		check_general(in, trusted_pkt);
	FUZZ_CHECK(std::equal(original.begin(), original.end(), in.begin()),
		   "parsing or rewriting changed the received frame");
	return 0;
}
