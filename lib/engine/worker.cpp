#include "engine/worker.h"

#include <sys/prctl.h>

#include <algorithm>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "common/log.h"
#include "engine/fan_out_buffers.h"
#include "engine/fragment_out.h"
#include "engine/reassembly.h"
#include "packet/parse.h"
#include "packet/parse_ipv6.h"
#include "packet/rewrite.h"
#include "packet/rewrite_general.h"
#include "packet/sequence_field.h"
#include "packet/udp_checksum.h"
#include "packet/udp_checksum_ipv6.h"

namespace mcr::engine {

using packet::DropReason;
using packet::ParsedPacket;

namespace {

// Times the PMD may refuse part of a burst before the rest is dropped: a
// full ring usually drains within a retry or two, but a worker never waits.
constexpr int tx_retries = 2;

// Empty TX calls after a port last sent: on veth the peer's NAPI completes
// frames some tens of microseconds after the send, so the first empty call
// may come too early; three drain ticks (300 us by default) are plenty.
constexpr uint8_t idle_tx_reclaims = 3;

// Bursts a worker takes from its hand-off ring per poll round, at most.
constexpr unsigned handoff_bursts_per_poll = 4;

// Empty poll rounds before an idle worker first sleeps: a gap between two
// bursts of a busy flow is not idleness.
constexpr unsigned idle_rounds_before_sleep = 16;

// port_index: the ingress port, or for an output's drop its egress port.
inline void count_drop(Worker &w, uint16_t port_index, DropReason reason)
{
	w.drops[port_index].reasons[static_cast<size_t>(reason)].add(1);
}

void flush_port(Worker &w, uint16_t port_index)
{
	TxBuffer &b = w.tx[port_index];
	if (b.count == 0)
		return;
	const uint16_t port_id = w.engine->ethdev(port_index);
	uint16_t sent = 0;
	// A closed port (its interface went away) sends nothing: all refused.
	if (likely(port_id != Engine::ethdev_closed))
		for (int attempt = 0; attempt <= tx_retries && sent < b.count; attempt++)
			sent += rte_eth_tx_burst(port_id, w.tx_queue, b.pkts + sent, b.count - sent);

	PortCounters &pc = w.ports[port_index];
	uint64_t bytes = b.bytes;
	if (unlikely(sent < b.count)) {
		// Outputs counted these when they were queued: take them back.
		const uint16_t refused = b.count - sent;
		for (uint16_t i = sent; i < b.count; i++) {
			const uint32_t len = b.pkts[i]->pkt_len;
			b.owners[i]->packets.sub(1);
			b.owners[i]->bytes.sub(len);
			b.owners[i]->drop(DropReason::tx_full).add(1);
			bytes -= len;
		}
		pc.tx_dropped.add(refused);
		const DropReason why =
			port_id == Engine::ethdev_closed ? DropReason::port_down : DropReason::tx_full;
		w.drops[port_index].reasons[static_cast<size_t>(why)].add(refused);
		rte_pktmbuf_free_bulk(b.pkts + sent, refused);
	}
	pc.tx_packets.add(sent);
	pc.tx_bytes.add(bytes);
	if (w.engine->ports()[port_index].reclaims_in_tx_call && sent > 0) {
		w.tx_reclaims_owed += w.tx_reclaims[port_index] == 0;
		w.tx_reclaims[port_index] = idle_tx_reclaims;
	}
	w.tx_pending -= b.count;
	b.count = 0;
	b.bytes = 0;
}

// Counts the packet on its output now, while that output's counters are
// in cache, rather than in a second pass after the PMD took the burst;
// flush_port takes back what the PMD refuses.
inline void enqueue(Worker &w, uint16_t port_index, rte_mbuf *m, OutputCounters *owner)
{
	TxBuffer &b = w.tx[port_index];
	const uint32_t len = m->pkt_len;
	owner->packets.add(1);
	owner->bytes.add(len);
	b.pkts[b.count] = m;
	b.owners[b.count] = owner;
	b.bytes += len;
	b.count++;
	w.tx_pending++;
	if (b.count >= w.engine->params().burst || b.count == tx_buffer_capacity)
		flush_port(w, port_index);
}

// The last output reuses the received mbuf: new headers are written just
// in front of the payload, which does not move.
inline rte_mbuf *rewrite_in_place(rte_mbuf *m, const ParsedPacket &p,
				  const packet::RewriteInput &in, const CompiledOutput &out)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	if (likely(out.rewrite.simple && p.l3_offset == sizeof(rte_ether_hdr) &&
		   p.l4_offset == sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr))) {
		// The headers stay where they are: only what changes is written.
		packet::write_simple_in_place(in, out.rewrite, frame);
		m->data_len = static_cast<uint16_t>(p.l3_offset + p.ip_total_len); // no padding
		m->pkt_len = m->data_len;
		m->ol_flags = 0;
		return m;
	}
	const uint32_t payload_off = packet::payload_offset(p);
	if (unlikely(m->data_off + payload_off < out.header_len))
		return nullptr; // no headroom for a larger header: caller copies
	uint8_t *start = frame + payload_off - out.header_len;
	packet::write_output_headers(in, out.rewrite, start);
	m->data_off = static_cast<uint16_t>(m->data_off + payload_off - out.header_len);
	m->data_len = static_cast<uint16_t>(out.header_len + packet::payload_len(p));
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	return m;
}

