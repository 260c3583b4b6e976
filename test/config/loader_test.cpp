// What the loader accepts, and that every key lands in the right field.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "config/address.h"
#include "config/error.h"
#include "config/loader.h"

using namespace mcr::config;

namespace {

const char *minimal_yaml = R"(ports:
  - name: up0
    iface: lr0
  - name: down0
    iface: lr1
rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs:
      - { port: down0 }
)";

Ipv4 ip(const char *text)
{
	return *parse_ipv4(text);
}

// An exact address of either family, as a rule's dst or src holds it.
Prefix host(const char *text)
{
	return Prefix::host(*parse_ip_address(text));
}

std::filesystem::path source_dir()
{
	const char *dir = std::getenv("MCR_SOURCE_DIR");
	return dir ? dir : MCR_TEST_SOURCE_DIR;
}

} // namespace

// Others add lab configs to config/ over time: each must stay loadable.
TEST(Loader, AcceptsEveryConfigInTheRepository)
{
	std::filesystem::path dir = source_dir() / "config";
	ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
	int loaded = 0;
	for (const auto &entry : std::filesystem::directory_iterator(dir)) {
		if (entry.path().extension() != ".yaml")
			continue;
		SCOPED_TRACE(entry.path().string());
		try {
			Config cfg = load_file(entry.path().string());
			EXPECT_EQ(cfg.file, entry.path().string());
			EXPECT_FALSE(cfg.ports.empty());
		} catch (const ConfigError &error) {
			ADD_FAILURE() << error.what();
		}
		loaded++;
	}
	EXPECT_GE(loaded, 1) << "config/example.yaml at least";
}

TEST(Loader, FillsInDefaults)
{
	Config cfg = load_string(minimal_yaml, "t.yaml");
	EXPECT_EQ(cfg.file, "t.yaml");

	ASSERT_EQ(cfg.ports.size(), 2u);
	const Port &port = cfg.ports[0];
	EXPECT_EQ(port.name, "up0");
	EXPECT_EQ(port.iface, "lr0");
	EXPECT_EQ(port.driver, Driver::automatic);
	EXPECT_EQ(port.queues, 0);
	EXPECT_FALSE(port.address);
	EXPECT_EQ(port.af_xdp.zero_copy, ZeroCopy::automatic);
	EXPECT_EQ(port.af_xdp.busy_budget, 64u);
	EXPECT_FALSE(port.af_xdp.set_channels);
	EXPECT_EQ(port.af_packet.block_size, 4096u);
	EXPECT_EQ(port.af_packet.frame_size, 2048u);
	EXPECT_EQ(port.af_packet.frame_count, 4096u);
	EXPECT_TRUE(port.af_packet.qdisc_bypass);
	EXPECT_EQ(port.xdp.mode, XdpMode::automatic);
	EXPECT_EQ(port.xdp.filter, XdpFilter::normal);
	EXPECT_EQ(port.udp_checksum, UdpChecksum::keep);

	EXPECT_EQ(cfg.workers.lcores, std::vector<unsigned>{1});
	EXPECT_EQ(cfg.workers.burst, 32);
	EXPECT_EQ(cfg.workers.copy_threshold, 256u);
	EXPECT_EQ(cfg.workers.tx_drain_us, 100u);
	EXPECT_EQ(cfg.workers.idle_sleep_us, 0u) << "busy-polling unless asked";
	EXPECT_EQ(cfg.workers.reassembly_flows, 256u);
	EXPECT_EQ(cfg.workers.reassembly_timeout_ms, 1000u);

	ASSERT_EQ(cfg.pools.size(), 1u);
	EXPECT_EQ(cfg.pools[0].name, "default");
	EXPECT_EQ(cfg.pools[0].data_size, 2048u);
	EXPECT_EQ(cfg.pools[0].count, 8191u);

	ASSERT_EQ(cfg.rules.size(), 1u);
	const Rule &rule = cfg.rules[0];
	EXPECT_FALSE(rule.match.src);
	EXPECT_EQ(rule.match.vlan, 0);
	ASSERT_EQ(rule.outputs.size(), 1u);
	const Output &output = rule.outputs[0];
	EXPECT_EQ(output.port, "down0");
	EXPECT_FALSE(output.dst);
	EXPECT_FALSE(output.dport);
	EXPECT_FALSE(output.ttl);
	EXPECT_FALSE(output.vlan);
	EXPECT_FALSE(output.mac);
	EXPECT_EQ(output.src.kind, OutputSource::Kind::port) << "sent from the egress port's address";
	EXPECT_FALSE(output.dscp) << "the received DSCP is kept";

	EXPECT_FALSE(cfg.metrics.enabled()) << "no endpoint unless asked";
	EXPECT_EQ(cfg.metrics.max_rules, 1000u);
}

