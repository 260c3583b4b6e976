// Output headers of a relayed packet: the worker writes them once per output,
// either in front of a full copy of the payload or into a private header mbuf
// chained to an indirect clone of the received payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <netinet/in.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/drop_reason.h"
#include "packet/parse.h"

namespace mcr::packet {

// How one output differs from the received packet. Built once per rule
// output on the main lcore; addresses and ports in network order.
// Zero in a new field means "as received" or "as before", so a zeroed
// OutputRewrite plus addresses is a valid output.
struct OutputRewrite {
	rte_ether_addr dst_mac;
	rte_ether_addr src_mac;
	uint16_t vlan;     // VLAN id to tag with; 0 = send untagged
	uint8_t tos_clear; // TOS bits replaced: 0xfc (the DSCP) to set one, 0 to keep the TOS
	uint8_t tos_set;   // what goes in their place: the DSCP << 2
	uint32_t src_ip;   // the source to write (egress port's or given); 0 with keep_src
	uint32_t dst_ip;   // 0 = keep the received destination
	uint16_t dst_port; // 0 = keep the received destination port
	uint8_t ttl;       // 0 = received TTL - 1; otherwise used as is
	bool keep_src;     // send with the received source address
	// Derived from the fields above by prepare_output_rewrite, once, when
	// a rule is compiled (zero, as in a fresh OutputRewrite, takes the
	// general path). A simple output is what nearly every one is: TTL
	// decremented, a source of its own, no DSCP, untagged, and the
	// destination address and port both kept or both set. Each checksum
	// is then the packet's share, summed once per packet for either kind
	// (RewriteInput::simple_*), plus the output's own, summed here.
	bool simple;
	bool keeps_dst;   // simple, and sends to the received destination and port
	uint16_t ip_sum;  // the output's share of the IPv4 checksum, folded: source [+ destination]
	uint16_t udp_sum; // of the UDP checksum: source [+ destination + port]
};

// Sets the derived fields of an OutputRewrite whose other fields are final.
inline void prepare_output_rewrite(OutputRewrite &out)
{
	const bool keeps_dst = out.dst_ip == 0 && out.dst_port == 0;
	out.simple = out.ttl == 0 && !out.keep_src && out.tos_clear == 0 && out.vlan == 0 &&
		     (keeps_dst || (out.dst_ip != 0 && out.dst_port != 0));
	out.keeps_dst = out.simple && keeps_dst;
	out.ip_sum = checksum_fold(uint64_t{out.src_ip} + out.dst_ip);
	out.udp_sum = checksum_fold(uint64_t{out.src_ip} + out.dst_ip + out.dst_port);
}

// Header bytes write_output_headers produces for this output: Ethernet,
// the 802.1Q tag if any, a 20-byte IPv4 header, UDP. Known before writing,
// so the caller can size the mbuf first.
constexpr uint16_t output_header_len(const OutputRewrite &out)
{
	return sizeof(rte_ether_hdr) + (out.vlan != 0 ? sizeof(rte_vlan_hdr) : 0) +
	       sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);
}

inline constexpr uint16_t max_output_header_len =
	sizeof(rte_ether_hdr) + sizeof(rte_vlan_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);

struct RewriteResult {
	uint16_t header_len; // bytes written at dst; 0 when dropped
	DropReason drop;     // none, or ttl_expired (then nothing is written)
};

// What every output of one received datagram takes from it, read once per
// packet however many outputs it has. Words as they sit in memory.
struct RewriteInput {
	uint64_t ip_sum;      // IPv4 words no output changes: version/IHL + TOS, length, id, flags
	uint64_t udp_removed; // what leaves the UDP checksum: ~checksum, ~src, ~dst, ~port
	uint32_t dst_ip;
	uint32_t src_ip;
	uint16_t first_word; // version/IHL (no options) + TOS
	uint16_t total_len;  // without the options, which are not carried
	uint16_t packet_id;
	uint16_t fragment;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t udp_len;
	uint8_t ttl;
	bool udp_checksum; // false: sent without one (0), and stays so
	// For simple outputs (OutputRewrite::simple), indexed by keeps_dst:
	// the packet's share of each checksum, folded (with the received
	// destination and port for [1], without for [0]); the TTL/protocol
	// word with the TTL decremented (meaningless when ttl <= 1: those
	// outputs drop). A simple output's checksum is one 16-bit addition away.
	uint16_t simple_ip_sum[2];
	uint16_t simple_udp_sum[2];
	uint16_t simple_ttl_proto;
	// Words every simple output stores unchanged, in memory order: IPv4
	// version/IHL + TOS, total length, id, fragment.
	uint64_t simple_ip_words;
};

