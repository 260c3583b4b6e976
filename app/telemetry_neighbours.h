// /mcr/neighbours: the next hops unicast outputs use, for dpdk-telemetry.py.
// Kept apart from telemetry.cpp's commands; registered the same way.
#pragma once

namespace mcr::app {

class Runtime;

void register_neighbour_telemetry(Runtime *rt);
void unregister_neighbour_telemetry();

} // namespace mcr::app
