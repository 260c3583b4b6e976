// The console's `rule add` language: what it accepts, and one clear error
// for each way a line can be wrong.
#include <sstream>

#include <gtest/gtest.h>

#include "config/address.h"
#include "config/compare.h"
#include "config/rule_grammar.h"

using namespace mcr;

namespace {

std::vector<std::string> words(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> out;
	for (std::string w; in >> w;)
		out.push_back(w);
	return out;
}

config::Ipv4 ip(const char *text)
{
	return *config::parse_ipv4(text);
}

// An exact address of either family, as a rule's dst or src holds it.
config::Prefix host(const char *text)
{
	return config::Prefix::host(*config::parse_ip_address(text));
}

std::string error_of(const std::string &line)
{
	try {
		config::parse_rule_add(words(line));
	} catch (const config::GrammarError &e) {
		return e.what();
	}
	return "(accepted)";
}

} // namespace

TEST(RuleGrammar, ParsesEveryField)
{
	const config::Rule r = config::parse_rule_add(words(
		"feed-c match dport 5002 dst 239.1.1.3 port up0 src 198.18.1.2 vlan 7 "
		"output port down0 dst 239.2.2.4 dport 6000 ttl 9 vlan 12 "
		"output port down0 dst 198.18.2.2 mac 02:00:00:00:00:0a src keep dscp 46 "
		"output port down0 dst 198.18.2.3 dscp 0 src 198.18.2.1"));
	EXPECT_EQ(r.name, "feed-c");
	EXPECT_EQ(r.match.port, "up0");
	EXPECT_EQ(r.match.dst, host("239.1.1.3"));
	EXPECT_EQ(r.match.dport, config::PortRange::single(5002));
	EXPECT_EQ(r.match.src, host("198.18.1.2"));
	EXPECT_EQ(r.match.vlan, 7);
	ASSERT_EQ(r.outputs.size(), 3u);
	EXPECT_EQ(r.outputs[0].port, "down0");
	EXPECT_EQ(r.outputs[0].dst, host("239.2.2.4"));
	EXPECT_EQ(r.outputs[0].dport, 6000);
	EXPECT_EQ(r.outputs[0].ttl, 9);
	EXPECT_EQ(r.outputs[0].vlan, 12);
	EXPECT_FALSE(r.outputs[0].mac);
	EXPECT_EQ(r.outputs[1].mac, (config::Mac{2, 0, 0, 0, 0, 0x0a}));
	EXPECT_FALSE(r.outputs[1].ttl);
	EXPECT_EQ(r.outputs[0].src.kind, config::OutputSource::Kind::port);
	EXPECT_FALSE(r.outputs[0].dscp);
	EXPECT_EQ(r.outputs[1].src, config::OutputSource::keep());
	EXPECT_EQ(r.outputs[1].dscp, 46);
	EXPECT_EQ(r.outputs[2].src, config::OutputSource::given(ip("198.18.2.1")));
	EXPECT_EQ(r.outputs[2].dscp, 0);
}

TEST(RuleGrammar, FormatsBackToTheSameRule)
{
	const std::string line = "rule add r1 match port up0 dst 239.1.1.1 dport 5000 src 198.18.1.2 "
				 "vlan 3 output port down0 dst 239.2.2.2 dport 6000 ttl 4 vlan 5 "
				 "output port down0 dst 198.18.2.2 mac 02:00:00:00:00:0a src keep dscp 46 "
				 "output port down0 dst 198.18.2.3 src 198.18.2.1 dscp 0";
	const auto w = words(line);
	const config::Rule r = config::parse_rule_add({w.begin() + 2, w.end()});
	EXPECT_EQ(config::format_rule(r), line);
}

