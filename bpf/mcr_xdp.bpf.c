/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcr's XDP program: steers relay flows (UDP matching a rule in mcr_rules)
 * to mcr's port and leaves every other packet to the kernel, so ARP, IGMP,
 * ICMP and ssh keep working on the relay interfaces. Broken packets aimed at
 * a relay flow are dropped here, before they cost the kernel or mcr anything.
 * The verdict table is in doc/xdp.md.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "mcr_xdp_maps.bpf.h"
#include "mcr_xdp_parse.bpf.h"
#include "mcr_xdp_shared.h"
#include "mcr_xdp_verdict.bpf.h"

/* The bytes of a UDP header that hold the destination port. */
#define MCR_UDP_PORTS_LEN 4

SEC("xdp")
int mcr_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct mcr_cursor cursor = {
		.pos = (void *)(long)ctx->data,
		.end = data_end,
	};
	enum mcr_ipv4_shape shape;
	enum mcr_xdp_stat bad_stat;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 hdr_len = 0;
	__u32 flags;
	__be16 proto;
	__be32 dst;
	__u16 vlan;
	int aimed;

	if (parse_ethernet(&cursor, &proto, &vlan) < 0)
		return count(MCR_XDP_STAT_PASS_MALFORMED, XDP_PASS);
	if (proto != bpf_htons(ETH_P_IP))
		return count(MCR_XDP_STAT_PASS_NON_IP, XDP_PASS);

	ip = cursor.pos;
	if ((void *)(ip + 1) > data_end)
		return count(MCR_XDP_STAT_PASS_MALFORMED, XDP_PASS);
	if (ip->protocol != IPPROTO_UDP)
		return count(MCR_XDP_STAT_PASS_OTHER, XDP_PASS);

	flags = config_flags();
	dst = ip->daddr;
	shape = ipv4_shape(ip, data_end, &hdr_len);

	/* Only the destination address can be trusted: drop when some rule
	 * relays that address. */
	if (shape == MCR_IPV4_BAD) {
		if (group_known(dst))
			return count(MCR_XDP_STAT_DROP_MALFORMED, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}
	/*
	 * A later fragment carries no port, so fragments go where their
	 * destination does: to mcr, which reassembles them, when some rule
	 * relays that address, else to the kernel. A first fragment follows
	 * the same test, so all of a datagram ends up in one place; the host's
	 * own fragmented UDP to an address a rule relays is mcr's (doc/xdp.md).
	 */
	if (shape == MCR_IPV4_LATER_FRAGMENT) {
		if (group_known(dst))
			return relay(ctx, flags);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
	}

	bad_stat = shape == MCR_IPV4_FIRST_FRAGMENT ? MCR_XDP_STAT_DROP_FRAGMENT
						    : MCR_XDP_STAT_DROP_MALFORMED;
	udp = (void *)ip + hdr_len;
	if ((void *)udp + MCR_UDP_PORTS_LEN > data_end) {
		if (group_known(dst))
			return count(bad_stat, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}

	if (shape == MCR_IPV4_FIRST_FRAGMENT) {
		if (group_known(dst))
			return relay(ctx, flags);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
	}
	aimed = rule_matches(dst, udp->dest, vlan, ip->saddr);
	/* Whole datagram: the UDP header and length must fit the IP payload,
	 * which ipv4_shape() has checked against the frame. */
	if ((void *)(udp + 1) > data_end || bpf_ntohs(udp->len) < sizeof(*udp) ||
	    bpf_ntohs(udp->len) > bpf_ntohs(ip->tot_len) - hdr_len) {
		if (aimed)
			return count(bad_stat, XDP_DROP);
		return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_MALFORMED);
	}

	if (aimed)
		return relay(ctx, flags);
	return not_for_relay(flags, dst, MCR_XDP_STAT_PASS_OTHER);
}

/* Uses no GPL-only helper; the string only has to be one the kernel knows. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
