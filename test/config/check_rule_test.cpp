// check_rule as the console uses it: on rules built in code, not YAML.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/address.h"
#include "config/validate.h"

using namespace mcr::config;

namespace {

// An exact address of either family as a rule's dst or src.
Prefix host(const char *text)
{
	return Prefix::host(*parse_ip_address(text));
}

Location at(int line)
{
	return {"console", line, 1};
}

Config two_ports_one_rule()
{
	Config cfg;
	cfg.ports.push_back(Port{.name = "up0", .iface = "lr0"});
	cfg.ports.push_back(Port{.name = "down0", .iface = "lr1"});
	Rule rule{.name = "feed-a", .where = at(1)};
	rule.match = Match{
		.port = "up0", .dst = host("239.1.1.1"), .dport = PortRange::single(5000), .where = at(1)};
	rule.outputs.push_back(Output{.port = "down0", .where = at(1)});
	cfg.rules.push_back(rule);
	return cfg;
}

Rule new_rule()
{
	Rule rule{.name = "feed-b", .where = at(2)};
	rule.match = Match{.port = "up0",
			   .dst = host("239.1.1.2"),
			   .dport = PortRange::single(5000),
			   .where = at(3),
			   .port_where = at(4)};
	rule.outputs.push_back(Output{.port = "down0", .where = at(5), .port_where = at(6)});
	return rule;
}

std::vector<std::string> messages(const std::vector<Diagnostic> &diagnostics)
{
	std::vector<std::string> text;
	for (const auto &diagnostic : diagnostics)
		text.push_back(diagnostic.str());
	return text;
}

} // namespace

TEST(CheckRule, AcceptsANewRule)
{
	EXPECT_TRUE(check_rule(two_ports_one_rule(), new_rule()).empty());
}

TEST(CheckRule, RejectsUnknownPorts)
{
	Rule rule = new_rule();
	rule.match.port = "up9";
	rule.outputs[0].port = "down9";
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:4:1: unknown port 'up9' in rule 'feed-b'",
					    "console:6:1: unknown port 'down9' in rule 'feed-b'"}));
}

TEST(CheckRule, RejectsATakenNameOrMatch)
{
	Rule rule = new_rule();
	rule.name = "feed-a";
	rule.match.dst = host("239.1.1.1");
	EXPECT_EQ(
		messages(check_rule(two_ports_one_rule(), rule)),
		(std::vector<std::string>{
			"console:2:1: duplicate rule name 'feed-a' (first defined at console:1:1)",
			"console:3:1: match (port up0, 239.1.1.1:5000) is already used by rule "
			"'feed-a' (defined at console:1:1)"}));
}

TEST(CheckRule, RejectsALoop)
{
	Rule rule = new_rule();
	rule.outputs[0].port = "up0";
	EXPECT_EQ(
		messages(check_rule(two_ports_one_rule(), rule)),
		(std::vector<std::string>{"console:5:1: output loops back to the rule's own match "
					  "(port up0, 239.1.1.2:5000)"}));
	rule.outputs[0].dport = 5001;
	EXPECT_TRUE(check_rule(two_ports_one_rule(), rule).empty());
}

TEST(CheckRule, DescribesAMatch)
{
	Match match{.port = "up0",
		    .dst = host("239.1.1.1"),
		    .src = host("198.18.0.1"),
		    .dport = PortRange::single(5000),
		    .vlan = 10};
	EXPECT_EQ(describe_match(match), "port up0, 239.1.1.1:5000, src 198.18.0.1, vlan 10");
}

namespace {

Match input(const char *dst, int line)
{
	return Match{.port = "up0",
		     .dst = host(dst),
		     .dport = PortRange::single(5000),
		     .where = at(line),
		     .port_where = at(line + 100)};
}

// feed-m merging 239.1.3.1 (line 10) and 239.1.3.2 (line 11) to 239.2.2.2.
Rule merged_rule()
{
	Rule rule{.name = "feed-m", .where = at(9)};
	rule.match = input("239.1.3.1", 10);
	rule.more_inputs.push_back(input("239.1.3.2", 11));
	rule.merge = Sequence{};
	rule.outputs.push_back(
		Output{.port = "down0", .dst = host("239.2.2.2"), .where = at(12)});
	return rule;
}

// Both ways round: the merged rule against a config holding the other
// rule, and the other rule against a config holding the merged one.
Config with(Rule rule)
{
	Config cfg = two_ports_one_rule();
	cfg.rules.push_back(std::move(rule));
	return cfg;
}

} // namespace

TEST(CheckRule, AcceptsAMergedRule)
{
	EXPECT_TRUE(check_rule(two_ports_one_rule(), merged_rule()).empty());
	EXPECT_TRUE(check_rule(with(merged_rule()), new_rule()).empty());
}

