// The kernel's neighbours (ARP and NDP) and routes, IPv4 and IPv6, through
// rtnetlink (libmnl): a cache of both neighbour tables kept current by
// notifications, route look-ups and resolution requests. Runs on the main lcore: fd() goes into
// its poll set, read_events() drains what arrived. No DPDK here; errors
// come back as text for the caller to log.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/neighbour_source.h"

struct mnl_socket;
struct nlmsghdr;

namespace mcr::host {

class NetlinkNeighbours final : public NeighbourSource {
public:
	// What the kernel says of one neighbour: its NUD state (NUD_*) and the
	// MAC when that state makes it usable.
	struct Entry {
		uint16_t state = 0;
		std::optional<Mac> mac;
	};
	using Key = std::pair<uint32_t, IpAddress>; // (ifindex, ip)
	using Table = std::map<Key, Entry>;

	// notice: for the rare events an operator should see (the notification
	// socket overran and the table was dumped again); may be empty.
	explicit NetlinkNeighbours(std::function<void(const std::string &)> notice = {},
				   int receive_buffer_bytes = 1 << 20);
	~NetlinkNeighbours() override;
	NetlinkNeighbours(const NetlinkNeighbours &) = delete;
	NetlinkNeighbours &operator=(const NetlinkNeighbours &) = delete;

	// Subscribes to neighbour and route notifications of both families,
	// then dumps the IPv4 and IPv6 neighbour tables into the cache. 0 or a
	// negative errno with *error.
	int open(std::string *error);
	// The notification socket, non-blocking, for poll(); -1 before open().
	int fd() const;

	// Drains the notification socket without blocking: updates the cache,
	// calls on_change for each entry whose usable MAC appeared, changed or
	// went, and sets *routes_changed when an IPv4 or IPv6 route was added
	// or removed (left alone otherwise). on_change sees the cache already
	// updated and may call neighbour(), next_hop() and resolve(). The
	// number of notifications read, or a negative errno with *error.
	int read_events(const std::function<void(const NeighbourChange &)> &on_change,
			bool *routes_changed, std::string *error = nullptr);

	int next_hop(const IpAddress &dst, uint32_t ifindex, NextHop *out,
		     std::string *error) const override;
	std::optional<Mac> neighbour(uint32_t ifindex, const IpAddress &ip) const override;
	int resolve(uint32_t ifindex, const IpAddress &ip) override;

	// The whole cache, for `show neighbours`.
	const Table &table() const { return table_; }
	// How often the notification socket overran and the table was dumped
	// again to catch up.
	uint64_t resyncs() const { return resyncs_; }

private:
	int dump(Table *out, std::string *error) const;
	int resync(const std::function<void(const NeighbourChange &)> &on_change,
		   std::string *error);
	// Sends one request on the request socket and runs cb over the answer
	// until the kernel's acknowledgement. 0 or a negative errno.
	int request(void *message, int (*cb)(const nlmsghdr *, void *), void *data) const;
	void drain_requests() const;

	std::function<void(const std::string &)> notice_;
	int receive_buffer_bytes_;
	mnl_socket *events_ = nullptr;	 // notifications
	mnl_socket *requests_ = nullptr; // dumps, route look-ups, resolution
	mutable uint32_t seq_ = 0;
	std::vector<char> events_buffer_;
	mutable std::vector<char> requests_buffer_;
	Table table_;
	uint64_t resyncs_ = 0;
};

} // namespace mcr::host
