/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header parsing for the XDP program. Every read is preceded by a bounds
 * check against data_end in a form the verifier can follow.
 */
#ifndef MCR_XDP_PARSE_BPF_H
#define MCR_XDP_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Kernel-internal in <net/ip.h>, so not in the UAPI headers. */
#define MCR_IP_MF 0x2000
#define MCR_IP_OFFSET 0x1fff

#define MCR_VLAN_VID_MASK 0x0fff

/* The 4 bytes an 802.1Q tag inserts before the inner ethertype. */
struct mcr_vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct mcr_cursor {
	void *pos;
	void *end;
};

/*
 * Ethernet and at most one 802.1Q tag. On success the cursor is at the L3
 * header; *vlan is the VID, 0 for untagged and priority-tagged frames.
 * Returns -1 when the frame ends inside these headers.
 */
static __always_inline int parse_ethernet(struct mcr_cursor *c, __be16 *proto,
					  __u16 *vlan)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	*proto = eth->h_proto;
	*vlan = 0;

	if (*proto == bpf_htons(ETH_P_8021Q)) {
		struct mcr_vlan_hdr *tag = c->pos;

		if ((void *)(tag + 1) > c->end)
			return -1;
		c->pos = tag + 1;
		*vlan = bpf_ntohs(tag->tci) & MCR_VLAN_VID_MASK;
		*proto = tag->encapsulated_proto;
	}
	return 0;
}

enum mcr_ipv4_shape {
	MCR_IPV4_WHOLE,          /* a complete, unfragmented datagram */
	MCR_IPV4_FIRST_FRAGMENT, /* MF set, offset 0: the L4 header is present */
	MCR_IPV4_LATER_FRAGMENT, /* offset > 0: only the IP header is usable */
	MCR_IPV4_BAD,            /* version, IHL or total length is wrong */
};

/*
 * Classifies an IPv4 header whose fixed 20 bytes the caller has already
 * bounds-checked. On anything but MCR_IPV4_BAD, *hdr_len is the header
 * length with options and the options are inside the frame; for a whole
 * datagram, total length fits the frame too (trailing Ethernet padding is
 * allowed).
 */
static __always_inline enum mcr_ipv4_shape
ipv4_shape(const struct iphdr *ip, const void *end, __u32 *hdr_len)
{
	__u32 len = ip->ihl * 4;
	__u32 total = bpf_ntohs(ip->tot_len);
	__u16 frag = bpf_ntohs(ip->frag_off);

	if (ip->version != 4 || len < sizeof(*ip))
		return MCR_IPV4_BAD;
	if ((const void *)ip + len > end)
		return MCR_IPV4_BAD;
	if (total < len || (const void *)ip + total > end)
		return MCR_IPV4_BAD;
	*hdr_len = len;
	if (frag & MCR_IP_OFFSET)
		return MCR_IPV4_LATER_FRAGMENT;
	if (frag & MCR_IP_MF)
		return MCR_IPV4_FIRST_FRAGMENT;
	return MCR_IPV4_WHOLE;
}

/* 224.0.0.0/4. */
static __always_inline int ipv4_is_multicast(__be32 addr)
{
	return (addr & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000);
}

/* Multicast beyond the link-local block 224.0.0.0/24 (IGMP, mDNS, OSPF...),
 * which the kernel must always see. */
static __always_inline int ipv4_is_routable_multicast(__be32 addr)
{
	return ipv4_is_multicast(addr) &&
	       (addr & bpf_htonl(0xffffff00)) != bpf_htonl(0xe0000000);
}

#endif /* MCR_XDP_PARSE_BPF_H */
