// Checks of a rule against the rest of a config: what the loader runs for
// every rule in a file and the console runs before `rule add` touches the
// live table, so both refuse exactly the same rules.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "config/error.h"
#include "config/model.h"

namespace mcr::config {

// Every problem of `rule` relative to `cfg` (which must not yet hold it):
// unknown ports, outputs that loop back onto one of the rule's inputs,
// duplicate outputs, a name or an input's match key (port, vlan, dst,
// dport, src) already used by an input of a rule of cfg or by another input
// of the rule, an input whose port range crosses (overlaps without nesting)
// that of an input with the same port, vlan, dst and src (ambiguous:
// precedence orders exact before range, longer dst prefix, (S,G) and
// longer src prefix, then the narrower port range), and a merged rule's output that keeps a dst or dport its
// inputs do not share. Empty when the rule can be added. Port names are not
// checked against a cfg without ports (a loaded file whose ports section
// was unusable, already reported).
std::vector<Diagnostic> check_rule(const Config &cfg, const Rule &rule);

// The names and inputs' matches of cfg.rules, so that checking a file of N rules
// costs N log N rather than N^2. Holds indices into cfg.rules: add() each
// rule right after pushing it.
class RuleIndex {
public:
	void add(const Config &cfg, size_t rule);
	std::optional<size_t> by_name(const std::string &name) const;
	// The rule with an input of the same key (port, vlan, dst, src, dport).
	std::optional<size_t> by_match(const Match &match) const;
	// The rule with an input of the same port, vlan, dst and src whose port
	// range crosses the match's (overlaps, neither holding the other).
	std::optional<size_t> crossing_match(const Config &cfg, const Match &match) const;

private:
	// port, vlan, dst, src (present, address, length).
	using MatchKey =
		std::tuple<std::string, uint16_t, IpAddress, uint8_t, bool, IpAddress, uint8_t>;
	// And the port range's first and last.
	using ExactKey = std::tuple<MatchKey, uint16_t, uint16_t>;
	static MatchKey key(const Match &m);
	std::map<std::string, size_t> names_;
	std::map<ExactKey, size_t> matches_;
	// The rules with an input of a port range (not one port) by MatchKey.
	std::map<MatchKey, std::vector<size_t>> port_ranges_;
};

// check_rule for a rule that cfg does not hold yet, using index.
std::vector<Diagnostic> check_rule(const Config &cfg, const Rule &rule, const RuleIndex &index);

// Only the unknown-port part of check_rule, for a rule whose name or match
// could not be read and so cannot be compared with others. Ports with an
// empty name (not read) are skipped.
std::vector<Diagnostic> check_rule_ports(const Config &cfg, const Rule &rule);

// "239.1.1.1:5000", "239.1.0.0/16:5000-5099", "[ff3e::1]:any"
std::string describe_destination(const Prefix &dst, const PortRange &dport);

// "port up0, 239.1.1.1:5000[, src 198.18.0.1][, vlan 10]"
std::string describe_match(const Match &match);

// The source address an output's packets carry: "keep" (the received one),
// or the address, `src` when given, else port_address (the egress port's
// of the output's family; "port" when not known).
std::string describe_source(const OutputSource &src, const std::optional<IpAddress> &port_address);

} // namespace mcr::config
