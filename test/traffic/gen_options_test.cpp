// mcr-gen's command line for the sequence field: where it may go, and
// what is refused with a reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gen_options.h"

using namespace mcr::gen;

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
