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
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"
#include "reference_frame.h"
#include "reference_ipv6.h"

namespace mcr::fuzz {
namespace {

using packet::DropReason;
using packet::drop_reason_name;
using packet::IpChecksum;
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
	FUZZ_CHECK(std::equal(original.begin(), original.end(), in.begin()),
		   "parsing or rewriting changed the received frame");
	return 0;
}
