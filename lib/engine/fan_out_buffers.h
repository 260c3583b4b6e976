// The buffers one fan-out takes: copies, clones and header mbufs got from
// their pools in bulk, and the references a packet's clones hold on it,
// taken at once. Per received packet, so the pool and reference-count work
// is paid once per packet rather than once per output.
#pragma once

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>

#include "engine/compiled_rule.h"

namespace mcr::engine {

// Buffers of one pool for one fan-out: the first take gets as many as the
// packet may need in one bulk get; later takes from the same pool are an
// array read. What is left (an output dropped for its TTL, or one that
// needed another pool) goes back in one put at the end. Buffers are raw,
// as rte_mbuf_raw_alloc returns them: init_raw_mbuf or attach_payload
// sets them up.
class BufferStash {
public:
	explicit BufferStash(unsigned wanted) : wanted_(wanted) {}
	BufferStash(const BufferStash &) = delete;
	BufferStash &operator=(const BufferStash &) = delete;
	~BufferStash()
	{
		if (unlikely(next_ < count_))
			give_back();
	}

	// nullptr when the pool is empty.
	rte_mbuf *take(rte_mempool *pool)
	{
		if (likely(pool == pool_ && next_ < count_))
			return bufs_[next_++];
		return refill(pool);
	}

private:
	__rte_noinline rte_mbuf *refill(rte_mempool *pool)
	{
		if (pool_ == nullptr && wanted_ > 1 &&
		    rte_mempool_get_bulk(pool, reinterpret_cast<void **>(bufs_), wanted_) == 0) {
			pool_ = pool;
			count_ = wanted_;
			next_ = 1;
			return bufs_[0];
		}
		// One at a time once the bulk get failed or was used up: an
		// almost empty pool still serves what it has.
		return rte_mbuf_raw_alloc(pool);
	}

	__rte_noinline void give_back()
	{
		rte_mempool_put_bulk(pool_, reinterpret_cast<void **>(bufs_ + next_), count_ - next_);
	}

	unsigned wanted_;
	rte_mempool *pool_ = nullptr;
	unsigned count_ = 0;
	unsigned next_ = 0;
	rte_mbuf *bufs_[max_outputs];
};

// References to a received mbuf for its clones: the first clone takes as
// many as the packet may need in one rte_mbuf_refcnt_update (a plain store
// while the worker is the mbuf's only owner) instead of one atomic
// increment per clone. release() returns the unused ones; it must run
// before the mbuf itself is sent or freed, or a count too high would keep
// it from ever going back to its pool.
class PayloadRefs {
public:
	PayloadRefs(rte_mbuf *m, unsigned wanted) : m_(m), wanted_(wanted) {}
	PayloadRefs(const PayloadRefs &) = delete;
	PayloadRefs &operator=(const PayloadRefs &) = delete;

	void take()
	{
		if (unlikely(left_ == 0))
			reserve();
		left_--;
	}

	void release()
	{
		if (unlikely(left_ != 0)) {
			rte_mbuf_refcnt_update(m_, static_cast<int16_t>(-static_cast<int>(left_)));
			left_ = 0;
		}
	}

private:
	__rte_noinline void reserve()
	{
		left_ = wanted_ != 0 ? wanted_ : 1;
		wanted_ = 0;
		rte_mbuf_refcnt_update(m_, static_cast<int16_t>(left_));
	}

	rte_mbuf *m_;
	unsigned wanted_; // at most max_outputs
	unsigned left_ = 0;
};

// Sets up a raw mbuf as one segment of `data_len` bytes, `pkt_len` in the
// whole chain. A free mbuf already has refcnt 1, one segment and no next
// (the pool's invariant, see rte_mbuf_raw_alloc), so only what a frame
// without offloads needs is written, not all rte_pktmbuf_reset clears: it
// also writes the mbuf's second cache line.
inline void init_raw_mbuf(rte_mbuf *b, uint16_t data_len, uint32_t pkt_len)
{
	b->data_off = RTE_PKTMBUF_HEADROOM;
	b->port = RTE_MBUF_PORT_INVALID;
	b->ol_flags = 0;
	b->packet_type = 0;
	b->pkt_len = pkt_len;
	b->data_len = data_len;
	b->vlan_tci = 0;
}

// rte_pktmbuf_attach for a raw mbuf from the clone pool, showing `len`
// bytes of the direct mbuf m from `offset` on, without the reference
// (PayloadRefs took it) and without the metadata a tail segment does not
// need. Freeing the clone detaches it as usual.
inline void attach_payload(rte_mbuf *clone, const rte_mbuf *m, uint32_t offset, uint16_t len)
{
	clone->buf_addr = m->buf_addr;
	rte_mbuf_iova_set(clone, rte_mbuf_iova_get(m));
	clone->buf_len = m->buf_len;
	clone->priv_size = m->priv_size;
	clone->ol_flags = RTE_MBUF_F_INDIRECT;
	clone->data_off = static_cast<uint16_t>(m->data_off + offset);
	clone->data_len = len;
	clone->pkt_len = len;
}

} // namespace mcr::engine