TEST(RuleGrammar, ParsesIpv6AndRanges)
{
	const config::Rule r = config::parse_rule_add(
		words("r6 match port up0 dst 239.1.0.0/16 dport 5000-5099 src 198.18.0.0/24 "
		      "join 239.1.0.1,239.1.0.2 output port down0 dst keep "
		      "output port down0 dst ff3e::1:0/112 src 2001:2::1"));
	EXPECT_EQ(r.match.dst, (config::Prefix{ip("239.1.0.0"), 16}));
	EXPECT_EQ(r.match.dport, (config::PortRange{5000, 5099}));
	EXPECT_EQ(r.match.src, (config::Prefix{ip("198.18.0.0"), 24}));
	EXPECT_EQ(r.match.join,
		  (std::vector<config::IpAddress>{ip("239.1.0.1"), ip("239.1.0.2")}));
	ASSERT_EQ(r.outputs.size(), 2u);
	EXPECT_FALSE(r.outputs[0].dst);
	EXPECT_EQ(r.outputs[1].dst, (config::Prefix{*config::parse_ipv6("ff3e::1:0"), 112}));
	EXPECT_EQ(r.outputs[1].src, config::OutputSource::given(*config::parse_ipv6("2001:2::1")));

	const config::Rule six = config::parse_rule_add(
		words("s6 match port up0 dst ff3e::1 dport any src 2001:2::10 output port down0"));
	EXPECT_EQ(six.match.dst, host("ff3e::1"));
	EXPECT_EQ(six.match.dport, config::PortRange::any());
	EXPECT_EQ(six.match.src, host("2001:2::10"));
}

TEST(RuleGrammar, FormatsIpv6AndRangesBackToTheSameRule)
{
	for (const std::string line :
	     {"rule add r6 match port up0 dst 239.1.0.0/16 dport 5000-5099 src 198.18.0.0/24 "
	      "join 239.1.0.1,239.1.0.2 output port down0 output port down0 dst 239.2.0.0/16 "
	      "output port down0 dst ff3e::1:0/112 src 2001:2::1",
	      "rule add s6 match port up0 dst ff3e::1 dport any src 2001:2::10 output port down0 "
	      "dst ff3e::2 src keep output port down0 dst 239.2.2.2 dport 6000"}) {
		const auto w = words(line);
		const config::Rule r = config::parse_rule_add({w.begin() + 2, w.end()});
		EXPECT_EQ(config::format_rule(r), line);
	}
}

TEST(RuleGrammar, ParsesMergedAndMonitoredRules)
{
	const config::Rule m = config::parse_rule_add(words(
		"feed match port upA dst 239.1.1.1 dport 5000 "
		"output port down dst 239.2.2.2 dport 6000 "
		"match port upB dst 239.1.2.1 dport 5000 src 198.18.1.1 "
		"merge window 2048 sequence rtp "
		"match port upB dst 239.1.3.1 dport 5001 vlan 4"));
	EXPECT_EQ(m.match.port, "upA");
	ASSERT_EQ(m.more_inputs.size(), 2u);
	EXPECT_EQ(m.more_inputs[0].port, "upB");
	EXPECT_EQ(m.more_inputs[0].src, host("198.18.1.1"));
	EXPECT_EQ(m.more_inputs[1].dst, host("239.1.3.1"));
	EXPECT_EQ(m.more_inputs[1].vlan, 4);
	ASSERT_TRUE(m.merge);
	EXPECT_EQ(m.merge->field, packet::rtp_sequence);
	EXPECT_EQ(m.merge->window, 2048u);
	EXPECT_FALSE(m.monitor);
	ASSERT_EQ(m.outputs.size(), 1u);

	const config::Rule w = config::parse_rule_add(
		words("watched match port upA dst 239.1.1.9 dport 5000 monitor sequence 10:8 "
		      "output port down"));
	EXPECT_TRUE(w.more_inputs.empty());
	ASSERT_TRUE(w.monitor);
	EXPECT_EQ(w.monitor->field, (packet::SequenceField{10, 8, true}));
	EXPECT_EQ(w.monitor->window, 1024u); // the default
	const config::Rule le = config::parse_rule_add(
		words("le match port upA dst 239.1.1.9 dport 5000 monitor sequence 0:4:little "
		      "window 65536 output port down"));
	EXPECT_EQ(le.monitor->field, (packet::SequenceField{0, 4, false}));
	EXPECT_EQ(le.monitor->window, 65536u);
	// Eight inputs, the most.
	std::string eight = "r match port u dst 239.1.1.1 dport 1";
	for (int i = 2; i <= 8; i++)
		eight += " match port u dst 239.1.1.1 dport " + std::to_string(i);
	EXPECT_EQ(config::parse_rule_add(words(eight + " merge sequence rtp output port d"))
			  .more_inputs.size(),
		  7u);
}

