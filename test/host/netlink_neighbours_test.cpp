// NetlinkNeighbours against the kernel. Each test runs in a private network
// namespace ("host": mcr's side) with two veth pairs whose other ends live
// in a named namespace of the test's own ("peer", removed in TearDown, even
// after a failure), so that ARP really crosses a link and the peer answers:
//   host nl0 198.18.42.1/24  <->  peer nl0p 198.18.42.2/24  (MAC kPeerMac)
//            2001:2:42::1/64             2001:2:42::2/64, fe80::2/64
//   host nl1 198.18.43.1/24  <->  peer nl1p 198.18.43.2/24
//            2001:2:43::1/64             2001:2:43::2/64
// IPv6 addresses without DAD, so that they are usable at once.
// Needs root; skips otherwise.
#include <gtest/gtest.h>

#include <arpa/inet.h>
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

Ipv6 ipv6(const char *text)
{
	Ipv6 address{};
	if (inet_pton(AF_INET6, text, address.data()) != 1)
		ADD_FAILURE() << "not an IPv6 address: " << text;
	return address;
}

const Ipv6 kHost6 = ipv6("2001:2:42::1");
const Ipv6 kPeer6 = ipv6("2001:2:42::2");
const Ipv6 kPeerLinkLocal = ipv6("fe80::2");
const Ipv6 kOtherPeer6 = ipv6("2001:2:43::2");

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
		ASSERT_TRUE(add_ipv6("nl0", "2001:2:42::1/64", "2001:2:42::2/64", &why)) << why;
		ASSERT_TRUE(add_ipv6("nl1", "2001:2:43::1/64", "2001:2:43::2/64", &why)) << why;
		ASSERT_TRUE(in_peer("-6 addr add fe80::2/64 dev nl0p nodad", &why)) << why;
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

	// IPv6 on both ends (whatever the namespaces' defaults), addresses
	// without duplicate address detection.
	bool add_ipv6(const std::string &name, const std::string &address,
		      const std::string &peer_address, std::string *why)
	{
		const std::string peer = name + "p";
		return netns_->set_sysctl("net/ipv6/conf/" + name + "/disable_ipv6", "0", why) &&
		       sh(fmt::format("ip netns exec {} sysctl -qw net.ipv6.conf.{}.disable_ipv6=0",
				      peer_ns_, peer)) &&
		       netns_->ip(fmt::format("-6 addr add {} dev {} nodad", address, name), why) &&
		       in_peer(fmt::format("-6 addr add {} dev {} nodad", peer_address, peer), why);
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
	std::optional<NeighbourChange> last_change(uint32_t ifindex, const IpAddress &ip) const
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

// IPv6: the same questions through NDP and the IPv6 routing table.

TEST_F(NetlinkNeighboursTest, TheDumpSeedsTheCacheWithIPv6Neighbours)
{
	ASSERT_TRUE(sh("ping -6 -c1 -W2 2001:2:42::2"));
	ASSERT_TRUE(sh("ip -6 neigh add 2001:2:42::7 lladdr 02:00:00:00:00:07 dev nl0 nud permanent"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer6)), mac_text(kPeerMac));
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, ipv6("2001:2:42::7"))), "02:00:00:00:00:07");
	const auto it = nl.table().find({nl0_, ipv6("2001:2:42::7")});
	ASSERT_NE(it, nl.table().end());
	EXPECT_EQ(it->second.state, NUD_PERMANENT);
	EXPECT_FALSE(nl.neighbour(nl1_, kPeer6));
	// Both families at once: the IPv4 table is still there.
	ASSERT_TRUE(sh("ping -c1 -W2 198.18.42.2"));
	pump(nl, [&] { return nl.neighbour(nl0_, kPeer).has_value(); });
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer)), mac_text(kPeerMac));
}