// rewrite_in_place for a simple output (OutputRewrite::simple) of an
// untagged frame without IPv4 options, as most 1:1 relays see: only the
// changed fields are written (packet::rewrite_simple_in_place). False, with
// m untouched, when the frame or its UDP checksum (a partial sum to finish)
// needs the general path.
inline bool rewrite_simple_in_place(rte_mbuf *m, const ParsedPacket &p, const CompiledOutput &out)
{
	if (!out.rewrite.simple || p.l3_offset != sizeof(rte_ether_hdr) ||
	    p.l4_offset != sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr))
		return false;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const auto udp_field = packet::load<uint16_t>(frame + p.l4_offset + offsetof(rte_udp_hdr, dgram_cksum));
	if (unlikely(packet::udp_checksum_is_partial(frame, p, udp_field)))
		return false;
	packet::rewrite_simple_in_place(frame, p, out.rewrite, udp_field);
	m->data_len = static_cast<uint16_t>(p.l3_offset + p.ip_total_len); // no Ethernet padding
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	return true;
}

// The size class of a copy, found once per packet for untagged outputs and
// once for tagged ones (the only two header sizes).
class CopyClasses {
public:
	CopyClasses(const Pools &pools, uint32_t payload) : pools_(pools), payload_(payload) {}

	const SizeClass *get(const CompiledOutput &out)
	{
		const bool tagged = out.rewrite.vlan != 0;
		if (!known_[tagged]) {
			cls_[tagged] = pools_.smallest_fitting(out.header_len + payload_);
			known_[tagged] = true;
		}
		return cls_[tagged];
	}

private:
	const Pools &pools_;
	uint32_t payload_;
	bool known_[2] = {false, false};
	const SizeClass *cls_[2] = {nullptr, nullptr};
};

// One received packet being fanned out: what every output takes from it,
// and the buffers its outputs are built in.
struct FanOut {
	// outputs: how many of the rule's outputs (the first ones) get a copy
	// or a clone; chaining: how many of those go to ports that chain.
	FanOut(const Worker &w, rte_mbuf *m, const ParsedPacket &p, unsigned outputs,
	       unsigned chaining)
		: m(m), frame(rte_pktmbuf_mtod(m, const uint8_t *)),
		  in(packet::read_rewrite_input(frame, p)), payload_len(packet::payload_len(p)),
		  payload_offset(packet::payload_offset(p)),
		  all_copies(payload_len + packet::max_output_header_len <= w.engine->params().copy_threshold ||
			     m->nb_segs != 1),
		  classes(w.engine->pools(), payload_len),
		  // What the stashes ask for is what the packet most likely
		  // needs; a VLAN tag that tips an output over copy_threshold
		  // only makes one buffer come one at a time.
		  copies(all_copies ? outputs : outputs - chaining), headers(all_copies ? 0 : chaining),
		  payload(m, payload_offset, payload_len, chaining)
	{
	}

	rte_mbuf *const m;
	const uint8_t *const frame;
	const packet::RewriteInput in;
	const uint32_t payload_len;
	const uint32_t payload_offset;
	const bool all_copies; // every output a copy: a small packet, or a chained m
	CopyClasses classes;
	BufferStash copies;
	BufferStash headers;
	SharedPayload payload;
};

__rte_always_inline rte_mbuf *copy_out(FanOut &f, const CompiledOutput &out)
{
	const SizeClass *sc = f.classes.get(out);
	if (unlikely(sc == nullptr))
		return nullptr;
	rte_mbuf *c = f.copies.take(sc->pool);
	if (unlikely(c == nullptr))
		return nullptr;
	const uint32_t size = out.header_len + f.payload_len;
	init_raw_mbuf(c, static_cast<uint16_t>(size), size);
	uint8_t *dst = rte_pktmbuf_mtod(c, uint8_t *);
	packet::write_output_headers(f.in, out.rewrite, dst);
	rte_memcpy(dst + out.header_len, f.frame + f.payload_offset, f.payload_len);
	return c;
}

