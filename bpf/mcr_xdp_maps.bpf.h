/* SPDX-License-Identifier: BSD-3-Clause */
/* The program's maps. Names and layouts are fixed by mcr_xdp_shared.h. */
#ifndef MCR_XDP_MAPS_BPF_H
#define MCR_XDP_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "mcr_xdp_shared.h"

/*
 * Sized with key_size/value_size rather than BTF types: the kernel rejects
 * BTF on XSKMAP, and the af_xdp PMD loads this object with plain libbpf.
 * The PMD fills it with one socket per RX queue.
 */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, MCR_XDP_MAX_QUEUES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xsks_map SEC(".maps");

/* Preallocated so that control-plane updates never allocate in the kernel
 * and lookups never see a half-built element. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MCR_XDP_MAX_RULES);
	__type(key, struct mcr_rule_key);
	__type(value, mcr_rule_flags);
} mcr_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MCR_XDP_MAX_GROUPS);
	__type(key, mcr_group_key);
	__type(value, mcr_group_refs);
} mcr_groups SEC(".maps");

/* The IPv6 twins of mcr_rules and mcr_groups. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MCR_XDP_MAX_RULES6);
	__type(key, struct mcr_rule6_key);
	__type(value, mcr_rule6_flags);
} mcr_rules6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MCR_XDP_MAX_GROUPS6);
	__type(key, mcr_group6_key);
	__type(value, mcr_group_refs);
} mcr_groups6 SEC(".maps");

/* Range rules, looked up after an exact miss (mcr_xdp_shared.h). LPM tries
 * must not be preallocated; an update swaps in a whole new node, so a
 * lookup sees the old value or the new one, never a mix. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MCR_XDP_MAX_RANGES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mcr_range_key);
	__type(value, struct mcr_range_value);
} mcr_ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MCR_XDP_MAX_RANGES6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mcr_range6_key);
	__type(value, struct mcr_range_value);
} mcr_ranges6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcr_xdp_config);
} mcr_config SEC(".maps");

/* Per CPU so that counting needs no atomic operation; readers sum. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MCR_XDP_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} mcr_stats SEC(".maps");

#endif /* MCR_XDP_MAPS_BPF_H */
