// Every kind of invalid config, one row each, with the exact diagnostics.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/error.h"
#include "config/loader.h"

using namespace mcr::config;

namespace {

struct InvalidConfig {
	const char *name;
	std::string yaml;
	std::vector<std::string> expected;
};

void PrintTo(const InvalidConfig &invalid, std::ostream *out)
{
	*out << invalid.name;
}

std::vector<std::string> load_errors(const std::string &yaml)
{
	try {
		load_string(yaml, "t.yaml");
	} catch (const ConfigError &error) {
		std::vector<std::string> text;
		for (const auto &diagnostic : error.diagnostics())
			text.push_back(diagnostic.str());
		return text;
	}
	return {};
}

// Two ports and one rule: cases append to it or replace a part of it.
const std::string ports = R"(ports:
  - name: up0
    iface: lr0
  - name: down0
    iface: lr1
)";
const std::string rule = R"(rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs:
      - { port: down0 }
)";
const std::string valid = ports + rule;
const std::string feed_match = "{ port: up0, dst: 239.1.1.1, dport: 5000 }";

// Rule feed-a over the two ports: its match on line 8, column 12, its
// outputs on line 9, column 14.
std::string one_rule(const std::string &match_yaml, const std::string &outputs_yaml)
{
	return ports + "rules:\n  - name: feed-a\n    match: " + match_yaml +
	       "\n    outputs: " + outputs_yaml + "\n";
}

// Merged rule feed-m over the two ports: its inputs on line 8, column 13,
// its merge on line 9, column 12, its outputs on line 10, column 14.
std::string merged_rule(const std::string &inputs_yaml, const std::string &merge_yaml,
			const std::string &outputs_yaml = "[{ port: down0, dst: 239.2.2.2 }]")
{
	return ports + "rules:\n  - name: feed-m\n    inputs: " + inputs_yaml +
	       "\n    merge: " + merge_yaml + "\n    outputs: " + outputs_yaml + "\n";
}
const std::string two_inputs =
	"[{ port: up0, dst: 239.1.1.1, dport: 5000 }, { port: up0, dst: 239.1.2.1, dport: 5000 }]";

// Rule feed-a with `monitor: ` + monitor_yaml on line 9, column 14.
std::string monitored_rule(const std::string &monitor_yaml)
{
	return ports + "rules:\n  - name: feed-a\n    match: " + feed_match +
	       "\n    monitor: " + monitor_yaml + "\n    outputs: [{ port: down0 }]\n";
}

std::string many_inputs(int count)
{
	std::string list;
	for (int i = 0; i < count; i++)
		list += "\n      - { port: up0, dst: 239.1.1.1, dport: " + std::to_string(5000 + i) +
			" }";
	return merged_rule(list, "{ sequence: rtp }", "[{ port: down0, dport: 6000 }]");
}

std::string many_outputs(int count)
{
	std::string yaml = one_rule(feed_match, "");
	for (int i = 0; i < count; i++)
		yaml += "      - { port: down0, dport: " + std::to_string(1000 + i) + " }\n";
	return yaml;
}