TEST(CheckRule, ChecksEveryInputOfAMergedRule)
{
	// An input taken by another rule's match, and the other way round.
	Rule rule = merged_rule();
	rule.more_inputs[0].dst = host("239.1.1.1");
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:11:1: input (port up0, 239.1.1.1:5000) is "
					    "already used by rule 'feed-a' (defined at console:1:1)"}));
	Rule plain = new_rule();
	plain.match.dst = host("239.1.3.2");
	EXPECT_EQ(messages(check_rule(with(merged_rule()), plain)),
		  (std::vector<std::string>{"console:3:1: match (port up0, 239.1.3.2:5000) is "
					    "already used by rule 'feed-m' (defined at console:11:1)"}));
	// Two inputs of the rule alike.
	rule = merged_rule();
	rule.more_inputs.push_back(input("239.1.3.1", 13));
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:13:1: duplicate input (port up0, "
					    "239.1.3.1:5000) in rule 'feed-m' (first defined at "
					    "console:10:1)"}));
	// An input on an unknown port.
	rule = merged_rule();
	rule.more_inputs[0].port = "up9";
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:111:1: unknown port 'up9' in rule 'feed-m'"}));
	// An output back onto the second input.
	rule = merged_rule();
	rule.outputs.push_back(
		Output{.port = "up0", .dst = host("239.1.3.2"), .where = at(14)});
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:14:1: output loops back to the rule's own "
					    "input (port up0, 239.1.3.2:5000)"}));
	// An output that keeps the inputs' differing destinations.
	rule = merged_rule();
	rule.outputs[0].dst.reset();
	EXPECT_EQ(messages(check_rule(two_ports_one_rule(), rule)),
		  (std::vector<std::string>{"console:12:1: output needs 'dst': the merged rule's "
					    "inputs go to 239.1.3.1 and 239.1.3.2"}));
}

// The loader checks a file's rules through a RuleIndex: it must find every
// input of the rules before, as the console's check does.
TEST(CheckRule, IndexFindsEveryInput)
{
	Config cfg = with(merged_rule());
	RuleIndex index;
	index.add(cfg, 0);
	index.add(cfg, 1);
	Rule plain = new_rule();
	plain.match.dst = host("239.1.3.2");
	EXPECT_EQ(messages(check_rule(cfg, plain, index)), messages(check_rule(cfg, plain)));
	EXPECT_EQ(messages(check_rule(cfg, plain, index)).size(), 1u);
	Rule rule = merged_rule();
	rule.name = "feed-n";
	rule.match.dst = host("239.1.3.9");
	rule.more_inputs.push_back(input("239.1.3.9", 13));
	EXPECT_EQ(messages(check_rule(cfg, rule, index)), messages(check_rule(cfg, rule)));
	EXPECT_EQ(messages(check_rule(cfg, rule, index)).size(), 2u); // 239.1.3.2 and the repeat
}

namespace {

// A range input on up0: 239.1.0.0/16, ports first..last.
Rule range_rule(const char *name, uint16_t first, uint16_t last, int line)
{
	Rule rule{.name = name, .where = at(line)};
	rule.match = Match{.port = "up0",
			   .dst = Prefix{*parse_ipv4("239.1.0.0"), 16},
			   .dport = PortRange{first, last},
			   .where = at(line)};
	rule.outputs.push_back(Output{.port = "down0", .where = at(line)});
	return rule;
}

} // namespace

// Overlapping inputs are fine where precedence orders them (exact before
// range, longer prefix first, (S,G) first, the narrower port range
// first); identical ones are duplicates, crossing port ranges ambiguous.
TEST(CheckRule, RangesOverlapWherePrecedenceOrdersThem)
{
	Config cfg = two_ports_one_rule(); // feed-a: 239.1.1.1:5000 exactly
	cfg.rules.push_back(range_rule("wide", 5000, 5099, 2));

	Rule nested = range_rule("narrow", 5000, 5009, 3);
	EXPECT_TRUE(check_rule(cfg, nested).empty()) << "a narrower range inside a wider one";
	Rule longer = range_rule("longer", 5000, 5099, 3);
	longer.match.dst = Prefix{*parse_ipv4("239.1.1.0"), 24};
	EXPECT_TRUE(check_rule(cfg, longer).empty()) << "a longer prefix";
	Rule sg = range_rule("sg", 5050, 5149, 3);
	sg.match.src = Prefix{*parse_ipv4("198.18.0.0"), 24};
	EXPECT_TRUE(check_rule(cfg, sg).empty()) << "(S,G) beats (*,G)";
	Rule other_vlan = range_rule("tagged", 5050, 5149, 3);
	other_vlan.match.vlan = 7;
	EXPECT_TRUE(check_rule(cfg, other_vlan).empty());

	EXPECT_EQ(messages(check_rule(cfg, range_rule("again", 5000, 5099, 3))),
		  (std::vector<std::string>{"console:3:1: match (port up0, 239.1.0.0/16:5000-5099) "
					    "is already used by rule 'wide' (defined at console:2:1)"}));
	EXPECT_EQ(messages(check_rule(cfg, range_rule("crossing", 5050, 5149, 3))),
		  (std::vector<std::string>{
			  "console:3:1: match (port up0, 239.1.0.0/16:5050-5149) is ambiguous with "
			  "rule 'wide' (defined at console:2:1): the port ranges 5050-5149 and "
			  "5000-5099 overlap and neither holds the other, so no precedence says which "
			  "rule takes a datagram to a port in both; split or nest the ranges"}));
}

