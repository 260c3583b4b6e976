// mcr-sink's command line: endpoints of either family, interfaces by
// address or name, source-specific joins, ranges of groups.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sink_options.h"

using namespace mcr::sink;
using mcr::traffic::format_endpoint;
using mcr::traffic::format_ip;

namespace {

bool parse(std::vector<std::string> args, SinkOptions *opt, std::string *error)
{
	args.insert(args.begin(), "mcr-sink");
	std::vector<char *> argv;
	for (std::string &a : args)
		argv.push_back(a.data());
	return parse_sink_options(static_cast<int>(argv.size()), argv.data(), opt, error);
}

} // namespace

TEST(SinkOptions, EndpointsOfBothFamilies)
{
	SinkOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"239.2.2.2:6000@198.18.2.2", "[ff3e::2:1]:6000@2001:2:0:2::2",
			   "--listen", "[2001:2:0:3::2]:6001", "[ff3e::9:1]:7000@eth0,src=2001:2:0:1::2",
			   "232.1.1.1:5000,src=198.18.1.2", "--iface-addr", "t1s1"},
			  &opt, &error))
		<< error;
	ASSERT_EQ(opt.listen.size(), 5u);
	EXPECT_EQ(opt.listen[0].iface, "198.18.2.2");
	EXPECT_EQ(format_endpoint(opt.listen[1].ep.addr, opt.listen[1].ep.port), "[ff3e::2:1]:6000");
	EXPECT_EQ(opt.listen[1].iface, "2001:2:0:2::2");
	EXPECT_TRUE(opt.listen[2].iface.empty());
	EXPECT_EQ(opt.listen[3].iface, "eth0");
	EXPECT_EQ(format_ip(*opt.listen[3].source), "2001:2:0:1::2");
	EXPECT_EQ(format_ip(*opt.listen[4].source), "198.18.1.2");
	EXPECT_EQ(opt.iface, "t1s1");
}

TEST(SinkOptions, Refusals)
{
	for (const char *bad : {"ff3e::2:1:6000", "[ff3e::2:1]:6000,src=198.18.1.2",
				"239.1.1.1:5000,src=2001:2::1", "[2001:2::3]:6000,src=2001:2::1",
				"239.1.1.1:5000,from=198.18.1.2", "239.1.1.1:5000@a/b"}) {
		SinkOptions opt;
		std::string error;
		EXPECT_FALSE(parse({bad}, &opt, &error)) << bad;
		EXPECT_NE(error.find("bad endpoint"), std::string::npos) << error;
	}
	SinkOptions dpdk;
	std::string error;
	EXPECT_FALSE(parse({"--port", "af_packet:eth0", "[ff3e::2:1]:6000,src=2001:2::1"}, &dpdk, &error));
	EXPECT_NE(error.find("for kernel sockets"), std::string::npos) << error;
}

TEST(SinkOptions, DstCountListensOnARange)
{
	SinkOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"239.1.0.1:5000@198.18.2.2", "[ff3e::7:1]:5000", "--dst-count", "50"}, &opt, &error))
		<< error;
	ASSERT_EQ(opt.listen.size(), 100u);
	EXPECT_EQ(format_endpoint(opt.listen[49].ep.addr, opt.listen[49].ep.port), "239.1.0.50:5000");
	EXPECT_EQ(opt.listen[49].iface, "198.18.2.2");
	EXPECT_EQ(format_endpoint(opt.listen[99].ep.addr, opt.listen[99].ep.port), "[ff3e::7:32]:5000");
}