TEST_F(NetlinkNeighboursTest, AnIPv6PeerThatAppearsIsReportedWithItsMac)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	EXPECT_FALSE(nl.neighbour(nl0_, kPeer6));
	ASSERT_TRUE(sh("ping -6 -c1 -W2 2001:2:42::2"));
	ASSERT_TRUE(pump(nl, [&] {
		const auto c = last_change(nl0_, kPeer6);
		return c && c->mac;
	})) << "no change for 2001:2:42::2 on nl0";
	EXPECT_EQ(mac_text(last_change(nl0_, kPeer6)->mac), mac_text(kPeerMac));
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer6)), mac_text(kPeerMac));
	EXPECT_FALSE(last_change(nl0_, kPeer)) << "an IPv6 change reported as IPv4";
}

TEST_F(NetlinkNeighboursTest, AnIPv6PeerWhoseMacChangesIsReportedWithTheNewOne)
{
	ASSERT_TRUE(sh("ping -6 -c1 -W2 2001:2:42::2"));
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_EQ(mac_text(nl.neighbour(nl0_, kPeer6)), mac_text(kPeerMac));
	// As a failover would: the new owner announces itself with unsolicited
	// Neighbour Advertisements (ndisc_notify) when its address changes.
	std::string why;
	ASSERT_TRUE(sh(fmt::format("ip netns exec {} sysctl -qw net.ipv6.conf.nl0p.ndisc_notify=1",
				   peer_ns_)));
	ASSERT_TRUE(in_peer("link set nl0p address " + mac_text(kPeerNewMac), &why)) << why;
	ASSERT_TRUE(pump(nl, [&] {
		const auto c = last_change(nl0_, kPeer6);
		return c && c->mac == kPeerNewMac;
	})) << "last change: "
	    << (last_change(nl0_, kPeer6) ? mac_text(last_change(nl0_, kPeer6)->mac) : "none");
	EXPECT_EQ(mac_text(nl.neighbour(nl0_, kPeer6)), mac_text(kPeerNewMac));

	ASSERT_TRUE(sh("ip -6 neigh del 2001:2:42::2 dev nl0"));
	ASSERT_TRUE(pump(nl, [&] { return !last_change(nl0_, kPeer6)->mac; }))
		<< "no change when the entry was deleted";
	EXPECT_FALSE(nl.neighbour(nl0_, kPeer6));
}

TEST_F(NetlinkNeighboursTest, ResolveSendsANeighbourSolicitationAndThePeerAnswers)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	for (const Ipv6 &peer : {kPeer6, kPeerLinkLocal}) {
		ASSERT_FALSE(nl.neighbour(nl0_, peer));
		ASSERT_EQ(nl.resolve(nl0_, peer), 0);
		ASSERT_TRUE(pump(nl, [&] { return nl.neighbour(nl0_, peer).has_value(); }))
			<< ip_text(peer) << " was not resolved";
		EXPECT_EQ(mac_text(last_change(nl0_, peer)->mac), mac_text(kPeerMac));
		// REACHABLE: confirmed by a solicited advertisement.
		EXPECT_EQ(nl.table().at({nl0_, peer}).state, NUD_REACHABLE) << ip_text(peer);
	}
}

TEST_F(NetlinkNeighboursTest, AnUnansweredIPv6ResolutionGivesNoMac)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	const Ipv6 nobody = ipv6("2001:2:42::99");
	ASSERT_EQ(nl.resolve(nl0_, nobody), 0);
	// The kernel says nothing of the INCOMPLETE entry it creates, then
	// FAILED once its solicitations (3, a second apart) went unanswered.
	ASSERT_TRUE(pump(nl, [&] { return nl.table().contains({nl0_, nobody}); }, 8.0));
	pump(nl, [] { return false; }, 0.5);
	EXPECT_EQ(nl.table().at({nl0_, nobody}).state, NUD_FAILED);
	EXPECT_FALSE(nl.neighbour(nl0_, nobody));
	EXPECT_FALSE(last_change(nl0_, nobody).has_value());
}

