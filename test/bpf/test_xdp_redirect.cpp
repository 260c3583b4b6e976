// The af_xdp verdict with a socket in xsks_map, as the PMD leaves it: the
// program must return XDP_REDIRECT and count it, and relay traffic on an RX
// queue without a socket must go to the kernel as no_socket. Sockets are
// bound in copy mode to interfaces of a private namespace, which needs no
// driver support; BPF_PROG_TEST_RUN reports the action without delivering.
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_xdp.h>

#include "frame_builder.h"
#include "private_netns.h"
#include "xdp_config.h"
#include "xdp_harness.h"

namespace mcr::bpf::test {
namespace {

constexpr size_t frame_size = 4096;
constexpr size_t frame_count = 64;
constexpr int ring_size = 64;

// The least an AF_XDP socket needs before it can go into an XSKMAP.
class BoundXsk {
public:
	BoundXsk(int ifindex, uint32_t queue)
	{
		if (!open(ifindex, queue))
			problem_ += std::string(": ") + std::strerror(errno);
	}
	~BoundXsk()
	{
		fd_.reset();
		if (umem_ != MAP_FAILED)
			::munmap(umem_, frame_size * frame_count);
	}

	int fd() const { return fd_.get(); }
	const std::string &problem() const { return problem_; }

private:
	bool fail(const char *what)
	{
		problem_ = what;
		return false;
	}

