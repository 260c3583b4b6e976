// MLD as it crosses the wire, seen from the far end of a veth: what the
// kernel reports for the IPv6 memberships mcr holds, and a querier to ask it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/ip_address.h"

namespace mcr::host::test {

enum MldMessageType : uint8_t {
	kMldQuery = 130,
	kMldV1Report = 131,
	kMldV1Done = 132,
	kMldV2Report = 143,
};

// RFC 3810 5.2.12 record types (the values of IGMPv3's).
enum MldRecordType : uint8_t {
	kMldModeIsInclude = 1,
	kMldModeIsExclude = 2,
	kMldChangeToInclude = 3,
	kMldChangeToExclude = 4,
	kMldAllowNewSources = 5,
	kMldBlockOldSources = 6,
};

// A v2 multicast address record, or a v1 report or done flattened to one
// (record type 0, no sources).
struct MldRecord {
	uint8_t message;
	uint8_t type;
	Ipv6 group;
	std::vector<Ipv6> sources;
};

std::string describe(const MldRecord &record);

// Records in one IPv6 packet (hop-by-hop options skipped); empty when it
// is not an MLD report or done.
std::vector<MldRecord> mld_records(const uint8_t *packet, size_t size);

// IPv6 packets arriving on one interface, AF_PACKET below the IP stack.
class MldWire {
public:
	explicit MldWire(unsigned ifindex);
	~MldWire();
	MldWire(const MldWire &) = delete;
	MldWire &operator=(const MldWire &) = delete;

	const std::string &problem() const { return problem_; }

	// The first record arriving within `timeout` that `wanted` accepts;
	// every record seen on the way goes to *seen when given.
	std::optional<MldRecord> wait_for(const std::function<bool(const MldRecord &)> &wanted,
					  std::chrono::milliseconds timeout,
					  std::vector<MldRecord> *seen = nullptr);

	// An MLDv2 general query to ff02::1 out of this interface from the
	// link-local `querier`, asking for answers within a second.
	bool send_general_query(const Ipv6 &querier, std::string *why);

private:
	unsigned ifindex_;
	int fd_ = -1;
	std::string problem_;
};

} // namespace mcr::host::test
