#include "engine_setup.h"

#include <rte_lcore.h>

#include <stdexcept>

namespace mcr::engine::test {

std::unique_ptr<Pools> make_pools(const std::vector<config::Pool> &classes)
{
	auto pools = std::make_unique<Pools>();
	std::string error;
	if (pools->create(classes, static_cast<int>(rte_socket_id()), &error) != 0)
		throw std::runtime_error("Pools::create: " + error);
	return pools;
}

std::unique_ptr<Engine> make_engine(std::vector<EnginePort> ports, const Pools &pools,
				    const EngineParams &params)
{
	auto engine = std::make_unique<Engine>();
	std::string error;
	if (engine->init(std::move(ports), &pools, 1, params, &error) != 0)
		throw std::runtime_error("Engine::init: " + error);
	return engine;
}

config::Output output_to(const std::string &port)
{
	config::Output o;
	o.port = port;
	return o;
}

int add_rule(Engine &engine, const config::Rule &rule, const NeighbourLookup &neighbours,
	     std::string *error)
{
	CompiledRule *compiled = engine.compile(rule, neighbours, error);
	if (compiled == nullptr)
		return -EINVAL;
	const int rc = engine.rules().add(compiled);
	if (rc < 0)
		*error = "rule table: " + std::to_string(rc);
	return rc;
}

int remove_rule(Engine &engine, const config::Rule &rule)
{
	const int in_port = engine.port_index(rule.match.port);
	if (in_port < 0)
		return -ENOENT;
	return engine.rules().remove(Engine::key_of(rule.match, static_cast<uint16_t>(in_port)));
}

} // namespace mcr::engine::test