TEST(Loader, ReadsTheMetricsSection)
{
	Config v4 = load_string(std::string(minimal_yaml) +
					"metrics: { listen: \"127.0.0.1:9464\", max_rules: 0 }\n",
				"t.yaml");
	ASSERT_TRUE(v4.metrics.enabled());
	EXPECT_EQ(*v4.metrics.address, "127.0.0.1");
	EXPECT_EQ(v4.metrics.port, 9464);
	EXPECT_EQ(v4.metrics.max_rules, 0u);
	EXPECT_EQ(v4.metrics.where.line, 11);

	Config v6 = load_string(std::string(minimal_yaml) + "metrics: { listen: \"[::1]:80\" }\n",
				"t.yaml");
	ASSERT_TRUE(v6.metrics.enabled());
	EXPECT_EQ(*v6.metrics.address, "::1");
	EXPECT_EQ(v6.metrics.port, 80);
	EXPECT_EQ(v6.metrics.max_rules, 1000u);
}

TEST(Loader, ReadsEveryField)
{
	const char *yaml = R"(ports:
  - name: up0
    iface: lr0
    driver: af_xdp
    queues: 4
    address: 198.18.1.1
    af_xdp: { zero_copy: true, busy_budget: 0, set_channels: true }
    af_packet: { block_size: 65536, frame_size: 4096, frame_count: 32, qdisc_bypass: false }
    xdp: { mode: native, filter: strict }
  - { name: down_0, iface: lr1, driver: af_packet, af_xdp: { zero_copy: false }, xdp: { mode: generic }, udp_checksum: verify }
workers:
  lcores: [1, 0, 1023]
  burst: 512
  copy_threshold: 0
  tx_drain_us: 250
  idle_sleep_us: 40
  reassembly_flows: 0
  reassembly_timeout_ms: 60000
pools:
  - { name: small, data_size: 256, count: 64 }
  - { name: jumbo, data_size: 65407, count: 16777215 }
rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 65535, src: 198.18.1.10, vlan: 4094 }
    outputs:
      - { port: down_0, dst: 198.18.2.10, dport: 1, ttl: 255, vlan: 1, mac: 02:00:00:00:02:0A, src: keep, dscp: 63 }
      - port: up0
        ttl: 1
        vlan: 7
        src: 198.18.1.99
        dscp: 0
)";
	Config cfg = load_string(yaml, "t.yaml");

	ASSERT_EQ(cfg.ports.size(), 2u);
	const Port &up = cfg.ports[0];
	EXPECT_EQ(up.driver, Driver::af_xdp);
	EXPECT_EQ(up.queues, 4);
	EXPECT_EQ(up.address, ip("198.18.1.1"));
	EXPECT_EQ(up.af_xdp.zero_copy, ZeroCopy::on);
	EXPECT_EQ(up.af_xdp.busy_budget, 0u);
	EXPECT_TRUE(up.af_xdp.set_channels);
	EXPECT_EQ(up.af_packet.block_size, 65536u);
	EXPECT_EQ(up.af_packet.frame_size, 4096u);
	EXPECT_EQ(up.af_packet.frame_count, 32u);
	EXPECT_FALSE(up.af_packet.qdisc_bypass);
	EXPECT_EQ(up.xdp.mode, XdpMode::native);
	EXPECT_EQ(up.xdp.filter, XdpFilter::strict);
	EXPECT_EQ(up.udp_checksum, UdpChecksum::keep);
	EXPECT_EQ(up.where.line, 2);
	EXPECT_EQ(up.where.column, 5);
	const Port &down = cfg.ports[1];
	EXPECT_EQ(down.name, "down_0");
	EXPECT_EQ(down.driver, Driver::af_packet);
	EXPECT_EQ(down.udp_checksum, UdpChecksum::verify);
	EXPECT_EQ(down.af_xdp.zero_copy, ZeroCopy::off);
	EXPECT_FALSE(down.af_xdp.set_channels);
	EXPECT_EQ(down.xdp.mode, XdpMode::generic);
	EXPECT_EQ(cfg.find_port("down_0"), &down);
	EXPECT_EQ(cfg.find_port("down0"), nullptr);

	EXPECT_EQ(cfg.workers.lcores, (std::vector<unsigned>{1, 0, 1023}));
	EXPECT_EQ(cfg.workers.burst, 512);
	EXPECT_EQ(cfg.workers.copy_threshold, 0u);
	EXPECT_EQ(cfg.workers.tx_drain_us, 250u);
	EXPECT_EQ(cfg.workers.idle_sleep_us, 40u);
	EXPECT_EQ(cfg.workers.reassembly_flows, 0u);
	EXPECT_EQ(cfg.workers.reassembly_timeout_ms, 60000u);

	ASSERT_EQ(cfg.pools.size(), 2u);
	EXPECT_EQ(cfg.pools[0].name, "small");
	EXPECT_EQ(cfg.pools[0].data_size, 256u);
	EXPECT_EQ(cfg.pools[0].count, 64u);
	EXPECT_EQ(cfg.pools[1].name, "jumbo");
	EXPECT_EQ(cfg.pools[1].data_size, 65407u);
	EXPECT_EQ(cfg.pools[1].count, 16777215u);

	ASSERT_EQ(cfg.rules.size(), 1u);
	const Rule &rule = cfg.rules[0];
	EXPECT_EQ(cfg.find_rule("feed-a"), &rule);
	EXPECT_EQ(cfg.find_rule("feed-b"), nullptr);
	EXPECT_EQ(rule.match.port, "up0");
	EXPECT_EQ(rule.match.dst, host("239.1.1.1"));
	EXPECT_EQ(rule.match.dport, PortRange::single(65535));
	EXPECT_EQ(rule.match.src, host("198.18.1.10"));
	EXPECT_EQ(rule.match.vlan, 4094);
	EXPECT_EQ(rule.match.port_where.line, 24);
	EXPECT_EQ(rule.match.port_where.column, 20);
	ASSERT_EQ(rule.outputs.size(), 2u);
	const Output &unicast = rule.outputs[0];
	EXPECT_EQ(unicast.port, "down_0");
	EXPECT_EQ(unicast.dst, host("198.18.2.10"));
	EXPECT_EQ(unicast.dport, 1);
	EXPECT_EQ(unicast.ttl, 255);
	EXPECT_EQ(unicast.vlan, 1);
	EXPECT_EQ(unicast.mac, (Mac{0x02, 0, 0, 0, 0x02, 0x0a}));
	EXPECT_EQ(unicast.src, OutputSource::keep());
	EXPECT_EQ(unicast.dscp, 63);
	// Back out of the port it came in on, but re-tagged: not a loop.
	const Output &hairpin = rule.outputs[1];
	EXPECT_EQ(hairpin.port, "up0");
	EXPECT_EQ(hairpin.ttl, 1);
	EXPECT_EQ(hairpin.vlan, 7);
	EXPECT_EQ(hairpin.src, OutputSource::given(ip("198.18.1.99")));
	EXPECT_EQ(hairpin.dscp, 0) << "0 is set (best effort), not 'keep'";
	EXPECT_EQ(hairpin.where.line, 27);
	EXPECT_EQ(hairpin.where.column, 9);
}

