// What differs between two configurations, for `reload`: rules can change
// while mcr runs; ports, pools and workers need a restart. Positions in the
// file never count as a difference.
#pragma once

#include <string>
#include <vector>

#include "config/model.h"

namespace mcr::config {

bool same_match(const Match &a, const Match &b);
// Name, inputs (in order), merge, monitor and outputs.
bool same_rule(const Rule &a, const Rule &b);

// One line per part that differs and needs a restart, e.g.
// "port 'up0' changed", "port 'down1' added", "workers changed".
std::vector<std::string> restart_changes(const Config &running, const Config &next);

} // namespace mcr::config