// a + b, both folded sums, with the end-around carry: one step is enough.
constexpr uint16_t add_folded(uint16_t a, uint16_t b)
{
	const uint32_t s = uint32_t{a} + b;
	return static_cast<uint16_t>((s & 0xffff) + (s >> 16));
}

// Reads the fields of a frame that parse_frame accepted as pkt. A partial
// UDP checksum from a local sender is finished here (udp_checksum.h), so
// every output starts from the datagram's true checksum.
RewriteInput read_rewrite_input(const uint8_t *frame, const ParsedPacket &pkt);

// write_output_headers for a simple output (OutputRewrite::simple): the
// same bytes, from the sums read_rewrite_input and prepare_output_rewrite
// made. Its checksums are the general path's: the sums are congruent
// modulo 0xffff and never zero (the TTL/protocol word is in the IPv4 one,
// a set destination or the kept one's complement pair in the UDP one),
// and a fold of a nonzero sum is the one value of 1..0xffff in its class.
__rte_always_inline RewriteResult write_simple_headers(const RewriteInput &in, const OutputRewrite &out,
						      uint8_t *dst)
{
	if (unlikely(in.ttl <= 1))
		return {0, DropReason::ttl_expired};
	const unsigned k = out.keeps_dst;
	const auto ip_cksum = static_cast<uint16_t>(~add_folded(in.simple_ip_sum[k], out.ip_sum));
	const uint16_t udp_cksum =
		in.udp_checksum ? udp_checksum_field(static_cast<uint16_t>(
					  ~add_folded(in.simple_udp_sum[k], out.udp_sum)))
				: 0;
	const uint32_t dst_ip = k ? in.dst_ip : out.dst_ip;
	const uint16_t dst_port = k ? in.dst_port : out.dst_port;
	static_assert(offsetof(OutputRewrite, src_mac) ==
		      offsetof(OutputRewrite, dst_mac) + sizeof(rte_ether_addr));
	std::memcpy(dst + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, 2 * sizeof(rte_ether_addr));
	store(dst + offsetof(rte_ether_hdr, ether_type), rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	uint8_t *ip = dst + sizeof(rte_ether_hdr);
	// Version/IHL, TOS, total length, id and fragment word: one store.
	store(ip + offsetof(rte_ipv4_hdr, version_ihl), in.simple_ip_words);
	store(ip + offsetof(rte_ipv4_hdr, time_to_live), in.simple_ttl_proto);
	store(ip + offsetof(rte_ipv4_hdr, hdr_checksum), ip_cksum);
	store(ip + offsetof(rte_ipv4_hdr, src_addr), out.src_ip);
	store(ip + offsetof(rte_ipv4_hdr, dst_addr), dst_ip);
	uint8_t *udp = ip + sizeof(rte_ipv4_hdr);
	store(udp + offsetof(rte_udp_hdr, src_port), in.src_port);
	store(udp + offsetof(rte_udp_hdr, dst_port), dst_port);
	store(udp + offsetof(rte_udp_hdr, dgram_len), in.udp_len);
	store(udp + offsetof(rte_udp_hdr, dgram_cksum), udp_cksum);
	return {static_cast<uint16_t>(sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr)),
		DropReason::none};
}

// write_simple_headers over the received headers of an untagged frame
// without IPv4 options (frame + 42 is the payload): only the fields that
// differ from the received ones are stored. The others (Ethernet type,
// version/IHL, TOS, lengths, id, fragment word, source port) already hold
// what write_simple_headers would write there.
__rte_always_inline void write_simple_in_place(const RewriteInput &in, const OutputRewrite &out,
					       uint8_t *frame)
{
	const unsigned k = out.keeps_dst;
	const auto ip_cksum = static_cast<uint16_t>(~add_folded(in.simple_ip_sum[k], out.ip_sum));
	std::memcpy(frame + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, 2 * sizeof(rte_ether_addr));
	uint8_t *ip = frame + sizeof(rte_ether_hdr);
	store(ip + offsetof(rte_ipv4_hdr, time_to_live), in.simple_ttl_proto);
	store(ip + offsetof(rte_ipv4_hdr, hdr_checksum), ip_cksum);
	store(ip + offsetof(rte_ipv4_hdr, src_addr), out.src_ip);
	uint8_t *udp = ip + sizeof(rte_ipv4_hdr);
	if (!k) {
		store(ip + offsetof(rte_ipv4_hdr, dst_addr), out.dst_ip);
		store(udp + offsetof(rte_udp_hdr, dst_port), out.dst_port);
	}
	store(udp + offsetof(rte_udp_hdr, dgram_cksum),
	      in.udp_checksum ? udp_checksum_field(static_cast<uint16_t>(
					~add_folded(in.simple_udp_sum[k], out.udp_sum)))
			      : uint16_t{0});
}

