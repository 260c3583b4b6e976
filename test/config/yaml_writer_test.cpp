// to_yaml, what `save` writes: loaded again it is the same configuration
// (every rule the same rule, nothing that would need a restart, the same
// metrics), for the shipped examples and for a file that sets every
// optional value.
#include <string>

#include <gtest/gtest.h>

#include "config/compare.h"
#include "config/error.h"
#include "config/loader.h"
#include "config/yaml_writer.h"

namespace mcr::config {
namespace {

std::string source_dir()
{
	const char *dir = std::getenv("MCR_SOURCE_DIR");
	return dir != nullptr ? dir : MCR_TEST_SOURCE_DIR;
}

void expect_round_trip(const Config &cfg)
{
	const std::string text = to_yaml(cfg);
	Config again;
	try {
		again = load_string(text, "saved.yaml");
	} catch (const ConfigError &e) {
		std::string all;
		for (const auto &d : e.diagnostics())
			all += d.str() + "\n";
		FAIL() << "the saved file does not load:\n" << all << "\n" << text;
	}
	EXPECT_TRUE(restart_changes(cfg, again).empty()) << text;
	ASSERT_EQ(again.rules.size(), cfg.rules.size()) << text;
	for (size_t i = 0; i < cfg.rules.size(); i++)
		EXPECT_TRUE(same_rule(cfg.rules[i], again.rules[i])) << cfg.rules[i].name << "\n" << text;
	EXPECT_EQ(again.metrics.address, cfg.metrics.address);
	EXPECT_EQ(again.metrics.port, cfg.metrics.port);
	EXPECT_EQ(again.metrics.max_rules, cfg.metrics.max_rules);
	EXPECT_EQ(to_yaml(again), text) << "saving what was saved changes nothing";
}

TEST(YamlWriter, ShippedConfigurationsRoundTrip)
{
	for (const char *name : {"config/example.yaml", "config/lab.yaml"}) {
		SCOPED_TRACE(name);
		expect_round_trip(load_file(source_dir() + "/" + name));
	}
}

TEST(YamlWriter, EveryOptionalValueRoundTrips)
{
	const Config cfg = load_string(R"(
ports:
  - name: up0
    iface: veth-up
    driver: af_packet
    queues: 2
    address: 198.18.1.1
    af_xdp: { zero_copy: false, busy_budget: 0, set_channels: true }
    af_packet: { block_size: 8192, frame_size: 4096, frame_count: 1024, qdisc_bypass: false }
    xdp: { mode: generic, filter: strict }
    udp_checksum: verify
  - name: down0
    iface: veth-down
workers: { lcores: [1, 2], burst: 16, copy_threshold: 512, tx_drain_us: 50, idle_sleep_us: 20, reassembly_flows: 0, reassembly_timeout_ms: 500 }
pools:
  - { name: small, data_size: 256, count: 1023 }
  - { name: big, data_size: 9000, count: 511 }
metrics: { listen: "[::1]:9464", max_rules: 10 }
rules:
  - name: full-rule
    match: { port: up0, dst: 239.1.1.1, dport: 5000, src: 198.18.0.7, vlan: 100 }
    outputs:
      - { port: down0, dst: 198.18.2.10, dport: 6000, ttl: 9, vlan: 200, mac: 02:00:00:00:02:0a, src: keep, dscp: 46 }
      - { port: down0, dst: 239.2.2.2, src: 198.18.2.1 }
      - { port: down0 }
)",
				       "full.yaml");
	expect_round_trip(cfg);
}

TEST(YamlWriter, Ipv6AndRangesRoundTrip)
{
	const Config cfg = load_string(R"(
ports:
  - { name: up0, iface: lr0, address: [198.18.1.1, 2001:2::1] }
  - { name: down0, iface: lr1, address: 2001:2:0:1::1 }
rules:
  - name: six
    match: { port: up0, dst: ff3e::1:1, dport: 5000, src: 2001:2::10 }
    outputs:
      - { port: down0, dst: ff3e::2:1, src: keep }
      - { port: down0, dst: 239.2.2.2, dport: 6000 }
  - name: range
    match: { port: up0, dst: 239.1.0.0/16, src: 198.18.0.0/24, dport: 5000-5099, join: [239.1.0.1, 239.1.0.2] }
    outputs:
      - { port: down0, dst: keep }
      - { port: down0, dst: 239.2.0.0/16 }
      - { port: down0, dst: ff3e::1:0/112, src: 2001:2::99 }
  - name: anyport
    match: { port: up0, dst: ff3e::/96, dport: any, join: [ff3e::7] }
    outputs: [{ port: down0 }]
)",
				       "six.yaml");
	expect_round_trip(cfg);
	const std::string text = to_yaml(cfg);
	for (const char *written : {"dst: 239.1.0.0/16", "dport: 5000-5099", "src: 198.18.0.0/24",
				    "dst: ff3e::1:0/112", "dport: any", "address: [198.18.1.1, 2001:2::1]"})
		EXPECT_NE(text.find(written), std::string::npos) << written << "\n" << text;
}

