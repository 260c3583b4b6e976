// Output datagrams larger than their egress port's MTU: split into IPv4
// fragments (DF clear) with DPDK's librte_ip_frag, each behind a copy of
// the output's Ethernet [+ 802.1Q] header. Off the fast path: only a
// datagram over some output's MTU comes here.
#pragma once

#include <cstdint>

struct rte_mbuf;

namespace mcr::engine {

class Engine;

// Most fragments one datagram is split into: 64 KiB at the smallest MTU
// mcr fragments for (576) needs 119, at 1280 it needs 53.
constexpr unsigned max_fragments_out = 128;

// Splits `frame`, one linear mbuf holding a whole output frame (l2_len
// bytes of Ethernet header, then an IPv4 datagram with DF clear), into
// fragments of at most `mtu` IPv4 bytes in out[]. Fragments are chained
// (header mbuf + indirect clone of frame) when the port takes chains,
// linear copies otherwise. Returns how many, or a negative errno (-ENOMEM:
// a pool ran dry; -EINVAL: more than max_fragments_out); frame is consumed
// either way.
int fragment_output(const Engine &engine, rte_mbuf *frame, uint16_t l2_len, uint16_t mtu,
		    bool chains, rte_mbuf **out);

} // namespace mcr::engine