// The rest of an Ethernet header whose MACs are written: the ethertype,
// behind an 802.1Q tag when vlan is set. Returns where the IP header goes.
__rte_always_inline uint8_t *write_ether_type(uint8_t *frame, uint16_t vlan, uint16_t ether_type)
{
	if (vlan == 0) {
		store(frame + offsetof(rte_ether_hdr, ether_type), rte_cpu_to_be_16(ether_type));
		return frame + sizeof(rte_ether_hdr);
	}
	store(frame + offsetof(rte_ether_hdr, ether_type), rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN));
	uint8_t *tag = frame + sizeof(rte_ether_hdr);
	store(tag + offsetof(rte_vlan_hdr, vlan_tci), rte_cpu_to_be_16(vlan));
	store(tag + offsetof(rte_vlan_hdr, eth_proto), rte_cpu_to_be_16(ether_type));
	return tag + sizeof(rte_vlan_hdr);
}

// Writes the output's Ethernet [+ 802.1Q] + IPv4 + UDP headers at dst.
// IPv4 options are not carried (the relay re-originates the datagram, IHL
// is 5); id, DF and the TOS (but for a DSCP the output sets) are kept. The
// IPv4 checksum is computed afresh; the UDP checksum is updated
// incrementally, so an error in the received datagram stays detectable
// downstream, and a zero (absent) UDP checksum stays zero. Reads nothing of
// the frame, so dst may overlap it.
//
// Inline: it runs once per output, and in the fan-out loop the compiler
// keeps the packet's RewriteInput in registers across outputs.
// Fields are stored one by one rather than through header structs
// assembled on the stack: copying a struct that was just written piecewise
// defeats store-to-load forwarding and costs more than the rest of the
// function.
__rte_always_inline RewriteResult write_output_headers(const RewriteInput &in, const OutputRewrite &out,
					  uint8_t *dst)
{
	if (likely(out.simple))
		return write_simple_headers(in, out, dst);
	uint8_t ttl = out.ttl;
	if (ttl == 0) {
		// A router must not forward what it would send with TTL 0.
		if (unlikely(in.ttl <= 1))
			return {0, DropReason::ttl_expired};
		ttl = static_cast<uint8_t>(in.ttl - 1);
	}
	const uint32_t dst_ip = out.dst_ip != 0 ? out.dst_ip : in.dst_ip;
	const uint16_t dst_port = out.dst_port != 0 ? out.dst_port : in.dst_port;
	const uint32_t src_ip = out.keep_src ? in.src_ip : out.src_ip;
	uint16_t first_word = in.first_word;
	uint64_t ip_sum = in.ip_sum;
	// A branch rather than a select: an output's choice is the same for
	// every packet, so it predicts well, and an output without a DSCP (the
	// usual one) adds nothing to the checksum's dependency chain (measured:
	// the select cost 3 ns per output in bench-engine's BM_rewrite).
	if (out.tos_clear != 0) {
		// The TOS byte is the second of the word; the word's change joins
		// the header sum, which holds the received word (~old + new swaps
		// it, RFC 1624).
		first_word = static_cast<uint16_t>((first_word & ~byte_pair(0, out.tos_clear)) |
						   byte_pair(0, out.tos_set));
		ip_sum += static_cast<uint16_t>(~in.first_word) + first_word;
	}

	const uint16_t ttl_proto = byte_pair(ttl, IPPROTO_UDP);
	const auto ip_cksum = static_cast<uint16_t>(
		~checksum_fold(ip_sum + ttl_proto + src_ip + dst_ip));
	// udp_removed took the received source out; src_ip goes in (the same
	// address with keep_src, so the sum is unchanged by it).
	const uint16_t udp_cksum =
		in.udp_checksum ? udp_checksum_field(static_cast<uint16_t>(~checksum_fold(
					  in.udp_removed + src_ip + dst_ip + dst_port)))
				: 0;

	uint8_t *p = dst;
	// Both addresses in one go: OutputRewrite holds them in header order.
	static_assert(offsetof(OutputRewrite, src_mac) ==
		      offsetof(OutputRewrite, dst_mac) + sizeof(rte_ether_addr));
	std::memcpy(p + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, 2 * sizeof(rte_ether_addr));
	p = write_ether_type(p, out.vlan, RTE_ETHER_TYPE_IPV4);

	store(p + offsetof(rte_ipv4_hdr, version_ihl), first_word); // and type_of_service
	store(p + offsetof(rte_ipv4_hdr, total_length), in.total_len);
	store(p + offsetof(rte_ipv4_hdr, packet_id), in.packet_id);
	store(p + offsetof(rte_ipv4_hdr, fragment_offset), in.fragment); // at most DF: parse drops fragments
	store(p + offsetof(rte_ipv4_hdr, time_to_live), ttl_proto); // and next_proto_id
	store(p + offsetof(rte_ipv4_hdr, hdr_checksum), ip_cksum);
	store(p + offsetof(rte_ipv4_hdr, src_addr), src_ip);
	store(p + offsetof(rte_ipv4_hdr, dst_addr), dst_ip);
	p += sizeof(rte_ipv4_hdr);

	store(p + offsetof(rte_udp_hdr, src_port), in.src_port);
	store(p + offsetof(rte_udp_hdr, dst_port), dst_port);
	store(p + offsetof(rte_udp_hdr, dgram_len), in.udp_len);
	store(p + offsetof(rte_udp_hdr, dgram_cksum), udp_cksum);
	p += sizeof(rte_udp_hdr);
	return {static_cast<uint16_t>(p - dst), DropReason::none};
}

