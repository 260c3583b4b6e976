// mcr-bench's xdp-redirect system: every frame arriving on the relay's
// ingress veth goes out of one egress veth unchanged, inside the kernel's
// XDP path. No parsing, no copy, no TTL or checksum work: the fastest 1:1
// forwarding these veths allow, the ceiling mcr is compared with.
// Built at run time by mcr-bench: clang -DTARGET_IFINDEX=N -target bpf.
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#ifndef TARGET_IFINDEX
#error "build with -DTARGET_IFINDEX=<egress ifindex>"
#endif

SEC("xdp")
int xdp_redirect_all(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect(TARGET_IFINDEX, 0);
}

char _license[] SEC("license") = "GPL";
