// NetlinkNeighbours against the kernel. Each test runs in a private network
// namespace ("host": mcr's side) with two veth pairs whose other ends live
// in a named namespace of the test's own ("peer", removed in TearDown, even
// after a failure), so that ARP really crosses a link and the peer answers:
//   host nl0 198.18.42.1/24  <->  peer nl0p 198.18.42.2/24  (MAC kPeerMac)
//   host nl1 198.18.43.1/24  <->  peer nl1p 198.18.43.2/24
// Needs root; skips otherwise.
#include <gtest/gtest.h>

#include <linux/neighbour.h>
#include <net/if.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "host/netlink_neighbours.h"
#include "private_netns.h"

namespace mcr::host {
namespace {

using test::PrivateNetns;

constexpr uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

constexpr uint32_t kHost = ipv4(198, 18, 42, 1);
constexpr uint32_t kPeer = ipv4(198, 18, 42, 2);
constexpr uint32_t kOtherPeer = ipv4(198, 18, 43, 2);
constexpr Mac kPeerMac{0x02, 0x00, 0x00, 0x4e, 0x4c, 0x02};
constexpr Mac kPeerNewMac{0x02, 0x00, 0x00, 0x4e, 0x4c, 0x99};

std::string mac_text(const Mac &mac)
{
	return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2],
			   mac[3], mac[4], mac[5]);
}

std::string mac_text(const std::optional<Mac> &mac) { return mac ? mac_text(*mac) : "none"; }

class NetlinkNeighboursTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		netns_.emplace();
		if (!netns_->problem().empty())
			GTEST_SKIP() << "no private network namespace: " << netns_->problem();
		peer_ns_ = fmt::format("mcr-nltest-{}", getpid());
		std::string why;
		peer_created_ = netns_->ip("netns add " + peer_ns_, &why);
		ASSERT_TRUE(peer_created_) << why;
		ASSERT_TRUE(add_link("nl0", "198.18.42.1/24", "198.18.42.2/24", kPeerMac, &why)) << why;
		ASSERT_TRUE(add_link("nl1", "198.18.43.1/24", "198.18.43.2/24", std::nullopt, &why))
			<< why;
		nl0_ = if_nametoindex("nl0");
		nl1_ = if_nametoindex("nl1");
		ASSERT_NE(nl0_, 0u);
		ASSERT_NE(nl1_, 0u);
	}

	void TearDown() override
	{
		std::string why;
		if (peer_created_) {
			EXPECT_TRUE(netns_->ip("netns del " + peer_ns_, &why)) << why;
		}
	}

	bool add_link(const std::string &name, const std::string &address,
		      const std::string &peer_address, std::optional<Mac> peer_mac, std::string *why)
	{
		const std::string peer = name + "p";
		return netns_->ip(fmt::format("link add {} type veth peer name {} netns {}", name, peer,
					      peer_ns_),
				  why) &&
		       netns_->ip(fmt::format("addr add {} dev {}", address, name), why) &&
		       netns_->ip(fmt::format("link set {} up", name), why) &&
		       (!peer_mac || in_peer(fmt::format("link set {} address {}", peer,
							 mac_text(*peer_mac)),
					     why)) &&
		       in_peer(fmt::format("addr add {} dev {}", peer_address, peer), why) &&
		       in_peer(fmt::format("link set {} up", peer), why);
	}

	bool in_peer(const std::string &args, std::string *why)
	{
		return netns_->ip("-n " + peer_ns_ + " " + args, why);
	}

	// Runs a shell command in the host namespace (children inherit it).
	static bool sh(const std::string &command)
	{
		return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
	}

	// Reads notifications for up to `seconds` until done() holds.
	template <typename Done>
	bool pump(NetlinkNeighbours &nl, Done done, double seconds = 5.0)
	{
		const auto end = std::chrono::steady_clock::now() +
				 std::chrono::milliseconds(static_cast<int>(seconds * 1000));
		while (!done()) {
			if (std::chrono::steady_clock::now() >= end)
				return false;
			pollfd pfd{nl.fd(), POLLIN, 0};
			poll(&pfd, 1, 50);
			std::string error;
			const int n = nl.read_events(
				[this](const NeighbourChange &c) { changes_.push_back(c); },
				&routes_changed_, &error);
			if (n < 0)
				ADD_FAILURE() << "read_events: " << error;
		}
		return true;
	}

	// The last change reported for (ifindex, ip), if any.
	std::optional<NeighbourChange> last_change(uint32_t ifindex, uint32_t ip) const
	{
		for (auto it = changes_.rbegin(); it != changes_.rend(); ++it)
			if (it->ifindex == ifindex && it->ip == ip)
				return *it;
		return std::nullopt;
	}

	std::optional<PrivateNetns> netns_;
	std::string peer_ns_;
	bool peer_created_ = false;
	unsigned nl0_ = 0, nl1_ = 0;
	std::vector<NeighbourChange> changes_;
	bool routes_changed_ = false;
};

