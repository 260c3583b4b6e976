// mcr-gen: UDP to one or many flows at a fixed rate or flat out, through
// kernel sockets or a DPDK port, with mcr-gen's header in every payload
// for mcr-sink to account. See doc/traffic-tools.md.

#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "dpdk_sender.h"
#include "gen_options.h"
#include "gen_report.h"
#include "kernel_sender.h"
#include "traffic/clock.h"
#include "traffic/dpdk_port.h"
#include "traffic/tool_options.h"
#include "traffic/rate_pacer.h"
#include "traffic/stop_signal.h"

namespace {

using namespace mcr::gen;
using namespace mcr::traffic;

GenResult run(const GenOptions &opt, Sender &sender)
{
	GenResult r;
	r.counts.resize(opt.flows.size());
	const uint64_t limit = opt.count_per_flow ? opt.count_per_flow : SeqEmitter::unlimited;
	FlowSchedule schedule(static_cast<uint32_t>(opt.flows.size()), opt.pattern, limit);
	RatePacer pacer(opt.rate_pps);
	std::vector<SendItem> items(opt.burst);

	const uint64_t start = monotonic_ns();
	const uint64_t end = opt.duration_s > 0 ? start + static_cast<uint64_t>(opt.duration_s * 1e9)
						: UINT64_MAX;
	pacer.start(start);
	uint64_t handed = 0; // packets given to the sender: what the pace counts
	uint64_t last = start; // end of the last send
	while (!stop_requested()) {
		const uint64_t now = monotonic_ns();
		if (now >= end)
			break;
		const uint64_t allowed = pacer.allowed(now, handed, opt.burst);
		if (allowed == 0) {
			wait_until(std::min(pacer.due_ns(handed), end));
			continue;
		}
		const uint32_t n = schedule.fill(items.data(), static_cast<uint32_t>(allowed));
		if (n == 0)
			break;
		sender.send(items.data(), n, monotonic_ns(), r.counts.data());
		handed += n;
		last = monotonic_ns();
	}
	r.stopped_by_signal = stop_requested();
	// A paced run lasts until the slot after its last packet: n packets
	// take n periods, so a run that kept up reports exactly its rate.
	const uint64_t run_end = pacer.unlimited() ? last : std::max(last, pacer.due_ns(handed));
	r.elapsed_s = static_cast<double>(run_end - start) / 1e9;
	for (uint32_t f = 0; f < opt.flows.size(); f++)
		r.seqs.push_back(schedule.seqs_consumed(f));
	return r;
}

// path: "" nothing, "-" standard output, else a file.
template <typename Print>
void write_to(const std::string &path, Print print)
{
	if (path.empty())
		return;
	if (path == "-") {
		print(stdout);
		return;
	}
	FILE *f = std::fopen(path.c_str(), "w");
	if (f == nullptr) {
		std::perror(("mcr-gen: " + path).c_str());
		return;
	}
	print(f);
	std::fclose(f);
}

void report(const GenOptions &opt, const Sender &sender, const GenResult &r)
{
	const bool json_stdout = opt.json_path == "-" || opt.omitted_path == "-";
	if (!opt.quiet)
		print_gen_table(json_stdout ? stderr : stdout, opt, sender, r);
	write_to(opt.json_path, [&](FILE *f) { print_gen_json(f, opt, sender, r); });
	write_to(opt.omitted_path, [&](FILE *f) { print_gen_omitted(f, opt, r); });
	std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
	SplitArgs args = split_eal_args(argc, argv);
	GenOptions opt;
	if (const int status = parse_tool_options("mcr-gen", gen_usage, args, parse_gen_options, &opt);
	    status >= 0)
		return status;
	std::string error;
	if (const int status = start_eal_for_port("mcr-gen", args, opt.port.has_value()); status != 0)
		return status;
	// The pacer's sleeps end within a few microseconds, not the default 50.
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	install_stop_handlers();

	int status = 0;
	{
		std::unique_ptr<Sender> sender;
		int rc;
		if (opt.port) {
			auto s = std::make_unique<DpdkSender>();
			rc = s->open(opt, &error);
			sender = std::move(s);
		} else {
			auto s = std::make_unique<KernelSender>();
			rc = s->open(opt, &error);
			sender = std::move(s);
		}
		if (rc < 0) {
			std::fprintf(stderr, "mcr-gen: %s\n", error.c_str());
			status = 1;
		} else {
			report(opt, *sender, run(opt, *sender));
		}
	}
	stop_eal_for_port(args, opt.port.has_value());
	return status;
}
