// One reader per top-level section of the YAML. Each reports its problems
// to `diagnostics` and returns what it could read; the loader throws away
// everything when any problem was found.
#pragma once

#include <vector>

#include "config/model.h"
#include "config/yaml_reader.h"

namespace mcr::config::detail {

std::vector<Port> read_ports(Diagnostics &diagnostics, const Value &ports);
Workers read_workers(Diagnostics &diagnostics, const Value &workers);
std::vector<Pool> read_pools(Diagnostics &diagnostics, const Value &pools);
Metrics read_metrics(Diagnostics &diagnostics, const Value &metrics);

// Appends the rules to cfg.rules, each checked by check_rule against cfg's
// ports and the rules before it.
void read_rules(Diagnostics &diagnostics, const Value &rules, Config &cfg);

} // namespace mcr::config::detail
