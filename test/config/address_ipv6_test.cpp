// IPv6 text, scopes and prefixes of both families (lib/config/address.h),
// held against glibc's inet_pton/inet_ntop where those define the answer.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <memory>
#include <random>

#include "config/address.h"

using namespace mcr::config;

namespace {

Ipv6 v6(const char *text)
{
	const auto a = parse_ipv6(text);
	EXPECT_TRUE(a) << text;
	return a.value_or(Ipv6{});
}

std::optional<Ipv6> libc_parse(const std::string &text)
{
	Ipv6 a;
	if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1)
		return std::nullopt;
	return a;
}

std::string libc_format(const Ipv6 &a)
{
	char buf[INET6_ADDRSTRLEN];
	return inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
}

std::string prefix_error(const char *text)
{
	std::string error;
	EXPECT_FALSE(parse_prefix(text, error)) << text;
	return error;
}

} // namespace

TEST(Ipv6Address, ParsesEveryRfc4291Form)
{
	EXPECT_EQ(v6("2001:db8:0:0:8:800:200c:417a"),
		  (Ipv6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}));
	EXPECT_EQ(v6("2001:DB8::8:800:200C:417A"), v6("2001:db8:0:0:8:800:200c:417a"));
	EXPECT_EQ(v6("0001:0DB8:0000::0001"), v6("1:db8::1"));
	EXPECT_EQ(v6("::"), Ipv6{});
	EXPECT_EQ(v6("::1"), (Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
	EXPECT_EQ(v6("ff3e::"), (Ipv6{0xff, 0x3e}));
	EXPECT_EQ(v6("::ffff:198.18.0.1"),
		  (Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1}));
	EXPECT_EQ(v6("1:2:3:4:5:6:198.18.0.1"), v6("1:2:3:4:5:6:c612:1"));
	EXPECT_EQ(v6("1:2:3:4:5:6:7::"), v6("1:2:3:4:5:6:7:0"));
	EXPECT_EQ(v6("::2:3:4:5:6:7:8"), v6("0:2:3:4:5:6:7:8"));
}

TEST(Ipv6Address, RejectsWhatIsNotRfc4291Text)
{
	for (const char *text :
	     {"", ":", ":::", "1:::2", "1::2::3", "::1::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
	      "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "12345::", "g::", "1:", ":1", "1:2:3:4:5:6:7:",
	      ":1:2:3:4:5:6:7", "1.2.3.4::", "::1.2.3", "::1.2.3.04", "::1.2.3.256",
	      "::198.18.0.1:1", "1:2:3:4:5:6:7:198.18.0.1", "::ffff:1.2.3.4.5", "fe80::1%eth0",
	      "[::1]", " ::1", "::1 ", "-1::", "+1::", "0x1::", "::/0", "1:2:3:4:5:6:7:8%0",
	      "198.18.0.1"})
		EXPECT_FALSE(parse_ipv6(text)) << text;
}

// glibc's inet_pton accepts and refuses the same texts (it too refuses a
// dotted quad with leading zeros).
TEST(Ipv6Address, AgreesWithInetPton)
{
	const std::vector<std::string> texts = {
		"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1::8", "ABCD:ef01::", "0000:0000::0000", "::ffff:1.2.3.4", "::1.2.3.4",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5::1.2.3.4", ":::", "1::2::3", "12345::", "1:2",
		"1:2:3:4:5:6:7:8:9", "::1.2.3.04", "::1.2.3", "1.2.3.4::", "fe80::1%1", "g::",
		"1:2:3:4:5:6:7:1.2.3.4", "::ffff:255.255.255.255", "::ffff:256.0.0.0", ":1::",
		"1::2:", "0:0:0:0:0:0:0:0", "00000::", "1:2:3:4::5:6:7:8", "1:2:3::4:5:1.2.3.4"};
	for (const std::string &text : texts)
		EXPECT_EQ(parse_ipv6(text), libc_parse(text)) << text;
}

