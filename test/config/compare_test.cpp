// reload's view of two configs: which changes can be applied live.
#include <gtest/gtest.h>

#include "config/compare.h"
#include "config/loader.h"

using namespace mcr::config;

namespace {

const char *base = R"(ports:
  - { name: up0, iface: lr0 }
  - { name: down0, iface: lr1 }
workers: { lcores: [1], burst: 32 }
pools:
  - { name: small, data_size: 2048, count: 8191 }
rules:
  - name: a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: [ { port: down0, dst: 239.2.2.2 } ]
)";

Config load(const std::string &text)
{
	return load_string(text, "t.yaml");
}

std::string replace(std::string text, const std::string &from, const std::string &to)
{
	text.replace(text.find(from), from.size(), to);
	return text;
}

} // namespace

TEST(Compare, IdenticalConfigsNeedNoRestart)
{
	// Same content at other positions is no change.
	const Config a = load(base);
	const Config b = load(std::string("\n\n") + base);
	EXPECT_TRUE(restart_changes(a, b).empty());
	EXPECT_TRUE(same_rule(a.rules[0], b.rules[0]));
}

TEST(Compare, RuleChangesNeedNoRestart)
{
	const Config a = load(base);
	const Config b = load(replace(base, "dst: 239.2.2.2", "dst: 239.3.3.3"));
	EXPECT_TRUE(restart_changes(a, b).empty());
	EXPECT_FALSE(same_rule(a.rules[0], b.rules[0]));
	EXPECT_TRUE(same_match(a.rules[0].match, b.rules[0].match));
}

TEST(Compare, SeesAnOutputsSourceAndDscp)
{
	const Config a = load(base);
	for (const char *change : {"dst: 239.2.2.2, src: keep", "dst: 239.2.2.2, src: 198.18.2.9",
				   "dst: 239.2.2.2, dscp: 46", "dst: 239.2.2.2, dscp: 0"}) {
		const Config b = load(replace(base, "dst: 239.2.2.2", change));
		EXPECT_TRUE(restart_changes(a, b).empty()) << change;
		EXPECT_FALSE(same_rule(a.rules[0], b.rules[0])) << change;
	}
	const Config given = load(replace(base, "dst: 239.2.2.2", "dst: 239.2.2.2, src: 198.18.2.9"));
	EXPECT_FALSE(same_rule(given.rules[0],
			       load(replace(base, "dst: 239.2.2.2", "dst: 239.2.2.2, src: 198.18.2.8"))
				       .rules[0]));
	EXPECT_FALSE(same_rule(load(replace(base, "dst: 239.2.2.2", "dst: 239.2.2.2, dscp: 10")).rules[0],
			       load(replace(base, "dst: 239.2.2.2", "dst: 239.2.2.2, dscp: 11")).rules[0]));
	EXPECT_TRUE(same_rule(given.rules[0],
			      load(replace(base, "dst: 239.2.2.2", "src: 198.18.2.9, dst: 239.2.2.2"))
				      .rules[0]));
}

TEST(Compare, SeesInputsMergeAndMonitor)
{
	const std::string merged = std::string(base) + R"(  - name: m
    inputs:
      - { port: up0, dst: 239.1.1.5, dport: 5000 }
      - { port: down0, dst: 239.1.1.6, dport: 5000 }
    merge: { sequence: rtp, window: 1024 }
    outputs: [ { port: down0, dst: 239.2.2.5 } ]
  - name: w
    match: { port: up0, dst: 239.1.1.7, dport: 5000 }
    monitor: { sequence: rtp }
    outputs: [ { port: down0, dst: 239.2.2.7 } ]
)";
	const std::string first = "      - { port: up0, dst: 239.1.1.5, dport: 5000 }\n";
	const std::string second = "      - { port: down0, dst: 239.1.1.6, dport: 5000 }\n";
	const Config a = load(merged);
	const Config moved = load("\n" + merged);
	EXPECT_TRUE(same_rule(a.rules[1], moved.rules[1]));
	EXPECT_TRUE(same_rule(a.rules[2], moved.rules[2]));
	// The same field spelled as a map is the same rule.
	EXPECT_TRUE(same_rule(a.rules[2],
			      load(replace(merged, "monitor: { sequence: rtp }",
					   "monitor: { sequence: { offset: 2, size: 2 }, window: 1024 }"))
				      .rules[2]));

	for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
		     {"dst: 239.1.1.6", "dst: 239.1.1.4"},                       // another input
		     {second, second + "      - { port: down0, dst: 239.1.1.8, dport: 5000 }\n"}, // one more
		     {first + second, second + first}, // counters are kept per input number
		     {"window: 1024 }", "window: 2048 }"},
		     {"merge: { sequence: rtp", "merge: { sequence: { offset: 2, size: 4 }"},
		     {"merge: { sequence: rtp", "merge: { sequence: { offset: 2, size: 2, order: little }"},
	     }) {
		SCOPED_TRACE(to);
		const Config b = load(replace(merged, from, to));
		EXPECT_TRUE(restart_changes(a, b).empty());
		EXPECT_FALSE(same_rule(a.rules[1], b.rules[1]));
		EXPECT_FALSE(same_rule(b.rules[1], a.rules[1]));
	}
	// A monitor added, removed or changed.
	EXPECT_FALSE(same_rule(a.rules[2],
			       load(replace(merged, "    monitor: { sequence: rtp }\n", "")).rules[2]));
	EXPECT_FALSE(same_rule(a.rules[0],
			       load(replace(merged, "dst: 239.2.2.2 } ]",
					    "dst: 239.2.2.2 } ]\n    monitor: { sequence: rtp }"))
				       .rules[0]));
	EXPECT_FALSE(same_rule(a.rules[2], load(replace(merged, "monitor: { sequence: rtp }",
							"monitor: { sequence: rtp, window: 64 }"))
						   .rules[2]));
}

