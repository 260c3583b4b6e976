#include "common/mbuf_pool.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memory.h>
#include <rte_mempool.h>

#include <unistd.h>

#include <cstdint>

namespace mcr {

rte_mempool *create_mbuf_pool(const char *name, uint32_t count, uint32_t cache_size,
			      uint16_t data_room_size, int socket_id)
{
	const unsigned elt_size = sizeof(rte_mbuf) + data_room_size;
	rte_mempool *mp = rte_mempool_create_empty(name, count, elt_size, cache_size,
						   sizeof(rte_pktmbuf_pool_private), socket_id,
						   RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == nullptr)
		return nullptr;
	int rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), nullptr);
	if (rc == 0) {
		rte_pktmbuf_pool_private priv{};
		priv.mbuf_data_room_size = data_room_size;
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
	}
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return nullptr;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, nullptr);
	return mp;
}

namespace {

struct UmemWindow {
	uintptr_t begin;
	uintptr_t end;
	bool fits = true;
};

void check_object(rte_mempool *mp, void *window, void *obj, unsigned)
{
	auto *w = static_cast<UmemWindow *>(window);
	const uintptr_t start = reinterpret_cast<uintptr_t>(obj) - mp->header_size;
	const uintptr_t stop = start + mp->header_size + mp->elt_size + mp->trailer_size;
	if (start < w->begin || stop > w->end)
		w->fits = false;
}

} // namespace

bool pool_fits_umem_window(const rte_mempool *mp)
{
	const rte_mempool_memhdr *first = STAILQ_FIRST(&mp->mem_list);
	if (first == nullptr)
		return false;
	const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
	const auto addr = reinterpret_cast<uintptr_t>(first->addr);
	const uintptr_t obj_size = mp->header_size + mp->elt_size + mp->trailer_size;
	UmemWindow w{addr & ~(page - 1), addr + uintptr_t{mp->populated_size} * obj_size};
	rte_mempool_obj_iter(const_cast<rte_mempool *>(mp), check_object, &w);
	return w.fits;
}

} // namespace mcr
