#include <gtest/gtest.h>

#include "traffic/address.h"
#include "traffic/cli_values.h"

using namespace mcr::traffic;

TEST(Address, ParsesEndpoints)
{
	Endpoint ep;
	ASSERT_TRUE(parse_endpoint("239.1.2.3:5000", &ep));
	EXPECT_EQ(ep.addr, 0xef010203u);
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
