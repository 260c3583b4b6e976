#include "igmp_wire.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mcr::host::test {

namespace {

uint32_t read_be32(const uint8_t *bytes)
{
	return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
	       bytes[3];
}

uint16_t read_be16(const uint8_t *bytes) { return static_cast<uint16_t>(bytes[0] << 8 | bytes[1]); }

void write_be32(uint8_t *bytes, uint32_t value)
{
	for (int i = 3; i >= 0; --i, value >>= 8)
		bytes[i] = static_cast<uint8_t>(value);
}

void write_be16(uint8_t *bytes, uint16_t value)
{
	bytes[0] = static_cast<uint8_t>(value >> 8);
	bytes[1] = static_cast<uint8_t>(value);
}

uint16_t internet_checksum(const uint8_t *bytes, size_t size)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < size; i += 2)
		sum += read_be16(bytes + i);
	if (size % 2)
		sum += uint32_t{bytes[size - 1]} << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(~sum);
}

std::string ipv4_text(uint32_t host)
{
	return fmt::format("{}.{}.{}.{}", host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff,
			   host & 0xff);
}

std::vector<IgmpRecord> v3_records(const uint8_t *igmp, size_t size)
{
	std::vector<IgmpRecord> records;
	if (size < 8)
		return records;
	const unsigned count = read_be16(igmp + 6);
	size_t at = 8;
	for (unsigned i = 0; i < count && at + 8 <= size; ++i) {
		const uint8_t *record = igmp + at;
		const size_t sources = read_be16(record + 2);
		const size_t length = 8 + 4 * sources + 4 * size_t{record[1]};
		if (at + length > size)
			break;
		IgmpRecord parsed{kIgmpV3Report, record[0], read_be32(record + 4), {}};
		for (size_t s = 0; s < sources; ++s)
			parsed.sources.push_back(read_be32(record + 8 + 4 * s));
		records.push_back(std::move(parsed));
		at += length;
	}
	return records;
}

} // namespace

std::string describe(const IgmpRecord &record)
{
	std::string text = fmt::format("message 0x{:02x} record {} group {}", record.message,
				       record.type, ipv4_text(record.group));
	for (uint32_t source : record.sources)
		text += " " + ipv4_text(source);
	return text;
}

std::vector<IgmpRecord> igmp_records(const uint8_t *packet, size_t size)
{
	if (size < 20 || packet[0] >> 4 != 4 || packet[9] != IPPROTO_IGMP)
		return {};
	const size_t header = 4 * size_t{packet[0] & 0x0fu};
	const size_t total = std::min<size_t>(size, read_be16(packet + 2));
	if (header < 20 || total < header + 8)
		return {};
	const uint8_t *igmp = packet + header;
	const size_t igmp_size = total - header;
	switch (igmp[0]) {
	case kIgmpV3Report:
		return v3_records(igmp, igmp_size);
	case kIgmpV2Report:
	case kIgmpV2Leave:
		return {IgmpRecord{igmp[0], 0, read_be32(igmp + 4), {}}};
	default:
		return {};
	}
}

IgmpWire::IgmpWire(unsigned ifindex) : ifindex_(ifindex)
{
	fd_ = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd_ < 0) {
		problem_ = fmt::format("AF_PACKET socket: {}", strerror(errno));
		return;
	}
	sockaddr_ll address{};
	address.sll_family = AF_PACKET;
	address.sll_protocol = htons(ETH_P_IP);
	address.sll_ifindex = static_cast<int>(ifindex);
	if (bind(fd_, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) < 0)
		problem_ = fmt::format("bind AF_PACKET to ifindex {}: {}", ifindex, strerror(errno));
}

IgmpWire::~IgmpWire()
{
	if (fd_ >= 0)
		close(fd_);
}

std::optional<IgmpRecord> IgmpWire::wait_for(const std::function<bool(const IgmpRecord &)> &wanted,
					     std::chrono::milliseconds timeout,
					     std::vector<IgmpRecord> *seen)
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
		for (IgmpRecord &record : igmp_records(packet.data(), static_cast<size_t>(size))) {
			if (seen)
				seen->push_back(record);
			if (wanted(record))
				return record;
		}
	}
	return std::nullopt;
}

bool IgmpWire::send_general_query(uint32_t querier, std::string *why)
{
	// IPv4 header with Router Alert (RFC 2113), then the 12-byte v3 query.
	std::array<uint8_t, 24 + 12> packet{};
	uint8_t *ip = packet.data();
	ip[0] = 0x46; // version 4, 6 words
	ip[1] = 0xc0; // internetwork control
	write_be16(ip + 2, packet.size());
	ip[8] = 1; // TTL: link-local
	ip[9] = IPPROTO_IGMP;
	write_be32(ip + 12, querier);
	write_be32(ip + 16, 0xe0000001); // 224.0.0.1
	ip[20] = 0x94;
	ip[21] = 0x04;
	write_be16(ip + 10, internet_checksum(ip, 24));

	uint8_t *query = ip + 24;
	query[0] = kIgmpQuery;
	query[1] = 10;   // max response time 1 s
	query[8] = 2;    // QRV
	query[9] = 125;  // QQIC
	write_be16(query + 2, internet_checksum(query, 12));

	sockaddr_ll to{};
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IP);
	to.sll_ifindex = static_cast<int>(ifindex_);
	to.sll_halen = 6;
	const uint8_t all_hosts_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	std::memcpy(to.sll_addr, all_hosts_mac, sizeof(all_hosts_mac));
	if (sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr *>(&to),
		   sizeof(to)) == static_cast<ssize_t>(packet.size()))
		return true;
	*why = fmt::format("send query: {}", strerror(errno));
	return false;
}

} // namespace mcr::host::test
