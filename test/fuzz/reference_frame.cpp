#include "reference_frame.h"

#include "reference_ipv6.h"

namespace mcr::fuzz {

using packet::DropReason;

namespace {

constexpr uint16_t ethertype_ipv4 = 0x0800;
constexpr uint16_t ethertype_ipv6 = 0x86dd;
constexpr uint16_t ethertype_vlan = 0x8100;
constexpr size_t ethernet_len = 14;
constexpr size_t vlan_tag_len = 4;
constexpr size_t ipv4_min_len = 20;
constexpr size_t udp_len = 8;
constexpr uint8_t proto_udp = 17;

// 802.1ad and the pre-standard 0x9100/0x9200/0x9300: a second tag.
bool is_stacked_tag(uint16_t type)
{
	return type == ethertype_vlan || type == 0x88a8 || type == 0x9100 || type == 0x9200 ||
	       type == 0x9300;
}

} // namespace

uint16_t be16(const uint8_t *p)
{
	return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint32_t be32(const uint8_t *p)
{
	return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

uint16_t ones_sum(std::span<const uint8_t> bytes, uint32_t initial)
{
	uint64_t sum = initial;
	for (size_t i = 0; i < bytes.size(); i += 2) {
		const uint8_t low = i + 1 < bytes.size() ? bytes[i + 1] : 0;
		sum += static_cast<uint16_t>(bytes[i] << 8 | low);
	}
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(sum);
}

DropReason reference_parse(std::span<const uint8_t> frame, RefFrame *out, bool verify_ip_checksum)
{
	const size_t n = frame.size();
	const uint8_t *b = frame.data();
	RefFrame r;
	if (n < ethernet_len)
		return DropReason::truncated;
	uint16_t type = be16(b + 12);
	r.l3 = ethernet_len;
	if (type == ethertype_vlan) {
		if (n < ethernet_len + vlan_tag_len)
			return DropReason::truncated;
		r.vlan = be16(b + 14) & 0x0fff;
		type = be16(b + 16);
		r.l3 += vlan_tag_len;
	}
	if (type == ethertype_ipv6) {
		RefDatagram6 d; // its fields are checked by fuzz_packet's check_ipv6
		return reference_parse_ipv6(frame, r.l3, &d);
	}
	if (type != ethertype_ipv4)
		return is_stacked_tag(type) ? DropReason::vlan_unsupported : DropReason::not_ip;

	if (n < r.l3 + ipv4_min_len)
		return DropReason::truncated;
	const uint8_t *ip = b + r.l3;
	if (ip[0] >> 4 != 4)
		return DropReason::bad_version;
	r.ihl = size_t{ip[0] & 0x0fu} * 4;
	if (r.ihl < ipv4_min_len)
		return DropReason::bad_ihl;
	if (n < r.l3 + r.ihl)
		return DropReason::truncated;
	if (verify_ip_checksum && ones_sum({ip, r.ihl}) != 0xffff)
		return DropReason::bad_checksum;
	r.frag = be16(ip + 6);
	if (r.frag & 0x3fff) // MF or a fragment offset; DF and the reserved bit are fine
		return DropReason::fragment;
	if (ip[9] != proto_udp)
		return DropReason::not_udp;
	if (n < r.l3 + r.ihl + udp_len)
		return DropReason::truncated;
	r.total = be16(ip + 2);
	if (r.total > n - r.l3 || r.total < r.ihl + udp_len)
		return DropReason::bad_length;
	const uint8_t *udp = ip + r.ihl;
	r.udp_len = be16(udp + 4);
	if (r.udp_len < udp_len || r.udp_len > r.total - r.ihl)
		return DropReason::bad_length;

	r.tos = ip[1];
	r.id = be16(ip + 4);
	r.ttl = ip[8];
	r.src = be32(ip + 12);
	r.dst = be32(ip + 16);
	r.sport = be16(udp);
	r.dport = be16(udp + 2);
	r.udp_cksum = be16(udp + 6);
	*out = r;
	return DropReason::none;
}

bool ipv4_checksum_verifies(std::span<const uint8_t> frame, const RefFrame &ref)
{
	return ones_sum(frame.subspan(ref.l3, ref.ihl)) == 0xffff;
}

UdpChecksum udp_checksum_state(std::span<const uint8_t> frame, const RefFrame &ref)
{
	if (ref.udp_cksum == 0)
		return UdpChecksum::absent;
	const uint8_t *ip = frame.data() + ref.l3;
	uint32_t pseudo = ones_sum({ip + 12, 8}); // source and destination
	pseudo += proto_udp;
	pseudo += ref.udp_len;
	const uint16_t sum = ones_sum(frame.subspan(ref.l4(), ref.udp_len), pseudo);
	if (sum == 0xffff)
		return UdpChecksum::good;
	return ref.udp_cksum == ones_sum({}, pseudo) ? UdpChecksum::partial : UdpChecksum::bad;
}

const char *name_of(UdpChecksum state)
{
	switch (state) {
	case UdpChecksum::absent:
		return "absent";
	case UdpChecksum::good:
		return "good";
	case UdpChecksum::bad:
		return "bad";
	case UdpChecksum::partial:
		return "partial";
	}
	return "?";
}

} // namespace mcr::fuzz
