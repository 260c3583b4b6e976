#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "traffic/payload_header.h"

using namespace mcr::traffic;

TEST(PayloadHeader, RoundTrip)
{
	std::array<uint8_t, 64> buf{};
	const PayloadHeader in{0xfedcba98, 0x0123456789abcdefull, 0xfffffffffffffff0ull};
	encode_payload_header(buf.data(), in);
	PayloadHeader out{};
	ASSERT_TRUE(decode_payload_header(buf.data(), buf.size(), &out));
	EXPECT_EQ(out.flow_id, in.flow_id);
	EXPECT_EQ(out.seq, in.seq);
	EXPECT_EQ(out.send_ns, in.send_ns);
}

TEST(PayloadHeader, IsNetworkOrderWithTheMagicFirst)
{
	std::array<uint8_t, payload_header_size> buf{};
	encode_payload_header(buf.data(), PayloadHeader{0x01020304, 0x05060708090a0b0cull,
							0x0d0e0f1011121314ull});
	const std::array<uint8_t, payload_header_size> expected{
		'M', 'C', 'R', 'T', 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14};
	EXPECT_EQ(buf, expected);
}

TEST(PayloadHeader, WorksAtAnyAlignment)
{
	std::array<uint8_t, 64> buf{};
	for (size_t off = 0; off < 8; off++) {
		encode_payload_header(buf.data() + off, PayloadHeader{7, 1000 + off, 42});
		PayloadHeader out{};
		ASSERT_TRUE(decode_payload_header(buf.data() + off, payload_header_size, &out));
		EXPECT_EQ(out.seq, 1000 + off);
	}
}

TEST(PayloadHeader, RejectsShortPayloadsAndOtherMagic)
{
	std::array<uint8_t, payload_header_size> buf{};
	encode_payload_header(buf.data(), PayloadHeader{1, 2, 3});
	PayloadHeader out{};
	EXPECT_FALSE(decode_payload_header(buf.data(), payload_header_size - 1, &out));
	buf[0] ^= 1;
	EXPECT_FALSE(decode_payload_header(buf.data(), buf.size(), &out));
}

TEST(PayloadHeader, StampChangesOnlySequenceAndTime)
{
	std::array<uint8_t, payload_header_size> buf{};
	encode_payload_header(buf.data(), PayloadHeader{9, 1, 2});
	stamp_payload_header(buf.data(), 77, 88);
	PayloadHeader out{};
	ASSERT_TRUE(decode_payload_header(buf.data(), buf.size(), &out));
	EXPECT_EQ(out.flow_id, 9u);
	EXPECT_EQ(out.seq, 77u);
	EXPECT_EQ(out.send_ns, 88u);
}