TEST_F(NetlinkNeighboursTest, TheDumpSeedsTheCache)
{
	ASSERT_TRUE(sh("ping -c1 -W2 198.18.42.2"));
	ASSERT_TRUE(sh("ip neigh add 198.18.42.7 lladdr 02:00:00:00:00:07 dev nl0 nud permanent"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer)), mac_text(kPeerMac));
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, ipv4(198, 18, 42, 7))), "02:00:00:00:00:07");
	const auto it = nl.table().find({nl0_, ipv4(198, 18, 42, 7)});
	ASSERT_NE(it, nl.table().end());
	EXPECT_EQ(it->second.state, NUD_PERMANENT);
	// Keyed by interface too: the same address elsewhere is unknown.
	EXPECT_FALSE(nl.neighbour(nl1_, kPeer));
	EXPECT_FALSE(nl.neighbour(nl0_, ipv4(198, 18, 42, 8)));
}

TEST_F(NetlinkNeighboursTest, APeerThatAppearsIsReportedWithItsMac)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	EXPECT_FALSE(nl.neighbour(nl0_, kPeer));
	ASSERT_TRUE(sh("ping -c1 -W2 198.18.42.2"));
	ASSERT_TRUE(pump(nl, [&] { return last_change(nl0_, kPeer) && last_change(nl0_, kPeer)->mac; }))
		<< "no change for 198.18.42.2 on nl0";
	EXPECT_EQ(mac_text(last_change(nl0_, kPeer)->mac), mac_text(kPeerMac));
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer)), mac_text(kPeerMac));
}

TEST_F(NetlinkNeighboursTest, APeerWhoseMacChangesIsReportedWithTheNewOne)
{
	ASSERT_TRUE(sh("ping -c1 -W2 198.18.42.2"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_EQ(mac_text(nl.neighbour(nl0_, kPeer)), mac_text(kPeerMac));
	// As a failover would: the new owner of the address announces itself
	// (arp_notify: a gratuitous ARP when the address changes).
	std::string why;
	ASSERT_TRUE(sh(fmt::format("ip netns exec {} sysctl -qw net.ipv4.conf.nl0p.arp_notify=1",
				   peer_ns_)));
	ASSERT_TRUE(in_peer("link set nl0p address " + mac_text(kPeerNewMac), &why)) << why;
	ASSERT_TRUE(pump(nl, [&] {
		const auto c = last_change(nl0_, kPeer);
		return c && c->mac == kPeerNewMac;
	})) << "last change: "
	    << (last_change(nl0_, kPeer) ? mac_text(last_change(nl0_, kPeer)->mac) : "none");
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer)), mac_text(kPeerNewMac));
}

