// check_rule as the console uses it: on rules built in code, not YAML.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/address.h"
#include "config/validate.h"

using namespace mcr::config;

namespace {

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
		.port = "up0", .dst = *parse_ipv4("239.1.1.1"), .dport = 5000, .where = at(1)};
	rule.outputs.push_back(Output{.port = "down0", .where = at(1)});
	cfg.rules.push_back(rule);
	return cfg;
}

Rule new_rule()
{
	Rule rule{.name = "feed-b", .where = at(2)};
	rule.match = Match{.port = "up0",
			   .dst = *parse_ipv4("239.1.1.2"),
			   .dport = 5000,
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
	rule.match.dst = *parse_ipv4("239.1.1.1");
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
		    .dst = *parse_ipv4("239.1.1.1"),
		    .dport = 5000,
		    .src = *parse_ipv4("198.18.0.1"),
		    .vlan = 10};
	EXPECT_EQ(describe_match(match), "port up0, 239.1.1.1:5000, src 198.18.0.1, vlan 10");
}
