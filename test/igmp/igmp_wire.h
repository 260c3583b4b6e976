// IGMP as it crosses the wire, seen from the far end of a veth: what the
// kernel reports for the memberships mcr holds, and a querier to ask it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mcr::host::test {

enum IgmpMessageType : uint8_t {
	kIgmpQuery = 0x11,
	kIgmpV2Report = 0x16,
	kIgmpV2Leave = 0x17,
	kIgmpV3Report = 0x22,
};

// RFC 3376 4.2.12 group record types.
enum IgmpRecordType : uint8_t {
	kModeIsInclude = 1,
	kModeIsExclude = 2,
	kChangeToInclude = 3,
	kChangeToExclude = 4,
	kAllowNewSources = 5,
	kBlockOldSources = 6,
};

// A v3 group record, or a v1/v2 report or leave flattened to one (record
// type 0, no sources).
struct IgmpRecord {
	uint8_t message;
	uint8_t type;
	uint32_t group; // host byte order
	std::vector<uint32_t> sources;
};

std::string describe(const IgmpRecord &record);

// Records in one IPv4 packet; empty when it is not an IGMP report or leave.
std::vector<IgmpRecord> igmp_records(const uint8_t *packet, size_t size);

// IPv4 packets arriving on one interface, AF_PACKET below the IP stack, so
// reports count even though the stack would not accept them.
class IgmpWire {
public:
	explicit IgmpWire(unsigned ifindex);
	~IgmpWire();
	IgmpWire(const IgmpWire &) = delete;
	IgmpWire &operator=(const IgmpWire &) = delete;

	const std::string &problem() const { return problem_; }

	// The first record arriving within `timeout` that `wanted` accepts;
	// every record seen on the way goes to *seen when given.
	std::optional<IgmpRecord> wait_for(const std::function<bool(const IgmpRecord &)> &wanted,
					   std::chrono::milliseconds timeout,
					   std::vector<IgmpRecord> *seen = nullptr);

	// An IGMPv3 general query to 224.0.0.1 out of this interface, from
	// `querier` (host order), asking for answers within a second.
	bool send_general_query(uint32_t querier, std::string *why);

private:
	unsigned ifindex_;
	int fd_ = -1;
	std::string problem_;
};

} // namespace mcr::host::test