TEST(Ipv6Address, FormatsAsRfc5952)
{
	EXPECT_EQ(format_ipv6(v6("2001:0DB8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
	// A single zero group is not compressed (4.2.2) ...
	EXPECT_EQ(format_ipv6(v6("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");
	// ... the longest run is (4.2.3), the first of equal ones.
	EXPECT_EQ(format_ipv6(v6("2001:0:0:1:0:0:0:1")), "2001:0:0:1::1");
	EXPECT_EQ(format_ipv6(v6("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");
	EXPECT_EQ(format_ipv6(v6("0:0:1:0:0:0:0:0")), "0:0:1::");
	EXPECT_EQ(format_ipv6(v6("::")), "::");
	EXPECT_EQ(format_ipv6(v6("::1")), "::1");
	EXPECT_EQ(format_ipv6(v6("1::")), "1::");
	EXPECT_EQ(format_ipv6(v6("FF3E::8000:1")), "ff3e::8000:1");
	EXPECT_EQ(format_ipv6(v6("1:2:3:4:5:6:7:8")), "1:2:3:4:5:6:7:8");
	// IPv4-mapped addresses in mixed notation (section 5).
	EXPECT_EQ(format_ipv6(v6("::ffff:c612:1")), "::ffff:198.18.0.1");
}

// Random addresses, many of them with zero runs: glibc's inet_ntop also
// prints RFC 5952 text, except that it writes the deprecated
// IPv4-compatible ::a.b.c.d in mixed notation too, which RFC 5952 does not
// ask for; those are left out. Each text parses back to its address.
TEST(Ipv6Address, RoundTripsAndAgreesWithInetNtop)
{
	std::mt19937 rng(14);
	for (int n = 0; n < 20000; n++) {
		Ipv6 a{};
		for (size_t g = 0; g < 8; g++) {
			if (rng() % 2 == 0)
				continue; // a zero group
			const uint16_t value = static_cast<uint16_t>(rng() >> (rng() % 4 * 4));
			a[2 * g] = static_cast<uint8_t>(value >> 8);
			a[2 * g + 1] = static_cast<uint8_t>(value);
		}
		const std::string text = format_ipv6(a);
		EXPECT_EQ(parse_ipv6(text), a) << text;
		const bool ipv4_compatible = std::all_of(a.begin(), a.begin() + 12,
							 [](uint8_t b) { return b == 0; }) &&
					     (a[12] | a[13]) != 0;
		if (!ipv4_compatible) {
			EXPECT_EQ(text, libc_format(a));
		}
		if (HasFailure())
			break;
	}
}

TEST(Ipv6Address, ScopesOfGroups)
{
	EXPECT_TRUE(is_ipv6_multicast(v6("ff02::1")));
	EXPECT_FALSE(is_ipv6_multicast(v6("fe80::1")));
	EXPECT_EQ(ipv6_multicast_scope(v6("ff01::1")), Ipv6Scope::interface_local);
	EXPECT_EQ(ipv6_multicast_scope(v6("ff12::1")), Ipv6Scope::link_local);
	EXPECT_EQ(ipv6_multicast_scope(v6("ff35::1")), Ipv6Scope::site_local);
	EXPECT_EQ(ipv6_multicast_scope(v6("ff3e::8000:1")), Ipv6Scope::global);
	for (const char *group : {"ff00::1", "ff01::1", "ff02::1", "ff11::1", "ff32::1:ff00:1"})
		EXPECT_FALSE(ipv6_group_relayable(v6(group))) << group;
	for (const char *group : {"ff03::1", "ff04::1", "ff05::1:3", "ff08::1", "ff0e::1",
				  "ff3e::8000:1", "ff0f::1", "ff7e:140:2001:2::1"})
		EXPECT_TRUE(ipv6_group_relayable(v6(group))) << group;
	EXPECT_FALSE(ipv6_group_relayable(v6("2001:2::1")));
	EXPECT_FALSE(ipv6_group_relayable(v6("fe0e::1")));
}

TEST(Ipv6Address, UnicastAndLinkLocal)
{
	for (const char *text : {"2001:2::1", "2001:2:0:1::a", "fc00::1", "fe80::1",
				 "febf:ffff::1", "fec0::1", "::2", "64:ff9b::198.18.0.1"})
		EXPECT_TRUE(is_ipv6_unicast(v6(text))) << text;
	for (const char *text : {"::", "::1", "ff02::1", "ff3e::1", "::ffff:198.18.0.1",
				 "::ffff:0.0.0.0"})
		EXPECT_FALSE(is_ipv6_unicast(v6(text))) << text;
	for (const char *text : {"fe80::1", "fe80::", "febf:ffff::1", "fe80::1:2:3:4"})
		EXPECT_TRUE(is_ipv6_link_local(v6(text))) << text;
	for (const char *text : {"fe7f::1", "fec0::1", "ff02::1", "2001:2::1", "::1"})
		EXPECT_FALSE(is_ipv6_link_local(v6(text))) << text;
}

TEST(IpAddress, EitherFamily)
{
	EXPECT_EQ(parse_ip_address("198.18.0.1"), IpAddress{Ipv4{0xc6120001}});
	EXPECT_EQ(parse_ip_address("2001:2::1"), IpAddress{v6("2001:2::1")});
	EXPECT_EQ(parse_ip_address("::ffff:198.18.0.1"), IpAddress{v6("::ffff:c612:1")});
	for (const char *text : {"", "198.18.0", "2001:2::1::", "198.18.0.1:5000", "x"})
		EXPECT_FALSE(parse_ip_address(text)) << text;
	EXPECT_EQ(format_ip_address(Ipv4{0xc6120001}), "198.18.0.1");
	EXPECT_EQ(format_ip_address(v6("2001:2:0:0:0:0:0:1")), "2001:2::1");
}

TEST(Prefix, ParsesBothFamiliesAndFormatsCanonically)
{
	std::string error;
	const auto group = parse_prefix("239.1.0.0/16", error);
	ASSERT_TRUE(group) << error;
	EXPECT_EQ(*group, (Prefix{Ipv4{0xef010000}, 16}));
	const auto ssm = parse_prefix("FF3E:0::/96", error);
	ASSERT_TRUE(ssm) << error;
	EXPECT_EQ(*ssm, (Prefix{v6("ff3e::"), 96}));
	EXPECT_EQ(format_prefix(*ssm), "ff3e::/96");
	for (const char *text : {"239.1.0.0/16", "ff3e::/96", "2001:2::/48", "0.0.0.0/0", "::/0",
				 "198.18.0.1/32", "2001:2::1/128", "198.18.0.0/15", "2001:2::/31",
				 "232.0.0.0/8", "ff3e::8000:0/97"}) {
		const auto p = parse_prefix(text, error);
		ASSERT_TRUE(p) << text << ": " << error;
		EXPECT_EQ(format_prefix(*p), text);
	}
}

TEST(Prefix, RefusesHostBitsAndSaysWhichPrefixWasMeant)
{
	EXPECT_EQ(prefix_error("239.1.1.0/16"),
		  "239.1.1.0/16 has bits set past /16; did you mean 239.1.0.0/16?");
	EXPECT_EQ(prefix_error("2001:2::1/48"),
		  "2001:2::1/48 has bits set past /48; did you mean 2001:2::/48?");
	// Masks that end inside a byte and inside a group.
	EXPECT_EQ(prefix_error("2001:3::/31"),
		  "2001:3::/31 has bits set past /31; did you mean 2001:2::/31?");
	EXPECT_EQ(prefix_error("198.19.0.0/15"),
		  "198.19.0.0/15 has bits set past /15; did you mean 198.18.0.0/15?");
	EXPECT_EQ(prefix_error("ff3e::8000:1/97"),
		  "ff3e::8000:1/97 has bits set past /97; did you mean ff3e::8000:0/97?");
	EXPECT_EQ(prefix_error("0.0.0.1/0"),
		  "0.0.0.1/0 has bits set past /0; did you mean 0.0.0.0/0?");
}

TEST(Prefix, RefusesBadLengthsAndAddresses)
{
	EXPECT_EQ(prefix_error("239.1.0.0/33"), "'33' is not a prefix length: 0..32 for IPv4");
	EXPECT_EQ(prefix_error("ff3e::/129"), "'129' is not a prefix length: 0..128 for IPv6");
	EXPECT_EQ(prefix_error("239.1.0/16"), "'239.1.0' is not an IPv4 or IPv6 address");
	EXPECT_EQ(prefix_error("239.1.0.0"),
		  "'239.1.0.0' is not a prefix: ADDRESS/LENGTH expected, as in 239.1.0.0/16 or "
		  "ff3e::/96");
	for (const char *text : {"239.1.0.0/", "239.1.0.0/016", "239.1.0.0/-1", "239.1.0.0/+8",
				 "239.1.0.0/ 8", "239.1.0.0/8 ", "ff3e::/96/1", "/8", "ff3e::/1000",
				 "239.1.0.0/0x8", "fe80::%eth0/64"})
		EXPECT_FALSE(parse_prefix(text, *std::make_unique<std::string>())) << text;
}

TEST(Prefix, Contains)
{
	std::string error;
	const Prefix v4 = *parse_prefix("239.1.0.0/16", error);
	EXPECT_TRUE(prefix_contains(v4, Ipv4{0xef010203}));
	EXPECT_TRUE(prefix_contains(v4, Ipv4{0xef01ffff}));
	EXPECT_FALSE(prefix_contains(v4, Ipv4{0xef020000}));
	EXPECT_FALSE(prefix_contains(v4, v6("::ffff:239.1.0.1")));
	const Prefix ssm = *parse_prefix("ff3e::/96", error);
	EXPECT_TRUE(prefix_contains(ssm, v6("ff3e::8000:1")));
	EXPECT_TRUE(prefix_contains(ssm, v6("ff3e::ffff:ffff")));
	EXPECT_FALSE(prefix_contains(ssm, v6("ff3e::1:0:0")));
	EXPECT_FALSE(prefix_contains(ssm, Ipv4{0}));
	const Prefix odd = *parse_prefix("2001:2::/31", error);
	EXPECT_TRUE(prefix_contains(odd, v6("2001:3::1")));
	EXPECT_FALSE(prefix_contains(odd, v6("2001:4::")));
	EXPECT_TRUE(prefix_contains(*parse_prefix("::/0", error), v6("ff02::1")));
	EXPECT_TRUE(prefix_contains(*parse_prefix("0.0.0.0/0", error), Ipv4{0xffffffff}));
	EXPECT_TRUE(prefix_contains(*parse_prefix("198.18.0.1/32", error), Ipv4{0xc6120001}));
	EXPECT_FALSE(prefix_contains(*parse_prefix("198.18.0.1/32", error), Ipv4{0xc6120002}));
}
