// Checks of a rule against the rest of a config: what the loader runs for
// every rule in a file and the console runs before `rule add` touches the
// live table, so both refuse exactly the same rules.
#pragma once

#include <string>
#include <vector>

#include "config/error.h"
#include "config/model.h"

namespace mcr::config {

// Every problem of `rule` relative to `cfg` (which must not yet hold it):
// unknown ports, outputs that loop back onto the rule's own match, duplicate
// outputs, a name or a match key (port, vlan, dst, dport, src) already used
// by a rule of cfg. Empty when the rule can be added. Port names are not
// checked against a cfg without ports (a loaded file whose ports section
// was unusable, already reported).
std::vector<Diagnostic> check_rule(const Config &cfg, const Rule &rule);

// Only the unknown-port part of check_rule, for a rule whose name or match
// could not be read and so cannot be compared with others. Ports with an
// empty name (not read) are skipped.
std::vector<Diagnostic> check_rule_ports(const Config &cfg, const Rule &rule);

// "port up0, 239.1.1.1:5000[, src 198.18.0.1][, vlan 10]"
std::string describe_match(const Match &match);

} // namespace mcr::config
