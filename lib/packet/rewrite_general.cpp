#include "packet/rewrite_general.h"

#include <cstddef>
#include <cstring>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"

namespace mcr::packet {

namespace {

constexpr uint32_t ipv6_header_bytes = 40;

// Where the IPv6 header keeps its addresses and its first word's fields.
constexpr uint32_t ipv6_src_offset = 8;
constexpr uint32_t ipv6_dst_offset = 24;
constexpr uint32_t flow_label_mask = 0x000fffff;

uint16_t address_sum(const Address16 &a)
{
	return checksum_fold(raw_sum(a.data(), a.size()));
}

bool is_group(const Address16 &a, bool ipv6)
{
	return ipv6 ? a[0] == 0xff : (a[12] & 0xf0) == 0xe0;
}

} // namespace

rte_ether_addr multicast_mac6(const uint8_t *group)
{
	return rte_ether_addr{{0x33, 0x33, group[12], group[13], group[14], group[15]}};
}

GeneralInput read_general_input(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint8_t *ip = frame + pkt.l3_offset;
	const uint8_t *udp = frame + pkt.l4_offset;
	GeneralInput in{};
	in.ipv6 = pkt.ip_version == 6;
	in.payload = frame + payload_offset(pkt);
	in.ip_payload_len = sizeof(rte_udp_hdr) + payload_len(pkt);
	in.src_port = pkt.src_port;
	in.dst_port = pkt.dst_port;
	in.udp_len = load<uint16_t>(udp + offsetof(rte_udp_hdr, dgram_len));
	in.ttl = pkt.ttl;
	const auto field = load<uint16_t>(udp + offsetof(rte_udp_hdr, dgram_cksum));
	if (in.ipv6) {
		std::memcpy(in.src.data(), ip + ipv6_src_offset, 16);
		std::memcpy(in.dst.data(), ip + ipv6_dst_offset, 16);
		const uint32_t first = rte_be_to_cpu_32(load<uint32_t>(ip));
		in.tos = static_cast<uint8_t>(first >> 20);
		in.flow_label = first & flow_label_mask;
		in.udp_cksum = udp_checksum_ipv6_is_partial(frame, pkt, field) ? finish_udp_checksum(frame, pkt)
									      : field;
	} else {
		in.src = address16_from_ipv4(pkt.src_ip);
		in.dst = address16_from_ipv4(pkt.dst_ip);
		in.tos = ip[offsetof(rte_ipv4_hdr, type_of_service)];
		in.packet_id = load<uint16_t>(ip + offsetof(rte_ipv4_hdr, packet_id));
		in.fragment = load<uint16_t>(ip + offsetof(rte_ipv4_hdr, fragment_offset));
		in.udp_cksum = received_udp_checksum(frame, pkt);
	}
	return in;
}

Address16 general_destination(const GeneralInput &in, const GeneralRewrite &out)
{
	switch (out.dst_mode) {
	case GeneralRewrite::Dst::keep:
		return in.dst;
	case GeneralRewrite::Dst::set:
		return out.dst;
	case GeneralRewrite::Dst::map:
		break;
	}
	return with_low_bits(out.dst, in.dst, out.map_bits);
}

RewriteResult write_general_headers(const GeneralInput &in, const GeneralRewrite &out, uint8_t *dst)
{
	uint8_t ttl = out.ttl;
	if (ttl == 0) {
		if (in.ttl <= 1)
			return {0, DropReason::ttl_expired};
		ttl = static_cast<uint8_t>(in.ttl - 1);
	}
	const Address16 dst_ip = general_destination(in, out);
	const Address16 &src_ip = out.keep_src ? in.src : out.src;
	const uint16_t dst_port = out.dst_port != 0 ? out.dst_port : in.dst_port;
	const auto tos = static_cast<uint8_t>((in.tos & ~out.tos_clear) | out.tos_set);

	// The checksum first: everything it needs from the received datagram
	// is in `in` (and the payload, which no header write reaches).
	uint16_t udp_cksum = 0;
	if (in.udp_cksum != 0) {
		// RFC 1624: the received addresses and port leave, the new ones
		// come in. The pseudo-header's length and protocol sum alike in
		// IPv4 and IPv6, so a change of family changes nothing else.
		const uint64_t sum = uint64_t{static_cast<uint16_t>(~in.udp_cksum)} +
				     static_cast<uint16_t>(~address_sum(in.src)) +
				     static_cast<uint16_t>(~address_sum(in.dst)) +
				     static_cast<uint16_t>(~in.dst_port) + address_sum(src_ip) +
				     address_sum(dst_ip) + dst_port;
		udp_cksum = udp_checksum_field(static_cast<uint16_t>(~checksum_fold(sum)));
	} else if (out.ipv6) {
		const uint32_t udp_bytes = rte_be_to_cpu_16(in.udp_len);
		const uint64_t sum = raw_sum(in.payload, udp_bytes - sizeof(rte_udp_hdr)) + in.src_port +
				     dst_port + 2u * in.udp_len + byte_pair(0, IPPROTO_UDP) +
				     address_sum(src_ip) + address_sum(dst_ip);
		udp_cksum = udp_checksum_field(static_cast<uint16_t>(~checksum_fold(sum)));
	}

	uint8_t *p = dst;
	if (out.mac_from_group && is_group(dst_ip, out.ipv6)) {
		const rte_ether_addr mac = out.ipv6 ? multicast_mac6(dst_ip.data())
						    : multicast_mac(ipv4_of(dst_ip));
		std::memcpy(p + offsetof(rte_ether_hdr, dst_addr), &mac, sizeof mac);
	} else {
		std::memcpy(p + offsetof(rte_ether_hdr, dst_addr), &out.dst_mac, sizeof out.dst_mac);
	}
	std::memcpy(p + offsetof(rte_ether_hdr, src_addr), &out.src_mac, sizeof out.src_mac);
	p = write_ether_type(p, out.vlan, out.ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);

	if (out.ipv6) {
		const uint32_t flow_label = in.ipv6 ? in.flow_label : 0;
		store(p, rte_cpu_to_be_32(6u << 28 | uint32_t{tos} << 20 | flow_label));
		store(p + offsetof(rte_ipv6_hdr, payload_len),
		      rte_cpu_to_be_16(static_cast<uint16_t>(in.ip_payload_len)));
		p[offsetof(rte_ipv6_hdr, proto)] = IPPROTO_UDP;
		p[offsetof(rte_ipv6_hdr, hop_limits)] = ttl;
		std::memcpy(p + ipv6_src_offset, src_ip.data(), 16);
		std::memcpy(p + ipv6_dst_offset, dst_ip.data(), 16);
		p += ipv6_header_bytes;
	} else {
		constexpr uint8_t version_ihl = (4 << 4) | (sizeof(rte_ipv4_hdr) / RTE_IPV4_IHL_MULTIPLIER);
		store(p + offsetof(rte_ipv4_hdr, version_ihl), byte_pair(version_ihl, tos));
		store(p + offsetof(rte_ipv4_hdr, total_length),
		      rte_cpu_to_be_16(static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + in.ip_payload_len)));
		store(p + offsetof(rte_ipv4_hdr, packet_id), in.ipv6 ? uint16_t{0} : in.packet_id);
		store(p + offsetof(rte_ipv4_hdr, fragment_offset),
		      in.ipv6 ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : in.fragment);
		store(p + offsetof(rte_ipv4_hdr, time_to_live), byte_pair(ttl, IPPROTO_UDP));
		store(p + offsetof(rte_ipv4_hdr, hdr_checksum), uint16_t{0});
		std::memcpy(p + offsetof(rte_ipv4_hdr, src_addr), src_ip.data() + 12, 4);
		std::memcpy(p + offsetof(rte_ipv4_hdr, dst_addr), dst_ip.data() + 12, 4);
		store(p + offsetof(rte_ipv4_hdr, hdr_checksum),
		      static_cast<uint16_t>(~checksum_fold(raw_sum(p, sizeof(rte_ipv4_hdr)))));
		p += sizeof(rte_ipv4_hdr);
	}

	store(p + offsetof(rte_udp_hdr, src_port), in.src_port);
	store(p + offsetof(rte_udp_hdr, dst_port), dst_port);
	store(p + offsetof(rte_udp_hdr, dgram_len), in.udp_len);
	store(p + offsetof(rte_udp_hdr, dgram_cksum), udp_cksum);
	p += sizeof(rte_udp_hdr);
	return {static_cast<uint16_t>(p - dst), DropReason::none};
}

} // namespace mcr::packet
