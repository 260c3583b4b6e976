#include "engine/reassembly.h"

#include <netinet/in.h>

#include <cstring>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <fmt/format.h>

#include "engine/fan_out_buffers.h"
#include "engine/worker.h"
#include "packet/parse.h"

namespace mcr::engine {

using packet::DropReason;

namespace {

// Entries per bucket: the table's associativity (a power of two).
constexpr uint32_t bucket_entries = 8;

// Room a reassemble call may need on the death row: a stale entry's
// fragments, an invalid entry's, and the new fragment.
constexpr uint32_t death_row_reserve = 2 * (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1);

inline void count_drop(Worker &w, uint16_t port_index, DropReason reason, uint64_t n = 1)
{
	w.drops[port_index].reasons[static_cast<size_t>(reason)].add(n);
}

// The engine's index of the port a fragment arrived on (the PMD's
// mbuf->port); a fragment that names none counts on the first port.
uint16_t ingress_index(const Worker &w, const rte_mbuf *m)
{
	const auto &ports = w.engine->ports();
	for (uint16_t i = 0; i < ports.size(); i++)
		if (ports[i].port_id == m->port)
			return i;
	return 0;
}

// Counts the fragments the death row gained since `from` against the port
// each arrived on: an entry given up on may hold fragments already
// chained together, and may be another port's than the one being handled.
void count_dead_fragments(Worker &w, const rte_ip_frag_death_row &dr, uint32_t from,
			  DropReason reason)
{
	for (uint32_t i = from; i < dr.cnt; i++)
		count_drop(w, ingress_index(w, dr.row[i]), reason, dr.row[i]->nb_segs);
}

// The reassembled chain as one mbuf of the smallest class that holds it,
// with the IPv4 checksum the library zeroed recomputed (IPv6 has none);
// nullptr when no class is large enough or the pool is empty. Frees the
// chain.
rte_mbuf *linearise(Worker &w, rte_mbuf *chain, bool ipv6)
{
	const uint32_t len = chain->pkt_len;
	const SizeClass *sc = w.engine->pools().smallest_fitting(len);
	rte_mbuf *m = sc != nullptr ? rte_mbuf_raw_alloc(sc->pool) : nullptr;
	if (m == nullptr) {
		rte_pktmbuf_free(chain);
		return nullptr;
	}
	init_raw_mbuf(m, static_cast<uint16_t>(len), len);
	m->port = chain->port;
	m->ol_flags = chain->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = chain->vlan_tci;
	uint8_t *dst = rte_pktmbuf_mtod(m, uint8_t *);
	for (const rte_mbuf *s = chain; s != nullptr; s = s->next) {
		rte_memcpy(dst, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		dst += s->data_len;
	}
	if (!ipv6) {
		auto *ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr *, chain->l2_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	rte_pktmbuf_free(chain);
	return m;
}

// The header length before the IP header: Ethernet, and the one 802.1Q
// tag the parser accepts.
uint16_t l2_length(const uint8_t *frame)
{
	return packet::detail::load_be16(frame + offsetof(rte_ether_hdr, ether_type)) ==
			       RTE_ETHER_TYPE_VLAN
		       ? sizeof(rte_ether_hdr) + sizeof(rte_vlan_hdr)
		       : sizeof(rte_ether_hdr);
}

// Hands a checked fragment to the library; the whole datagram, linearised,
// once complete.
rte_mbuf *reassemble(Worker &w, uint16_t port_index, rte_mbuf *m, void *ip, rte_ipv6_fragment_ext *frag)
{
	rte_ip_frag_death_row &dr = w.fragments.death_row();
	if (dr.cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - death_row_reserve)
		rte_ip_frag_free_death_row(&dr, 0);
	const uint32_t before = dr.cnt;
	rte_mbuf *whole =
		frag != nullptr
			? rte_ipv6_frag_reassemble_packet(w.fragments.table(), &dr, m, rte_rdtsc(),
							  static_cast<rte_ipv6_hdr *>(ip), frag)
			: rte_ipv4_frag_reassemble_packet(w.fragments.table(), &dr, m, rte_rdtsc(),
							  static_cast<rte_ipv4_hdr *>(ip));
	if (dr.cnt != before)
		count_dead_fragments(w, dr, before, DropReason::reassembly_failed);
	if (whole == nullptr)
		return nullptr;
	rte_mbuf *linear = linearise(w, whole, frag != nullptr);
	if (linear == nullptr) {
		count_drop(w, port_index, DropReason::no_buffer);
		return nullptr;
	}
	w.counters.reassembled.add(1);
	return linear;
}

rte_mbuf *drop(Worker &w, uint16_t port_index, rte_mbuf *m, DropReason reason)
{
	count_drop(w, port_index, reason);
	rte_pktmbuf_free(m);
	return nullptr;
}

} // namespace

FragmentTable::~FragmentTable()
{
	destroy();
}

void FragmentTable::destroy()
{
	if (tbl_ == nullptr)
		return;
	rte_ip_frag_free_death_row(&dr_, 0);
	rte_ip_frag_table_destroy(tbl_); // frees the fragments it still holds
	tbl_ = nullptr;
}

int FragmentTable::create(const ReassemblyParams &params, int socket, std::string *error)
{
	const uint64_t cycles = (rte_get_tsc_hz() + 999) / 1000 * params.timeout_ms;
	const uint32_t buckets = (params.flows + bucket_entries - 1) / bucket_entries;
	tbl_ = rte_ip_frag_table_create(buckets, bucket_entries, params.flows, cycles, socket);
	if (tbl_ == nullptr) {
		*error = fmt::format("cannot create a reassembly table for {} datagrams: {}",
				     params.flows, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

rte_mbuf *worker_reassemble(Worker &w, uint16_t port_index, rte_mbuf *m)
{
	if (!w.fragments.enabled() || m->nb_segs != 1)
		return drop(w, port_index, m, DropReason::fragment);
	// parse_frame checked the Ethernet header, any 802.1Q tag, the IPv4
	// version, IHL and checksum before calling the frame a fragment.
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t l2 = l2_length(frame);
	auto *ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr *, l2);
	if (ip->next_proto_id != IPPROTO_UDP)
		return drop(w, port_index, m, DropReason::not_udp);
	if (!packet::l2_destination_ok(frame, ip->dst_addr, w.engine->ports()[port_index].mac))
		return drop(w, port_index, m, DropReason::mac_mismatch);
	// What the library takes on trust: the fragment lies within the frame,
	// carries data, ends within 64 KiB, and (unless last) in 8-byte units.
	const uint16_t ihl = rte_ipv4_hdr_len(ip);
	const uint32_t total = rte_be_to_cpu_16(ip->total_length);
	const uint16_t flags = rte_be_to_cpu_16(ip->fragment_offset);
	const uint32_t offset = static_cast<uint32_t>(flags & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	if (total > uint32_t{m->data_len} - l2 || total <= ihl || offset + total > UINT16_MAX ||
	    ((flags & RTE_IPV4_HDR_MF_FLAG) && (total - ihl) % RTE_IPV4_HDR_OFFSET_UNITS != 0))
		return drop(w, port_index, m, DropReason::bad_length);
	m->data_len = static_cast<uint16_t>(l2 + total); // Ethernet padding off
	m->pkt_len = m->data_len;
	m->l2_len = l2;
	m->l3_len = ihl;
	return reassemble(w, port_index, m, ip, nullptr);
}

rte_mbuf *worker_reassemble6(Worker &w, uint16_t port_index, rte_mbuf *m)
{
	if (!w.fragments.enabled() || m->nb_segs != 1)
		return drop(w, port_index, m, DropReason::fragment);
	// parse_ipv6_frame checked the Ethernet header, any 802.1Q tag and
	// the IPv6 version, and found a fragment header. The library removes
	// it by moving the IPv6 header over it, which is right only when it
	// comes first: a fragment behind other extension headers stays a
	// drop, as in parse_ipv6_frame.
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t l2 = l2_length(frame);
	constexpr uint32_t l3 = sizeof(rte_ipv6_hdr) + sizeof(rte_ipv6_fragment_ext);
	auto *ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr *, l2);
	if (ip->proto != IPPROTO_FRAGMENT)
		return drop(w, port_index, m, DropReason::fragment);
	if (uint32_t{m->data_len} < l2 + l3)
		return drop(w, port_index, m, DropReason::truncated);
	auto *frag = rte_pktmbuf_mtod_offset(m, rte_ipv6_fragment_ext *, l2 + sizeof(rte_ipv6_hdr));
	if (frag->next_header != IPPROTO_UDP)
		return drop(w, port_index, m, DropReason::not_udp);
	if (ip->dst_addr[0] == 0xff
		    ? !(frame[0] == 0x33 && frame[1] == 0x33 && std::memcmp(frame + 2, ip->dst_addr + 12, 4) == 0)
		    : std::memcmp(frame, w.engine->ports()[port_index].mac.addr_bytes, RTE_ETHER_ADDR_LEN) != 0)
		return drop(w, port_index, m, DropReason::mac_mismatch);
	const uint32_t payload = rte_be_to_cpu_16(ip->payload_len);
	const uint16_t frag_data = rte_be_to_cpu_16(frag->frag_data);
	const uint32_t offset = RTE_IPV6_GET_FO(frag_data) * 8u;
	const bool more = RTE_IPV6_GET_MF(frag_data);
	// The library's offset and length checks are what the IPv4 path
	// makes before it.
	if (payload > uint32_t{m->data_len} - l2 - sizeof(rte_ipv6_hdr) ||
	    payload <= sizeof(rte_ipv6_fragment_ext) || offset + payload > UINT16_MAX ||
	    (more && (payload - sizeof(rte_ipv6_fragment_ext)) % 8 != 0))
		return drop(w, port_index, m, DropReason::bad_length);
	m->data_len = static_cast<uint16_t>(l2 + sizeof(rte_ipv6_hdr) + payload);
	m->pkt_len = m->data_len;
	if (offset == 0 && !more) {
		// An atomic fragment (RFC 6946): the whole datagram already, to
		// be processed as one; it would wait in the table for fragments
		// that never come. The fragment header goes, the headers before
		// it moving up over it, as the library does when it reassembles.
		ip->proto = frag->next_header;
		ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(payload - sizeof(rte_ipv6_fragment_ext)));
		uint8_t *start = rte_pktmbuf_mtod(m, uint8_t *);
		std::memmove(start + sizeof(rte_ipv6_fragment_ext), start, l2 + sizeof(rte_ipv6_hdr));
		rte_pktmbuf_adj(m, sizeof(rte_ipv6_fragment_ext));
		return m;
	}
	m->l2_len = l2;
	m->l3_len = l3;
	return reassemble(w, port_index, m, ip, frag);
}

void worker_expire_fragments(Worker &w, uint64_t now_tsc)
{
	FragmentTable &ft = w.fragments;
	if (!ft.enabled())
		return;
	rte_ip_frag_death_row &dr = ft.death_row();
	rte_ip_frag_free_death_row(&dr, 0);
	rte_ip_frag_table_del_expired_entries(ft.table(), &dr, now_tsc);
	if (dr.cnt != 0) {
		count_dead_fragments(w, dr, 0, DropReason::reassembly_timeout);
		rte_ip_frag_free_death_row(&dr, 0);
	}
}

} // namespace mcr::engine