TEST_F(NetlinkNeighboursTest, ADeletedEntryIsReportedWithoutMac)
{
	ASSERT_TRUE(sh("ping -c1 -W2 198.18.42.2"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_TRUE(nl.neighbour(nl0_, kPeer));
	ASSERT_TRUE(sh("ip neigh del 198.18.42.2 dev nl0"));
	ASSERT_TRUE(pump(nl, [&] { return last_change(nl0_, kPeer).has_value(); }));
	EXPECT_FALSE(last_change(nl0_, kPeer)->mac);
	EXPECT_FALSE(nl.neighbour(nl0_, kPeer));

	// An interface going down flushes its entries with RTM_DELNEIGH alone.
	ASSERT_TRUE(sh("ip neigh add 198.18.42.7 lladdr 02:00:00:00:00:07 dev nl0"));
	ASSERT_TRUE(pump(nl, [&] { return nl.neighbour(nl0_, ipv4(198, 18, 42, 7)).has_value(); }));
	ASSERT_TRUE(sh("ip link set nl0 down"));
	ASSERT_TRUE(pump(nl, [&] { return !last_change(nl0_, ipv4(198, 18, 42, 7))->mac; }))
		<< "no change when nl0 went down";
	EXPECT_FALSE(nl.neighbour(nl0_, ipv4(198, 18, 42, 7)));
	EXPECT_FALSE(nl.table().contains({nl0_, ipv4(198, 18, 42, 7)}));
}

TEST_F(NetlinkNeighboursTest, ResolveMakesTheKernelAskAndThePeerAnswer)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_FALSE(nl.neighbour(nl0_, kPeer));
	ASSERT_EQ(nl.resolve(nl0_, kPeer), 0);
	ASSERT_TRUE(pump(nl, [&] { return nl.neighbour(nl0_, kPeer).has_value(); }))
		<< "198.18.42.2 was not resolved";
	EXPECT_EQ(mac_text(last_change(nl0_, kPeer)->mac), mac_text(kPeerMac));
	// REACHABLE: confirmed by an ARP reply to the kernel's own request.
	EXPECT_EQ(nl.table().at({nl0_, kPeer}).state, NUD_REACHABLE);
}

TEST_F(NetlinkNeighboursTest, AnUnansweredResolutionGivesNoMac)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	const uint32_t nobody = ipv4(198, 18, 42, 99);
	ASSERT_EQ(nl.resolve(nl0_, nobody), 0);
	// The kernel's entry exists (INCOMPLETE, then FAILED) but has no MAC,
	// which is no change for whoever waits on one.
	ASSERT_TRUE(pump(nl, [&] { return nl.table().contains({nl0_, nobody}); }, 8.0));
	pump(nl, [] { return false; }, 0.5);
	EXPECT_TRUE(nl.table().at({nl0_, nobody}).state & (NUD_INCOMPLETE | NUD_FAILED));
	EXPECT_FALSE(nl.neighbour(nl0_, nobody));
	EXPECT_FALSE(last_change(nl0_, nobody).has_value());
}

TEST_F(NetlinkNeighboursTest, ResolveLeavesAPermanentEntryAlone)
{
	ASSERT_TRUE(sh("ip neigh add 198.18.42.7 lladdr 02:00:00:00:00:07 dev nl0 nud permanent"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_EQ(nl.resolve(nl0_, ipv4(198, 18, 42, 7)), 0);
	// NTF_USE would have made the kernel's entry INCOMPLETE, silently.
	EXPECT_TRUE(sh("ip neigh show 198.18.42.7 dev nl0 | grep -q PERMANENT"));
	pump(nl, [] { return false; }, 0.3);
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, ipv4(198, 18, 42, 7))), "02:00:00:00:00:07");
}

TEST_F(NetlinkNeighboursTest, AnOnLinkDestinationIsItsOwnNextHop)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	NextHop hop;
	ASSERT_EQ(nl.next_hop(kPeer, nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeer}));
	ASSERT_EQ(nl.next_hop(ipv4(198, 18, 43, 77), nl1_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl1_, ipv4(198, 18, 43, 77)}));
}