// Both steps for one output. Every source field is read before anything is
// written, so dst may overlap the frame's own headers: rewriting in place is
// valid when dst + header_len == frame + payload_offset(pkt).
//
// The payload that must follow is frame + payload_offset(pkt), payload_len(pkt)
// bytes long.
inline RewriteResult write_output_headers(const uint8_t *frame, const ParsedPacket &pkt,
					  const OutputRewrite &out, uint8_t *dst)
{
	return write_output_headers(read_rewrite_input(frame, pkt), out, dst);
}

// A simple output (OutputRewrite::simple) written over the received
// headers of an untagged frame without IPv4 options (pkt.l4_offset == 34),
// whose UDP checksum field udp_field holds no partial sum and whose TTL is
// above 1: the bytes write_output_headers would put there, but only the
// fields that change are stored and nothing is read into a RewriteInput.
// The IPv4 checksum is summed afresh over the same words (the received one
// is not trusted: a PMD may vouch for a header whose field it never
// checked); the UDP checksum is updated from the received one with the
// general path's sum, so both are the same values.
inline void rewrite_simple_in_place(uint8_t *frame, const ParsedPacket &pkt, const OutputRewrite &out,
				    uint16_t udp_field)
{
	uint8_t *ip = frame + sizeof(rte_ether_hdr);
	const uint16_t ttl_proto = byte_pair(static_cast<uint8_t>(pkt.ttl - 1), IPPROTO_UDP);
	const uint32_t dst_ip = out.keeps_dst ? pkt.dst_ip : out.dst_ip;
	const uint16_t dst_port = out.keeps_dst ? pkt.dst_port : out.dst_port;
	// Version/IHL + TOS + total length, id + fragment: as the general path
	// writes them when there are no options.
	const uint64_t ip_sum = uint64_t{load<uint32_t>(ip)} + load<uint32_t>(ip + 4) + ttl_proto +
				out.src_ip + dst_ip;
	std::memcpy(frame + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, 2 * sizeof(rte_ether_addr));
	store(ip + offsetof(rte_ipv4_hdr, time_to_live), ttl_proto);
	store(ip + offsetof(rte_ipv4_hdr, hdr_checksum), static_cast<uint16_t>(~checksum_fold(ip_sum)));
	store(ip + offsetof(rte_ipv4_hdr, src_addr), out.src_ip);
	store(ip + offsetof(rte_ipv4_hdr, dst_addr), dst_ip);
	uint8_t *udp = frame + pkt.l4_offset;
	store(udp + offsetof(rte_udp_hdr, dst_port), dst_port);
	if (udp_field != 0) {
		const uint64_t sum = uint64_t{static_cast<uint16_t>(~udp_field)} +
				     static_cast<uint32_t>(~pkt.src_ip) + static_cast<uint32_t>(~pkt.dst_ip) +
				     static_cast<uint16_t>(~pkt.dst_port) + out.src_ip + dst_ip + dst_port;
		store(udp + offsetof(rte_udp_hdr, dgram_cksum),
		      udp_checksum_field(static_cast<uint16_t>(~checksum_fold(sum))));
	}
}

// Ethernet destination of an IPv4 multicast group (RFC 1112: 01:00:5e and
// the group's low 23 bits). group is in network order.
rte_ether_addr multicast_mac(uint32_t group);

} // namespace mcr::packet