TEST(RuleGrammar, FormatsMergedAndMonitoredRulesBackToTheSameRule)
{
	for (const std::string line : {
		     "rule add feed match port upA dst 239.1.1.1 dport 5000 match port upB dst "
		     "239.1.2.1 dport 5000 src 198.18.1.1 vlan 3 merge sequence rtp window 1024 "
		     "output port down dst 239.2.2.2 dport 6000",
		     "rule add mold match port upA dst 239.1.1.1 dport 5000 match port upB dst "
		     "239.1.2.1 dport 5000 match port upB dst 239.1.2.2 dport 5000 merge sequence "
		     "10:8:big window 4096 output port down dst 239.2.2.2",
		     "rule add watched match port upA dst 239.1.1.9 dport 5000 monitor sequence "
		     "0:4:little window 2 output port down",
		     "rule add watched-rtp match port upA dst 239.1.1.9 dport 5000 monitor sequence "
		     "rtp window 8192 output port down",
	     }) {
		SCOPED_TRACE(line);
		const auto w = words(line);
		const config::Rule r = config::parse_rule_add({w.begin() + 2, w.end()});
		EXPECT_EQ(config::format_rule(r), line);
		const auto again = words(config::format_rule(r));
		EXPECT_TRUE(config::same_rule(config::parse_rule_add({again.begin() + 2, again.end()}),
					      r));
	}
	// rtp however it is spelled; the order always.
	const config::Rule spelled = config::parse_rule_add(
		words("w match port u dst 239.1.1.1 dport 1 monitor sequence 2:2 output port d"));
	EXPECT_EQ(config::format_rule(spelled),
		  "rule add w match port u dst 239.1.1.1 dport 1 monitor sequence rtp window 1024 "
		  "output port d");
	const config::Rule big = config::parse_rule_add(
		words("w match port u dst 239.1.1.1 dport 1 monitor sequence 6:4 output port d"));
	EXPECT_EQ(config::format_rule(big),
		  "rule add w match port u dst 239.1.1.1 dport 1 monitor sequence 6:4:big window 1024 "
		  "output port d");
}

struct BadLine {
	const char *line;
	const char *error;
};

class RuleGrammarErrors : public testing::TestWithParam<BadLine> {};