TEST_F(NetlinkNeighboursTest, ADestinationBehindAGatewayHasTheGatewayAsNextHop)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_TRUE(sh("ip route add 198.19.42.0/24 via 198.18.42.2"));
	ASSERT_TRUE(pump(nl, [&] { return routes_changed_; })) << "no route notification";
	NextHop hop;
	ASSERT_EQ(nl.next_hop(ipv4(198, 19, 42, 5), nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeer}));

	routes_changed_ = false;
	ASSERT_TRUE(sh("ip route del 198.19.42.0/24"));
	ASSERT_TRUE(pump(nl, [&] { return routes_changed_; })) << "no route notification";
	EXPECT_LT(nl.next_hop(ipv4(198, 19, 42, 5), nl0_, &hop, &error), 0);
}

TEST_F(NetlinkNeighboursTest, ADestinationRoutedThroughAnotherInterfaceIsRefused)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_TRUE(sh("ip route add 198.19.43.0/24 via 198.18.43.2"));
	NextHop hop{};
	EXPECT_LT(nl.next_hop(ipv4(198, 19, 43, 5), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("198.19.43.5"), std::string::npos) << error;
	EXPECT_NE(error.find("nl0"), std::string::npos) << error;
	EXPECT_NE(error.find("through nl1"), std::string::npos) << error;
	// The kernel's other subnet, on-link through nl1 only.
	error.clear();
	EXPECT_LT(nl.next_hop(kOtherPeer, nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("through nl1"), std::string::npos) << error;
	// Through the right interface it is fine.
	ASSERT_EQ(nl.next_hop(ipv4(198, 19, 43, 5), nl1_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl1_, kOtherPeer}));
}

TEST_F(NetlinkNeighboursTest, NoRouteBlackholesAndLocalAddressesAreRefused)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	NextHop hop{};
	EXPECT_LT(nl.next_hop(ipv4(198, 19, 99, 1), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("198.19.99.1"), std::string::npos) << error;
	ASSERT_TRUE(sh("ip route add blackhole 198.19.98.0/24"));
	error.clear();
	EXPECT_LT(nl.next_hop(ipv4(198, 19, 98, 1), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("blackhole"), std::string::npos) << error;
	error.clear();
	EXPECT_LT(nl.next_hop(kHost, nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("local"), std::string::npos) << error;
	EXPECT_EQ(hop, NextHop{});
}

TEST_F(NetlinkNeighboursTest, AnOverrunSocketIsCaughtUpByDumpingAgain)
{
	std::vector<std::string> notices;
	// The smallest queue the kernel allows: a burst of changes overruns it.
	NetlinkNeighbours nl([&](const std::string &text) { notices.push_back(text); }, 0);
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	const std::string batch = fmt::format("/tmp/mcr-nltest-{}.batch", getpid());
	{
		FILE *file = std::fopen(batch.c_str(), "w");
		ASSERT_NE(file, nullptr);
		for (int i = 0; i < 200; i++)
			std::fprintf(file, "neigh add 198.18.42.%d lladdr 02:00:00:00:00:%02x dev nl0 "
				     "nud permanent\n", 10 + i, i);
		for (int i = 0; i < 200; i++)
			std::fprintf(file, "neigh replace 198.18.42.%d lladdr 02:00:00:00:01:%02x dev "
				     "nl0 nud permanent\n", 10 + i, i);
		std::fclose(file);
	}
	// 200 entries added, then each given another MAC: 400 notifications.
	ASSERT_TRUE(sh("ip -batch " + batch));
	std::remove(batch.c_str());
	pump(nl, [] { return false; }, 0.5);
	EXPECT_GE(nl.resyncs(), 1u) << "the socket did not overrun; the test proves nothing";
	EXPECT_FALSE(notices.empty());
	for (int i = 0; i < 200; i++) {
		const uint32_t ip = ipv4(198, 18, 42, static_cast<uint8_t>(10 + i));
		const std::string want = fmt::format("02:00:00:00:01:{:02x}", i);
		EXPECT_EQ(mac_text(nl.neighbour(nl0_, ip)), want);
		ASSERT_TRUE(last_change(nl0_, ip)) << "198.18.42." << 10 + i;
		EXPECT_EQ(mac_text(last_change(nl0_, ip)->mac), want);
	}
	EXPECT_TRUE(routes_changed_);
}

} // namespace
} // namespace mcr::host
