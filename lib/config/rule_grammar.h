// The one-line rule language of the console and mcr-ctl:
//
//   rule add NAME match port P dst A dport N [src S] [vlan V]
//                 output port P [dst A] [dport N] [ttl T] [vlan V] [mac M]
//                        [src keep|S] [dscp D]
//                 [output ...]
//
// Words are keyword-value pairs in any order within their clause. The
// result is a config::Rule held to the same limits as a YAML rule; what
// depends on the running config (ports exist, no loop, no duplicate) is
// config::check_rule's job.
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
