// The one-line rule language of the console and mcr-ctl:
//
//   rule add NAME match port P dst A|A/LEN dport N|any|N-M [src S|S/LEN]
//                       [vlan V] [join G1,G2,...]
//                 [match ...]
//                 [merge sequence SEQ [window W]]
//                 [monitor sequence SEQ [window W]]
//                 output port P [dst keep|A|A/LEN] [dport N] [ttl T] [vlan V]
//                        [mac M] [src keep|S] [dscp D]
//                 [output ...]
//
//   SEQ: rtp | OFFSET:SIZE[:big|little]   (SIZE 2, 4 or 8 bytes; big)
//
// Addresses are IPv4 or IPv6, as in the YAML, and are checked the same
// way (config/rule_values.h).
//
// Words are keyword-value pairs in any order within their clause; after the
// first match, clauses come in any order. Several match clauses are a
// merged rule's inputs (2 to config::max_rule_inputs) and need merge (YAML
// `inputs:` and `merge:`); monitor (YAML `monitor:`) watches a single-input
// rule's stream. window defaults to 1024. The result is a config::Rule held
// to the same limits as a YAML rule; what depends on the running config
// (ports exist, no loop, no duplicate input) is config::check_rule's job.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/model.h"

namespace mcr::config {

class GrammarError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// words: everything after "rule add". Throws GrammarError with one line
// naming the offending word and what was expected.
config::Rule parse_rule_add(const std::vector<std::string> &words);

// The same rule written back in this grammar (for `show rule` and logs).
std::string format_rule(const config::Rule &rule);

} // namespace mcr::config
