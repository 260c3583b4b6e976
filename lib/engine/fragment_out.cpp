#include "engine/fragment_out.h"

#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <cstring>

#include "engine/engine.h"
#include "packet/rewrite.h"

namespace mcr::engine {

int fragment_output(const Engine &engine, rte_mbuf *frame, uint16_t l2_len, uint16_t mtu,
		    bool chains, rte_mbuf **out)
{
	uint8_t l2[packet::max_output_header_len];
	std::memcpy(l2, rte_pktmbuf_mtod(frame, const uint8_t *), l2_len);
	rte_pktmbuf_adj(frame, l2_len);

	int n;
	if (chains) {
		n = rte_ipv4_fragment_packet(frame, out, max_fragments_out, mtu, engine.header_pool(),
					     engine.clone_pool());
	} else {
		// af_xdp in 22.11 sends one segment per frame: copies, in the
		// class that holds a full-size fragment and its header.
		const SizeClass *sc = engine.pools().smallest_fitting(uint32_t{mtu} + l2_len);
		n = sc == nullptr ? -ENOMEM
				  : rte_ipv4_fragment_copy_nonseg_packet(frame, out, max_fragments_out,
									 mtu, sc->pool);
	}
	rte_pktmbuf_free(frame); // chained fragments hold their own references
	if (n < 0)
		return n;

	for (int i = 0; i < n; i++) {
		rte_mbuf *f = out[i];
		auto *ip = rte_pktmbuf_mtod(f, rte_ipv4_hdr *);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		// Header mbufs and copies both start RTE_PKTMBUF_HEADROOM in.
		std::memcpy(rte_pktmbuf_prepend(f, l2_len), l2, l2_len);
		f->ol_flags = 0;
	}
	return n;
}

} // namespace mcr::engine
