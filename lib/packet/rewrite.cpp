#include "packet/rewrite.h"

#include <cstddef>
#include <cstring>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/udp_checksum.h"

namespace mcr::packet {

namespace {

constexpr uint8_t version_ihl_no_options =
	(IPVERSION << 4) | (sizeof(rte_ipv4_hdr) / RTE_IPV4_IHL_MULTIPLIER);

} // namespace

RewriteInput read_rewrite_input(const uint8_t *frame, const ParsedPacket &pkt)
{
	const uint8_t *ip_in = frame + pkt.l3_offset;
	const uint8_t *udp_in = frame + pkt.l4_offset;
	const auto tos = load<uint8_t>(ip_in + offsetof(rte_ipv4_hdr, type_of_service));
	const uint16_t options_len =
		static_cast<uint16_t>(pkt.l4_offset - pkt.l3_offset - sizeof(rte_ipv4_hdr));
	// A local sender's partial sum is finished here, once per packet.
	const uint16_t udp_cksum = received_udp_checksum(frame, pkt);

	RewriteInput in;
	in.dst_ip = pkt.dst_ip;
	in.src_ip = pkt.src_ip;
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
	in.simple_ttl_proto = byte_pair(static_cast<uint8_t>(pkt.ttl - 1), IPPROTO_UDP);
	in.simple_ip_sum[0] = checksum_fold(in.ip_sum + in.simple_ttl_proto);
	in.simple_ip_sum[1] = checksum_fold(in.ip_sum + in.simple_ttl_proto + in.dst_ip);
	in.simple_udp_sum[0] = checksum_fold(in.udp_removed);
	in.simple_udp_sum[1] = checksum_fold(in.udp_removed + in.dst_ip + in.dst_port);
	// Little-endian: the first word in memory is the lowest.
	static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN);
	in.simple_ip_words = uint64_t{in.first_word} | uint64_t{in.total_len} << 16 |
			     uint64_t{in.packet_id} << 32 | uint64_t{in.fragment} << 48;
	return in;
}

rte_ether_addr multicast_mac(uint32_t group)
{
	const auto g = reinterpret_cast<const uint8_t *>(&group);
	return rte_ether_addr{{0x01, 0x00, 0x5e, static_cast<uint8_t>(g[1] & 0x7f), g[2], g[3]}};
}

} // namespace mcr::packet
