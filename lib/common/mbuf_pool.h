// Packet mbuf pools whose objects may straddle page boundaries.
#pragma once

#include <cstdint>

struct rte_mempool;

namespace mcr {

// rte_pktmbuf_pool_create() with RTE_MEMPOOL_F_NO_IOVA_CONTIG. mcr drives
// only virtual-device PMDs (af_xdp, af_packet, pcap, null, ring), which never
// DMA, so no object needs physically contiguous memory. Without the flag,
// a run with --no-huge (4 KiB pages) gives each 2 KiB-class object a page of
// its own, and the objects then lie further apart than the af_xdp PMD
// assumes when it registers the pool as its UMEM (count x object size from
// the first object): the kernel silently discards fill-ring buffers past
// that end, and the port stops receiving once the pool has been dipped into
// deeply enough. Returns nullptr with rte_errno set, like the DPDK call.
rte_mempool *create_mbuf_pool(const char *name, uint32_t count, uint32_t cache_size,
			      uint16_t data_room_size, int socket_id);

// True when every object of `mp` lies within count x object size of the
// page holding its first object: the window the af_xdp PMD registers as
// UMEM. A pool populated in several memory chunks can fail this.
bool pool_fits_umem_window(const rte_mempool *mp);

} // namespace mcr