TEST(Loader, AcceptsAnEmptyRuleList)
{
	Config cfg = load_string("ports: [{ name: up0, iface: lr0 }]\nrules: []\n", "t.yaml");
	EXPECT_TRUE(cfg.rules.empty());
}

// The match key is (port, vlan, dst, dport, src): differing in any one is
// a different flow.
TEST(Loader, AcceptsMatchesThatDifferInOneField)
{
	const char *yaml =
		R"(ports: [{ name: up0, iface: lr0 }, { name: up1, iface: lr1 }, { name: down0, iface: lr2 }]
rules:
  - { name: a, match: { port: up0, dst: 239.1.1.1, dport: 5000 }, outputs: [{ port: down0 }] }
  - { name: b, match: { port: up1, dst: 239.1.1.1, dport: 5000 }, outputs: [{ port: down0 }] }
  - { name: c, match: { port: up0, dst: 239.1.1.2, dport: 5000 }, outputs: [{ port: down0 }] }
  - { name: d, match: { port: up0, dst: 239.1.1.1, dport: 5001 }, outputs: [{ port: down0 }] }
  - { name: e, match: { port: up0, dst: 239.1.1.1, dport: 5000, src: 198.18.0.1 }, outputs: [{ port: down0 }] }
  - { name: f, match: { port: up0, dst: 239.1.1.1, dport: 5000, vlan: 10 }, outputs: [{ port: down0 }] }
  - { name: g, match: { port: up0, dst: 198.18.0.1, dport: 5000 }, outputs: [{ port: up0, dport: 5001 }] }
)";
	EXPECT_EQ(load_string(yaml, "t.yaml").rules.size(), 7u);
}