// A header mbuf chained to an indirect clone of the payload, which all
// the packet's clone outputs share (SharedPayload). The clone sees only the
// payload: the received headers (rewritten in place for the last output)
// and the padding stay out of it.
__rte_always_inline rte_mbuf *clone_out(const Worker &w, FanOut &f, const CompiledOutput &out)
{
	rte_mbuf *h = f.headers.take(w.engine->header_pool());
	if (unlikely(h == nullptr))
		return nullptr;
	rte_mbuf *payload;
	if (likely(RTE_MBUF_DIRECT(f.m))) {
		payload = f.payload.take(w.engine->clone_pool());
	} else {
		// A PMD that hands over indirect or external-buffer mbufs:
		// DPDK's clone knows where their data lives.
		payload = rte_pktmbuf_clone(f.m, w.engine->clone_pool());
		if (payload != nullptr) {
			payload->data_off = static_cast<uint16_t>(payload->data_off + f.payload_offset);
			payload->data_len = static_cast<uint16_t>(f.payload_len);
			payload->pkt_len = f.payload_len;
		}
	}
	if (unlikely(payload == nullptr)) {
		rte_mbuf_raw_free(h);
		return nullptr;
	}
	init_raw_mbuf(h, out.header_len, out.header_len + f.payload_len);
	h->next = payload;
	h->nb_segs = 2;
	packet::write_output_headers(f.in, out.rewrite, rte_pktmbuf_mtod(h, uint8_t *));
	return h;
}

// A copy, or a clone behind a header mbuf, of the received packet for one
// output; nullptr when a pool is empty.
__rte_always_inline rte_mbuf *copy_or_clone(const Worker &w, FanOut &f, const CompiledOutput &out)
{
	// all_copies also covers a chained m: a clone would carry every
	// segment, but the datagram is all in the first (parse_frame read it
	// there), so it is copied.
	const bool copy = f.all_copies || !out.chains ||
			  f.payload_len + out.header_len <= w.engine->params().copy_threshold;
	return copy ? copy_out(f, out) : clone_out(w, f, out);
}

// The last output when m has no headroom for its header: rare, so not
// inlined a second time.
__rte_noinline rte_mbuf *copy_or_clone_last(const Worker &w, FanOut &f, const CompiledOutput &out)
{
	return copy_or_clone(w, f, out);
}

// Whether the output would send with TTL 0: it decrements (no `ttl:`) and
// the packet arrived with TTL <= 1.
inline bool expires(const CompiledOutput &out, bool ttl_expires)
{
	// The packet's flag first: usually false, and then no output is read.
	return ttl_expires && out.rewrite.ttl == 0;
}

inline void count_output_drop(Worker &w, const CompiledOutput &out, OutputCounters &oc,
			      DropReason reason)
{
	oc.drop(reason).add(1);
	count_drop(w, out.port_index, reason);
}

// One output of a datagram with DF clear that is larger than its port's
// MTU, as fragments of `copy`, the whole output frame (consumed).
void send_fragments(Worker &w, const CompiledOutput &out, OutputCounters &oc, rte_mbuf *copy)
{
	rte_mbuf *frags[max_fragments_out];
	const uint16_t l2_len = out.header_len - sizeof(rte_ipv4_hdr) - sizeof(rte_udp_hdr);
	const int n = fragment_output(*w.engine, copy, l2_len, out.mtu, out.chains, frags);
	if (n < 0) {
		count_output_drop(w, out, oc, n == -ENOMEM ? DropReason::no_buffer : DropReason::too_big);
		return;
	}
	w.counters.fragmented.add(1);
	w.counters.fragments_out.add(static_cast<uint64_t>(n));
	for (int i = 0; i < n; i++)
		enqueue(w, out.port_index, frags[i], &oc);
}

// The fan-out that takes outputs one by one, each a copy: for a datagram
// larger than some output's MTU (fragmented where it does not fit), and
// for a rule with an output that has no neighbour yet (min_mtu() 0 sends
// every datagram here). Rare, so kept out of fan_out.
__rte_noinline void fan_out_each_output(Worker &w, const CompiledRule &rule, rte_mbuf *m,
				      const ParsedPacket &p)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const packet::RewriteInput in = packet::read_rewrite_input(frame, p);
	const uint32_t payload_len = packet::payload_len(p);
	const uint8_t *payload = frame + packet::payload_offset(p);
	const uint32_t ip_len = sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + payload_len;
	const bool dont_fragment = in.fragment & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	OutputCounters *counters = &rule.output_counters(w.index, 0);
	for (unsigned o = 0; o < rule.output_count(); o++) {
		const CompiledOutput &out = rule.output(o);
		if (out.no_neighbour) {
			count_output_drop(w, out, counters[o], DropReason::no_neighbour);
			continue;
		}
		if (expires(out, p.ttl <= 1)) {
			count_output_drop(w, out, counters[o], DropReason::ttl_expired);
			continue;
		}
		if (ip_len > out.mtu && dont_fragment) {
			count_output_drop(w, out, counters[o], DropReason::too_big);
			continue;
		}
		const uint32_t size = out.header_len + payload_len;
		const SizeClass *sc = w.engine->pools().smallest_fitting(size);
		rte_mbuf *c = sc != nullptr ? rte_mbuf_raw_alloc(sc->pool) : nullptr;
		if (unlikely(c == nullptr)) {
			count_output_drop(w, out, counters[o], DropReason::no_buffer);
			continue;
		}
		init_raw_mbuf(c, static_cast<uint16_t>(size), size);
		uint8_t *dst = rte_pktmbuf_mtod(c, uint8_t *);
		packet::write_output_headers(in, out.rewrite, dst);
		rte_memcpy(dst + out.header_len, payload, payload_len);
		if (ip_len <= out.mtu)
			enqueue(w, out.port_index, c, &counters[o]);
		else
			send_fragments(w, out, counters[o], c);
	}
	rte_pktmbuf_free(m);
}