TEST_P(RuleGrammarErrors, SaysWhatIsWrong)
{
	EXPECT_EQ(error_of(GetParam().line), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
	Lines, RuleGrammarErrors,
	testing::Values(
		BadLine{"", "rule add needs a name, a match and at least one output"},
		// IPv6 and ranges: the YAML's checks (config/rule_values.h), the same words.
		BadLine{"r1 match port up0 dst ff02::1 dport 1 output port d",
			"ff02::1 is an interface-local, link-local or reserved-scope group, which a "
			"relay must not carry to another link (RFC 4291 2.7)"},
		BadLine{"r1 match port up0 dst 239.1.1.0/16 dport 1 output port d",
			"invalid 'dst': 239.1.1.0/16 has bits set past /16; did you mean 239.1.0.0/16?"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 5099-5000 output port d",
			"invalid 'dport': port range 5099-5000 is reversed; did you mean 5000-5099?"},
		BadLine{"r1 match port up0 dst ff3e::1 dport 1 src 198.18.0.1 output port d",
			"src 198.18.0.1 is IPv4 but dst ff3e::1 is IPv6: a datagram's source and "
			"destination are of one family"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 join 239.1.1.1 output port d",
			"'join' is for range inputs: an exact input joins its dst group itself"},
		BadLine{"r1 match port up0 dst 239.1.0.0/16 dport 1 join 239.1.0.1,239.2.0.1 "
			"output port d",
			"join 239.2.0.1 is outside the input's dst 239.1.0.0/16"},
		BadLine{"r1 match port up0 dst 239.1.0.0/16 dport 1 join 239.1.0.1, output port d",
			"invalid group address '' in 'join' (G1,G2,... expected)"},
		BadLine{"r1 match port up0 dst 239.1.0.0/16 dport 1 output port d dst 239.2.0.0/24",
			"map prefix 239.2.0.0/24 has 8 host bits but the input's dst 239.1.0.0/16 has "
			"16: a map carries the received destination's host bits, so both need the same "
			"number (/16 here)"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d dst ff3e::1 src keep",
			"src keep cannot carry an IPv4 source into an IPv6 output; leave src out (the "
			"port's address) or give one"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d src 2001:2::1",
			"src 2001:2::1 is IPv6 but the output sends IPv4 (dst keep keeps the input's "
			"family: an output of the other family needs a dst)"},
		BadLine{"r1 match port up0 dst ff3e::1 dport 1 src fe80::1 output port d src keep",
			"src keep would carry the link-local source fe80::1 off its link (port up0) to "
			"port d; a link-local address is only valid on its link (RFC 4291 2.5.6)"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport any monitor sequence rtp output port d",
			"'monitor' follows one stream's sequence numbers: its match must be exact (one "
			"dst, one dport, no src prefix), got a range"},
		BadLine{"bad!name match port up0 dst 239.1.1.1 dport 1 output port d",
			"invalid rule name 'bad!name' (expected 1 to 63 letters, digits, '-' or '_')"},
		BadLine{"r1", "expected 'match' after the rule name"},
		BadLine{"r1 output port d", "expected 'match' after the rule name"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1",
			"a rule needs at least one output"},
		BadLine{"r1 match dst 239.1.1.1 dport 1 output port d",
			"match needs port, dst and dport (missing port)"},
		BadLine{"r1 match port up0 dport 1 output port d",
			"match needs port, dst and dport (missing dst)"},
		BadLine{"r1 match port up0 dst 239.1.1.1 output port d",
			"match needs port, dst and dport (missing dport)"},
		BadLine{"r1 match port up0 dst 239.1.1 dport 1 output port d",
			"invalid 'dst': '239.1.1' is not an IPv4 or IPv6 address or prefix"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 70000 output port d",
			"'dport' must be between 1 and 65535, got 70000"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 0 output port d",
			"'dport' must be between 1 and 65535, got 0"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport x output port d",
			"invalid 'dport': 'x' is not a UDP port (1..65535), 'any' or a range FIRST-LAST "
			"as in 5000-5099"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 vlan 4095 output port d",
			"'vlan' must be between 1 and 4094, got 4095"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 src 239.9.9.9 output port d",
			"'src' must be a unicast address or a prefix of unicast addresses, got 239.9.9.9"},
		BadLine{"r1 match port up0 dst 0.0.0.0 dport 1 output port d",
			"'dst' must be a multicast or unicast address, got 0.0.0.0"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 colour red output port d",
			"unknown word 'colour' in match (expected port, dst, dport, src, vlan, join)"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport",
			"'dport' needs a value"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output dst 239.2.2.2",
			"output needs a port"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d ttl 0",
			"'ttl' must be between 1 and 255, got 0"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d ttl 256",
			"'ttl' must be between 1 and 255, got 256"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d mac 01:00:5e:00:00:01",
			"invalid unicast MAC address '01:00:5e:00:00:01'"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d mac zz",
			"invalid unicast MAC address 'zz'"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d speed 9",
			"unknown word 'speed' in output (expected port, dst, dport, ttl, vlan, mac, src, "
			"dscp)"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d src kept",
			"expected 'keep' or an IPv4 or IPv6 address for 'src', got 'kept'"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d src 239.2.2.2",
			"'src' must be a unicast address, got 239.2.2.2"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d src",
			"'src' needs a value"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d dscp 64",
			"'dscp' must be between 0 and 63, got 64"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d dscp ef",
			"expected an integer for 'dscp', got 'ef'"},
		BadLine{"r1 match port up0 dst 239.1.1.1 dport 1 output port d dst 255.255.255.255",
			"'dst' must be a multicast or unicast address, got 255.255.255.255"},
		BadLine{"r1 match port bad/port dst 239.1.1.1 dport 1 output port d",
			"invalid port name 'bad/port'"},
		// Merged and monitored rules.
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 match port u dst 239.1.1.2 dport 1 "
			"output port d",
			"several 'match' clauses need 'merge' (the sequence number that makes their "
			"copies one stream)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 merge sequence rtp output port d",
			"'merge' needs at least 2 'match' clauses (a rule with one has nothing to "
			"merge; 'monitor' watches its sequence)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 match port u dst 239.1.1.2 dport 1 "
			"merge sequence rtp monitor sequence rtp output port d",
			"'monitor' and 'merge' exclude each other (a merged rule counts its stream's "
			"health already)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 match port u dst 239.1.1.2 dport 1 "
			"merge sequence rtp merge sequence rtp output port d",
			"'merge' given twice"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtp monitor "
			"sequence rtp output port d",
			"'monitor' given twice"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 match port u dst 239.1.1.2 dport 1 "
			"match port u dst 239.1.1.3 dport 1 match port u dst 239.1.1.4 dport 1 "
			"match port u dst 239.1.1.5 dport 1 match port u dst 239.1.1.6 dport 1 "
			"match port u dst 239.1.1.7 dport 1 match port u dst 239.1.1.8 dport 1 "
			"match port u dst 239.1.1.9 dport 1 merge sequence rtp output port d",
			"at most 8 inputs ('match' clauses)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor window 64 output port d",
			"monitor needs 'sequence rtp' or 'sequence OFFSET:SIZE[:big|little]'"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtp every 1 "
			"output port d",
			"unknown word 'every' in monitor (expected sequence, window)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtcp output port d",
			"expected rtp or OFFSET:SIZE[:big|little] for 'sequence', got 'rtcp'"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 1:2:big:x output "
			"port d",
			"expected rtp or OFFSET:SIZE[:big|little] for 'sequence', got '1:2:big:x'"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 0:3 output port d",
			"'size' must be 2, 4 or 8 (bytes), got 3"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 0:4:middle output "
			"port d",
			"'order' must be big or little, got 'middle'"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence x:4 output port d",
			"expected an integer for 'offset', got 'x'"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 65500:8 output "
			"port d",
			"the sequence field (8 bytes at offset 65500) ends at byte 65508, beyond the "
			"largest UDP payload (65507 bytes)"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 65506:2 output "
			"port d",
			"'offset' must be between 0 and 65505, got 65506"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtp window 1000 "
			"output port d",
			"'window' must be a power of two, got 1000"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtp window 1 "
			"output port d",
			"'window' must be between 2 and 65536, got 1"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence 0:8 window 131072 "
			"output port d",
			"'window' must be between 2 and 65536, got 131072"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence rtp window 16384 "
			"output port d",
			"'window' must be at most 8192 for a 2-byte sequence (16-bit numbers "
			"resynchronise 16384 ahead), got 16384"},
		BadLine{"r1 match port u dst 239.1.1.1 dport 1 monitor sequence",
			"'sequence' needs a value"}));
