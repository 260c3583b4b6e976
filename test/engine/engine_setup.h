// Small helpers to stand up Pools and an Engine for tests and benchmarks.
// Engine::init names its clone/header pools and its rule table with fixed
// names, so only one Engine may exist at a time; size-class pool names come
// from the class names, which callers keep unique per Pools object alive.
#pragma once

#include <rte_ether.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/engine.h"
#include "engine/pools.h"
#include "frame_builder.h"

namespace mcr::engine::test {

inline rte_ether_addr ether(const MacBytes &b)
{
	rte_ether_addr a{};
	std::copy(b.begin(), b.end(), a.addr_bytes);
	return a;
}

inline MacBytes bytes_of(const rte_ether_addr &a)
{
	MacBytes b{};
	std::copy(a.addr_bytes, a.addr_bytes + 6, b.begin());
	return b;
}

// The four bytes of a value exactly as they lie in memory, to check that
// a field the engine keeps "in network order" really is.
template <typename T>
std::vector<uint8_t> memory_bytes(T value)
{
	std::vector<uint8_t> b(sizeof(T));
	std::memcpy(b.data(), &value, sizeof(T));
	return b;
}

// Creates the size classes; throws std::runtime_error with the pool error.
std::unique_ptr<Pools> make_pools(const std::vector<config::Pool> &classes);

// Engine::init with one worker; throws std::runtime_error on failure.
std::unique_ptr<Engine> make_engine(std::vector<EnginePort> ports, const Pools &pools,
				    const EngineParams &params);

config::Output output_to(const std::string &port);

// Compile and publish in the engine's table alone (the appliance goes
// through publish::Publisher, which also keeps XDP maps and memberships).
// 0 or a negative errno with *error.
int add_rule(Engine &engine, const config::Rule &rule, const NeighbourLookup &neighbours,
	     std::string *error);
int remove_rule(Engine &engine, const config::Rule &rule);

} // namespace mcr::engine::test