TEST(Loader, ReadsMergedAndMonitoredRules)
{
	Config cfg = load_string(R"(ports:
  - { name: upA, iface: lr0 }
  - { name: upB, iface: lr1 }
  - { name: down, iface: lr2 }
rules:
  - name: feed
    inputs:
      - { port: upA, dst: 239.1.1.1, dport: 5000 }
      - { port: upB, dst: 239.1.2.1, dport: 5000, src: 198.18.1.1 }
      - { port: upB, dst: 239.1.3.1, dport: 5001, vlan: 7 }
    merge: { sequence: rtp }
    outputs: [ { port: down, dst: 239.2.2.2, dport: 6000 } ]
  - name: watched
    match: { port: upA, dst: 239.1.1.9, dport: 5000 }
    monitor: { sequence: { offset: 10, size: 8, order: big }, window: 4096 }
    outputs: [ { port: down, dst: 239.2.2.9 } ]
  - name: little
    inputs:
      - { port: upA, dst: 239.1.1.8, dport: 5000 }
      - { port: upB, dst: 239.1.1.8, dport: 5000 }
    merge: { sequence: { offset: 0, size: 4, order: little }, window: 65536 }
    outputs: [ { port: down } ]
  - name: plain
    match: { port: upA, dst: 239.1.1.7, dport: 5000 }
    outputs: [ { port: down } ]
)",
				 "t.yaml");
	ASSERT_EQ(cfg.rules.size(), 4u);
	const Rule &feed = cfg.rules[0];
	EXPECT_EQ(feed.match.port, "upA");
	EXPECT_EQ(feed.match.dst, host("239.1.1.1"));
	EXPECT_EQ(feed.match.where.line, 8);
	ASSERT_EQ(feed.more_inputs.size(), 2u);
	EXPECT_EQ(feed.more_inputs[0].port, "upB");
	EXPECT_EQ(feed.more_inputs[0].dst, host("239.1.2.1"));
	EXPECT_EQ(feed.more_inputs[0].src, host("198.18.1.1"));
	EXPECT_EQ(feed.more_inputs[0].where.line, 9);
	EXPECT_EQ(feed.more_inputs[1].dport, PortRange::single(5001));
	EXPECT_EQ(feed.more_inputs[1].vlan, 7);
	EXPECT_EQ(feed.inputs().size(), 3u);
	ASSERT_TRUE(feed.merge);
	EXPECT_EQ(feed.merge->field, mcr::packet::rtp_sequence);
	EXPECT_EQ(feed.merge->window, 1024u); // the default
	EXPECT_EQ(feed.merge->where.line, 11);
	EXPECT_FALSE(feed.monitor);
	EXPECT_EQ(&*feed.sequence(), &*feed.merge);

	const Rule &watched = cfg.rules[1];
	EXPECT_TRUE(watched.more_inputs.empty());
	EXPECT_FALSE(watched.merge);
	ASSERT_TRUE(watched.monitor);
	EXPECT_EQ(watched.monitor->field, (mcr::packet::SequenceField{10, 8, true}));
	EXPECT_EQ(watched.monitor->window, 4096u);
	EXPECT_EQ(&*watched.sequence(), &*watched.monitor);

	// The largest window, for a field wider than 16 bits; order read.
	const Rule &little = cfg.rules[2];
	ASSERT_TRUE(little.merge);
	EXPECT_EQ(little.merge->field, (mcr::packet::SequenceField{0, 4, false}));
	EXPECT_EQ(little.merge->window, 65536u);

	EXPECT_FALSE(cfg.rules[3].sequence());
	EXPECT_TRUE(cfg.rules[3].more_inputs.empty());
}

