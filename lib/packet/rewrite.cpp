#include "packet/rewrite.h"

#include <cstddef>
#include <cstring>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace mcr::packet {

namespace {

constexpr uint8_t version_ihl_no_options =
	(IPVERSION << 4) | (sizeof(rte_ipv4_hdr) / RTE_IPV4_IHL_MULTIPLIER);

// Two header bytes as the 16-bit word they form in memory.
uint16_t byte_pair(uint8_t first, uint8_t second)
{
	return rte_cpu_to_be_16(static_cast<uint16_t>(first << 8 | second));
}

} // namespace

RewriteInput read_rewrite_input(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint8_t *ip_in = frame + pkt.l3_offset;
	const uint8_t *udp_in = frame + pkt.l4_offset;
	const auto tos = load<uint8_t>(ip_in + offsetof(rte_ipv4_hdr, type_of_service));
	const uint16_t options_len =
		static_cast<uint16_t>(pkt.l4_offset - pkt.l3_offset - sizeof(rte_ipv4_hdr));
	const auto udp_cksum = load<uint16_t>(udp_in + offsetof(rte_udp_hdr, dgram_cksum));

	RewriteInput in;
	in.dst_ip = pkt.dst_ip;
	in.first_word = byte_pair(version_ihl_no_options, tos);
	in.total_len = rte_cpu_to_be_16(static_cast<uint16_t>(pkt.ip_total_len - options_len));
	in.packet_id = load<uint16_t>(ip_in + offsetof(rte_ipv4_hdr, packet_id));
	in.fragment = load<uint16_t>(ip_in + offsetof(rte_ipv4_hdr, fragment_offset));
	in.src_port = pkt.src_port;
	in.dst_port = pkt.dst_port;
	in.udp_len = load<uint16_t>(udp_in + offsetof(rte_udp_hdr, dgram_len));
	in.ttl = pkt.ttl;
	in.ip_sum = uint64_t{in.first_word} + in.total_len + in.packet_id + in.fragment;
	// RFC 1624 eqn. 3 (ChecksumDelta), split: the old checksum and the
	// fields an output may change leave here; each output adds its values.
	// The pseudo-header's length and protocol do not change.
	in.udp_checksum = udp_cksum != 0;
	in.udp_removed = uint64_t{static_cast<uint16_t>(~udp_cksum)} +
			 static_cast<uint32_t>(~pkt.src_ip) + static_cast<uint32_t>(~pkt.dst_ip) +
			 static_cast<uint16_t>(~pkt.dst_port);
	return in;
}

// Fields are stored one by one rather than through header structs
// assembled on the stack: copying a struct that was just written piecewise
// defeats store-to-load forwarding and costs more than the rest of the
// function.
RewriteResult write_output_headers(const RewriteInput &in, const OutputRewrite &out, uint8_t *dst)
{
	uint8_t ttl = out.ttl;
	if (ttl == 0) {
		// A router must not forward what it would send with TTL 0.
		if (unlikely(in.ttl <= 1))
			return {0, DropReason::ttl_expired};
		ttl = static_cast<uint8_t>(in.ttl - 1);
	}
	const uint32_t dst_ip = out.dst_ip != 0 ? out.dst_ip : in.dst_ip;
	const uint16_t dst_port = out.dst_port != 0 ? out.dst_port : in.dst_port;

	const uint16_t ttl_proto = byte_pair(ttl, IPPROTO_UDP);
	const auto ip_cksum = static_cast<uint16_t>(
		~checksum_fold(in.ip_sum + ttl_proto + out.src_ip + dst_ip));
	const uint16_t udp_cksum =
		in.udp_checksum ? udp_checksum_field(static_cast<uint16_t>(~checksum_fold(
					  in.udp_removed + out.src_ip + dst_ip + dst_port)))
				: 0;

	uint8_t *p = dst;
	// Both addresses in one go: OutputRewrite holds them in header order.
	static_assert(offsetof(OutputRewrite, src_mac) ==
		      offsetof(OutputRewrite, dst_mac) + sizeof(rte_ether_addr));
	std::memcpy(p + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, 2 * sizeof(rte_ether_addr));
	if (out.vlan != 0) {
		store(p + offsetof(rte_ether_hdr, ether_type), rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN));
		p += sizeof(rte_ether_hdr);
		store(p + offsetof(rte_vlan_hdr, vlan_tci), rte_cpu_to_be_16(out.vlan));
		store(p + offsetof(rte_vlan_hdr, eth_proto), rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
		p += sizeof(rte_vlan_hdr);
	} else {
		store(p + offsetof(rte_ether_hdr, ether_type), rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
		p += sizeof(rte_ether_hdr);
	}

	store(p + offsetof(rte_ipv4_hdr, version_ihl), in.first_word); // and type_of_service
	store(p + offsetof(rte_ipv4_hdr, total_length), in.total_len);
	store(p + offsetof(rte_ipv4_hdr, packet_id), in.packet_id);
	store(p + offsetof(rte_ipv4_hdr, fragment_offset), in.fragment); // at most DF: parse drops fragments
	store(p + offsetof(rte_ipv4_hdr, time_to_live), ttl_proto); // and next_proto_id
	store(p + offsetof(rte_ipv4_hdr, hdr_checksum), ip_cksum);
	store(p + offsetof(rte_ipv4_hdr, src_addr), out.src_ip);
	store(p + offsetof(rte_ipv4_hdr, dst_addr), dst_ip);
	p += sizeof(rte_ipv4_hdr);

	store(p + offsetof(rte_udp_hdr, src_port), in.src_port);
	store(p + offsetof(rte_udp_hdr, dst_port), dst_port);
	store(p + offsetof(rte_udp_hdr, dgram_len), in.udp_len);
	store(p + offsetof(rte_udp_hdr, dgram_cksum), udp_cksum);
	p += sizeof(rte_udp_hdr);
	return {static_cast<uint16_t>(p - dst), DropReason::none};
}

rte_ether_addr multicast_mac(uint32_t group)
{
	const auto g = reinterpret_cast<const uint8_t *>(&group);
	return rte_ether_addr{{0x01, 0x00, 0x5e, static_cast<uint8_t>(g[1] & 0x7f), g[2], g[3]}};
}

} // namespace mcr::packet