void fan_out(Worker &w, const CompiledRule &rule, rte_mbuf *m, const ParsedPacket &p)
{
	RuleCounters &rc = rule.counters(w.index);
	rc.packets.add(1);
	rc.bytes.add(m->pkt_len);
	if (unlikely(packet::payload_len(p) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) >
		     rule.min_mtu())) {
		fan_out_each_output(w, rule, m, p);
		return;
	}

	// The last output reuses m when it can; the others get copies or clones.
	const unsigned n = rule.output_count();
	const bool last_in_place = RTE_MBUF_DIRECT(m) && m->nb_segs == 1;
	const unsigned copies_end = n - last_in_place;
	const bool ttl_expires = p.ttl <= 1;
	OutputCounters *counters = &rule.output_counters(w.index, 0);
	if (copies_end == 0 && !expires(rule.output(0), ttl_expires)) {
		// 1:1, as in most unicast relays: nothing to copy, clone or share.
		const CompiledOutput &out = rule.output(0);
		if (likely(rewrite_simple_in_place(m, p, out))) {
			enqueue(w, out.port_index, m, &counters[0]);
			return;
		}
		const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
		if (likely(rewrite_in_place(m, p, packet::read_rewrite_input(frame, p), out) != nullptr)) {
			enqueue(w, out.port_index, m, &counters[0]);
			return;
		}
	}
	FanOut f(w, m, p, copies_end, rule.chaining_outputs(copies_end));

	for (unsigned o = 0; o < copies_end; o++) {
		const CompiledOutput &out = rule.output(o);
		if (expires(out, ttl_expires)) {
			count_output_drop(w, out, counters[o], DropReason::ttl_expired);
			continue;
		}
		rte_mbuf *tx = copy_or_clone(w, f, out);
		if (unlikely(tx == nullptr)) {
			count_output_drop(w, out, counters[o], DropReason::no_buffer);
			continue;
		}
		enqueue(w, out.port_index, tx, &counters[o]);
	}
	f.payload.release(); // before m can be sent or freed
	if (!last_in_place) {
		rte_pktmbuf_free(m);
		return;
	}

	const CompiledOutput &out = rule.output(n - 1);
	OutputCounters &oc = counters[n - 1];
	if (expires(out, ttl_expires)) {
		count_output_drop(w, out, oc, DropReason::ttl_expired);
		rte_pktmbuf_free(m);
		return;
	}
	rte_mbuf *tx = rewrite_in_place(m, p, f.in, out);
	if (unlikely(tx == nullptr)) {
		tx = copy_or_clone_last(w, f, out);
		f.payload.release();
		rte_pktmbuf_free(m); // a clone holds its own reference
	}
	if (unlikely(tx == nullptr)) {
		count_output_drop(w, out, oc, DropReason::no_buffer);
		return;
	}
	enqueue(w, out.port_index, tx, &oc);
}