const std::vector<InvalidConfig> invalid_configs = {
	// The file as a whole.
	{"syntax_error",
	 "ports: [up0\nrules: []\n",
	 {"t.yaml:2:6: invalid YAML: end of sequence flow not found"}},
	{"tab_indentation",
	 "ports:\n\t- name: up0\n",
	 {"t.yaml:2:1: tab character in indentation (YAML indents with spaces only)"}},
	{"empty_file",
	 "",
	 {"t.yaml:1:1: empty configuration (expected a map with keys: ports, workers, pools, "
	  "rules)"}},
	{"only_comments",
	 "# nothing yet\n",
	 {"t.yaml:1:1: empty configuration (expected a map with keys: ports, workers, pools, "
	  "rules)"}},
	{"top_level_list",
	 "- ports\n- rules\n",
	 {"t.yaml:1:1: expected a map at the top level, got a list"}},
	{"top_level_scalar", "mcr\n", {"t.yaml:1:1: expected a map at the top level, got 'mcr'"}},
	{"two_documents",
	 valid + "---\n" + valid,
	 {"t.yaml:12:1: expected one YAML document, found 2"}},
	{"unknown_top_level_key",
	 valid + "worker: { burst: 32 }\n",
	 {"t.yaml:11:1: unknown key 'worker' (expected one of: ports, workers, pools, "
	  "rules, metrics)"}},
	{"missing_ports_and_rules",
	 "workers: { burst: 32 }\n",
	 {"t.yaml:1:1: missing required key 'ports'", "t.yaml:1:1: missing required key 'rules'"}},
	{"duplicate_top_level_key", valid + "rules: []\n", {"t.yaml:11:1: duplicate key 'rules'"}},
	// metrics: the Prometheus endpoint.
	{"metrics_not_a_map",
	 valid + "metrics: 127.0.0.1:9464\n",
	 {"t.yaml:11:10: expected a map for 'metrics', got '127.0.0.1:9464'"}},
	{"metrics_without_listen",
	 valid + "metrics: { max_rules: 10 }\n",
	 {"t.yaml:11:10: missing required key 'listen' in metrics"}},
	{"metrics_unknown_key",
	 valid + "metrics: { listen: \"127.0.0.1:9464\", path: /m }\n",
	 {"t.yaml:11:38: unknown key 'path' in metrics (expected one of: listen, max_rules)"}},
	{"metrics_listen_without_port",
	 valid + "metrics: { listen: 127.0.0.1 }\n",
	 {"t.yaml:11:20: invalid 'listen' address '127.0.0.1': no ':PORT' (expected ADDR:PORT, "
	  "e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_listen_host_name",
	 valid + "metrics: { listen: \"localhost:9464\" }\n",
	 {"t.yaml:11:20: invalid 'listen' address 'localhost:9464': 'localhost' is not a numeric "
	  "IPv4 address (expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_listen_bad_octet",
	 valid + "metrics: { listen: \"127.0.0.256:9464\" }\n",
	 {"t.yaml:11:20: invalid 'listen' address '127.0.0.256:9464': '127.0.0.256' is not a "
	  "numeric IPv4 address (expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_listen_ipv6_without_brackets",
	 valid + "metrics: { listen: \"::1:9464\" }\n",
	 {"t.yaml:11:20: invalid 'listen' address '::1:9464': an IPv6 address goes in brackets "
	  "(expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_listen_port_zero",
	 valid + "metrics: { listen: \"127.0.0.1:0\" }\n",
	 {"t.yaml:11:20: invalid 'listen' address '127.0.0.1:0': port '0' is not 1 to 65535 "
	  "(expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_listen_port_too_big",
	 valid + "metrics: { listen: \"[::1]:65536\" }\n",
	 {"t.yaml:11:20: invalid 'listen' address '[::1]:65536': port '65536' is not 1 to 65535 "
	  "(expected ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)"}},
	{"metrics_max_rules_too_big",
	 valid + "metrics: { listen: \"127.0.0.1:9464\", max_rules: 100001 }\n",
	 {"t.yaml:11:49: 'max_rules' must be between 0 and 100000, got 100001"}},
	{"metrics_max_rules_negative",
	 valid + "metrics: { listen: \"127.0.0.1:9464\", max_rules: -1 }\n",
	 {"t.yaml:11:49: 'max_rules' must be between 0 and 100000, got -1"}},
	{"key_not_a_scalar",
	 valid + "? [a, b]\n: c\n",
	 {"t.yaml:11:3: expected a key name, got a list"}},

	// Ports.
	{"ports_not_a_list",
	 "ports: up0\n" + rule,
	 {"t.yaml:1:8: expected a list for 'ports', got 'up0'"}},
	{"ports_empty",
	 "ports: []\nrules: []\n",
	 {"t.yaml:1:8: 'ports' must list at least one port"}},
	{"port_not_a_map",
	 "ports:\n  - up0\nrules: []\n",
	 {"t.yaml:2:5: expected a map for 'ports[0]', got 'up0'"}},
	{"unknown_port_key",
	 "ports:\n  - name: up0\n    ifce: lr0\nrules: []\n",
	 {"t.yaml:2:5: missing required key 'iface' in port",
	  "t.yaml:3:5: unknown key 'ifce' in port (expected one of: name, iface, driver, queues, "
	  "address, af_xdp, af_packet, xdp, udp_checksum)"}},
	{"duplicate_port_key",
	 "ports:\n  - name: up0\n    iface: lr0\n    name: up1\nrules: []\n",
	 {"t.yaml:4:5: duplicate key 'name' in port"}},
	{"missing_port_name",
	 "ports:\n  - iface: lr0\nrules: []\n",
	 {"t.yaml:2:5: missing required key 'name' in port"}},
	{"invalid_port_name",
	 "ports:\n  - { name: up.0, iface: lr0 }\nrules: []\n",
	 {"t.yaml:2:13: invalid port name 'up.0' (expected 1 to 31 letters, digits, '_' or '-')"}},
	{"port_name_too_long",
	 "ports:\n  - { name: " + std::string(32, 'p') + ", iface: lr0 }\nrules: []\n",
	 {"t.yaml:2:13: invalid port name '" + std::string(32, 'p') +
	  "' (expected 1 to 31 letters, digits, '_' or '-')"}},
	{"port_name_with_control_characters",
	 "ports:\n  - { name: \"up\\t0\", iface: lr0 }\nrules: []\n",
	 {"t.yaml:2:13: invalid port name 'up\\x090' (expected 1 to 31 letters, digits, '_' or "
	  "'-')"}},
	{"port_name_not_a_string",
	 "ports:\n  - { name: [up0], iface: lr0 }\nrules: []\n",
	 {"t.yaml:2:13: expected a string for 'name', got a list"}},
	{"duplicate_port_name",
	 ports + "  - name: up0\n    iface: lr2\n" + rule,
	 {"t.yaml:6:5: duplicate port name 'up0' (first defined at t.yaml:2:5)"}},
	{"iface_too_long",
	 "ports:\n  - { name: up0, iface: lr0-is-much-too-long }\nrules: []\n",
	 {"t.yaml:2:25: invalid interface name 'lr0-is-much-too-long' (expected 1 to 15 "
	  "characters, none "
	  "of them '/', ':' or whitespace)"}},
	{"iface_with_slash",
	 "ports:\n  - { name: up0, iface: a/b }\nrules: []\n",
	 {"t.yaml:2:25: invalid interface name 'a/b' (expected 1 to 15 characters, none of them "
	  "'/', ':' or whitespace)"}},
	{"iface_used_twice",
	 ports + "  - { name: up1, iface: lr0 }\n" + rule,
	 {"t.yaml:6:25: interface 'lr0' is already used by port 'up0'"}},
	{"unknown_driver",
	 "ports:\n  - { name: up0, iface: lr0, driver: xdp }\nrules: []\n",
	 {"t.yaml:2:38: 'driver' must be one of af_xdp, af_packet, auto, got 'xdp'"}},
	{"queues_zero",
	 "ports:\n  - { name: up0, iface: lr0, queues: 0 }\nrules: []\n",
	 {"t.yaml:2:38: 'queues' must be between 1 and 64, got 0"}},
	{"queues_not_an_integer",
	 "ports:\n  - { name: up0, iface: lr0, queues: 2.0 }\nrules: []\n",
	 {"t.yaml:2:38: expected an integer for 'queues', got '2.0'"}},
	{"queues_hex",
	 "ports:\n  - { name: up0, iface: lr0, queues: 0x10 }\nrules: []\n",
	 {"t.yaml:2:38: expected an integer for 'queues', got '0x10'"}},
	{"address_not_ipv4",
	 "ports:\n  - { name: up0, iface: lr0, address: 198.18.1 }\nrules: []\n",
	 {"t.yaml:2:39: invalid IPv4 or IPv6 address '198.18.1'"}},
	{"address_multicast",
	 "ports:\n  - { name: up0, iface: lr0, address: 239.1.1.1 }\nrules: []\n",
	 {"t.yaml:2:39: 'address' must be a unicast address, got 239.1.1.1"}},
	{"af_xdp_not_a_map",
	 "ports:\n  - { name: up0, iface: lr0, af_xdp: on }\nrules: []\n",
	 {"t.yaml:2:38: expected a map for 'af_xdp', got 'on'"}},
	{"af_xdp_values",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_xdp: { zero_copy: yes, busy_budget: 2048, "
	 "busy: 1 }\nrules: []\n",
	 {"t.yaml:4:26: 'zero_copy' must be one of auto, true, false, got 'yes'",
	  "t.yaml:4:44: 'busy_budget' must be between 0 and 1024, got 2048",
	  "t.yaml:4:50: unknown key 'busy' in af_xdp (expected one of: zero_copy, busy_budget, "
	  "set_channels)"}},
	{"set_channels_not_a_bool",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_xdp: { set_channels: 4 }\nrules: []\n",
	 {"t.yaml:4:29: expected true or false for 'set_channels', got '4'"}},
	{"set_channels_a_list",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_xdp:\n      set_channels: [true]\n"
	 "rules: []\n",
	 {"t.yaml:5:21: expected true or false for 'set_channels', got a list"}},
	{"block_size_not_power_of_two",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { block_size: 5000 }\nrules: []\n",
	 {"t.yaml:4:30: 'block_size' must be a power of two, got 5000"}},
	{"block_size_too_large",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { block_size: 33554432 }\nrules: "
	 "[]\n",
	 {"t.yaml:4:30: 'block_size' must be between 4096 and 16777216, got 33554432"}},
	{"frame_size_unaligned",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { frame_size: 2008 }\nrules: []\n",
	 {"t.yaml:4:30: 'frame_size' must be a multiple of 16, got 2008"}},
	{"frame_size_above_block_size",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { frame_size: 8192 }\nrules: []\n",
	 {"t.yaml:4:30: 'frame_size' (8192) must not exceed 'block_size' (4096)"}},
	{"frame_size_not_dividing_block_size",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { block_size: 16384, frame_size: "
	 "9088 }\nrules: []\n",
	 {"t.yaml:4:49: 'frame_size' (9088) must divide 'block_size' (16384) (so it is a power of "
	  "two): the af_packet PMD assumes frames lie back to back"}},
	{"frame_count_not_whole_blocks",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { frame_size: 1024, frame_count: "
	 "4098 }\n"
	 "rules: []\n",
	 {"t.yaml:4:49: 'frame_count' (4098) must be a multiple of the 4 frames per block "
	  "('block_size' / 'frame_size')"}},
	{"frame_count_too_small",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { frame_count: 8 }\nrules: []\n",
	 {"t.yaml:4:31: 'frame_count' must be between 16 and 1048576, got 8"}},
	{"qdisc_bypass_not_a_bool",
	 "ports:\n  - name: up0\n    iface: lr0\n    af_packet: { qdisc_bypass: yes }\nrules: []\n",
	 {"t.yaml:4:32: expected true or false for 'qdisc_bypass', got 'yes'"}},
	{"xdp_values",
	 "ports:\n  - name: up0\n    iface: lr0\n    xdp:\n      mode: skb\n      filter: "
	 "[strict]\n"
	 "rules: []\n",
	 {"t.yaml:5:13: 'mode' must be one of native, generic, auto, got 'skb'",
	  "t.yaml:6:15: expected one of normal, strict for 'filter', got a list"}},
	{"udp_checksum_value",
	 "ports:\n  - name: up0\n    iface: lr0\n    udp_checksum: check\nrules: []\n",
	 {"t.yaml:4:19: 'udp_checksum' must be one of keep, verify, got 'check'"}},

	// Workers.
	{"workers_not_a_map",
	 valid + "workers: [1]\n",
	 {"t.yaml:11:10: expected a map for 'workers', got a list"}},
	{"lcores_empty",
	 valid + "workers: { lcores: [] }\n",
	 {"t.yaml:11:20: 'lcores' must list at least one lcore"}},
	{"lcores_values",
	 valid + "workers:\n  lcores: [1, one, 1024, 1]\n",
	 {"t.yaml:12:15: expected an integer for 'lcores[1]', got 'one'",
	  "t.yaml:12:20: 'lcores[2]' must be between 0 and 1023, got 1024",
	  "t.yaml:12:26: duplicate lcore 1 in 'lcores'"}},
	{"burst_out_of_range",
	 valid + "workers:\n  burst: 0\n",
	 {"t.yaml:12:10: 'burst' must be between 1 and 512, got 0"}},
	{"copy_threshold_out_of_range",
	 valid + "workers:\n  copy_threshold: 70000\n",
	 {"t.yaml:12:19: 'copy_threshold' must be between 0 and 65535, got 70000"}},
	{"tx_drain_us_zero",
	 valid + "workers:\n  tx_drain_us: 0\n",
	 {"t.yaml:12:16: 'tx_drain_us' must be between 1 and 100000, got 0"}},
	{"idle_sleep_us_out_of_range",
	 valid + "workers:\n  idle_sleep_us: 10001\n",
	 {"t.yaml:12:18: 'idle_sleep_us' must be between 0 and 10000, got 10001"}},
	{"reassembly_flows_out_of_range",
	 valid + "workers:\n  reassembly_flows: 65537\n",
	 {"t.yaml:12:21: 'reassembly_flows' must be between 0 and 65536, got 65537"}},
	{"reassembly_timeout_ms_zero",
	 valid + "workers:\n  reassembly_timeout_ms: 0\n",
	 {"t.yaml:12:26: 'reassembly_timeout_ms' must be between 1 and 60000, got 0"}},
	{"burst_missing_value",
	 valid + "workers:\n  burst:\n",
	 {"t.yaml:12:3: expected an integer for 'burst', got nothing"}},

	// Pools.
	{"pools_empty",
	 valid + "pools: []\n",
	 {"t.yaml:11:8: 'pools' must list at least one pool (or be left out for the default "
	  "pool)"}},
	{"pool_values",
	 valid + "pools:\n  - { name: small, data_size: 128, count: 16777216 }\n",
	 {"t.yaml:12:31: 'data_size' must be between 256 and 65407, got 128",
	  "t.yaml:12:43: 'count' must be between 64 and 16777215, got 16777216"}},
	{"pool_missing_count",
	 valid + "pools:\n  - { name: small, data_size: 2048 }\n",
	 {"t.yaml:12:5: missing required key 'count' in pool"}},
	{"duplicate_pool_name",
	 valid + "pools:\n  - { name: small, data_size: 2048, count: 64 }\n"
		 "  - { name: small, data_size: 9216, count: 64 }\n",
	 {"t.yaml:13:5: duplicate pool name 'small' (first defined at t.yaml:12:5)"}},

	// Rules, one at a time.
	{"rules_not_a_list",
	 ports + "rules: { name: feed-a }\n",
	 {"t.yaml:6:8: expected a list for 'rules', got a map"}},
	{"unknown_rule_key",
	 valid + "    output: []\n",
	 {"t.yaml:11:5: unknown key 'output' in rule (expected one of: name, match, inputs, "
	  "merge, monitor, outputs)"}},
	{"invalid_rule_name",
	 ports + "rules:\n  - name: feed a\n    match: " + feed_match +
		 "\n    outputs: [{ port: down0 }]\n",
	 {"t.yaml:7:11: invalid rule name 'feed a' (expected 1 to 63 letters, digits, '_' or "
	  "'-')"}},
	{"missing_match_keys",
	 one_rule("{ port: up0 }", "[{ port: down0 }]"),
	 {"t.yaml:8:12: missing required key 'dst' in match",
	  "t.yaml:8:12: missing required key 'dport' in match"}},
	{"dport_not_an_integer",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: abc }", "[{ port: down0 }]"),
	 {"t.yaml:8:48: invalid 'dport': 'abc' is not a UDP port (1..65535), 'any' or a range "
	  "FIRST-LAST as in 5000-5099"}},
	{"dport_out_of_range",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 70000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:48: 'dport' must be between 1 and 65535, got 70000"}},
	{"dport_beyond_64_bits",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 99999999999999999999 }",
		  "[{ port: down0 }]"),
	 {"t.yaml:8:48: 'dport' must be between 1 and 65535, got 99999999999999999999"}},
	{"dst_not_ipv4",
	 one_rule("{ port: up0, dst: 239.1.1, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: invalid 'dst': '239.1.1' is not an IPv4 or IPv6 address or prefix"}},
	{"dst_unspecified_and_broadcast",
	 one_rule("{ port: up0, dst: 0.0.0.0, dport: 5000 }",
		  "[{ port: down0, dst: 255.255.255.255 }]"),
	 {"t.yaml:8:30: 'dst' must be a multicast or unicast address, got 0.0.0.0",
	  "t.yaml:9:35: 'dst' must be a multicast or unicast address, got 255.255.255.255"}},
	{"src_not_unicast",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5000, src: 239.0.0.1 }",
		  "[{ port: down0 }]"),
	 {"t.yaml:8:59: 'src' must be a unicast address or a prefix of unicast addresses, "
	  "got 239.0.0.1"}},
	{"match_vlan_out_of_range",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5000, vlan: 4095 }", "[{ port: down0 }]"),
	 {"t.yaml:8:60: 'vlan' must be between 1 and 4094, got 4095"}},
	{"unknown_ports_in_rule",
	 one_rule("{ port: up9, dst: 239.1.1.1, dport: 5000 }",
		  "[{ port: down0 }, { port: down9 }]"),
	 {"t.yaml:8:20: unknown port 'up9' in rule 'feed-a'",
	  "t.yaml:9:40: unknown port 'down9' in rule 'feed-a'"}},
	{"outputs_empty",
	 one_rule(feed_match, "[]"),
	 {"t.yaml:9:14: 'outputs' must list at least one output"}},
	{"outputs_too_many",
	 many_outputs(65),
	 {"t.yaml:10:7: 'outputs' has 65 entries, at most 64 are allowed"}},
	{"output_port_empty",
	 one_rule(feed_match, "[{ port: '' }]"),
	 {"t.yaml:9:23: 'port' must not be empty"}},
	{"output_missing_port",
	 one_rule(feed_match, "[{ dst: 239.2.2.2 }]"),
	 {"t.yaml:9:15: missing required key 'port' in output"}},
	{"ttl_out_of_range",
	 one_rule(feed_match, "[{ port: down0, ttl: 0 }, { port: down0, dport: 1, ttl: 256 }]"),
	 {"t.yaml:9:35: 'ttl' must be between 1 and 255, got 0",
	  "t.yaml:9:70: 'ttl' must be between 1 and 255, got 256"}},
	{"output_vlan_and_dport",
	 one_rule(feed_match, "[{ port: down0, vlan: 0, dport: 0 }]"),
	 {"t.yaml:9:36: 'vlan' must be between 1 and 4094, got 0",
	  "t.yaml:9:46: 'dport' must be between 1 and 65535, got 0"}},
	{"mac_invalid",
	 one_rule(feed_match, "[{ port: down0, mac: 02:00:00:00:02 }]"),
	 {"t.yaml:9:35: invalid MAC address '02:00:00:00:02' (expected six hex bytes like "
	  "02:00:00:00:00:01)"}},
	{"mac_multicast",
	 one_rule(feed_match, "[{ port: down0, mac: 01:00:5E:01:01:01 }]"),
	 {"t.yaml:9:35: 'mac' must be a unicast MAC address, got 01:00:5e:01:01:01"}},
	{"output_src_invalid",
	 one_rule(feed_match, "[{ port: down0, src: kept }, { port: down0, dport: 1, src: 198.18.1 }]"),
	 {"t.yaml:9:35: expected 'keep' or an IPv4 or IPv6 address for 'src', got 'kept'",
	  "t.yaml:9:73: expected 'keep' or an IPv4 or IPv6 address for 'src', got '198.18.1'"}},
	{"output_src_not_unicast",
	 one_rule(feed_match, "[{ port: down0, src: 239.1.1.9 }, { port: down0, dport: 1, src: 0.0.0.0 }]"),
	 {"t.yaml:9:35: 'src' must be a unicast address, got 239.1.1.9",
	  "t.yaml:9:78: 'src' must be a unicast address, got 0.0.0.0"}},
	{"output_src_wrong_type",
	 one_rule(feed_match, "[{ port: down0, src: [keep] }, { port: down0, dport: 1, src: }]"),
	 {"t.yaml:9:35: expected 'keep' or an IPv4 or IPv6 address for 'src', got a list",
	  "t.yaml:9:70: expected 'keep' or an IPv4 or IPv6 address for 'src', got nothing"}},
	// IPv6 and ranges (issue 14): each refused at the value that is wrong.
	{"ipv6_link_local_group",
	 one_rule("{ port: up0, dst: ff02::1:3, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: ff02::1:3 is an interface-local, link-local or reserved-scope "
	  "group, which a relay must not carry to another link (RFC 4291 2.7)"}},
	{"ipv6_group_prefix_spanning_scopes",
	 one_rule("{ port: up0, dst: ff00::/8, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: ff00::/8 holds interface-local, link-local or reserved-scope "
	  "groups, which a relay must not carry to another link (RFC 4291 2.7); give a "
	  "group prefix of /16 or longer with a relayable scope, e.g. ff3e::/16"}},
	{"dst_prefix_bits_past_length",
	 one_rule("{ port: up0, dst: 239.1.1.0/16, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: invalid 'dst': 239.1.1.0/16 has bits set past /16; did you mean "
	  "239.1.0.0/16?"}},
	{"dst_prefix_length_too_long",
	 one_rule("{ port: up0, dst: ff3e::/129, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: invalid 'dst': '129' is not a prefix length: 0..128 for IPv6"}},
	{"dst_prefix_mixing_kinds",
	 one_rule("{ port: up0, dst: 192.0.0.0/2, dport: 5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:30: 192.0.0.0/2 holds addresses that are neither groups nor unicast "
	  "(or both kinds); a prefix of only groups or only unicast addresses is expected"}},
	{"src_family_differs",
	 one_rule("{ port: up0, dst: ff3e::1, dport: 5000, src: 198.18.0.1 }", "[{ port: down0 }]"),
	 {"t.yaml:8:57: src 198.18.0.1 is IPv4 but dst ff3e::1 is IPv6: a datagram's "
	  "source and destination are of one family"}},
	{"src_prefix_not_unicast",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5000, src: 224.0.0.0/3 }", "[{ port: down0 }]"),
	 {"t.yaml:8:59: 'src' must be a unicast address or a prefix of unicast addresses, "
	  "got 224.0.0.0/3"}},
	{"dport_range_reversed",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5099-5000 }", "[{ port: down0 }]"),
	 {"t.yaml:8:48: invalid 'dport': port range 5099-5000 is reversed; did you mean "
	  "5000-5099?"}},
	{"dport_range_zero",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 0-100 }", "[{ port: down0 }]"),
	 {"t.yaml:8:48: invalid 'dport': 0-100 holds port 0, which is no UDP destination "
	  "port; 'any' matches every port"}},
	{"join_on_exact_input",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5000, join: [239.1.1.1] }", "[{ port: down0 }]"),
	 {"t.yaml:8:61: 'join' is for range inputs: an exact input joins its dst group itself"}},
	{"join_outside_range",
	 one_rule("{ port: up0, dst: 239.1.0.0/16, dport: 5000, join: [239.1.0.1, 239.3.0.1, 239.1.0.1] }",
		  "[{ port: down0 }]"),
	 {"t.yaml:8:75: join 239.3.0.1 is outside the input's dst 239.1.0.0/16",
	  "t.yaml:8:86: join 239.1.0.1 is listed twice"}},
	{"join_not_an_address",
	 one_rule("{ port: up0, dst: 239.1.0.0/16, dport: 5000, join: [239.1.0] }", "[{ port: down0 }]"),
	 {"t.yaml:8:64: invalid group address '239.1.0' in 'join'"}},
	{"output_src_keep_across_families",
	 one_rule(feed_match, "[{ port: down0, dst: ff3e::1, src: keep }]"),
	 {"t.yaml:9:49: src keep cannot carry an IPv4 source into an IPv6 output; leave "
	  "src out (the port's address) or give one"}},
	{"output_src_other_family_with_dst_keep",
	 one_rule(feed_match, "[{ port: down0, src: 2001:2::1 }]"),
	 {"t.yaml:9:35: src 2001:2::1 is IPv6 but the output sends IPv4 (dst keep keeps "
	  "the input's family: an output of the other family needs a dst)"}},
	{"output_src_keep_link_local_across_ports",
	 one_rule("{ port: up0, dst: ff3e::1, dport: 5000, src: fe80::1 }", "[{ port: down0, src: keep }]"),
	 {"t.yaml:9:35: src keep would carry the link-local source fe80::1 off its link "
	  "(port up0) to port down0; a link-local address is only valid on its link (RFC "
	  "4291 2.5.6)"}},
	{"output_map_host_bits_differ",
	 one_rule("{ port: up0, dst: 239.1.0.0/16, dport: 5000 }", "[{ port: down0, dst: 239.2.0.0/24 }]"),
	 {"t.yaml:9:35: map prefix 239.2.0.0/24 has 8 host bits but the input's dst "
	  "239.1.0.0/16 has 16: a map carries the received destination's host bits, so "
	  "both need the same number (/16 here)"}},
	{"output_map_from_exact_input",
	 one_rule(feed_match, "[{ port: down0, dst: ff3e::/96 }]"),
	 {"t.yaml:9:35: map prefix ff3e::/96 has 32 host bits but the input's dst "
	  "239.1.1.1 has 0: a map carries the received destination's host bits, so both "
	  "need the same number"}},
	{"output_keeps_unicast_range_without_mac",
	 one_rule("{ port: up0, dst: 198.18.8.0/24, dport: 5000 }",
		  "[{ port: down0 }, { port: down0, dst: 198.18.9.0/24, dport: 1 }, "
		  "{ port: down0, dst: 198.18.9.0/24, dport: 2, mac: 02:00:00:00:00:01 }]"),
	 {"t.yaml:9:15: an output that keeps the unicast destinations 198.18.8.0/24 needs "
	  "'mac:' (the next hop): mcr looks up the neighbour of a set address, not of each "
	  "address of a range",
	  "t.yaml:9:52: an output that maps onto the unicast destinations 198.18.9.0/24 needs "
	  "'mac:' (the next hop): mcr looks up the neighbour of a set address, not of each "
	  "address of a range"}},
	{"output_dst_link_local_group",
	 one_rule(feed_match, "[{ port: down0, dst: ff02::2 }]"),
	 {"t.yaml:9:35: ff02::2 is an interface-local, link-local or reserved-scope "
	  "group, which a relay must not carry to another link (RFC 4291 2.7)"}},
	{"merge_of_ranges",
	 merged_rule("[{ port: up0, dst: 239.1.0.0/16, dport: 5000 }, { port: up0, dst: 239.1.2.1, dport: 5000 }]",
		     "{ sequence: rtp }"),
	 {"t.yaml:9:12: a merged rule follows one stream's sequence numbers: its inputs "
	  "must be exact (one dst, one dport, no src prefix), got a range"}},
	{"monitor_of_range",
	 ports + "rules:\n  - name: feed-a\n    match: { port: up0, dst: 239.1.1.1, dport: any }\n"
		 "    monitor: { sequence: rtp }\n    outputs: [{ port: down0 }]\n",
	 {"t.yaml:9:14: 'monitor' follows one stream's sequence numbers: its match must "
	  "be exact (one dst, one dport, no src prefix), got a range"}},
	{"range_input_taken",
	 ports + "rules:\n"
		 "  - { name: a, match: { port: up0, dst: 239.1.0.0/16, dport: 5000-5099 }, outputs: [{ port: down0 }] }\n"
		 "  - { name: b, match: { port: up0, dst: 239.1.0.0/16, dport: 5000-5099 }, outputs: [{ port: down0 }] }\n",
	 {"t.yaml:8:23: match (port up0, 239.1.0.0/16:5000-5099) is already used by rule "
	  "'a' (defined at t.yaml:7:23)"}},
	{"port_ranges_crossing",
	 ports + "rules:\n"
		 "  - { name: a, match: { port: up0, dst: 239.1.0.0/16, dport: 5000-5099 }, outputs: [{ port: down0 }] }\n"
		 "  - { name: b, match: { port: up0, dst: 239.1.0.0/16, dport: 5050-5149 }, outputs: [{ port: down0 }] }\n",
	 {"t.yaml:8:23: match (port up0, 239.1.0.0/16:5050-5149) is ambiguous with rule "
	  "'a' (defined at t.yaml:7:23): the port ranges 5050-5149 and 5000-5099 overlap "
	  "and neither holds the other, so no precedence says which rule takes a datagram "
	  "to a port in both; split or nest the ranges"}},
	{"range_output_loops_back",
	 one_rule("{ port: up0, dst: 239.1.0.0/16, dport: any }", "[{ port: up0, dst: 239.1.9.9, dport: 6000 }]"),
	 {"t.yaml:9:15: output loops back to the rule's own match (port up0, 239.1.0.0/16:any)"}},
	{"port_address_two_of_a_family",
	 R"(ports:
  - { name: up0, iface: lr0, address: [198.18.1.1, 198.18.1.2] }
  - { name: up1, iface: lr1, address: [2001:2::1, 198.18.1.1, 2001:2::2] }
  - { name: up2, iface: lr2, address: ff02::1 }
rules: []
)",
	 {"t.yaml:2:52: 'address' lists two IPv4 addresses; a port has one of each family",
	  "t.yaml:3:39: 'address' lists 3 addresses: one, or one IPv4 and one IPv6, expected",
	  "t.yaml:3:63: 'address' lists two IPv6 addresses; a port has one of each family",
	  "t.yaml:4:39: 'address' must be a unicast address, got ff02::1"}},
	{"output_dscp_out_of_range",
	 one_rule(feed_match, "[{ port: down0, dscp: 64 }, { port: down0, dport: 1, dscp: -1 }]"),
	 {"t.yaml:9:36: 'dscp' must be between 0 and 63, got 64",
	  "t.yaml:9:73: 'dscp' must be between 0 and 63, got -1"}},
	{"output_dscp_wrong_type",
	 one_rule(feed_match, "[{ port: down0, dscp: ef }, { port: down0, dport: 1, dscp: { x: 1 } }]"),
	 {"t.yaml:9:36: expected an integer for 'dscp', got 'ef'",
	  "t.yaml:9:73: expected an integer for 'dscp', got a map"}},
	{"output_loops_back",
	 one_rule(feed_match, "\n      - { port: down0 }\n      - { port: up0, ttl: 4 }"),
	 {"t.yaml:11:9: output loops back to the rule's own match (port up0, 239.1.1.1:5000)"}},
	{"output_loops_back_explicitly",
	 one_rule("{ port: up0, dst: 239.1.1.1, dport: 5000, vlan: 5 }",
		  "[{ port: up0, dst: 239.1.1.1, dport: 5000, vlan: 5 }]"),
	 {"t.yaml:9:15: output loops back to the rule's own match (port up0, 239.1.1.1:5000, "
	  "vlan 5)"}},
	{"duplicate_output",
	 one_rule(feed_match,
		  "\n      - { port: down0, dport: 5000 }\n      - { port: down0, ttl: 9 }"),
	 {"t.yaml:11:9: duplicate output (port down0, 239.1.1.1:5000) in rule 'feed-a' (first "
	  "defined at t.yaml:10:9)"}},

	// Rules against each other.
	{"duplicate_rule_name",
	 valid + "  - name: feed-a\n    match: { port: up0, dst: 239.1.1.2, dport: 5000 }\n"
		 "    outputs: [{ port: down0 }]\n",
	 {"t.yaml:11:5: duplicate rule name 'feed-a' (first defined at t.yaml:7:5)"}},
	{"duplicate_match",
	 valid + "  - name: feed-b\n    match: { dport: 5000, dst: 239.1.1.1, port: up0 }\n"
		 "    outputs: [{ port: down0, dport: 6000 }]\n",
	 {"t.yaml:12:12: match (port up0, 239.1.1.1:5000) is already used by rule 'feed-a' "
	  "(defined at t.yaml:8:12)"}},
	{"duplicate_source_specific_match",
	 ports + R"(rules:
  - name: a
    match: { port: up0, dst: 239.1.1.1, dport: 5000, src: 198.18.0.1, vlan: 9 }
    outputs: [{ port: down0 }]
  - name: b
    match: { port: up0, dst: 239.1.1.1, dport: 5000, src: 198.18.0.1, vlan: 9 }
    outputs: [{ port: down0 }]
)",
	 {"t.yaml:11:12: match (port up0, 239.1.1.1:5000, src 198.18.0.1, vlan 9) is already "
	  "used by rule 'a' (defined at t.yaml:8:12)"}},

	// Merged rules (inputs, merge) and monitored ones (monitor).
	{"match_and_inputs",
	 ports + "rules:\n  - name: feed-m\n    match: " + feed_match + "\n    inputs: " + two_inputs +
		 "\n    merge: { sequence: rtp }\n    outputs: [{ port: down0, dst: 239.2.2.2 }]\n",
	 {"t.yaml:9:13: a rule has 'match' (one input) or 'inputs' (a merged rule), not both"}},
	{"neither_match_nor_inputs",
	 ports + "rules:\n  - name: feed-a\n    outputs: [{ port: down0 }]\n",
	 {"t.yaml:7:5: missing required key 'match' in rule (or 'inputs' for a merged rule)"}},
	{"inputs_one",
	 merged_rule("[{ port: up0, dst: 239.1.1.1, dport: 5000 }]", "{ sequence: rtp }"),
	 {"t.yaml:8:13: 'inputs' must list at least 2 inputs, got 1 (a rule with one input has "
	  "'match')"}},
	{"inputs_empty",
	 merged_rule("[]", "{ sequence: rtp }"),
	 {"t.yaml:8:13: 'inputs' must list at least 2 inputs, got 0 (a rule with one input has "
	  "'match')"}},
	{"inputs_not_a_list",
	 merged_rule("{ port: up0, dst: 239.1.1.1, dport: 5000 }", "{ sequence: rtp }"),
	 {"t.yaml:8:13: expected a list for 'inputs', got a map"}},
	{"inputs_too_many",
	 many_inputs(9),
	 {"t.yaml:9:7: 'inputs' has 9 entries, at most 8 are allowed"}},
	{"input_unknown_key",
	 merged_rule("[{ port: up0, dst: 239.1.1.1, dport: 5000 }, { port: up0, dst: 239.1.2.1, "
		     "dport: 5000, sport: 1 }]",
		     "{ sequence: rtp }"),
	 {"t.yaml:8:100: unknown key 'sport' in input (expected one of: port, dst, dport, src, "
	  "vlan, join)"}},
	{"inputs_without_merge",
	 ports + "rules:\n  - name: feed-m\n    inputs: " + two_inputs +
		 "\n    outputs: [{ port: down0, dst: 239.2.2.2 }]\n",
	 {"t.yaml:8:13: 'inputs' needs 'merge' (the sequence number that makes the inputs' "
	  "copies one stream)"}},
	{"merge_with_match",
	 ports + "rules:\n  - name: feed-a\n    match: " + feed_match +
		 "\n    merge: { sequence: rtp }\n    outputs: [{ port: down0 }]\n",
	 {"t.yaml:9:12: 'merge' needs 'inputs' (a rule with one 'match' has nothing to merge; "
	  "'monitor' watches its sequence)"}},
	{"monitor_with_merge",
	 ports + "rules:\n  - name: feed-m\n    inputs: " + two_inputs +
		 "\n    merge: { sequence: rtp }\n    monitor: { sequence: rtp }"
		 "\n    outputs: [{ port: down0, dst: 239.2.2.2 }]\n",
	 {"t.yaml:10:14: 'monitor' and 'merge' exclude each other (a merged rule counts its "
	  "stream's health already)"}},
	{"merge_not_a_map",
	 merged_rule(two_inputs, "rtp"),
	 {"t.yaml:9:12: expected a map for 'merge', got 'rtp'"}},
	{"merge_without_sequence",
	 merged_rule(two_inputs, "{ window: 1024 }"),
	 {"t.yaml:9:12: missing required key 'sequence' in merge"}},
	{"merge_unknown_key",
	 merged_rule(two_inputs, "{ sequence: rtp, windw: 1024 }"),
	 {"t.yaml:9:29: unknown key 'windw' in merge (expected one of: sequence, window)"}},
	{"unknown_sequence_preset",
	 merged_rule(two_inputs, "{ sequence: rtcp }"),
	 {"t.yaml:9:24: unknown sequence preset 'rtcp' (expected rtp, or a map with offset, size "
	  "and order)"}},
	{"sequence_a_list",
	 merged_rule(two_inputs, "{ sequence: [rtp] }"),
	 {"t.yaml:9:24: expected a preset name or a map for 'sequence', got a list"}},
	{"sequence_unknown_key",
	 merged_rule(two_inputs, "{ sequence: { offset: 0, size: 4, endian: big } }"),
	 {"t.yaml:9:46: unknown key 'endian' in sequence (expected one of: offset, size, order)"}},
	{"sequence_without_offset_and_size",
	 merged_rule(two_inputs, "{ sequence: { order: big } }"),
	 {"t.yaml:9:24: missing required key 'offset' in sequence",
	  "t.yaml:9:24: missing required key 'size' in sequence"}},
	{"sequence_size_not_2_4_8",
	 merged_rule(two_inputs, "{ sequence: { offset: 0, size: 3 } }"),
	 {"t.yaml:9:43: 'size' must be 2, 4 or 8 (bytes), got 3"}},
	{"sequence_size_not_an_integer",
	 merged_rule(two_inputs, "{ sequence: { offset: 0, size: four } }"),
	 {"t.yaml:9:43: expected an integer for 'size', got 'four'"}},
	{"sequence_unknown_order",
	 merged_rule(two_inputs, "{ sequence: { offset: 0, size: 4, order: middle } }"),
	 {"t.yaml:9:53: 'order' must be one of big, little, got 'middle'"}},
	{"sequence_beyond_udp_payload",
	 merged_rule(two_inputs, "{ sequence: { offset: 65500, size: 8 } }"),
	 {"t.yaml:9:34: the sequence field (8 bytes at offset 65500) ends at byte 65508, beyond "
	  "the largest UDP payload (65507 bytes)"}},
	{"sequence_offset_out_of_range",
	 merged_rule(two_inputs, "{ sequence: { offset: 70000, size: 2 } }"),
	 {"t.yaml:9:34: 'offset' must be between 0 and 65505, got 70000"}},
	{"window_not_power_of_two",
	 merged_rule(two_inputs, "{ sequence: rtp, window: 1000 }"),
	 {"t.yaml:9:37: 'window' must be a power of two, got 1000"}},
	{"window_below_two",
	 merged_rule(two_inputs, "{ sequence: rtp, window: 1 }"),
	 {"t.yaml:9:37: 'window' must be between 2 and 65536, got 1"}},
	{"window_above_limit",
	 merged_rule(two_inputs, "{ sequence: { offset: 0, size: 8 }, window: 131072 }"),
	 {"t.yaml:9:56: 'window' must be between 2 and 65536, got 131072"}},
	{"window_too_big_for_16_bits",
	 merged_rule(two_inputs, "{ sequence: { offset: 4, size: 2, order: little }, window: 16384 }"),
	 {"t.yaml:9:71: 'window' must be at most 8192 for a 2-byte sequence (16-bit numbers "
	  "resynchronise 16384 ahead), got 16384"}},
	{"window_not_power_of_two_with_bad_sequence",
	 merged_rule(two_inputs, "{ sequence: rtcp, window: 3 }"),
	 {"t.yaml:9:24: unknown sequence preset 'rtcp' (expected rtp, or a map with offset, size "
	  "and order)",
	  "t.yaml:9:38: 'window' must be a power of two, got 3"}},
	{"monitor_not_a_map",
	 monitored_rule("rtp"),
	 {"t.yaml:9:14: expected a map for 'monitor', got 'rtp'"}},
	{"monitor_errors",
	 monitored_rule("{ sequence: { offset: 10, size: 16 }, window: 6, every: 1 }"),
	 {"t.yaml:9:46: 'size' must be 2, 4 or 8 (bytes), got 16",
	  "t.yaml:9:60: 'window' must be a power of two, got 6",
	  "t.yaml:9:63: unknown key 'every' in monitor (expected one of: sequence, window)"}},
	{"duplicate_input",
	 merged_rule("\n      - { port: up0, dst: 239.1.1.1, dport: 5000 }"
		     "\n      - { port: up0, dst: 239.1.1.1, dport: 5000 }",
		     "{ sequence: rtp }", "[{ port: down0, dport: 6000 }]"),
	 {"t.yaml:10:9: duplicate input (port up0, 239.1.1.1:5000) in rule 'feed-m' (first "
	  "defined at t.yaml:9:9)"}},
	{"input_used_by_another_rules_match",
	 valid + "  - name: feed-m\n    inputs: [{ port: up0, dst: 239.1.2.1, dport: 5000 }, "
		 "{ port: up0, dst: 239.1.1.1, dport: 5000 }]\n    merge: { sequence: rtp }\n"
		 "    outputs: [{ port: down0, dst: 239.2.2.2 }]\n",
	 {"t.yaml:12:58: input (port up0, 239.1.1.1:5000) is already used by rule 'feed-a' "
	  "(defined at t.yaml:8:12)"}},
	{"match_used_by_another_rules_input",
	 merged_rule(two_inputs, "{ sequence: rtp }") +
		 "  - name: feed-b\n    match: { port: up0, dst: 239.1.2.1, dport: 5000 }\n"
		 "    outputs: [{ port: down0 }]\n",
	 {"t.yaml:12:12: match (port up0, 239.1.2.1:5000) is already used by rule 'feed-m' "
	  "(defined at t.yaml:8:58)"}},
	{"input_used_by_another_rules_input",
	 merged_rule(two_inputs, "{ sequence: rtp }") +
		 "  - name: feed-n\n    inputs: [{ port: up0, dst: 239.1.3.1, dport: 5000 }, "
		 "{ port: up0, dst: 239.1.2.1, dport: 5000 }]\n    merge: { sequence: rtp }\n"
		 "    outputs: [{ port: down0, dst: 239.2.2.3 }]\n",
	 {"t.yaml:12:58: input (port up0, 239.1.2.1:5000) is already used by rule 'feed-m' "
	  "(defined at t.yaml:8:58)"}},
	{"input_unknown_port",
	 merged_rule("[{ port: up0, dst: 239.1.1.1, dport: 5000 }, { port: up9, dst: 239.1.2.1, "
		     "dport: 5000 }]",
		     "{ sequence: rtp }"),
	 {"t.yaml:8:66: unknown port 'up9' in rule 'feed-m'"}},
	{"output_loops_back_to_an_input",
	 merged_rule(two_inputs, "{ sequence: rtp }",
		     "[{ port: down0, dst: 239.2.2.2 }, { port: up0, dst: 239.1.2.1 }]"),
	 {"t.yaml:10:48: output loops back to the rule's own input (port up0, 239.1.2.1:5000)"}},
	{"merged_output_without_dst",
	 merged_rule(two_inputs, "{ sequence: rtp }", "[{ port: down0, dport: 6000 }]"),
	 {"t.yaml:10:15: output needs 'dst': the merged rule's inputs go to 239.1.1.1 and "
	  "239.1.2.1"}},
	{"merged_output_without_dport",
	 merged_rule("[{ port: up0, dst: 239.1.1.1, dport: 5000 }, { port: up0, dst: 239.1.1.1, "
		     "dport: 5001 }]",
		     "{ sequence: rtp }", "[{ port: down0, dst: 239.2.2.2 }]"),
	 {"t.yaml:10:15: output needs 'dport': the merged rule's inputs go to ports 5000 and "
	  "5001"}},

	// Everything wrong at once: each problem is reported, in file order.
	{"several_errors",
	 R"(ports:
  - name: up0
    iface: lr0
    driver: dpdk
  - name: up0
    iface: lr1
workers:
  burst: 1000
rules:
  - name: feed-a
    match: { port: up0, dst: 239.1.1.1, dport: 70000 }
    outputs: [{ port: down9 }]
  - name: feed-b
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: [{ port: down9, ttl: 300 }, { port: up0 }]
)",
	 {"t.yaml:4:13: 'driver' must be one of af_xdp, af_packet, auto, got 'dpdk'",
	  "t.yaml:5:5: duplicate port name 'up0' (first defined at t.yaml:2:5)",
	  "t.yaml:8:10: 'burst' must be between 1 and 512, got 1000",
	  "t.yaml:11:48: 'dport' must be between 1 and 65535, got 70000",
	  "t.yaml:12:23: unknown port 'down9' in rule 'feed-a'",
	  "t.yaml:15:23: unknown port 'down9' in rule 'feed-b'",
	  "t.yaml:15:35: 'ttl' must be between 1 and 255, got 300",
	  "t.yaml:15:42: output loops back to the rule's own match (port up0, 239.1.1.1:5000)"}},
};

