// mcr-gen's sequence field: the option's forms, the bytes it writes (size,
// order, wrap, any alignment), and the sequence numbers a run leaves out.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "traffic/seq_field.h"
#include "traffic/seq_pattern.h"

using namespace mcr::traffic;

TEST(SeqField, ParsesOffsetSizeAndOrder)
{
	SeqField f;
	ASSERT_TRUE(parse_seq_field("24:8", &f));
	EXPECT_EQ(f.offset, 24u);
	EXPECT_EQ(f.size, 8);
	EXPECT_TRUE(f.big_endian);
	ASSERT_TRUE(parse_seq_field("31:2:little", &f));
	EXPECT_EQ(f.offset, 31u);
	EXPECT_EQ(f.size, 2);
	EXPECT_FALSE(f.big_endian);
	ASSERT_TRUE(parse_seq_field("40:4:big", &f));
	EXPECT_TRUE(f.big_endian);
}

TEST(SeqField, RefusesOtherForms)
{
	for (const char *bad : {"", "24", "24:", ":4", "24:3", "24:1", "24:16", "24:4:middle", "24:4:",
				"x:4", "24:4:big:1", "-1:4", "70000:4"}) {
		SeqField f;
		EXPECT_FALSE(parse_seq_field(bad, &f)) << bad;
	}
}

TEST(SeqField, KeepsAStartGivenBefore)
{
	SeqField f;
	f.start = 65530;
	ASSERT_TRUE(parse_seq_field("24:2", &f));
	EXPECT_EQ(f.start, 65530u);
}

TEST(SeqField, WritesEachSizeInEachOrder)
{
	struct Case {
		uint8_t size;
		bool big;
		std::vector<uint8_t> bytes;
	};
	const uint64_t seq = 0x0102030405060708ull;
	for (const Case &c : {Case{2, true, {0x07, 0x08}}, Case{2, false, {0x08, 0x07}},
			      Case{4, true, {0x05, 0x06, 0x07, 0x08}},
			      Case{4, false, {0x08, 0x07, 0x06, 0x05}},
			      Case{8, true, {1, 2, 3, 4, 5, 6, 7, 8}},
			      Case{8, false, {8, 7, 6, 5, 4, 3, 2, 1}}}) {
		std::array<uint8_t, 48> buf;
		buf.fill(0xee);
		const SeqField f{.offset = 30, .size = c.size, .big_endian = c.big};
		f.write(buf.data(), seq);
		EXPECT_TRUE(std::equal(c.bytes.begin(), c.bytes.end(), buf.begin() + 30))
			<< int{c.size} << (c.big ? " big" : " little");
		// Nothing around the field is touched.
		EXPECT_EQ(buf[29], 0xee);
		EXPECT_EQ(buf[30 + c.size], 0xee);
		uint64_t back = 0;
		ASSERT_TRUE(f.read(buf.data(), buf.size(), &back));
		EXPECT_EQ(back, f.value(seq));
	}
}

TEST(SeqField, WrapsAtItsSizeFromTheStart)
{
	const SeqField f16{.offset = 24, .size = 2, .start = 65534};
	EXPECT_EQ(f16.value(0), 65534u);
	EXPECT_EQ(f16.value(1), 65535u);
	EXPECT_EQ(f16.value(2), 0u);
	EXPECT_EQ(f16.value(3), 1u);
	const SeqField f32{.offset = 24, .size = 4, .start = 0xffffffffull};
	EXPECT_EQ(f32.value(0), 0xffffffffull);
	EXPECT_EQ(f32.value(1), 0u);
	const SeqField f64{.offset = 24, .size = 8, .start = UINT64_MAX};
	EXPECT_EQ(f64.value(0), UINT64_MAX);
	EXPECT_EQ(f64.value(1), 0u);
}

TEST(SeqField, ReadNeedsTheWholeField)
{
	const SeqField f{.offset = 24, .size = 4};
	std::array<uint8_t, 28> buf{};
	uint64_t v;
	EXPECT_TRUE(f.read(buf.data(), 28, &v));
	EXPECT_FALSE(f.read(buf.data(), 27, &v));
	EXPECT_FALSE(SeqField{}.read(buf.data(), 28, &v));
}

namespace {

std::vector<uint64_t> emitted(const SeqPattern &pattern, uint64_t limit, uint32_t flow)
{
	SeqEmitter e(pattern, limit, flow);
	std::vector<uint64_t> out;
	for (uint64_t s; e.next(&s);)
		out.push_back(s);
	return out;
}

} // namespace

// What the generator sends and what it reports as omitted are complements:
// together every sequence number once, so a test can predict its receiver.
TEST(OmittedSeqs, AreExactlyWhatTheEmitterLeavesOut)
{
	for (const SeqPattern &p : {SeqPattern{.loss_ppm = 100000, .seed = 3},
				    SeqPattern{.skip_every = 7, .dup_every = 5, .swap_every = 3,
					       .loss_ppm = 250000, .seed = 9},
				    SeqPattern{}}) {
		for (uint32_t flow : {0u, 1u}) {
			const uint64_t n = 5000;
			std::vector<uint64_t> sent = emitted(p, n, flow);
			std::sort(sent.begin(), sent.end());
			sent.erase(std::unique(sent.begin(), sent.end()), sent.end());
			const std::vector<uint64_t> omitted = omitted_seqs(p, flow, n);
			std::vector<uint64_t> all;
			std::merge(sent.begin(), sent.end(), omitted.begin(), omitted.end(),
				   std::back_inserter(all));
			ASSERT_EQ(all.size(), n);
			for (uint64_t s = 0; s < n; s++)
				ASSERT_EQ(all[s], s);
		}
	}
}

TEST(OmittedSeqs, TenPercentLossIsAboutTenPercentAndDiffersBySeed)
{
	const uint64_t n = 20000;
	const auto a = omitted_seqs(SeqPattern{.loss_ppm = 100000, .seed = 1}, 0, n);
	const auto b = omitted_seqs(SeqPattern{.loss_ppm = 100000, .seed = 2}, 0, n);
	EXPECT_NEAR(static_cast<double>(a.size()) / n, 0.10, 0.01);
	EXPECT_NEAR(static_cast<double>(b.size()) / n, 0.10, 0.01);
	std::vector<uint64_t> both;
	std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
	// Independent: about 1 % lost on both.
	EXPECT_NEAR(static_cast<double>(both.size()) / n, 0.01, 0.004);
}