// The fan-out of a general rule (CompiledRule::general): an IPv6 input or
// output, a change of family, a kept or mapped range destination. Each
// output is a copy, the last one the received mbuf with its new headers
// in front of the payload; an IPv4 datagram sent as IPv4 with DF clear is
// fragmented where it does not fit, anything else larger than the port's
// MTU is too big (IPv6 is never fragmented on its way).
__rte_noinline void fan_out_general(Worker &w, const CompiledRule &rule, rte_mbuf *m,
				    const ParsedPacket &p)
{
	RuleCounters &rc = rule.counters(w.index);
	rc.packets.add(1);
	rc.bytes.add(m->pkt_len);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const packet::GeneralInput in = packet::read_general_input(frame, p);
	const uint32_t payload_len = packet::payload_len(p);
	const uint32_t payload_offset = packet::payload_offset(p);
	const bool in_dont_fragment = in.ipv6 || (in.fragment & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG));
	const bool m_reusable = RTE_MBUF_DIRECT(m) && m->nb_segs == 1;
	OutputCounters *counters = &rule.output_counters(w.index, 0);
	const unsigned n = rule.output_count();
	for (unsigned o = 0; o < n; o++) {
		const CompiledOutput &out = rule.output(o);
		const packet::GeneralRewrite &g = rule.general_output(o);
		if (out.no_neighbour) {
			count_output_drop(w, out, counters[o], DropReason::no_neighbour);
			continue;
		}
		if (g.ttl == 0 && p.ttl <= 1) {
			count_output_drop(w, out, counters[o], DropReason::ttl_expired);
			continue;
		}
		const uint32_t ip_len = out.header_len - (g.vlan != 0 ? sizeof(rte_vlan_hdr) : 0) -
					sizeof(rte_ether_hdr) + payload_len;
		const bool fits = ip_len <= out.mtu;
		if (!fits && (g.ipv6 || in_dont_fragment)) {
			count_output_drop(w, out, counters[o], DropReason::too_big);
			continue;
		}
		if (o + 1 == n && m_reusable && fits && m->data_off + payload_offset >= out.header_len) {
			packet::write_general_headers(in, g, frame + payload_offset - out.header_len);
			m->data_off = static_cast<uint16_t>(m->data_off + payload_offset - out.header_len);
			m->data_len = static_cast<uint16_t>(out.header_len + payload_len);
			m->pkt_len = m->data_len;
			m->ol_flags = 0;
			enqueue(w, out.port_index, m, &counters[o]);
			return;
		}
		const uint32_t size = out.header_len + payload_len;
		const SizeClass *sc = w.engine->pools().smallest_fitting(size);
		rte_mbuf *c = sc != nullptr ? rte_mbuf_raw_alloc(sc->pool) : nullptr;
		if (unlikely(c == nullptr)) {
			count_output_drop(w, out, counters[o], DropReason::no_buffer);
			continue;
		}
		init_raw_mbuf(c, static_cast<uint16_t>(size), size);
		uint8_t *dst = rte_pktmbuf_mtod(c, uint8_t *);
		packet::write_general_headers(in, g, dst);
		rte_memcpy(dst + out.header_len, in.payload, payload_len);
		if (fits)
			enqueue(w, out.port_index, c, &counters[o]);
		else
			send_fragments(w, out, counters[o], c);
	}
	rte_pktmbuf_free(m);
}

// Whether a packet of a merged or monitored rule goes on to its outputs,
// on the stream's owner: a merge keeps the first copy of each number and
// drops the others; a monitor only counts. Consumes m when it says no.
__rte_noinline bool stream_admits(Worker &w, Stream &s, unsigned input, rte_mbuf *m,
				  const ParsedPacket &p, uint16_t port_index)
{
	// Within the UDP datagram, which may end before the IPv4 payload does:
	// a receiver's socket sees no number in the bytes past it.
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t udp_payload_len =
		rte_be_to_cpu_16(packet::load<uint16_t>(frame + p.l4_offset + offsetof(rte_udp_hdr, dgram_len))) -
		sizeof(rte_udp_hdr);
	const std::optional<uint64_t> number =
		packet::read_sequence(s.field(), frame + packet::payload_offset(p), udp_payload_len);
	DropReason why;
	if (!number) {
		s.no_sequence().add(1);
		if (!s.merges())
			return true;
		why = DropReason::no_sequence;
	} else {
		const SequenceVerdict verdict = s.window().offer(*number, input);
		if (verdict == SequenceVerdict::first || !s.merges())
			return true;
		why = verdict == SequenceVerdict::duplicate ? DropReason::duplicate : DropReason::late;
	}
	count_drop(w, port_index, why);
	rte_pktmbuf_free(m);
	return false;
}

// Packets of streams other workers own, collected over a chunk and sent
// to each owner in one burst. The owner parses and looks them up again:
// the rule may have been replaced meanwhile, and nothing the sender found
// is safe to hold outside its own grace period.
struct Handoffs {
	rte_mbuf *pkts[lookup_batch];
	uint16_t owner[lookup_batch];
	unsigned count = 0;

	void add(rte_mbuf *m, uint16_t to, uint16_t port_index)
	{
		m->hash.usr = port_index; // the owner keys it with its ingress port
		pkts[count] = m;
		owner[count++] = to;
	}
};

__rte_noinline void send_handoffs(Worker &w, Handoffs &h, uint16_t port_index)
{
	unsigned done = 0;
	while (done < h.count) {
		// The packets for the first owner not yet served, in order.
		const uint16_t to = h.owner[done];
		rte_mbuf *batch[lookup_batch];
		unsigned n = 0, rest = done;
		for (unsigned i = done; i < h.count; i++) {
			if (h.owner[i] == to)
				batch[n++] = h.pkts[i];
			else {
				h.pkts[rest] = h.pkts[i];
				h.owner[rest++] = h.owner[i];
			}
		}
		h.count = rest;
		const unsigned sent = rte_ring_mp_enqueue_burst(w.engine->handoff_ring(to),
								reinterpret_cast<void **>(batch), n, nullptr);
		if (unlikely(sent < n)) {
			w.drops[port_index].reasons[static_cast<size_t>(DropReason::handoff_full)].add(n - sent);
			rte_pktmbuf_free_bulk(batch + sent, n - sent);
		}
	}
}