// The loader's indexed check finds the same duplicates and crossings.
TEST(CheckRule, IndexedCheckSeesRangesToo)
{
	Config cfg = two_ports_one_rule();
	cfg.rules.push_back(range_rule("wide", 5000, 5099, 2));
	RuleIndex index;
	index.add(cfg, 0);
	index.add(cfg, 1);
	EXPECT_TRUE(check_rule(cfg, range_rule("narrow", 5000, 5009, 3), index).empty());
	EXPECT_EQ(check_rule(cfg, range_rule("again", 5000, 5099, 3), index).size(), 1u);
	EXPECT_EQ(check_rule(cfg, range_rule("crossing", 4990, 5000, 3), index).size(), 1u);
}

TEST(CheckRule, ARangeOutputIntoItsOwnRangeLoops)
{
	Config cfg = two_ports_one_rule();
	Rule rule = range_rule("loop", 5000, 5099, 3);
	rule.outputs[0] = Output{.port = "up0", .dst = host("239.1.200.1"), .dport = 5050,
				 .where = at(4)};
	EXPECT_EQ(messages(check_rule(cfg, rule)),
		  (std::vector<std::string>{"console:4:1: output loops back to the rule's own match "
					    "(port up0, 239.1.0.0/16:5000-5099)"}));
	rule.outputs[0].dport = 6000;
	EXPECT_TRUE(check_rule(cfg, rule).empty()) << "outside the port range";
	rule.outputs[0].dport.reset();
	rule.outputs[0].dst = Prefix{*parse_ipv4("239.2.0.0"), 16};
	EXPECT_TRUE(check_rule(cfg, rule).empty()) << "mapped out of the range";
}

TEST(CheckRule, DescribesIpv6AndRanges)
{
	Match match{.port = "up0",
		    .dst = host("ff3e::1"),
		    .src = Prefix{*parse_ipv6("2001:2::"), 64},
		    .dport = PortRange::any()};
	EXPECT_EQ(describe_match(match), "port up0, [ff3e::1]:any, src 2001:2::/64");
	EXPECT_EQ(describe_source(OutputSource::given(*parse_ipv6("2001:2::1")), std::nullopt),
		  "2001:2::1");
}

TEST(CheckRule, ComparesIpv6AddressesAndNeverAcrossFamilies)
{
	Config cfg = two_ports_one_rule();
	Rule six = new_rule();
	six.name = "six";
	six.match.dst = host("ff3e::1");
	cfg.rules.push_back(six);

	Rule again = new_rule();
	again.match.dst = host("ff3e::1");
	EXPECT_EQ(messages(check_rule(cfg, again)),
		  (std::vector<std::string>{"console:3:1: match (port up0, [ff3e::1]:5000) is already "
					    "used by rule 'six' (defined at console:3:1)"}));
	again.match.dst = host("ff3e::2");
	EXPECT_TRUE(check_rule(cfg, again).empty());

	// ::ffff:239.1.1.1 is not 239.1.1.1: the families never compare equal.
	Rule mapped = new_rule();
	mapped.match.dst = host("::ffff:239.1.1.1");
	EXPECT_TRUE(check_rule(cfg, mapped).empty());

	Rule loop = new_rule();
	loop.match.dst = host("ff3e::9");
	loop.outputs[0].port = "up0";
	EXPECT_EQ(messages(check_rule(cfg, loop)),
		  (std::vector<std::string>{"console:5:1: output loops back to the rule's own match "
					    "(port up0, [ff3e::9]:5000)"}));
	loop.outputs[0].dst = host("239.1.1.9");
	EXPECT_TRUE(check_rule(cfg, loop).empty()) << "6 to 4 back onto the port: another group";
}
