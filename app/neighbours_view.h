// `show neighbours`: the next hops unicast outputs use, as the console
// and mcr-ctl print them.
#pragma once

#include <string>
#include <vector>

#include "publish/publisher.h"

namespace mcr::app {

std::string format_neighbours(const std::vector<publish::NeighbourUse> &uses);

// "02:00:00:00:02:0a", or "unresolved".
std::string neighbour_mac_text(const publish::NeighbourUse &use);

} // namespace mcr::app