// What a found rule does with one parsed packet: checks its UDP checksum
// where the port asks, hands a stream's packet to its owner, admits it to
// a merged or monitored stream, fans it out.
// ipv6: the packet is IPv6, so its rule is a general one (the IPv4 fan-out
// stays with one caller, inlined where IPv4 packets are handled).
template <bool ipv6>
__rte_always_inline void relay_found(Worker &w, RuleRef found, rte_mbuf *m, const ParsedPacket &p,
				     uint16_t port_index, bool verify_udp, Handoffs &handoffs)
{
	CompiledRule *rule = found.rule();
	if (unlikely(rule == nullptr)) {
		count_drop(w, port_index, DropReason::no_rule);
		rte_pktmbuf_free(m);
		return;
	}
	// Only datagrams a rule relays are checked: the rest is dropped anyway.
	if (verify_udp) {
		const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
		const bool ok = ipv6 ? packet::udp_checksum_ipv6_ok(frame, p) : packet::udp_checksum_ok(frame, p);
		if (unlikely(!ok)) {
			count_drop(w, port_index, DropReason::bad_udp_checksum);
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (unlikely(rule->stream() != nullptr)) {
		if (rule->stream_owner() != w.index) {
			handoffs.add(m, rule->stream_owner(), port_index);
			return;
		}
		if (!stream_admits(w, *rule->stream(), found.input(), m, p, port_index))
			return;
	}
	if (ipv6 || unlikely(rule->general()))
		fan_out_general(w, *rule, m, p);
	else
		fan_out(w, *rule, m, p);
}

// The IPv6 packets of a chunk, set aside by the parse loop and looked up
// in the IPv6 table after the IPv4 ones: the IPv4 loop stays as it was.
struct Ipv6Packets {
	ParsedPacket parsed[lookup_batch];
	RuleKey6 keys[lookup_batch];
	uint8_t which[lookup_batch];
	unsigned count = 0;
};

// The packets the exact tables missed, asked of the range stage. which[j]
// is packet j's index in pkts.
__rte_noinline void lookup_range_misses(const RuleTable &table, uint16_t port_index,
					rte_mbuf *const *pkts, const uint8_t *which,
					const ParsedPacket *parsed, unsigned n, RuleRef *found)
{
	RangeQuery queries[lookup_batch];
	unsigned slot[lookup_batch];
	unsigned misses = 0;
	for (unsigned j = 0; j < n; j++)
		if (found[j].rule() == nullptr) {
			queries[misses] = range_query(parsed[j], rte_pktmbuf_mtod(pkts[which[j]], const uint8_t *),
						      port_index);
			slot[misses++] = j;
		}
	if (misses == 0)
		return;
	RuleRef in_range[lookup_batch];
	table.lookup_ranges(queries, misses, in_range);
	for (unsigned k = 0; k < misses; k++)
		found[slot[k]] = in_range[k];
}

__rte_noinline void relay_ipv6(Worker &w, uint16_t port_index, rte_mbuf **pkts, Ipv6Packets &v6,
			       bool verify_udp, Handoffs &handoffs)
{
	RuleRef found[lookup_batch];
	const RuleTable &table = w.engine->rules();
	if (table.lookup_bulk6(v6.keys, v6.count, found) && table.has_ranges())
		lookup_range_misses(table, port_index, pkts, v6.which, v6.parsed, v6.count, found);
	for (unsigned j = 0; j < v6.count; j++)
		relay_found<true>(w, found[j], pkts[v6.which[j]], v6.parsed[j], port_index, verify_udp,
				  handoffs);
}

// An accepted IPv6 packet into v6, or dropped when its frame was not for
// us at layer 2.
__rte_noinline void set_aside_ipv6(Worker &w, uint16_t port_index, rte_mbuf *m, ParsedPacket &p,
				   unsigned i, Ipv6Packets &v6)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	if (unlikely(!packet::ipv6_l2_destination_ok(frame, p, w.engine->ports()[port_index].mac))) {
		count_drop(w, port_index, DropReason::mac_mismatch);
		rte_pktmbuf_free(m);
		return;
	}
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
		p.vlan = RTE_VLAN_TCI_ID(m->vlan_tci);
	RuleKey6 &k = v6.keys[v6.count];
	const uint8_t *ip = frame + p.l3_offset;
	std::memcpy(k.dst_ip, ip + 24, sizeof k.dst_ip);
	if (w.engine->rules().has_source_specific6(k.dst_ip))
		std::memcpy(k.src_ip, ip + 8, sizeof k.src_ip);
	else
		std::memset(k.src_ip, 0, sizeof k.src_ip);
	k.dst_port = p.dst_port;
	k.vlan = p.vlan;
	k.port_index = port_index;
	k.zero = 0;
	v6.parsed[v6.count] = p;
	v6.which[v6.count++] = static_cast<uint8_t>(i);
}

// Parses and looks up up to 64 packets (the bulk lookup's limit).
void handle_chunk(Worker &w, uint16_t port_index, rte_mbuf **pkts, unsigned n)
{
	ParsedPacket parsed[lookup_batch];
	RuleKey keys[lookup_batch];
	RuleRef found[lookup_batch];
	uint8_t which[lookup_batch];
	unsigned nkeys = 0;
	Ipv6Packets v6;
	const RuleTable &table = w.engine->rules();
	const rte_ether_addr &port_mac = w.engine->ports()[port_index].mac;
	const bool verify_udp = w.engine->ports()[port_index].verify_udp_checksum;
	bool held_fragments = false;

	for (unsigned i = 0; i < n; i++) {
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		rte_mbuf *m = pkts[i];
		ParsedPacket &p = parsed[nkeys];
		DropReason verdict =
			packet::parse_frame(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, p,
					    packet::ip_checksum_from_rx_flags(m->ol_flags));
		if (unlikely(verdict != DropReason::none)) {
			if (verdict == DropReason::fragment) {
				// The whole datagram, once its last fragment came,
				// takes the fragment's place; it has passed no check
				// yet.
				held_fragments = true;
				m = p.ip_version == 4 ? worker_reassemble(w, port_index, m)
						      : worker_reassemble6(w, port_index, m);
				if (m == nullptr)
					continue;
				pkts[i] = m;
				verdict = packet::parse_frame(rte_pktmbuf_mtod(m, const uint8_t *),
							      m->data_len, p);
			}
			if (verdict != DropReason::none) {
				count_drop(w, port_index, verdict);
				rte_pktmbuf_free(m);
				continue;
			}
		}
		if (unlikely(p.ip_version == 6)) {
			set_aside_ipv6(w, port_index, m, p, i, v6);
			continue;
		}
		if (unlikely(!packet::l2_destination_ok(rte_pktmbuf_mtod(m, const uint8_t *), p.dst_ip,
							port_mac))) {
			count_drop(w, port_index, DropReason::mac_mismatch);
			rte_pktmbuf_free(m);
			continue;
		}
		RuleKey &k = keys[nkeys];
		k.dst_ip = p.dst_ip;
		k.src_ip = table.has_source_specific(p.dst_ip) ? p.src_ip : 0;
		k.dst_port = p.dst_port;
		// af_packet hands over frames the kernel untagged, with the tag
		// in the mbuf instead.
		if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
			p.vlan = RTE_VLAN_TCI_ID(m->vlan_tci);
		k.vlan = p.vlan;
		k.port_index = port_index;
		k.zero = 0;
		which[nkeys++] = static_cast<uint8_t>(i);
	}
	if (unlikely(held_fragments) && w.fragments.death_row().cnt != 0)
		rte_ip_frag_free_death_row(&w.fragments.death_row(), 0);
	Handoffs handoffs;
	if (nkeys != 0) {
		const bool misses = table.lookup_bulk(keys, nkeys, found);
		if (unlikely(misses) && table.has_ranges())
			lookup_range_misses(table, port_index, pkts, which, parsed, nkeys, found);
		for (unsigned j = 0; j < nkeys; j++)
			relay_found<false>(w, found[j], pkts[which[j]], parsed[j], port_index, verify_udp,
					   handoffs);
	}
	if (unlikely(v6.count != 0))
		relay_ipv6(w, port_index, pkts, v6, verify_udp, handoffs);
	if (unlikely(handoffs.count != 0))
		send_handoffs(w, handoffs, port_index);
}

// What other workers handed over (Handoffs): runs of one ingress port,
// handled as if received here.
__rte_noinline void handle_handed_over(Worker &w, rte_mbuf **pkts, unsigned n)
{
	unsigned start = 0;
	while (start < n) {
		const auto port_index = static_cast<uint16_t>(pkts[start]->hash.usr);
		unsigned end = start + 1;
		while (end < n && end - start < lookup_batch && pkts[end]->hash.usr == port_index)
			end++;
		handle_chunk(w, port_index, pkts + start, end - start);
		start = end;
	}
}

} // namespace