TEST(Loader, AcceptsSequenceLimitsAtTheirEdges)
{
	const std::string head = std::string(minimal_yaml).substr(
		0, std::string(minimal_yaml).find("    outputs:"));
	for (const char *monitor : {
		     "{ sequence: rtp, window: 8192 }",       // 16 bits: at most 8192
		     "{ sequence: rtp, window: 2 }",          // the smallest window
		     "{ sequence: { offset: 65499, size: 8 } }", // ends at the last payload byte
		     "{ sequence: { offset: 65505, size: 2, order: little }, window: 8 }",
	     }) {
		SCOPED_TRACE(monitor);
		const std::string yaml =
			head + "    monitor: " + monitor + "\n    outputs: [{ port: down0 }]\n";
		try {
			Config cfg = load_string(yaml, "t.yaml");
			ASSERT_TRUE(cfg.rules.at(0).monitor);
		} catch (const ConfigError &error) {
			ADD_FAILURE() << error.what();
		}
	}
}

TEST(Loader, ReportsAFileThatCannotBeRead)
{
	std::string path =
		(std::filesystem::temp_directory_path() / "mcr-no-such-config.yaml").string();
	try {
		load_file(path);
		FAIL() << "loaded a file that does not exist";
	} catch (const ConfigError &error) {
		ASSERT_EQ(error.diagnostics().size(), 1u);
		EXPECT_EQ(error.diagnostics()[0].str(),
			  path + ":0:0: cannot read file: " + std::strerror(ENOENT));
	}
}

TEST(Loader, ReportsEveryDiagnosticInWhat)
{
	try {
		load_string("ports: 1\nrules: 2\n", "t.yaml");
		FAIL() << "loaded an invalid config";
	} catch (const ConfigError &error) {
		EXPECT_STREQ(error.what(), "t.yaml:1:8: expected a list for 'ports', got '1'\n"
					   "t.yaml:2:8: expected a list for 'rules', got '2'");
	}
}

TEST(Diagnostic, FormatsAsFileLineColumnMessage)
{
	Diagnostic diagnostic{{"a/b.yaml", 12, 7}, "something is wrong"};
	EXPECT_EQ(diagnostic.str(), "a/b.yaml:12:7: something is wrong");
}

