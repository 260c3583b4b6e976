#include "xdp_harness.h"

#include <cerrno>
#include <linux/bpf.h>

#include <bpf/bpf.h>

#include "frame_builder.h"

namespace mcr::bpf::test {

XdpHarness &XdpHarness::get()
{
	static XdpHarness harness;
	return harness;
}

XdpHarness::XdpHarness()
{
	auto object = XdpObject::load();
	if (!object) {
		lacks_privilege_ = object.error().code == -EPERM;
		problem_ = object.error().message +
			   (lacks_privilege_ ? " (needs root or CAP_BPF+CAP_NET_ADMIN)" : "");
		return;
	}
	object_.emplace(std::move(object).value());

	auto maps = object_->maps();
	if (!maps) {
		problem_ = maps.error().message;
		return;
	}
	maps_.emplace(std::move(maps).value());
}

std::vector<mcr_rule_key> standard_rules()
{
	return {
		make_rule_key(ipv4("239.1.1.1"), 5000),                       // any source
		make_rule_key(ipv4("239.1.1.2"), 5000, 0, ipv4("198.18.0.7")), // source-specific only
		make_rule_key(ipv4("239.1.1.3"), 6000, 100),                   // on VLAN 100
		make_rule_key(ipv4("198.18.1.1"), 7000),                       // unicast to the host
		make_rule_key(ipv4("239.2.0.1"), 5000),                        // inside a range rule
	};
}

std::vector<mcr_rule6_key> standard_rules6()
{
	return {
		make_rule6_key(ipv6("ff3e::1"), 5000),                           // any source
		make_rule6_key(ipv6("ff3e::2"), 5000, 0, ipv6("2001:2::7")),     // source-specific only
		make_rule6_key(ipv6("ff3e::3"), 6000, 100),                      // on VLAN 100
		make_rule6_key(ipv6("2001:2::1:1"), 7000),                       // unicast to the host
		make_rule6_key(ipv6("ff3e::1:1"), 5000),                         // inside a range rule
	};
}

// {dst, dst_len, src, src_len, first_port, last_port, vlan}
std::vector<RangeRule> standard_ranges()
{
	return {
		{ipv4("239.2.0.0"), 16, 0, 0, 5000, 5099, 0},
		{ipv4("239.2.7.0"), 24, 0, 0, 6000, 6000, 0}, // inside the /16: 5000-5099 too
		{ipv4("239.4.4.4"), 32, 0, 0, 7000, 7001, 0},
		{0, 0, 0, 0, 0, 65535, 200},                    // everything on VLAN 200
		{ipv4("198.18.64.0"), 18, ipv4("198.18.0.0"), 24, 8000, 8999, 0}, // source prefix
		{ipv4("239.1.1.0"), 24, 0, 0, 6000, 6000, 100}, // holds the exact 239.1.1.3:6000
	};
}

std::vector<RangeRule6> standard_ranges6()
{
	return {
		{ipv6("ff3e::1:0"), 112, {}, 0, 5000, 5099, 0},
		{ipv6("ff3e::1:700"), 121, {}, 0, 6000, 6000, 0}, // inside the /112
		{ipv6("ff3e::4:4"), 128, {}, 0, 7000, 7001, 0},
		{{}, 0, {}, 0, 0, 65535, 200},
		{ipv6("2001:2:0:1::"), 64, ipv6("2001:2::"), 64, 8000, 8999, 0},
		{ipv6("ff3e::"), 120, {}, 0, 6000, 6000, 100}, // holds the exact ff3e::3:6000
	};
}

Status sync_standard_rules(const XdpMaps &maps)
{
	const auto rules = standard_rules();
	if (Status synced = sync_rules(maps, rules); !synced)
		return synced;
	const auto rules6 = standard_rules6();
	if (Status synced = sync_rules6(maps, rules6); !synced)
		return synced;
	const auto ranges = standard_ranges();
	if (Status synced = sync_ranges(maps, ranges); !synced)
		return synced;
	const auto ranges6 = standard_ranges6();
	return sync_ranges6(maps, ranges6);
}

Result<int> run_frame(int prog_fd, std::span<const uint8_t> frame, std::optional<Arrival> arrival)
{
	std::vector<uint8_t> input(frame.begin(), frame.end());
	bpf_test_run_opts opts{};
	opts.sz = sizeof(opts);
	opts.data_in = input.data();
	opts.data_size_in = static_cast<uint32_t>(input.size());
	opts.repeat = 1;
	// The kernel wants the context to describe the frame it is given.
	xdp_md ctx{};
	if (arrival) {
		ctx.data_end = opts.data_size_in;
		ctx.ingress_ifindex = static_cast<uint32_t>(arrival->ifindex);
		ctx.rx_queue_index = arrival->rx_queue;
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}

	if (int err = bpf_prog_test_run_opts(prog_fd, &opts); err)
		return make_error(err, "bpf_prog_test_run_opts(" + std::to_string(frame.size()) +
					       "-byte frame)");
	return static_cast<int>(opts.retval);
}

Result<Verdict> run_counted(const XdpHarness &harness, std::span<const uint8_t> frame,
			    std::optional<Arrival> arrival)
{
	auto before = read_xdp_stats(harness.maps());
	if (!before)
		return before.error();
	auto action = run_frame(harness.program_fd(), frame, arrival);
	if (!action)
		return action.error();
	auto after = read_xdp_stats(harness.maps());
	if (!after)
		return after.error();

	Verdict verdict;
	verdict.action = action.value();
	for (size_t i = 0; i < verdict.delta.size(); ++i)
		verdict.delta[i] = after.value()[i] - before.value()[i];
	return verdict;
}

} // namespace mcr::bpf::test
