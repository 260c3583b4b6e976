// Size classes: one mempool per YAML pool, smallest first, and the choice
// of the smallest class that holds a copy. Also that every pool name the
// config accepts can be created next to the engine's own pools.
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/mbuf_pool.h"
#include "config/bounds.h"
#include "engine/engine.h"
#include "engine/pools.h"
#include "engine_setup.h"

namespace mcr::engine {
namespace {

TEST(Pools, ClassesAreSortedAndTheSmallestFittingIsChosen)
{
	const auto pools = test::make_pools({
		{"pt_jumbo", 9216, 127, {}},
		{"pt_small", 512, 255, {}},
		{"pt_std", 2048, 511, {}},
	});
	const std::vector<SizeClass> &c = pools->classes();
	ASSERT_EQ(c.size(), 3u);
	EXPECT_EQ(c[0].name, "pt_small");
	EXPECT_EQ(c[1].name, "pt_std");
	EXPECT_EQ(c[2].name, "pt_jumbo");
	for (const SizeClass &sc : c) {
		ASSERT_NE(sc.pool, nullptr);
		EXPECT_EQ(sc.pool->size, sc.count) << sc.name;
		EXPECT_EQ(rte_pktmbuf_data_room_size(sc.pool), RTE_PKTMBUF_HEADROOM + sc.data_size)
			<< sc.name;
		EXPECT_EQ(rte_mempool_in_use_count(sc.pool), 0u) << sc.name;
	}
	EXPECT_EQ(pools->smallest_fitting(0), &c[0]);
	EXPECT_EQ(pools->smallest_fitting(512), &c[0]);
	EXPECT_EQ(pools->smallest_fitting(513), &c[1]);
	EXPECT_EQ(pools->smallest_fitting(2048), &c[1]);
	EXPECT_EQ(pools->smallest_fitting(9216), &c[2]);
	EXPECT_EQ(pools->smallest_fitting(9217), nullptr);
}

// The af_xdp PMD registers count x object size from the first object as
// its UMEM. With --no-huge (4 KiB pages), DPDK's default pool keeps every
// 2 KiB-class object inside one page, so the objects spread over nearly
// twice that window, and the kernel discards the fill-ring buffers beyond
// it: the port stopped receiving after an overload. mcr's pools may
// straddle pages and fit the window exactly.
TEST(Pools, EveryObjectLiesInTheAfXdpUmemWindow)
{
	const auto pools = test::make_pools({{"pt_umem", 2048, 8191, {}}});
	ASSERT_EQ(pools->classes().size(), 1u);
	EXPECT_TRUE(pool_fits_umem_window(pools->classes()[0].pool));

	rte_mempool *page_bound = rte_pktmbuf_pool_create("pt_page_bound", 8191, 0, 0,
							  RTE_PKTMBUF_HEADROOM + 2048, SOCKET_ID_ANY);
	ASSERT_NE(page_bound, nullptr);
	EXPECT_FALSE(pool_fits_umem_window(page_bound))
		<< "the check must catch DPDK's page-bounded layout (this EAL runs --no-huge)";
	rte_mempool_free(page_bound);
}

TEST(Pools, CacheSizeIsAnEighthCappedAndNoneForSmallPools)
{
	EXPECT_EQ(pool_cache_size(64), 0u) << "8 per lcore would strand most of the pool";
	EXPECT_EQ(pool_cache_size(127), 0u);
	EXPECT_EQ(pool_cache_size(128), 16u);
	EXPECT_EQ(pool_cache_size(1023), 127u);
	EXPECT_EQ(pool_cache_size(8191), static_cast<uint32_t>(RTE_MEMPOOL_CACHE_MAX_SIZE));
	EXPECT_EQ(pool_cache_size(1 << 20), static_cast<uint32_t>(RTE_MEMPOOL_CACHE_MAX_SIZE));
}

TEST(Pools, ACreateErrorNamesTheClass)
{
	Pools pools;
	std::string error;
	// More memory than EAL was given (-m 256).
	EXPECT_LT(pools.create({{"pt_huge", 60000, 1 << 20, {}}}, 0, &error), 0);
	EXPECT_NE(error.find("pt_huge"), std::string::npos) << error;
}

// The loader accepts pool names up to limits::max_pool_name (31)
// characters, but the mempool is named "mcr_" + name and DPDK mempool names
// hold RTE_MEMPOOL_NAMESIZE - 1 (25) characters: a valid config with a
// 22..31-character pool name passes --check and then fails to start.
TEST(Pools, EveryNameTheConfigAcceptsCanBeCreated)
{
	const std::string longest(config::limits::max_pool_name, 'p');
	Pools pools;
	std::string error;
	EXPECT_EQ(pools.create({{longest, 512, 127, {}}}, 0, &error), 0) << error;
	ASSERT_EQ(pools.classes().size(), 1u);
	EXPECT_EQ(pools.classes()[0].name, longest) << "the class keeps its config name";
}

// Engine::init names its own pools "mcr_clone" and "mcr_header", the names
// Pools gives to size classes called "clone" and "header": with such a
// (valid) config the engine cannot start.
TEST(Pools, SizeClassesNamedLikeTheEnginePoolsDoNotCollide)
{
	const auto pools = test::make_pools({{"clone", 512, 127, {}}, {"header", 2048, 127, {}}});
	Engine engine;
	std::string error;
	EngineParams params;
	params.rule_capacity = 1024;
	EXPECT_EQ(engine.init({}, pools.get(), 1, params, &error), 0) << error;
	EXPECT_NE(engine.clone_pool(), nullptr);
	EXPECT_NE(engine.header_pool(), nullptr);
	EXPECT_NE(engine.clone_pool(), pools->classes()[0].pool);
}

} // namespace
} // namespace mcr::engine
