#include <gtest/gtest.h>

#include "packet/sequence_field.h"

namespace mcr::packet {
namespace {

TEST(SequenceField, RtpIsSixteenBigEndianBitsAtByteTwo)
{
	const uint8_t rtp[12] = {0x80, 0x60, 0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 2};
	EXPECT_EQ(read_sequence(rtp_sequence, rtp, sizeof rtp), 0xabcdu);
	EXPECT_EQ(rtp_sequence.width_bits(), 16u);
}

TEST(SequenceField, EveryWidthInBothOrders)
{
	uint8_t p[20];
	for (unsigned i = 0; i < sizeof p; i++)
		p[i] = static_cast<uint8_t>(i + 1);
	EXPECT_EQ(read_sequence({0, 2, true}, p, sizeof p), 0x0102u);
	EXPECT_EQ(read_sequence({0, 2, false}, p, sizeof p), 0x0201u);
	EXPECT_EQ(read_sequence({4, 4, true}, p, sizeof p), 0x05060708u);
	EXPECT_EQ(read_sequence({4, 4, false}, p, sizeof p), 0x08070605u);
	// MoldUDP64's sequence number: 8 bytes at 10, big-endian.
	EXPECT_EQ(read_sequence({10, 8, true}, p, sizeof p), 0x0b0c0d0e0f101112u);
	EXPECT_EQ(read_sequence({10, 8, false}, p, sizeof p), 0x1211100f0e0d0c0bu);
}

TEST(SequenceField, TooShortHasNoNumber)
{
	const uint8_t p[18] = {};
	EXPECT_TRUE(read_sequence({10, 8, true}, p, 18).has_value());
	EXPECT_FALSE(read_sequence({10, 8, true}, p, 17).has_value());
	EXPECT_FALSE(read_sequence(rtp_sequence, p, 3).has_value());
	EXPECT_FALSE(read_sequence(rtp_sequence, nullptr, 0).has_value());
}

} // namespace
} // namespace mcr::packet