// Issue 14: IPv6 addresses, prefixes, port ranges, joins, and outputs that
// keep, set or map the destination, each in its field.
TEST(Loader, ReadsIpv6AndRanges)
{
	const Config cfg = load_string(R"(ports:
  - { name: up0, iface: lr0, address: [198.18.1.1, 2001:2::1] }
  - { name: down0, iface: lr1, address: 2001:2:0:1::1 }
rules:
  - name: six
    match: { port: up0, dst: ff3e::1:1, dport: 5000, src: 2001:2::10 }
    outputs:
      - { port: down0, dst: ff3e::2:1, src: keep }
      - { port: down0, dst: 239.2.2.2, dport: 6000 }
  - name: range
    match: { port: up0, dst: 239.1.0.0/16, src: 198.18.0.0/24, dport: 5000-5099,
             join: [239.1.0.1, 239.1.0.2] }
    outputs:
      - { port: down0, dst: keep }
      - { port: down0, dst: 239.2.0.0/16 }
      - { port: down0, dst: ff3e::1:0/112, src: 2001:2::99 }
      - { port: down0, dst: 239.3.3.3 }
  - name: anyport
    match: { port: up0, dst: ff3e::/96, dport: any, join: ff3e::7 }
    outputs: [{ port: down0 }]
)",
				       "t.yaml");
	ASSERT_EQ(cfg.ports.size(), 2u);
	EXPECT_EQ(cfg.ports[0].address, ip("198.18.1.1"));
	EXPECT_EQ(cfg.ports[0].address6, parse_ipv6("2001:2::1"));
	EXPECT_FALSE(cfg.ports[1].address);
	EXPECT_EQ(cfg.ports[1].address6, parse_ipv6("2001:2:0:1::1"));

	ASSERT_EQ(cfg.rules.size(), 3u);
	const Rule &six = cfg.rules[0];
	EXPECT_EQ(six.match.dst, host("ff3e::1:1"));
	EXPECT_EQ(six.match.src, host("2001:2::10"));
	EXPECT_EQ(six.match.dport, PortRange::single(5000));
	EXPECT_TRUE(six.match.is_ipv6());
	EXPECT_FALSE(six.match.is_range());
	EXPECT_TRUE(six.match.join.empty());
	ASSERT_EQ(six.outputs.size(), 2u);
	EXPECT_EQ(six.outputs[0].src, OutputSource::keep());
	EXPECT_TRUE(six.outputs[0].is_ipv6(six.match));
	EXPECT_FALSE(six.outputs[1].is_ipv6(six.match)) << "6 to 4: the output's dst says";

	const Rule &range = cfg.rules[1];
	EXPECT_EQ(range.match.dst, (Prefix{ip("239.1.0.0"), 16}));
	EXPECT_EQ(range.match.src, (Prefix{ip("198.18.0.0"), 24}));
	EXPECT_EQ(range.match.dport, (PortRange{5000, 5099}));
	EXPECT_TRUE(range.match.is_range());
	EXPECT_EQ(range.match.join, (std::vector<IpAddress>{ip("239.1.0.1"), ip("239.1.0.2")}));
	ASSERT_EQ(range.outputs.size(), 4u);
	EXPECT_FALSE(range.outputs[0].dst) << "dst: keep";
	EXPECT_EQ(range.outputs[1].dst, (Prefix{ip("239.2.0.0"), 16})) << "a map";
	EXPECT_EQ(range.outputs[2].dst, (Prefix{*parse_ipv6("ff3e::1:0"), 112})) << "4 to 6 map";
	EXPECT_TRUE(range.outputs[2].is_ipv6(range.match));
	EXPECT_EQ(range.outputs[2].src, OutputSource::given(*parse_ipv6("2001:2::99")));
	EXPECT_EQ(range.outputs[3].dst, host("239.3.3.3")) << "every group to one";

	const Rule &any = cfg.rules[2];
	EXPECT_EQ(any.match.dport, PortRange::any());
	EXPECT_EQ(any.match.join, (std::vector<IpAddress>{*parse_ipv6("ff3e::7")}));
}
