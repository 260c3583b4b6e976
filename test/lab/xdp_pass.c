// Another XDP program holding an interface: the lab uses it to show that
// `driver: auto` falls back to af_packet and `driver: af_xdp` refuses.
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