	bool open(int ifindex, uint32_t queue)
	{
		umem_ = ::mmap(nullptr, frame_size * frame_count, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (umem_ == MAP_FAILED)
			return fail("mmap umem");
		fd_.reset(::socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
		if (!fd_)
			return fail("socket(AF_XDP)");

		xdp_umem_reg reg{};
		reg.addr = reinterpret_cast<uintptr_t>(umem_);
		reg.len = frame_size * frame_count;
		reg.chunk_size = frame_size;
		if (::setsockopt(fd_.get(), SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) < 0)
			return fail("XDP_UMEM_REG");
		for (int ring : {XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING})
			if (::setsockopt(fd_.get(), SOL_XDP, ring, &ring_size, sizeof(ring_size)) < 0)
				return fail("ring size");

		sockaddr_xdp addr{};
		addr.sxdp_family = AF_XDP;
		addr.sxdp_ifindex = static_cast<uint32_t>(ifindex);
		addr.sxdp_queue_id = queue;
		addr.sxdp_flags = XDP_COPY;
		if (::bind(fd_.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
			return fail("bind");
		return true;
	}

	void *umem_ = MAP_FAILED;
	UniqueFd fd_;
	std::string problem_;
};

class XdpRedirectTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		if (netns_.lacks_privilege())
			GTEST_SKIP() << netns_.problem();
		ASSERT_TRUE(netns_.problem().empty()) << netns_.problem();
		ASSERT_TRUE(sync_standard_rules(maps()));
		ASSERT_TRUE(set_xdp_flags(maps(), MCR_XDP_F_REDIRECT));
	}
	void TearDown() override
	{
		if (XdpHarness::get().usable())
			for (uint32_t queue = 0; queue < 4; queue++)
				(void)bpf_map_delete_elem(maps().xsks.get(), &queue);
	}
	const XdpMaps &maps() const { return XdpHarness::get().maps(); }

	PrivateNetns netns_;
};

TEST_F(XdpRedirectTest, MatchGoesToTheSocketOfItsQueue)
{
	BoundXsk xsk(netns_.loopback(), 0);
	ASSERT_TRUE(xsk.problem().empty()) << xsk.problem();
	const uint32_t queue = 0;
	const int fd = xsk.fd();
	ASSERT_EQ(bpf_map_update_elem(maps().xsks.get(), &queue, &fd, BPF_ANY), 0)
		<< std::strerror(errno);

	auto matched = run_counted(XdpHarness::get(), Frame().bytes());
	ASSERT_TRUE(matched) << matched.error().message;
	EXPECT_EQ(matched->action, XDP_REDIRECT);
	EXPECT_EQ(matched->delta[MCR_XDP_STAT_REDIRECT], 1u);

	// Only rule traffic goes to the socket.
	auto other = run_counted(XdpHarness::get(), Frame().to("239.1.1.1", 5001).bytes());
	ASSERT_TRUE(other) << other.error().message;
	EXPECT_EQ(other->action, XDP_PASS);
	EXPECT_EQ(other->delta[MCR_XDP_STAT_PASS_OTHER], 1u);

	// IPv6 the same way, counted as IPv6.
	for (const Frame6 &relayed :
	     {Frame6(), Frame6().with_ext({nh_hop_by_hop}).to("ff3e::2", 5000),
	      Frame6().with_fragment(frag_offset(185))}) {
		auto matched6 = run_counted(XdpHarness::get(), relayed.bytes());
		ASSERT_TRUE(matched6) << matched6.error().message;
		EXPECT_EQ(matched6->action, XDP_REDIRECT);
		EXPECT_EQ(matched6->delta[MCR_XDP_STAT_IPV6_REDIRECT], 1u);
	}
	// Range matches too, counted as range matches of their family; an
	// exact rule inside a range stays exact.
	for (const Frame &ranged : {Frame().to("239.2.3.4", 5050),
				    Frame().to("239.2.3.4", 5050).with_frag_off(185)}) {
		auto range = run_counted(XdpHarness::get(), ranged.bytes());
		ASSERT_TRUE(range) << range.error().message;
		EXPECT_EQ(range->action, XDP_REDIRECT);
		EXPECT_EQ(range->delta[MCR_XDP_STAT_RANGE_REDIRECT], 1u);
	}
	auto exact_in_range = run_counted(XdpHarness::get(), Frame().to("239.2.0.1", 5000).bytes());
	ASSERT_TRUE(exact_in_range) << exact_in_range.error().message;
	EXPECT_EQ(exact_in_range->action, XDP_REDIRECT);
	EXPECT_EQ(exact_in_range->delta[MCR_XDP_STAT_REDIRECT], 1u);
	for (const Frame6 &ranged : {Frame6().to("ff3e::1:34", 5050),
				     Frame6().to("ff3e::1:34", 5050).with_fragment(frag_offset(185))}) {
		auto range6 = run_counted(XdpHarness::get(), ranged.bytes());
		ASSERT_TRUE(range6) << range6.error().message;
		EXPECT_EQ(range6->action, XDP_REDIRECT);
		EXPECT_EQ(range6->delta[MCR_XDP_STAT_IPV6_RANGE_REDIRECT], 1u);
	}

	auto neighbour = run_counted(XdpHarness::get(),
				     Frame6().icmpv6(135).to("ff02::1:ff01:1", 0).bytes());
	ASSERT_TRUE(neighbour) << neighbour.error().message;
	EXPECT_EQ(neighbour->action, XDP_PASS);
	EXPECT_EQ(neighbour->delta[MCR_XDP_STAT_IPV6_PASS_OTHER], 1u);
}

TEST_F(XdpRedirectTest, ClosedSocketLeavesTheMapAndPassesAgain)
{
	{
		BoundXsk xsk(netns_.loopback(), 0);
		ASSERT_TRUE(xsk.problem().empty()) << xsk.problem();
		const uint32_t queue = 0;
		const int fd = xsk.fd();
		ASSERT_EQ(bpf_map_update_elem(maps().xsks.get(), &queue, &fd, BPF_ANY), 0);
	}
	auto verdict = run_counted(XdpHarness::get(), Frame().bytes());
	ASSERT_TRUE(verdict) << verdict.error().message;
	EXPECT_EQ(verdict->action, XDP_PASS);
	EXPECT_EQ(verdict->delta[MCR_XDP_STAT_NO_SOCKET], 1u);
}

// A NIC with four RX queues of which mcr bound two (queues: 2 on four
// combined channels, before mcr refused that): RSS still puts relay flows
// on queues 2 and 3.
TEST_F(XdpRedirectTest, RelayTrafficOnAQueueWithoutASocketIsCountedAsNoSocket)
{
	const int nic = netns_.add_veth("mcrq0", "mcrq1", 4);
	ASSERT_NE(nic, 0) << "ip link add ... numrxqueues 4 type veth";
	BoundXsk xsk0(nic, 0);
	BoundXsk xsk1(nic, 1);
	ASSERT_TRUE(xsk0.problem().empty()) << xsk0.problem();
	ASSERT_TRUE(xsk1.problem().empty()) << xsk1.problem();
	for (uint32_t queue : {0u, 1u}) {
		const int fd = queue == 0 ? xsk0.fd() : xsk1.fd();
		ASSERT_EQ(bpf_map_update_elem(maps().xsks.get(), &queue, &fd, BPF_ANY), 0)
			<< std::strerror(errno);
	}

	for (uint32_t queue : {0u, 1u}) {
		auto bound = run_counted(XdpHarness::get(), Frame().bytes(), Arrival{nic, queue});
		ASSERT_TRUE(bound) << bound.error().message;
		EXPECT_EQ(bound->action, XDP_REDIRECT) << "queue " << queue;
		EXPECT_EQ(bound->delta[MCR_XDP_STAT_REDIRECT], 1u) << "queue " << queue;
	}
	for (uint32_t queue : {2u, 3u}) {
		auto unbound = run_counted(XdpHarness::get(), Frame().bytes(), Arrival{nic, queue});
		ASSERT_TRUE(unbound) << unbound.error().message;
		EXPECT_EQ(unbound->action, XDP_PASS) << "queue " << queue;
		EXPECT_EQ(unbound->delta[MCR_XDP_STAT_NO_SOCKET], 1u) << "queue " << queue;
		EXPECT_EQ(unbound->delta[MCR_XDP_STAT_REDIRECT], 0u) << "queue " << queue;
	}

	// Traffic for the kernel on such a queue is the kernel's, not no_socket.
	auto other = run_counted(XdpHarness::get(), Frame().to("239.1.1.1", 5001).bytes(),
				 Arrival{nic, 3});
	ASSERT_TRUE(other) << other.error().message;
	EXPECT_EQ(other->action, XDP_PASS);
	EXPECT_EQ(other->delta[MCR_XDP_STAT_PASS_OTHER], 1u);
	EXPECT_EQ(other->delta[MCR_XDP_STAT_NO_SOCKET], 0u);

	// The kernel checks the queue against the interface: the test really
	// ran on queue 3, not on a default queue 0.
	EXPECT_FALSE(run_frame(XdpHarness::get().program_fd(), Frame().bytes(), Arrival{nic, 4}));
}

} // namespace
} // namespace mcr::bpf::test
