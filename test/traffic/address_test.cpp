#include <gtest/gtest.h>

#include "traffic/address.h"
#include "traffic/cli_values.h"

using namespace mcr::traffic;

TEST(Address, ParsesEndpoints)
{
	Endpoint ep;
	ASSERT_TRUE(parse_endpoint("239.1.2.3:5000", &ep));
	EXPECT_EQ(ep.addr, IpAddress{0xef010203u});
	EXPECT_EQ(ep.port, 5000);
	EXPECT_EQ(format_endpoint(ep.addr, ep.port), "239.1.2.3:5000");
	for (const char *bad : {"239.1.2.3", "239.1.2.3:", "239.1.2.3:0", "239.1.2.3:65536",
				"239.1.2:5000", "239.1.2.3:50x", "host:5000", ":5000"})
		EXPECT_FALSE(parse_endpoint(bad, &ep)) << bad;
}

TEST(Address, ParsesMacs)
{
	MacAddress mac;
	ASSERT_TRUE(parse_mac("02:aa:0b:FF:00:10", &mac));
	EXPECT_EQ(format_mac(mac), "02:aa:0b:ff:00:10");
	for (const char *bad : {"02:aa:0b:ff:00", "02:aa:0b:ff:00:1g", "02-aa-0b-ff-00-10", ""})
		EXPECT_FALSE(parse_mac(bad, &mac)) << bad;
}

TEST(Address, GroupMacKeepsTheLow23Bits)
{
	EXPECT_EQ(multicast_mac(0xef810203), (MacAddress{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}));
	EXPECT_TRUE(is_multicast(0xe0000001));
	EXPECT_TRUE(is_multicast(0xefffffff));
	EXPECT_FALSE(is_multicast(0xc6120101));
}

TEST(CliValues, ParsesPortsAndNumbers)
{
	PortSpec spec;
	ASSERT_TRUE(parse_port_spec("af_packet:veth0", &spec));
	EXPECT_EQ(spec.driver, PortSpec::Driver::af_packet);
	EXPECT_EQ(spec.iface, "veth0");
	ASSERT_TRUE(parse_port_spec("af_xdp:eth1", &spec));
	EXPECT_EQ(spec.driver, PortSpec::Driver::af_xdp);
	EXPECT_FALSE(parse_port_spec("pcap:eth1", &spec));
	EXPECT_FALSE(parse_port_spec("af_xdp:", &spec));
	EXPECT_FALSE(parse_port_spec("eth1", &spec));

	uint64_t v;
	EXPECT_TRUE(parse_u64("66", 66, 1514, &v));
	EXPECT_FALSE(parse_u64("65", 66, 1514, &v));
	EXPECT_FALSE(parse_u64("1e3", 0, 10000, &v));
	EXPECT_FALSE(parse_u64("", 0, 10, &v));
	double s;
	EXPECT_TRUE(parse_seconds("0.5", &s));
	EXPECT_DOUBLE_EQ(s, 0.5);
	EXPECT_FALSE(parse_seconds("-1", &s));
	EXPECT_FALSE(parse_seconds("2s", &s));
}

TEST(Address, ParsesIpv6EndpointsInBrackets)
{
	Endpoint ep;
	ASSERT_TRUE(parse_endpoint("[ff3e::1:1]:5000", &ep));
	ASSERT_TRUE(is_ipv6(ep.addr));
	const Ipv6 want{0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
	EXPECT_EQ(std::get<Ipv6>(ep.addr), want);
	EXPECT_EQ(ep.port, 5000);
	EXPECT_EQ(format_endpoint(ep.addr, ep.port), "[ff3e::1:1]:5000");
	EXPECT_TRUE(is_multicast(ep.addr));
	for (const char *bad : {"ff3e::1:5000", "[ff3e::1:1]", "[ff3e::1:1]:", "[239.1.1.1]:5000",
				"[ff3e::1:1:5000", "ff3e::1:1]:5000", "[ff3e::1:1%eth0]:5000", "[]:5000",
				"[ff3e::1::1]:5000"})
		EXPECT_FALSE(parse_endpoint(bad, &ep)) << bad;
}

TEST(Address, ParsesEitherFamily)
{
	IpAddress a;
	ASSERT_TRUE(parse_ip("198.18.1.2", &a));
	EXPECT_EQ(a, IpAddress{0xc6120102u});
	ASSERT_TRUE(parse_ip("2001:2::10", &a));
	EXPECT_EQ(format_ip(a), "2001:2::10");
	EXPECT_FALSE(is_multicast(a));
	EXPECT_FALSE(parse_ip("2001:2::10/64", &a));
	EXPECT_FALSE(parse_ip("", &a));
	// IPv4 sorts before IPv6 (reports list IPv4 endpoints first).
	EXPECT_LT(IpAddress{0xffffffffu}, IpAddress{Ipv6{}});
}

TEST(Address, Ipv6GroupMacIsTheLastFourBytes)
{
	Ipv6 group;
	ASSERT_TRUE(parse_ipv6("ff3e::1:2:3:4", &group));
	EXPECT_EQ(multicast_mac(group), (MacAddress{0x33, 0x33, 0x00, 0x03, 0x00, 0x04}));
	EXPECT_EQ(multicast_mac(IpAddress{group}), multicast_mac(group));
	EXPECT_EQ(multicast_mac(IpAddress{0xef810203u}), (MacAddress{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}));
}

TEST(Address, AddressPlusStepsThroughARange)
{
	IpAddress a;
	ASSERT_TRUE(address_plus(IpAddress{0xef010001u}, 49, &a)); // 239.1.0.1 + 49
	EXPECT_EQ(format_ip(a), "239.1.0.50");
	ASSERT_TRUE(address_plus(IpAddress{0xef0100ffu}, 1, &a));
	EXPECT_EQ(format_ip(a), "239.1.1.0");
	EXPECT_FALSE(address_plus(IpAddress{0xffffffffu}, 1, &a));
	IpAddress v6;
	ASSERT_TRUE(parse_ip("ff3e::1:ffff", &v6));
	ASSERT_TRUE(address_plus(v6, 1, &a));
	EXPECT_EQ(format_ip(a), "ff3e::2:0");
	ASSERT_TRUE(parse_ip("ff3e::ffff:ffff:ffff:ffff", &v6));
	ASSERT_TRUE(address_plus(v6, 0x10002, &a)); // carries across 64 bits
	EXPECT_EQ(format_ip(a), "ff3e::1:0:0:1:1"); // ff3e:0:0:1:0:0:1:1
	ASSERT_TRUE(address_plus(v6, 0, &a));
	EXPECT_EQ(a, v6);
	ASSERT_TRUE(parse_ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", &v6));
	EXPECT_TRUE(address_plus(v6, 1, &a));
	EXPECT_FALSE(address_plus(v6, 2, &a));
}
