// plan_queues() against made-up interfaces: a NIC with RSS (combined
// channels), veth (rx/tx channels only) and one that answers nothing.
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "queue_plan.h"

namespace mcr::drivers {
namespace {

ChannelCounts nic(unsigned combined, unsigned max_combined = 16)
{
	return {combined, max_combined, 0, 0};
}

ChannelCounts veth(unsigned rx)
{
	return {0, 0, rx, 16};
}

QueuePlanInput input(Backend backend, uint16_t queues, uint16_t workers, ChannelCounts channels,
		     bool set_channels = false)
{
	QueuePlanInput in;
	in.iface = "eth1";
	in.backend = backend;
	in.queues = queues;
	in.workers = workers;
	in.set_channels = set_channels;
	in.channels = channels;
	return in;
}

struct Planned {
	int rc;
	QueuePlan plan;
	std::string error;
};

Planned plan(const QueuePlanInput &in)
{
	Planned p;
	p.rc = plan_queues(in, &p.plan, &p.error);
	return p;
}

using Workers = std::vector<uint16_t>;

TEST(QueuePlan, AfXdpDefaultsToOneSocketPerCombinedChannel)
{
	const Planned p = plan(input(Backend::af_xdp, 0, 2, nic(4)));
	ASSERT_EQ(p.rc, 0) << p.error;
	EXPECT_EQ(p.plan.queues, 4);
	EXPECT_EQ(p.plan.rx_worker, (Workers{0, 1, 0, 1}));
	EXPECT_FALSE(p.plan.set_combined);
	EXPECT_TRUE(p.plan.warning.empty());
}

TEST(QueuePlan, AfXdpQueuesEqualToTheChannelsNeedNothingSet)
{
	const Planned p = plan(input(Backend::af_xdp, 3, 1, nic(3), true));
	ASSERT_EQ(p.rc, 0) << p.error;
	EXPECT_EQ(p.plan.queues, 3);
	EXPECT_EQ(p.plan.rx_worker, (Workers{0, 0, 0}));
	EXPECT_FALSE(p.plan.set_combined);
}

TEST(QueuePlan, AfXdpFewerQueuesThanChannelsIsRefusedNamingBoth)
{
	const Planned p = plan(input(Backend::af_xdp, 2, 1, nic(4)));
	EXPECT_EQ(p.rc, -EINVAL);
	EXPECT_EQ(p.error, "queues: 2 is fewer than the 4 combined channels of eth1; relay "
			   "traffic on the other channels would never reach mcr (set af_xdp: "
			   "{ set_channels: true } to let mcr set the channels to 2, or ethtool -L "
			   "eth1 combined 2)");
}

TEST(QueuePlan, AfXdpFewerQueuesWithSetChannelsSetsThem)
{
	const Planned p = plan(input(Backend::af_xdp, 2, 2, nic(8), true));
	ASSERT_EQ(p.rc, 0) << p.error;
	EXPECT_EQ(p.plan.queues, 2);
	EXPECT_EQ(p.plan.rx_worker, (Workers{0, 1}));
	ASSERT_TRUE(p.plan.set_combined);
	EXPECT_EQ(*p.plan.set_combined, 2u);
}

TEST(QueuePlan, AfXdpQueuesBelowTheWorkersAreRaisedToThem)
{
	// Worker w sends on TX queue w of every port.
	const Planned raised = plan(input(Backend::af_xdp, 2, 3, nic(3)));
	ASSERT_EQ(raised.rc, 0) << raised.error;
	EXPECT_EQ(raised.plan.queues, 3);
	EXPECT_EQ(raised.plan.rx_worker, (Workers{0, 1, 2}));

	const Planned short_of = plan(input(Backend::af_xdp, 2, 3, nic(4)));
	EXPECT_EQ(short_of.rc, -EINVAL);
	EXPECT_EQ(short_of.error.rfind("queues: 2 (raised to 3 for 3 workers) is fewer than the 4 "
				       "combined channels of eth1;", 0),
		  0u)
		<< short_of.error;
}

TEST(QueuePlan, AfXdpMoreWorkersThanChannels)
{
	const Planned p = plan(input(Backend::af_xdp, 0, 4, nic(2)));
	EXPECT_EQ(p.rc, -EINVAL);
	EXPECT_EQ(p.error, "4 worker(s) need 4 queue(s), but eth1 has 2 combined channel(s) "
			   "(ethtool -l) and the af_xdp PMD needs one per queue (set af_xdp: "
			   "{ set_channels: true } to let mcr set the channels to 4, or ethtool -L "
			   "eth1 combined 4)");

	const Planned set = plan(input(Backend::af_xdp, 0, 4, nic(2), true));
	ASSERT_EQ(set.rc, 0) << set.error;
	EXPECT_EQ(set.plan.queues, 4);
	ASSERT_TRUE(set.plan.set_combined);
	EXPECT_EQ(*set.plan.set_combined, 4u);
}

TEST(QueuePlan, AfXdpNeverAsksForMoreThanTheMaximum)
{
	const Planned no_set = plan(input(Backend::af_xdp, 8, 1, nic(2, 4)));
	EXPECT_EQ(no_set.rc, -EINVAL);
	EXPECT_NE(no_set.error.find("(eth1 allows at most 4)"), std::string::npos) << no_set.error;
	EXPECT_EQ(no_set.error.find("set_channels"), std::string::npos) << no_set.error;

	const Planned set = plan(input(Backend::af_xdp, 8, 1, nic(2, 4), true));
	EXPECT_EQ(set.rc, -EINVAL);
	EXPECT_EQ(set.error, "queues: 8, but eth1 allows at most 4 combined channels (ethtool -l)");
}

TEST(QueuePlan, AfXdpSocketsAreBoundedByTheXsksMap)
{
	const Planned p = plan(input(Backend::af_xdp, 0, 1, nic(300, 512)));
	EXPECT_EQ(p.rc, -EINVAL);
	EXPECT_NE(p.error.find("eth1 has 300 combined channels, more than the 256"),
		  std::string::npos)
		<< p.error;
	const Planned at_limit = plan(input(Backend::af_xdp, 0, 1, nic(256, 512)));
	ASSERT_EQ(at_limit.rc, 0) << at_limit.error;
	EXPECT_EQ(at_limit.plan.queues, 256);
}

TEST(QueuePlan, VethIsOneQueueForAfXdp)
{
	const Planned one = plan(input(Backend::af_xdp, 0, 1, veth(4)));
	ASSERT_EQ(one.rc, 0) << one.error;
	EXPECT_EQ(one.plan.queues, 1);
	EXPECT_EQ(one.plan.rx_worker, (Workers{0}));

	const Planned two = plan(input(Backend::af_xdp, 0, 2, veth(2)));
	EXPECT_EQ(two.rc, -EINVAL);
	EXPECT_EQ(two.error, "2 worker(s) need 2 queue(s), but eth1 has no combined channels "
			     "(ethtool -l), so DPDK 22.11's af_xdp PMD gives it one queue; use one "
			     "worker or use driver af_packet");

	// An interface that does not answer ETHTOOL_GCHANNELS at all: the same.
	const Planned none = plan(input(Backend::af_xdp, 2, 1, ChannelCounts{}));
	EXPECT_EQ(none.rc, -EINVAL);
	EXPECT_EQ(none.error, "queues: 2, but eth1 has no combined channels (ethtool -l), so DPDK "
			      "22.11's af_xdp PMD gives it one queue; leave queues out or use driver "
			      "af_packet");
}

TEST(QueuePlan, SetChannelsOnVethWarnsAndSetsNothing)
{
	const Planned one = plan(input(Backend::af_xdp, 0, 1, veth(2), true));
	ASSERT_EQ(one.rc, 0) << one.error;
	EXPECT_EQ(one.plan.queues, 1);
	EXPECT_FALSE(one.plan.set_combined);
	EXPECT_EQ(one.plan.warning, "set_channels does not apply to eth1: it has no combined "
				    "channels (ethtool -l shows 2 RX channel(s)), and DPDK 22.11's "
				    "af_xdp PMD reads only combined ones, so the port has one socket, "
				    "on RX queue 0");

	// It cannot make room for more workers either.
	const Planned two = plan(input(Backend::af_xdp, 0, 2, veth(2), true));
	EXPECT_EQ(two.rc, -EINVAL);
}

TEST(QueuePlan, AfPacketIgnoresTheChannels)
{
	// PACKET_FANOUT_HASH spreads flows over the sockets whatever queue
	// they arrived on.
	const Planned dflt = plan(input(Backend::af_packet, 0, 2, nic(8)));
	ASSERT_EQ(dflt.rc, 0) << dflt.error;
	EXPECT_EQ(dflt.plan.queues, 2);
	EXPECT_EQ(dflt.plan.rx_worker, (Workers{0, 1}));
	EXPECT_FALSE(dflt.plan.set_combined);

	const Planned more = plan(input(Backend::af_packet, 3, 2, veth(1), true));
	ASSERT_EQ(more.rc, 0) << more.error;
	EXPECT_EQ(more.plan.queues, 3);
	EXPECT_EQ(more.plan.rx_worker, (Workers{0, 1, 0}));
	EXPECT_FALSE(more.plan.set_combined);
	EXPECT_TRUE(more.plan.warning.empty());

	const Planned fewer = plan(input(Backend::af_packet, 1, 2, nic(8)));
	ASSERT_EQ(fewer.rc, 0) << fewer.error;
	EXPECT_EQ(fewer.plan.queues, 2);
}

TEST(QueuePlan, TheInputComesFromThePortsYaml)
{
	config::Port cfg;
	cfg.name = "up0";
	cfg.iface = "eth9";
	cfg.queues = 5;
	cfg.af_xdp.set_channels = true;
	const QueuePlanInput in = queue_plan_input(cfg, Backend::af_xdp, 3, nic(2));
	EXPECT_EQ(in.iface, "eth9");
	EXPECT_EQ(in.backend, Backend::af_xdp);
	EXPECT_EQ(in.queues, 5);
	EXPECT_EQ(in.workers, 3);
	EXPECT_TRUE(in.set_channels);
	EXPECT_EQ(in.channels.combined, 2u);
}

} // namespace
} // namespace mcr::drivers