TEST(Compare, SeesPrefixesRangesJoinsAndAddress6)
{
	const std::string range = replace(base, "dst: 239.1.1.1, dport: 5000",
					  "dst: 239.1.0.0/16, dport: 5000-5099, join: [239.1.0.1]");
	const Config a = load(range);
	for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
		     {"239.1.0.0/16", "239.1.0.0/17"},
		     {"5000-5099", "5000-5098"},
		     {"[239.1.0.1]", "[239.1.0.2]"},
		     {"join: [239.1.0.1]", "join: [239.1.0.1], src: 198.18.0.0/24"}}) {
		SCOPED_TRACE(to);
		EXPECT_FALSE(same_rule(a.rules[0], load(replace(range, from, to)).rules[0]));
	}
	EXPECT_TRUE(same_rule(a.rules[0], load(range).rules[0]));
	EXPECT_EQ(restart_changes(load(base), load(replace(base, "iface: lr0",
								  "iface: lr0, address: 2001:2::1"))),
		  (std::vector<std::string>{"port 'up0' changed"}));
}

TEST(Compare, PortWorkerAndPoolChangesNeedARestart)
{
	const Config a = load(base);
	EXPECT_EQ(restart_changes(a, load(replace(base, "iface: lr1", "iface: lr2"))),
		  std::vector<std::string>{"port 'down0' changed"});
	// mcr sets the channels only when the port opens.
	EXPECT_EQ(restart_changes(a, load(replace(base, "iface: lr0 }",
						  "iface: lr0, af_xdp: { set_channels: true } }"))),
		  std::vector<std::string>{"port 'up0' changed"});
	EXPECT_EQ(restart_changes(a, load(replace(base, "burst: 32", "burst: 64"))),
		  std::vector<std::string>{"workers changed"});
	EXPECT_EQ(restart_changes(a, load(replace(base, "count: 8191", "count: 4095"))),
		  std::vector<std::string>{"pools changed"});
	const std::string added = replace(base, "  - { name: down0, iface: lr1 }\n",
					  "  - { name: down0, iface: lr1 }\n  - { name: down1, iface: lr2 }\n");
	EXPECT_EQ(restart_changes(a, load(added)), std::vector<std::string>{"port 'down1' added"});
}

TEST(Compare, MetricsChangesNeedARestart)
{
	// The endpoint is bound before privileges are dropped: no rebinding.
	const std::string with = std::string(base) + "metrics: { listen: \"127.0.0.1:9464\" }\n";
	const Config a = load(with);
	EXPECT_TRUE(restart_changes(a, load(with)).empty());
	EXPECT_EQ(restart_changes(load(base), a), std::vector<std::string>{"metrics changed"});
	EXPECT_EQ(restart_changes(a, load(replace(with, "9464", "9465"))),
		  std::vector<std::string>{"metrics changed"});
	EXPECT_EQ(restart_changes(a, load(replace(with, "9464\" }", "9464\", max_rules: 5 }"))),
		  std::vector<std::string>{"metrics changed"});
}
