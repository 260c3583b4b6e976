// Size classes: one rte_pktmbuf pool per YAML `pools:` entry, smallest first,
// so a copy can take the smallest buffer that holds it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/model.h"

struct rte_mempool;

namespace mcr::engine {

struct SizeClass {
	std::string name;
	uint32_t data_size = 0; // usable bytes after the headroom
	uint32_t count = 0;
	rte_mempool *pool = nullptr;
};

class Pools {
public:
	Pools() = default;
	~Pools();
	Pools(const Pools &) = delete;
	Pools &operator=(const Pools &) = delete;

	// Creates every class on the given NUMA socket. Returns 0, or a negative
	// errno with *error naming the class and what to change.
	int create(const std::vector<config::Pool> &classes, int socket_id, std::string *error);

	// The smallest class whose data room holds `bytes`, or nullptr.
	const SizeClass *smallest_fitting(uint32_t bytes) const;

	const std::vector<SizeClass> &classes() const { return classes_; }

private:
	std::vector<SizeClass> classes_; // ascending data_size
};

// Per-lcore cache: large enough to amortise the ring, small enough that
// caches cannot hold most of a small pool.
uint32_t pool_cache_size(uint32_t count);

} // namespace mcr::engine
