// checksum_fold against the plain definition: add the 16-bit halves with
// the carry wrapped around until the value fits in 16 bits.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include <vector>

#include <rte_ip.h>

#include "packet/checksum.h"

namespace mcr::packet {
namespace {

uint16_t reference_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(sum);
}

TEST(ChecksumFold, MatchesTheDefinitionAtTheEdges)
{
	for (uint64_t v : {0ull, 1ull, 0xffffull, 0x10000ull, 0x1fffeull, 0xffffffffull,
			   0x100000000ull, 0x1ffffffffull, 0xfffffffeffffull, 0xffffffffffffffffull,
			   0x8000000080000000ull, 0xffff0000ffff0000ull})
		EXPECT_EQ(checksum_fold(v), reference_fold(v)) << std::hex << v;
}

TEST(ChecksumFold, MatchesTheDefinitionOnSumsOfHeaderWords)
{
	std::mt19937_64 rng(7);
	for (int i = 0; i < 200000; i++) {
		// The rewrite adds up to eight 16- or 32-bit words.
		uint64_t sum = 0;
		const int words = 1 + static_cast<int>(rng() % 8);
		for (int w = 0; w < words; w++)
			sum += rng() & (rng() & 1 ? 0xffffffffull : 0xffffull);
		ASSERT_EQ(checksum_fold(sum), reference_fold(sum)) << std::hex << sum;
	}
}

// raw_sum folds to what DPDK's rte_raw_cksum gives, at every length
// (odd ones too) and every alignment.
TEST(RawSum, FoldsToRteRawCksum)
{
	std::mt19937 rng(3);
	std::vector<uint8_t> buf(2100);
	for (auto &b : buf)
		b = uint8_t(rng());
	for (uint32_t len = 0; len < 2048; len += (len < 64 ? 1 : 7))
		for (uint32_t offset = 0; offset < 8; offset++)
			ASSERT_EQ(checksum_fold(raw_sum(buf.data() + offset, len)),
				  rte_raw_cksum(buf.data() + offset, len))
				<< "len " << len << " offset " << offset;
}

} // namespace
} // namespace mcr::packet
