#include "mld_wire.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mcr::host::test {

namespace {

constexpr size_t kIpv6Header = 40;
constexpr uint8_t kHopByHop = 0;

uint16_t read_be16(const uint8_t *bytes) { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }

void write_be16(uint8_t *bytes, uint16_t value)
{
	bytes[0] = static_cast<uint8_t>(value >> 8);
	bytes[1] = static_cast<uint8_t>(value);
}

Ipv6 read_ipv6(const uint8_t *bytes)
{
	Ipv6 address;
	std::memcpy(address.data(), bytes, address.size());
	return address;
}

std::vector<MldRecord> v2_records(const uint8_t *mld, size_t size)
{
	std::vector<MldRecord> records;
	if (size < 8)
		return records;
	const unsigned count = read_be16(mld + 6);
	size_t at = 8;
	for (unsigned i = 0; i < count && at + 20 <= size; ++i) {
		const uint8_t *record = mld + at;
		const size_t sources = read_be16(record + 2);
		const size_t length = 20 + 16 * sources + 4 * size_t{record[1]};
		if (at + length > size)
			break;
		MldRecord parsed{kMldV2Report, record[0], read_ipv6(record + 4), {}};
		for (size_t s = 0; s < sources; ++s)
			parsed.sources.push_back(read_ipv6(record + 20 + 16 * s));
		records.push_back(std::move(parsed));
		at += length;
	}
	return records;
}

} // namespace

std::string describe(const MldRecord &record)
{
	std::string text = fmt::format("message {} record {} group {}", record.message, record.type,
				       ip_text(record.group));
	for (const Ipv6 &source : record.sources)
		text += " " + ip_text(source);
	return text;
}

std::vector<MldRecord> mld_records(const uint8_t *packet, size_t size)
{
	if (size < kIpv6Header || packet[0] >> 4 != 6)
		return {};
	const size_t total = std::min<size_t>(size, kIpv6Header + read_be16(packet + 4));
	uint8_t next = packet[6];
	size_t at = kIpv6Header;
	// MLD always carries a hop-by-hop Router Alert (RFC 3810 5).
	if (next == kHopByHop) {
		if (at + 8 > total)
			return {};
		next = packet[at];
		at += 8 * (size_t{packet[at + 1]} + 1);
	}
	if (next != IPPROTO_ICMPV6 || at + 8 > total)
		return {};
	const uint8_t *mld = packet + at;
	const size_t mld_size = total - at;
	switch (mld[0]) {
	case kMldV2Report:
		return v2_records(mld, mld_size);
	case kMldV1Report:
	case kMldV1Done:
		if (mld_size < 24)
			return {};
		return {MldRecord{mld[0], 0, read_ipv6(mld + 8), {}}};
	default:
		return {};
	}
}

MldWire::MldWire(unsigned ifindex) : ifindex_(ifindex)
{
	fd_ = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IPV6));
	if (fd_ < 0) {
		problem_ = fmt::format("AF_PACKET socket: {}", strerror(errno));
		return;
	}
	sockaddr_ll address{};
	address.sll_family = AF_PACKET;
	address.sll_protocol = htons(ETH_P_IPV6);
	address.sll_ifindex = static_cast<int>(ifindex);
	if (bind(fd_, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) < 0)
		problem_ = fmt::format("bind AF_PACKET to ifindex {}: {}", ifindex, strerror(errno));
}

MldWire::~MldWire()
{
	if (fd_ >= 0)
		close(fd_);
}

std::optional<MldRecord> MldWire::wait_for(const std::function<bool(const MldRecord &)> &wanted,
					   std::chrono::milliseconds timeout,
					   std::vector<MldRecord> *seen)
{
	using Clock = std::chrono::steady_clock;
	const auto deadline = Clock::now() + timeout;
	std::array<uint8_t, 2048> packet;
	for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
		const auto left =
			std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
		pollfd readable{fd_, POLLIN, 0};
		if (poll(&readable, 1, static_cast<int>(left.count()) + 1) <= 0)
			continue;
		sockaddr_ll from{};
		socklen_t from_size = sizeof(from);
		const ssize_t size = recvfrom(fd_, packet.data(), packet.size(), 0,
					      reinterpret_cast<sockaddr *>(&from), &from_size);
		// Only what arrives: our own query goes out of this interface too.
		if (size <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		for (MldRecord &record : mld_records(packet.data(), static_cast<size_t>(size))) {
			if (seen)
				seen->push_back(record);
			if (wanted(record))
				return record;
		}
	}
	return std::nullopt;
}

bool MldWire::send_general_query(const Ipv6 &querier, std::string *why)
{
	// IPv6 header, hop-by-hop Router Alert (RFC 2711, value 0: MLD), then
	// the 28-byte v2 query for no group and no source.
	constexpr size_t kQuery = 28;
	std::array<uint8_t, kIpv6Header + 8 + kQuery> packet{};
	uint8_t *ip = packet.data();
	ip[0] = 0x60;
	write_be16(ip + 4, 8 + kQuery);
	ip[6] = kHopByHop;
	ip[7] = 1; // hop limit 1, as MLD requires
	std::memcpy(ip + 8, querier.data(), 16);
	const Ipv6 all_nodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	std::memcpy(ip + 24, all_nodes.data(), 16);
	uint8_t *hop = ip + kIpv6Header;
	hop[0] = IPPROTO_ICMPV6;
	hop[1] = 0;    // 8 bytes
	hop[2] = 0x05; // Router Alert
	hop[3] = 2;
	hop[6] = 0x01; // PadN, 0 bytes of padding
	hop[7] = 0;
	uint8_t *query = hop + 8;
	query[0] = kMldQuery;
	write_be16(query + 4, 1000); // maximum response code: 1000 ms
	query[24] = 2;               // QRV
	query[25] = 125;             // QQIC
	// Checksum over the pseudo-header (addresses, length, next header).
	uint32_t sum = 0;
	for (size_t i = 8; i < 40; i += 2)
		sum += read_be16(ip + i);
	sum += kQuery + IPPROTO_ICMPV6;
	for (size_t i = 0; i < kQuery; i += 2)
		sum += read_be16(query + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	write_be16(query + 2, static_cast<uint16_t>(~sum));

	sockaddr_ll to{};
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IPV6);
	to.sll_ifindex = static_cast<int>(ifindex_);
	to.sll_halen = 6;
	const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	std::memcpy(to.sll_addr, all_nodes_mac, sizeof(all_nodes_mac));
	if (sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr *>(&to),
		   sizeof(to)) == static_cast<ssize_t>(packet.size()))
		return true;
	*why = fmt::format("send query: {}", strerror(errno));
	return false;
}

} // namespace mcr::host::test
