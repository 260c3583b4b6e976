/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 header parsing for the XDP program: the fixed header and the
 * extension header chain up to UDP, with the same bound and the same
 * notion of "bad" as mcr's own parser (lib/packet/parse_ipv6.h), so that
 * what the program lets through is what mcr accepts.
 */
#ifndef MCR_XDP_PARSE6_BPF_H
#define MCR_XDP_PARSE6_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* lib/packet/parse_ipv6.h ipv6_max_ext_headers: hop-by-hop, routing and
 * destination options headers skipped at most. */
#define MCR_IPV6_MAX_EXT_HEADERS 8

/* Fragment header flags and offset, host order (kernel-internal IP6_*). */
#define MCR_IP6_OFFSET 0xfff8
#define MCR_IP6_MF 0x0001

/* The first bytes shared by hop-by-hop, routing and destination options
 * headers (RFC 8200 4.3-4.6), each at least 8 bytes long. */
struct mcr_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen; /* in 8-byte units, not counting the first 8 */
	__u8 routing_type;
	__u8 segments_left; /* routing header only */
	__u8 rest[4];
};

struct mcr_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

enum mcr_ipv6_shape {
	MCR_IPV6_WHOLE,          /* UDP, not fragmented */
	MCR_IPV6_FIRST_FRAGMENT, /* fragment of UDP at offset 0: the UDP header is present */
	MCR_IPV6_LATER_FRAGMENT, /* fragment of UDP at offset > 0: no UDP header */
	MCR_IPV6_NOT_UDP,        /* ICMPv6 (ND, MLD), TCP, no next header...: the kernel's */
	MCR_IPV6_BAD,            /* maybe UDP, but the headers are wrong */
};

static __always_inline int ipv6_is_skipped_ext_header(__u8 next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS;
}

/* Not ip6->version: that bitfield's layout follows the compiler's idea of
 * the target's byte order. */
static __always_inline __u8 ipv6_version(const struct ipv6hdr *ip6)
{
	return *(const __u8 *)ip6 >> 4;
}

/*
 * Classifies an IPv6 datagram whose fixed 40 bytes the caller has already
 * bounds-checked. The upper-layer protocol is decided first, as IPv4's
 * protocol field is, so that ICMPv6 and other kernel traffic is never
 * judged malformed here. MCR_IPV6_BAD: the chain cannot be followed (the
 * frame ends inside it, or more than MCR_IPV6_MAX_EXT_HEADERS), or it leads
 * to UDP but the version is not 6, the payload length runs past the frame,
 * the headers run past the payload length, hop-by-hop is not first, or a
 * routing header has segments left (mcr's bad-ext-header). A fragment is
 * of UDP when its fragment header's next header is UDP.
 * On WHOLE and FIRST_FRAGMENT, *l4_off is the UDP header's offset from the
 * IPv6 header, at most the payload's end (it may be past the frame).
 */
static __always_inline enum mcr_ipv6_shape
ipv6_shape(const struct ipv6hdr *ip6, const void *end, __u32 *l4_off)
{
	const __u32 datagram_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	__u32 off = sizeof(*ip6);
	__u8 next = ip6->nexthdr;
	int bad = 0;
	int i;

#pragma unroll
	for (i = 0; i < MCR_IPV6_MAX_EXT_HEADERS; i++) {
		const struct mcr_ipv6_opt_hdr *opt = (const void *)ip6 + off;

		if (!ipv6_is_skipped_ext_header(next))
			break;
		if ((const void *)(opt + 1) > end)
			return MCR_IPV6_BAD;
		if (next == IPPROTO_HOPOPTS && i != 0)
			bad = 1;
		if (next == IPPROTO_ROUTING && opt->segments_left != 0)
			bad = 1;
		next = opt->nexthdr;
		off += (opt->hdrlen + 1) * 8;
	}
	if (ipv6_is_skipped_ext_header(next))
		return MCR_IPV6_BAD;

	if (next == IPPROTO_FRAGMENT) {
		const struct mcr_ipv6_frag_hdr *frag = (const void *)ip6 + off;
		__u16 frag_off;

		if ((const void *)(frag + 1) > end)
			return MCR_IPV6_BAD;
		if (frag->nexthdr != IPPROTO_UDP)
			return MCR_IPV6_NOT_UDP;
		off += sizeof(*frag);
		frag_off = bpf_ntohs(frag->frag_off);
		if ((ipv6_version(ip6) != 6) | bad | (off > datagram_len) ||
		    (const void *)ip6 + datagram_len > end)
			return MCR_IPV6_BAD;
		*l4_off = off;
		return (frag_off & MCR_IP6_OFFSET) ? MCR_IPV6_LATER_FRAGMENT
						   : MCR_IPV6_FIRST_FRAGMENT;
	}
	if (next != IPPROTO_UDP)
		return MCR_IPV6_NOT_UDP;
	if ((ipv6_version(ip6) != 6) | bad | (off > datagram_len) ||
	    (const void *)ip6 + datagram_len > end)
		return MCR_IPV6_BAD;
	*l4_off = off;
	return MCR_IPV6_WHOLE;
}

/* ff00::/8 beyond link-local scope (RFC 4291 2.7, RFC 7346): the scopes
 * 0 (reserved), interface-local and link-local (ND, MLD, mDNS on ff02::fb)
 * are the kernel's alone. */
static __always_inline int ipv6_is_routable_multicast(const struct in6_addr *addr)
{
	return addr->in6_u.u6_addr8[0] == 0xff && (addr->in6_u.u6_addr8[1] & 0x0f) > 2;
}

#endif /* MCR_XDP_PARSE6_BPF_H */
