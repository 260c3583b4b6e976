#include <gtest/gtest.h>

#include "config/address.h"

using namespace mcr::config;

TEST(Address, ParsesDottedQuads)
{
	EXPECT_EQ(parse_ipv4("0.0.0.0"), Ipv4{0});
	EXPECT_EQ(parse_ipv4("198.18.1.1"), Ipv4{0xc6120101});
	EXPECT_EQ(parse_ipv4("255.255.255.255"), Ipv4{0xffffffff});
}

TEST(Address, RejectsWhatIsNotADottedQuad)
{
	for (const char *text :
	     {"", "239.1.1", "239.1.1.1.1", "239.1.1.256", "239.1.1.01", "239.1..1", "239.1.1.1 ",
	      " 239.1.1.1", "239.1.1.-1", "239.1.1.+1", "0x7f.0.0.1", "239.1.1.", ".239.1.1"})
		EXPECT_FALSE(parse_ipv4(text)) << text;
}

TEST(Address, FormatsWhatItParses)
{
	for (const char *text : {"0.0.0.0", "198.18.1.1", "239.255.0.10", "255.255.255.255"})
		EXPECT_EQ(format_ipv4(*parse_ipv4(text)), text);
}

TEST(Address, ClassifiesIpv4)
{
	EXPECT_TRUE(is_ipv4_multicast(*parse_ipv4("224.0.0.1")));
	EXPECT_TRUE(is_ipv4_multicast(*parse_ipv4("239.255.255.255")));
	EXPECT_FALSE(is_ipv4_multicast(*parse_ipv4("240.0.0.1")));
	EXPECT_TRUE(is_ipv4_unicast(*parse_ipv4("198.18.0.1")));
	EXPECT_TRUE(is_ipv4_unicast(*parse_ipv4("1.0.0.0")));
	EXPECT_TRUE(is_ipv4_unicast(*parse_ipv4("223.255.255.255")));
	for (const char *text :
	     {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"})
		EXPECT_FALSE(is_ipv4_unicast(*parse_ipv4(text))) << text;
}

TEST(Address, ParsesMacs)
{
	EXPECT_EQ(parse_mac("02:00:00:00:02:0a"), (Mac{0x02, 0, 0, 0, 0x02, 0x0a}));
	EXPECT_EQ(parse_mac("AA:bb:CC:dd:EE:ff"), (Mac{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
	for (const char *text :
	     {"", "02:00:00:00:02", "02:00:00:00:02:0a:01", "02-00-00-00-02-0a",
	      "2:0:0:0:2:a:", "02:00:00:00:02:0g", "0200.0000.020a", "02:00:00:00:02:+a"})
		EXPECT_FALSE(parse_mac(text)) << text;
}

TEST(Address, FormatsMacsInLowerCase)
{
	EXPECT_EQ(format_mac(Mac{0xaa, 0xbb, 0xcc, 0x0d, 0xee, 0xff}), "aa:bb:cc:0d:ee:ff");
}

TEST(Address, ClassifiesMacs)
{
	EXPECT_TRUE(is_mac_unicast(*parse_mac("02:00:00:00:00:01")));
	EXPECT_FALSE(is_mac_unicast(*parse_mac("01:00:5e:01:01:01")));
	EXPECT_FALSE(is_mac_unicast(*parse_mac("ff:ff:ff:ff:ff:ff")));
	EXPECT_FALSE(is_mac_unicast(*parse_mac("00:00:00:00:00:00")));
}
