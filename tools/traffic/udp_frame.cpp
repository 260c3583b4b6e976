#include "traffic/udp_frame.h"

#include <netinet/in.h>

#include <cstring>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace mcr::traffic {

namespace {

constexpr uint32_t ip_offset = sizeof(rte_ether_hdr);
// From the UDP header: the payload, and in it the per-packet fields
// (sequence and send stamp), 16 bytes at an even offset from the UDP
// header, so they are whole checksum words.
constexpr uint32_t udp_to_payload = sizeof(rte_udp_hdr);
constexpr uint32_t udp_to_stamp = udp_to_payload + 8;
constexpr uint32_t stamp_size = 16;

static_assert(ip_offset + sizeof(rte_ipv4_hdr) + udp_to_payload == udp_frame_overhead);
static_assert(ip_offset + sizeof(rte_ipv6_hdr) + udp_to_payload == udp6_frame_overhead);
static_assert(udp_to_stamp % 2 == 0);

// The IP header of spec's family at f + ip_offset; returns the unfolded
// one's-complement sum of its UDP pseudo-header.
uint64_t write_ip_header(uint8_t *f, const UdpFrameSpec &spec, uint32_t udp_len)
{
	if (const auto *dst6 = std::get_if<Ipv6>(&spec.dst_ip)) {
		rte_ipv6_hdr ip{};
		ip.vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip.payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
		ip.proto = IPPROTO_UDP;
		ip.hop_limits = spec.ttl;
		std::memcpy(ip.src_addr, std::get<Ipv6>(spec.src_ip).data(), sizeof(ip.src_addr));
		std::memcpy(ip.dst_addr, dst6->data(), sizeof(ip.dst_addr));
		packet::store(f + ip_offset, ip);
		return rte_ipv6_phdr_cksum(&ip, 0);
	}
	rte_ipv4_hdr ip{};
	ip.version_ihl = RTE_IPV4_VHL_DEF;
	ip.total_length = rte_cpu_to_be_16(static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + udp_len));
	ip.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip.time_to_live = spec.ttl;
	ip.next_proto_id = IPPROTO_UDP;
	ip.src_addr = rte_cpu_to_be_32(std::get<uint32_t>(spec.src_ip));
	ip.dst_addr = rte_cpu_to_be_32(std::get<uint32_t>(spec.dst_ip));
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	packet::store(f + ip_offset, ip);
	return rte_ipv4_phdr_cksum(&ip, 0);
}

} // namespace

UdpFrameTemplate::UdpFrameTemplate(const UdpFrameSpec &spec)
	: bytes_(spec.frame_size, 0), seq_field_(spec.seq_field),
	  udp_offset_(frame_overhead(spec.dst_ip) - udp_to_payload)
{
	uint8_t *f = bytes_.data();
	const uint32_t udp_len = spec.frame_size - udp_offset_;
	const uint32_t payload_offset = udp_offset_ + udp_to_payload;

	rte_ether_hdr eth{};
	std::memcpy(eth.dst_addr.addr_bytes, spec.dst_mac.data(), RTE_ETHER_ADDR_LEN);
	std::memcpy(eth.src_addr.addr_bytes, spec.src_mac.data(), RTE_ETHER_ADDR_LEN);
	eth.ether_type = rte_cpu_to_be_16(is_ipv6(spec.dst_ip) ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	packet::store(f, eth);

	const uint64_t pseudo_sum = write_ip_header(f, spec, udp_len);

	rte_udp_hdr udp{};
	udp.src_port = rte_cpu_to_be_16(spec.src_port);
	udp.dst_port = rte_cpu_to_be_16(spec.dst_port);
	udp.dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
	packet::store(f + udp_offset_, udp);

	encode_payload_header(f + payload_offset, PayloadHeader{spec.flow_id, 0, 0});
	// Filler a corrupting hop would disturb, unlike zeros.
	for (uint32_t i = payload_offset + payload_header_size; i < spec.frame_size; i++)
		f[i] = static_cast<uint8_t>(i);
	if (seq_field_.enabled())
		std::memset(f + payload_offset + seq_field_.offset, 0, seq_field_.size);

	udp_partial_sum_ = pseudo_sum + rte_raw_cksum(f + udp_offset_, udp_len);
}

void UdpFrameTemplate::write(uint8_t *dst, uint64_t seq, uint64_t send_ns) const
{
	const uint32_t payload_offset = udp_offset_ + udp_to_payload;
	const uint32_t stamp_offset = udp_offset_ + udp_to_stamp;
	std::memcpy(dst, bytes_.data(), bytes_.size());
	stamp_payload_header(dst + payload_offset, seq, send_ns);
	// Summing 32-bit words equals summing their 16-bit halves modulo
	// 0xffff; the fold absorbs the carries (see packet/checksum.h).
	uint64_t sum = udp_partial_sum_;
	for (uint32_t off = 0; off < stamp_size; off += 4)
		sum += packet::load<uint32_t>(dst + stamp_offset + off);
	if (seq_field_.enabled()) {
		// The field may start at an odd offset: each byte goes into
		// its half of its 16-bit checksum word.
		uint8_t *field = dst + payload_offset + seq_field_.offset;
		seq_field_.write(dst + payload_offset, seq);
		const uint32_t parity = (udp_to_payload + seq_field_.offset) % 2;
		for (uint32_t i = 0; i < seq_field_.size; i++) {
			uint8_t word[2] = {0, 0};
			word[(parity + i) % 2] = field[i];
			sum += packet::load<uint16_t>(word);
		}
	}
	const auto cksum = packet::udp_checksum_field(static_cast<uint16_t>(~packet::checksum_fold(sum)));
	packet::store(dst + udp_offset_ + offsetof(rte_udp_hdr, dgram_cksum), cksum);
}

} // namespace mcr::traffic