void worker_handle_burst(Worker &w, uint16_t port_index, rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	PortCounters &pc = w.ports[port_index];
	pc.rx_packets.add(n);
	pc.rx_bytes.add(bytes);
	for (uint16_t off = 0; off < n; off += lookup_batch)
		handle_chunk(w, port_index, pkts + off,
			     std::min<unsigned>(lookup_batch, n - off));
}

void worker_flush(Worker &w)
{
	if (w.tx_pending == 0)
		return;
	for (uint16_t p = 0; p < w.engine->ports().size(); p++)
		flush_port(w, p);
}

void worker_reclaim_tx(Worker &w)
{
	if (w.tx_reclaims_owed == 0)
		return;
	for (uint16_t p = 0; p < w.engine->ports().size(); p++) {
		if (w.tx_reclaims[p] == 0)
			continue;
		const uint16_t port_id = w.engine->ethdev(p);
		if (port_id != Engine::ethdev_closed)
			rte_eth_tx_burst(port_id, w.tx_queue, nullptr, 0);
		if (--w.tx_reclaims[p] == 0)
			w.tx_reclaims_owed--;
	}
}

unsigned worker_poll(Worker &w)
{
	rte_mbuf *pkts[max_burst];
	unsigned received = 0;
	const uint16_t burst = w.engine->params().burst;
	for (const RxQueue &q : w.rx) {
		const uint16_t port_id = w.engine->ethdev(q.port_index);
		if (unlikely(port_id == Engine::ethdev_closed))
			continue;
		const uint16_t n = rte_eth_rx_burst(port_id, q.queue_id, pkts, burst);
		w.counters.polls.add(1);
		if (n == 0)
			continue;
		w.counters.busy_polls.add(1);
		received += n;
		worker_handle_burst(w, q.port_index, pkts, n);
	}
	// Several workers may hand over a burst each per round: taking a few
	// bursts a round keeps the ring from filling behind them.
	rte_ring *handed = w.engine->handoff_ring(w.index);
	for (unsigned round = 0; handed != nullptr && round < handoff_bursts_per_poll; round++) {
		const unsigned n = rte_ring_sc_dequeue_burst(handed, reinterpret_cast<void **>(pkts),
							     burst, nullptr);
		if (n == 0)
			break;
		received += n;
		handle_handed_over(w, pkts, n);
	}
	return received;
}

