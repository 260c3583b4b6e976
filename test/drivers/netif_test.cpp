// The channel ioctls against the kernel, in a network namespace of the
// test's own: veth reports rx/tx channels and no combined ones, refuses
// combined channels, and loopback answers nothing. (No interface here has
// combined channels; the plan built on these facts is queue_plan_test.)
#include <gtest/gtest.h>

#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "netif.h"

namespace mcr::drivers {
namespace {

class ChannelsTest : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		// The process stays in it: nothing else runs in this binary.
		if (::unshare(CLONE_NEWNET) < 0)
			problem_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
		else if (std::system("ip link add mcrch0 numrxqueues 2 numtxqueues 2 type veth "
				     "peer name mcrch1 numrxqueues 2 numtxqueues 2") != 0)
			problem_ = "ip link add ... type veth failed";
	}
	void SetUp() override
	{
		if (!problem_.empty())
			GTEST_SKIP() << problem_ << " (needs root)";
	}

	static std::string problem_;
};

std::string ChannelsTest::problem_;

TEST_F(ChannelsTest, VethReportsRxChannelsAndNoCombinedOnes)
{
	const ChannelCounts ch = read_channels("mcrch0");
	EXPECT_EQ(ch.combined, 0u);
	EXPECT_EQ(ch.max_combined, 0u);
	EXPECT_EQ(ch.rx, 2u);
	EXPECT_GE(ch.max_rx, 2u);

	KernelIface iface;
	std::string error;
	ASSERT_EQ(query_kernel_iface("mcrch0", &iface, &error), 0) << error;
	EXPECT_EQ(iface.channels.rx, 2u);
	EXPECT_EQ(iface.channels.max_combined, 0u);
}

TEST_F(ChannelsTest, AnInterfaceWithoutTheIoctlReportsNothing)
{
	const ChannelCounts ch = read_channels("lo");
	EXPECT_EQ(ch.combined, 0u);
	EXPECT_EQ(ch.max_combined, 0u);
	EXPECT_EQ(ch.rx, 0u);
	EXPECT_EQ(ch.max_rx, 0u);
}

TEST_F(ChannelsTest, SettingCombinedChannelsOnVethFailsSayingWhat)
{
	std::string error;
	EXPECT_EQ(set_combined_channels("mcrch0", 1, &error), -EINVAL);
	EXPECT_EQ(error, "cannot set 1 combined channels on mcrch0 (ethtool -L mcrch0 combined 1): "
			 "Invalid argument");
	// Nothing else changed.
	EXPECT_EQ(read_channels("mcrch0").rx, 2u);

	EXPECT_EQ(set_combined_channels("lo", 1, &error), -EOPNOTSUPP);
	EXPECT_EQ(error, "cannot read the channels of lo (ethtool -l): Operation not supported");
}

} // namespace
} // namespace mcr::drivers