TEST_F(NetlinkNeighboursTest, AnOnLinkIPv6DestinationIsItsOwnNextHop)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	NextHop hop;
	ASSERT_EQ(nl.next_hop(kPeer6, nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeer6}));
	ASSERT_EQ(nl.next_hop(ipv6("2001:2:43::77"), nl1_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl1_, ipv6("2001:2:43::77")}));
	// Link-local: on-link on every interface, the ifindex says which.
	ASSERT_EQ(nl.next_hop(kPeerLinkLocal, nl1_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl1_, kPeerLinkLocal}));
}

TEST_F(NetlinkNeighboursTest, AnIPv6DestinationBehindAGatewayHasTheGatewayAsNextHop)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	ASSERT_TRUE(sh("ip -6 route add 2001:2:44::/64 via 2001:2:42::2"));
	ASSERT_TRUE(pump(nl, [&] { return routes_changed_; })) << "no route notification";
	NextHop hop;
	ASSERT_EQ(nl.next_hop(ipv6("2001:2:44::5"), nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeer6}));

	// Routers advertise link-local addresses: the usual IPv6 gateway.
	ASSERT_TRUE(sh("ip -6 route add 2001:2:45::/64 via fe80::2 dev nl0"));
	ASSERT_EQ(nl.next_hop(ipv6("2001:2:45::5"), nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeerLinkLocal}));

	routes_changed_ = false;
	ASSERT_TRUE(sh("ip -6 route del 2001:2:44::/64"));
	ASSERT_TRUE(pump(nl, [&] { return routes_changed_; })) << "no route notification";
	EXPECT_LT(nl.next_hop(ipv6("2001:2:44::5"), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("2001:2:44::5"), std::string::npos) << error;
}

// An IPv4 route through an IPv6 next hop (RFC 5549): the neighbour to
// resolve is IPv6.
TEST_F(NetlinkNeighboursTest, AnIPv4RouteViaAnIPv6GatewayHasAnIPv6NextHop)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	if (!sh("ip route add 198.19.44.0/24 via inet6 fe80::2 dev nl0"))
		GTEST_SKIP() << "this kernel takes no IPv4 route via an IPv6 gateway";
	NextHop hop;
	ASSERT_EQ(nl.next_hop(ipv4(198, 19, 44, 5), nl0_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl0_, kPeerLinkLocal}));
}

TEST_F(NetlinkNeighboursTest, AnIPv6DestinationRoutedElsewhereOrNowhereIsRefused)
{
	NetlinkNeighbours nl;
	std::string error;
	ASSERT_EQ(nl.open(&error), 0) << error;
	NextHop hop{};
	ASSERT_TRUE(sh("ip -6 route add 2001:2:46::/64 via 2001:2:43::2"));
	EXPECT_LT(nl.next_hop(ipv6("2001:2:46::5"), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("2001:2:46::5"), std::string::npos) << error;
	EXPECT_NE(error.find("through nl1"), std::string::npos) << error;
	error.clear();
	EXPECT_LT(nl.next_hop(kOtherPeer6, nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("through nl1"), std::string::npos) << error;
	ASSERT_EQ(nl.next_hop(ipv6("2001:2:46::5"), nl1_, &hop, &error), 0) << error;
	EXPECT_EQ(hop, (NextHop{nl1_, kOtherPeer6}));

	hop = NextHop{};
	error.clear();
	EXPECT_LT(nl.next_hop(ipv6("2001:2:99::1"), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("2001:2:99::1"), std::string::npos) << error;
	ASSERT_TRUE(sh("ip -6 route add blackhole 2001:2:98::/64"));
	error.clear();
	EXPECT_LT(nl.next_hop(ipv6("2001:2:98::1"), nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("blackhole"), std::string::npos) << error;
	error.clear();
	EXPECT_LT(nl.next_hop(kHost6, nl0_, &hop, &error), 0);
	EXPECT_NE(error.find("local"), std::string::npos) << error;
	EXPECT_EQ(hop, NextHop{});
}

} // namespace
} // namespace mcr::host