TEST(YamlWriter, MergedAndMonitoredRulesRoundTrip)
{
	const Config cfg = load_string(R"(
ports:
  - { name: upA, iface: lr0 }
  - { name: upB, iface: lr1 }
  - { name: down, iface: lr2 }
rules:
  - name: feed
    inputs:
      - { port: upA, dst: 239.1.1.1, dport: 5000 }
      - { port: upB, dst: 239.1.2.1, dport: 5000, src: 198.18.1.1, vlan: 3 }
    merge: { sequence: rtp, window: 2048 }
    outputs: [ { port: down, dst: 239.2.2.2, dport: 6000 } ]
  - name: watched
    match: { port: upA, dst: 239.1.1.9, dport: 5000 }
    monitor: { sequence: { offset: 10, size: 8, order: big }, window: 4096 }
    outputs: [ { port: down, dst: 239.2.2.9 } ]
  - name: feed-le
    inputs:
      - { port: upA, dst: 239.1.1.8, dport: 5000 }
      - { port: upB, dst: 239.1.1.8, dport: 5000 }
      - { port: upB, dst: 239.1.1.8, dport: 5000, src: 198.18.1.2 }
    merge: { sequence: { offset: 0, size: 4, order: little } }
    outputs: [ { port: down } ]
  - name: watched-rtp
    match: { port: upB, dst: 239.1.1.7, dport: 5000 }
    monitor: { sequence: { offset: 2, size: 2 } }
    outputs: [ { port: down } ]
)",
				       "merged.yaml");
	expect_round_trip(cfg);
	const std::string text = to_yaml(cfg);
	// RTP's field is written as its preset, whichever way it was given;
	// others as a map with every key.
	EXPECT_NE(text.find("merge: {sequence: rtp, window: 2048}"), std::string::npos) << text;
	EXPECT_NE(text.find("monitor: {sequence: {offset: 10, size: 8, order: big}, window: 4096}"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("merge: {sequence: {offset: 0, size: 4, order: little}, window: 1024}"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("monitor: {sequence: rtp, window: 1024}"), std::string::npos) << text;
	const Config again = load_string(text, "saved.yaml");
	ASSERT_EQ(again.rules.size(), 4u);
	EXPECT_EQ(again.rules[2].more_inputs.size(), 2u);
	EXPECT_EQ(again.rules[2].merge, cfg.rules[2].merge);
	EXPECT_EQ(again.rules[1].monitor, cfg.rules[1].monitor);
}

TEST(YamlWriter, NoRulesIsAnEmptyList)
{
	Config cfg = load_string("ports: [{ name: p, iface: lo0 }]\nrules: []\n", "empty.yaml");
	const std::string text = to_yaml(cfg);
	EXPECT_NE(text.find("rules: []"), std::string::npos) << text;
	expect_round_trip(cfg);
}

} // namespace
} // namespace mcr::config
