#include "engine/pools.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/log.h"
#include "common/mbuf_pool.h"

namespace mcr::engine {

uint32_t pool_cache_size(uint32_t count)
{
	uint32_t cache = std::min<uint32_t>(RTE_MEMPOOL_CACHE_MAX_SIZE, count / 8);
	return cache < 16 ? 0 : cache;
}

Pools::~Pools()
{
	for (SizeClass &sc : classes_)
		rte_mempool_free(sc.pool);
}

int Pools::create(const std::vector<config::Pool> &classes, int socket_id, std::string *error)
{
	std::vector<config::Pool> sorted = classes;
	std::sort(sorted.begin(), sorted.end(),
		  [](const auto &a, const auto &b) { return a.data_size < b.data_size; });

	for (size_t i = 0; i < sorted.size(); i++) {
		const config::Pool &cls = sorted[i];
		// Mempool names hold 25 characters, config names 31: a long one
		// gets a short form ('.' never appears in a config name, so it
		// cannot collide with an "mcr_" name).
		std::string pool_name = "mcr_" + cls.name;
		if (pool_name.size() >= RTE_MEMPOOL_NAMESIZE)
			pool_name = fmt::format("mcr.{}.{}", i, cls.name).substr(0, RTE_MEMPOOL_NAMESIZE - 1);
		const uint32_t room = RTE_PKTMBUF_HEADROOM + cls.data_size;
		rte_mempool *mp = create_mbuf_pool(pool_name.c_str(), cls.count,
						   pool_cache_size(cls.count),
						   static_cast<uint16_t>(room), socket_id);
		if (mp == nullptr) {
			const int err = rte_errno;
			*error = fmt::format("cannot create pool '{}' ({} mbufs of {} bytes): {}{}",
					     cls.name, cls.count, cls.data_size, rte_strerror(err),
					     err == ENOMEM ? " (raise EAL -m or lower pools[].count)" : "");
			return -err;
		}
		classes_.push_back({cls.name, cls.data_size, cls.count, mp});
		MCR_LOG(pool, INFO, "pool %s: %u mbufs, %u data bytes, cache %u", cls.name.c_str(),
			cls.count, cls.data_size, pool_cache_size(cls.count));
	}
	return 0;
}

const SizeClass *Pools::smallest_fitting(uint32_t bytes) const
{
	for (const SizeClass &sc : classes_)
		if (sc.data_size >= bytes)
			return &sc;
	return nullptr;
}

} // namespace mcr::engine
