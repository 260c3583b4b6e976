// mcr-gen's command line for the sequence field: where it may go, and
// what is refused with a reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gen_options.h"

using namespace mcr::gen;
namespace traffic = mcr::traffic;

namespace {

bool parse(std::vector<std::string> args, GenOptions *opt, std::string *error)
{
	args.insert(args.begin(), "mcr-gen");
	std::vector<char *> argv;
	for (std::string &a : args)
		argv.push_back(a.data());
	return parse_gen_options(static_cast<int>(argv.size()), argv.data(), opt, error);
}

} // namespace

TEST(GenOptions, SeqFieldAfterTheHeader)
{
	GenOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"--flow", "239.1.1.1:5000", "--seq-start", "65000", "--seq-field", "24:2:little"},
			  &opt, &error))
		<< error;
	EXPECT_EQ(opt.seq_field.offset, 24u);
	EXPECT_EQ(opt.seq_field.size, 2);
	EXPECT_FALSE(opt.seq_field.big_endian);
	EXPECT_EQ(opt.seq_field.start, 65000u);
}

TEST(GenOptions, SeqFieldMustNotOverlapTheHeader)
{
	GenOptions opt;
	std::string error;
	EXPECT_FALSE(parse({"--flow", "239.1.1.1:5000", "--seq-field", "20:4"}, &opt, &error));
	EXPECT_NE(error.find("offset 24 or later"), std::string::npos) << error;
}

TEST(GenOptions, SeqFieldMustFitThePayload)
{
	GenOptions opt;
	std::string error;
	// 128-byte frames: an 86-byte payload; 80 + 8 passes its end.
	EXPECT_FALSE(parse({"--flow", "239.1.1.1:5000", "--seq-field", "80:8"}, &opt, &error));
	EXPECT_NE(error.find("past the 86-byte payload"), std::string::npos) << error;
	GenOptions fits;
	EXPECT_TRUE(parse({"--flow", "239.1.1.1:5000", "--seq-field", "78:8"}, &fits, &error)) << error;
}

TEST(GenOptions, SeqFieldBadFormAndStartAlone)
{
	GenOptions opt;
	std::string error;
	EXPECT_FALSE(parse({"--flow", "239.1.1.1:5000", "--seq-field", "24:3"}, &opt, &error));
	EXPECT_NE(error.find("SIZE 2, 4 or 8"), std::string::npos) << error;
	GenOptions alone;
	EXPECT_FALSE(parse({"--flow", "239.1.1.1:5000", "--seq-start", "5"}, &alone, &error));
	EXPECT_NE(error.find("needs --seq-field"), std::string::npos) << error;
}

TEST(GenOptions, OmittedPath)
{
	GenOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"--flow", "239.1.1.1:5000", "--loss", "10", "--omitted", "-"}, &opt, &error));
	EXPECT_EQ(opt.omitted_path, "-");
	EXPECT_EQ(opt.pattern.loss_ppm, 100000u);
}

TEST(GenOptions, Ipv6FlowsWithAndWithoutASource)
{
	GenOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"--flow", "[ff3e::1:1]:5000", "--flow", "[ff3e::1:2]:5000@2001:2:0:1::2",
			   "--flow", "[2001:2:0:3::2]:6001@[2001:2:0:1::2]:4100", "--flow", "239.1.1.1:5000"},
			  &opt, &error))
		<< error;
	ASSERT_EQ(opt.flows.size(), 4u);
	EXPECT_TRUE(traffic::is_ipv6(opt.flows[0].dst.addr));
	EXPECT_FALSE(opt.flows[0].src_addr.has_value());
	EXPECT_EQ(traffic::format_ip(*opt.flows[1].src_addr), "2001:2:0:1::2");
	EXPECT_EQ(opt.flows[1].src_port, 0);
	EXPECT_EQ(opt.flows[2].src_port, 4100);
	EXPECT_FALSE(traffic::is_ipv6(opt.flows[3].dst.addr));
	// 128-byte frames: 86 bytes of IPv4 payload, 66 of IPv6.
	EXPECT_EQ(opt.payload_size(opt.flows[3].dst.addr), 86u);
	EXPECT_EQ(opt.payload_size(opt.flows[0].dst.addr), 66u);
	EXPECT_EQ(opt.min_payload_size(), 66u);
}

TEST(GenOptions, Ipv6FlowRefusals)
{
	std::string error;
	for (const char *flow : {"ff3e::1:1:5000", "[ff3e::1:1]:5000@198.18.1.2", "239.1.1.1:5000@2001:2::1",
				 "[ff3e::1:1]:5000@[198.18.1.2]:4000"}) {
		GenOptions opt;
		EXPECT_FALSE(parse({"--flow", flow}, &opt, &error)) << flow;
		EXPECT_NE(error.find("bad value for --flow"), std::string::npos) << error;
	}
	GenOptions small;
	EXPECT_FALSE(parse({"--flow", "[ff3e::1:1]:5000", "--size", "85"}, &small, &error));
	EXPECT_NE(error.find("too small for IPv6"), std::string::npos) << error;
	GenOptions fits;
	EXPECT_TRUE(parse({"--flow", "[ff3e::1:1]:5000", "--size", "86"}, &fits, &error)) << error;
	GenOptions v4;
	EXPECT_TRUE(parse({"--flow", "239.1.1.1:5000", "--size", "66"}, &v4, &error)) << error;
	// The sequence field must fit the IPv6 flows' smaller payload.
	GenOptions field;
	EXPECT_FALSE(parse({"--flow", "239.1.1.1:5000", "--flow", "[ff3e::1:1]:5000", "--seq-field", "60:8"},
			   &field, &error));
	EXPECT_NE(error.find("past the 66-byte payload"), std::string::npos) << error;
}

TEST(GenOptions, DstCountExpandsEachFlowIntoARange)
{
	GenOptions opt;
	std::string error;
	ASSERT_TRUE(parse({"--flow", "239.1.0.1:5000@198.18.1.2", "--flow", "[ff3e::7:fffe]:5001",
			   "--dst-count", "50"},
			  &opt, &error))
		<< error;
	ASSERT_EQ(opt.flows.size(), 100u);
	EXPECT_EQ(traffic::format_endpoint(opt.flows[0].dst.addr, opt.flows[0].dst.port), "239.1.0.1:5000");
	EXPECT_EQ(traffic::format_endpoint(opt.flows[49].dst.addr, opt.flows[49].dst.port), "239.1.0.50:5000");
	EXPECT_EQ(traffic::format_ip(*opt.flows[49].src_addr), "198.18.1.2");
	EXPECT_EQ(traffic::format_endpoint(opt.flows[50].dst.addr, opt.flows[50].dst.port), "[ff3e::7:fffe]:5001");
	EXPECT_EQ(traffic::format_endpoint(opt.flows[52].dst.addr, opt.flows[52].dst.port), "[ff3e::8:0]:5001");
	EXPECT_EQ(opt.flow_id(99), 99u);
	GenOptions past;
	EXPECT_FALSE(parse({"--flow", "255.255.255.250:5000", "--dst-count", "7"}, &past, &error));
	EXPECT_NE(error.find("passes the last address"), std::string::npos) << error;
}
