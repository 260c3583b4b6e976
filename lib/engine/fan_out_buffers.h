// The buffers one fan-out takes: copies and header mbufs got from their
// pools in bulk, and the one clone of a large packet's payload that all its
// clone outputs share. Per received packet, so pool and reference-count
// work is paid once per packet rather than once per output.
#pragma once

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/compiled_rule.h"

namespace mcr::engine {

// Buffers of one pool for one fan-out: the first take gets as many as the
// packet may need in one bulk get (nothing before that, so a stash the
// packet turns out not to need costs nothing); later takes from the same
// pool are an array read. What is left (an output dropped for its TTL, or
// one that needed another pool) goes back in one put at the end. Buffers
// are raw, as rte_mbuf_raw_alloc returns them: init_raw_mbuf sets them up.
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

// The payload of a large packet as its clone outputs share it: one
// indirect clone of the received mbuf, made for the first such output and
// chained behind the header mbuf of every one, held by its reference
// count. Per output that leaves a header mbuf and, when the PMD frees the
// chain, one reference dropped; the clone is got, attached and detached
// once per packet. (examples/ipv4_multicast shares the received mbuf itself
// this way; sharing a clone of its payload leaves the received mbuf free to
// become the last output, rewritten in place.)
//
// The fan-out holds a reference of its own, so the clone cannot go back to
// its pool while outputs may still be chained to it; release() drops it
// and the ones taken for outputs that did not send.
class SharedPayload {
public:
	// users: how many outputs may chain the clone, at most max_outputs.
	SharedPayload(rte_mbuf *m, uint32_t offset, uint32_t len, unsigned users)
		: m_(m), offset_(offset), len_(static_cast<uint16_t>(len)), wanted_(users)
	{
	}
	SharedPayload(const SharedPayload &) = delete;
	SharedPayload &operator=(const SharedPayload &) = delete;

	// The clone, with one reference for the caller's chain, or nullptr
	// when the clone pool is empty. m must be direct.
	rte_mbuf *take(rte_mempool *clone_pool)
	{
		if (unlikely(clone_ == nullptr))
			return make(clone_pool);
		if (likely(left_ != 0))
			left_--;
		else
			rte_mbuf_refcnt_update(clone_, 1);
		return clone_;
	}

	// Must run before m itself is sent or freed: the clone's last
	// reference, wherever it is dropped, releases one of m's.
	void release()
	{
		if (clone_ == nullptr)
			return;
		if (left_ != 0)
			rte_mbuf_refcnt_update(clone_, static_cast<int16_t>(-static_cast<int>(left_)));
		rte_pktmbuf_free(clone_); // the fan-out's own reference
		clone_ = nullptr;
		left_ = 0;
		wanted_ = 1;
	}

private:
	rte_mbuf *make(rte_mempool *clone_pool); // out of line: once per packet

	rte_mbuf *m_;
	uint32_t offset_;
	uint16_t len_;
	unsigned wanted_;
	unsigned left_ = 0;
	rte_mbuf *clone_ = nullptr;
};

// Sets up a raw mbuf as one segment of `data_len` bytes, `pkt_len` in the
// whole chain. A free mbuf already has refcnt 1, one segment and no next
// (the pool's invariant, see rte_mbuf_raw_alloc), so only what a frame
// without offloads needs is written, not all rte_pktmbuf_reset clears: it
// also writes the mbuf's second cache line.
//
// Four stores rather than seven, as PMDs rearm RX descriptors: data_off,
// refcnt (1), nb_segs (1) and port are one 8-byte word, packet_type and
// pkt_len another, data_len and vlan_tci a 4-byte one.
inline void init_raw_mbuf(rte_mbuf *b, uint16_t data_len, uint32_t pkt_len)
{
	static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN);
	static_assert(offsetof(rte_mbuf, refcnt) == offsetof(rte_mbuf, data_off) + 2 &&
		      offsetof(rte_mbuf, nb_segs) == offsetof(rte_mbuf, data_off) + 4 &&
		      offsetof(rte_mbuf, port) == offsetof(rte_mbuf, data_off) + 6);
	static_assert(offsetof(rte_mbuf, pkt_len) == offsetof(rte_mbuf, packet_type) + 4 &&
		      offsetof(rte_mbuf, vlan_tci) == offsetof(rte_mbuf, data_len) + 2);
	const uint64_t rearm = uint64_t{RTE_PKTMBUF_HEADROOM} | uint64_t{1} << 16 | uint64_t{1} << 32 |
			       uint64_t{RTE_MBUF_PORT_INVALID} << 48;
	const uint64_t type_len = uint64_t{pkt_len} << 32; // packet_type 0
	const uint32_t len_tci = data_len;                  // vlan_tci 0
	std::memcpy(&b->data_off, &rearm, sizeof(rearm));
	b->ol_flags = 0;
	std::memcpy(&b->packet_type, &type_len, sizeof(type_len));
	std::memcpy(&b->data_len, &len_tci, sizeof(len_tci));
}

// rte_pktmbuf_attach for a raw mbuf from the clone pool, showing `len`
// bytes of the direct mbuf m from `offset` on, without the metadata a tail
// segment does not need. Freeing the clone detaches it as usual.
inline void attach_payload(rte_mbuf *clone, rte_mbuf *m, uint32_t offset, uint16_t len)
{
	rte_mbuf_refcnt_update(m, 1);
	clone->buf_addr = m->buf_addr;
	rte_mbuf_iova_set(clone, rte_mbuf_iova_get(m));
	clone->buf_len = m->buf_len;
	clone->priv_size = m->priv_size;
	clone->ol_flags = RTE_MBUF_F_INDIRECT;
	clone->data_off = static_cast<uint16_t>(m->data_off + offset);
	clone->data_len = len;
	clone->pkt_len = len;
}

__rte_noinline inline rte_mbuf *SharedPayload::make(rte_mempool *clone_pool)
{
	rte_mbuf *c = rte_mbuf_raw_alloc(clone_pool);
	if (unlikely(c == nullptr))
		return nullptr;
	attach_payload(c, m_, offset_, len_);
	// Exclusively ours until chained: a plain store. One for the fan-out,
	// one per output that may use it, this caller's included.
	const unsigned users = wanted_ != 0 ? wanted_ : 1;
	rte_mbuf_refcnt_set(c, static_cast<uint16_t>(1 + users));
	left_ = users - 1;
	clone_ = c;
	return c;
}

} // namespace mcr::engine