namespace {

// The n-th consecutive idle round sleeps n - idle_rounds_before_sleep
// microseconds, at most max_us: a worker that keeps finding nothing backs
// off, one that finds traffic again polls flat out at once.
void idle_sleep(Worker &w, unsigned idle_rounds, unsigned max_us)
{
	const unsigned us = std::min(idle_rounds - idle_rounds_before_sleep, max_us);
	w.counters.idle_sleeps.add(1);
	rte_delay_us_sleep(us);
}

} // namespace

int worker_main(void *arg)
{
	Worker &w = *static_cast<Worker *>(arg);
	rte_rcu_qsbr *qsbr = w.engine->rules().qsbr();
	rte_rcu_qsbr_thread_register(qsbr, w.index);
	rte_rcu_qsbr_thread_online(qsbr, w.index);

	const uint64_t drain_tsc = rte_get_tsc_hz() * w.engine->params().tx_drain_us / 1000000;
	uint64_t last_flush = rte_rdtsc();
	uint64_t last_reclaim = last_flush;
	uint64_t last_expiry = last_flush;
	const unsigned idle_sleep_us = w.engine->params().idle_sleep_us;
	unsigned idle_rounds = 0;
	// Sleeps of a few microseconds mean nothing with the default 50 us of
	// timer slack.
	if (idle_sleep_us != 0)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	MCR_LOG(worker, INFO, "worker %u on lcore %u: %zu RX queue(s)", w.index, w.lcore, w.rx.size());
	while (w.running->load(std::memory_order_relaxed)) {
		const unsigned received = worker_poll(w);
		// Idle: nothing more to batch with, so send now; busy: at least
		// every tx_drain_us.
		const uint64_t now = rte_rdtsc();
		if (received == 0 || now - last_flush >= drain_tsc) {
			worker_flush(w);
			last_flush = now;
		}
		if (now - last_expiry >= drain_tsc) {
			worker_expire_fragments(w, now);
			last_expiry = now;
		}
		if (received == 0 && now - last_reclaim >= drain_tsc) {
			worker_reclaim_tx(w);
			last_reclaim = now;
		}
		// Buffered packets point at their rule's counters: only with
		// empty buffers may the rule table retire a rule.
		if (w.tx_pending == 0)
			rte_rcu_qsbr_quiescent(qsbr, w.index);
		if (received != 0 || w.tx_pending != 0)
			idle_rounds = 0;
		else if (idle_rounds < idle_rounds_before_sleep + idle_sleep_us)
			idle_rounds++; // capped: the sleep no longer grows
		if (idle_sleep_us != 0 && idle_rounds > idle_rounds_before_sleep)
			idle_sleep(w, idle_rounds, idle_sleep_us); // quiescent already
	}
	worker_flush(w);
	rte_rcu_qsbr_thread_offline(qsbr, w.index);
	rte_rcu_qsbr_thread_unregister(qsbr, w.index);
	MCR_LOG(worker, INFO, "worker %u on lcore %u stopped", w.index, w.lcore);
	return 0;
}

} // namespace mcr::engine
