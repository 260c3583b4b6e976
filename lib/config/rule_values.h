// Checks of a rule's addresses, prefixes, port ranges and joins, on their
// own and against each other (an output against the input it relays),
// shared by the YAML loader and the console's `rule add` so both refuse the
// same rules with the same words. Each problem names the value it is
// about, so the loader can point at it (FILE:LINE:COL). What depends on
// other rules or on the ports (duplicates, loops, unknown ports) is
// check_rule's (validate.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/model.h"

namespace mcr::config {

// The value of a match or an output a problem is about.
enum class RuleValue { dst, src, dport, join, whole };

struct RuleValueProblem {
	RuleValue value;
	size_t index = 0; // of the join entry, when value is join
	std::string message;
};

// A match's or output's dst on its own: a group or a unicast host, or a
// prefix of only groups or only unicast addresses; never an IPv6 group of
// interface-local, link-local or reserved scope (nor a prefix holding
// one), which a relay must not carry to another link.
std::optional<std::string> destination_problem(const Prefix &dst);

// A match's src on its own: a unicast host or a prefix of unicast hosts.
std::optional<std::string> match_source_problem(const Prefix &src);

// An output's given src on its own: a unicast address.
std::optional<std::string> output_source_problem(const IpAddress &src);

// Each value read on its own, then against the others: src of dst's
// family, join only on a range input, of groups inside its dst prefix.
std::vector<RuleValueProblem> match_problems(const Match &match);

// An output against an input of its rule: a map prefix with as many host
// bits as the input's dst prefix, `mac` when it keeps or maps onto a range
// of unicast destinations, a given src of the output's family, src keep
// only within one family and never for a link-local source sent to
// another port.
std::vector<RuleValueProblem> output_problems(const Output &output, const Match &input);

// A merged or monitored rule follows one stream's sequence numbers: its
// inputs are exact. The problem with the first range input, if any.
std::optional<std::string> sequence_rule_problem(const Rule &rule);

} // namespace mcr::config