class LoaderError : public testing::TestWithParam<InvalidConfig> {};

TEST_P(LoaderError, ReportsExactlyTheseDiagnostics)
{
	EXPECT_EQ(load_errors(GetParam().yaml), GetParam().expected) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(Invalid, LoaderError, testing::ValuesIn(invalid_configs),
			 [](const testing::TestParamInfo<InvalidConfig> &info) {
				 return std::string(info.param.name);
			 });

TEST(LoaderErrorTable, HasOneRowPerCase)
{
	EXPECT_GE(invalid_configs.size(), 30u);
	for (size_t i = 0; i < invalid_configs.size(); i++)
		for (size_t j = 0; j < i; j++)
			EXPECT_NE(invalid_configs[i].yaml, invalid_configs[j].yaml)
				<< invalid_configs[i].name << " repeats "
				<< invalid_configs[j].name;
}

TEST(LoaderErrorTable, BaseConfigIsValid)
{
	EXPECT_EQ(load_errors(valid), std::vector<std::string>{});
	EXPECT_EQ(load_errors(many_outputs(64)), std::vector<std::string>{});
	EXPECT_EQ(load_errors(many_inputs(8)), std::vector<std::string>{});
	EXPECT_EQ(load_errors(merged_rule(two_inputs, "{ sequence: rtp }")),
		  std::vector<std::string>{});
	EXPECT_EQ(load_errors(monitored_rule("{ sequence: rtp }")), std::vector<std::string>{});
}

} // namespace
