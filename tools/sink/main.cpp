// mcr-sink: receives mcr-gen's traffic on kernel sockets or a DPDK port
// and reports per flow what arrived, what was lost, duplicated or
// reordered, and the one-way latency. See doc/traffic-tools.md.

#include <cstdio>
#include <memory>
#include <string>

#include "dpdk_receiver.h"
#include "kernel_receiver.h"
#include "sink_options.h"
#include "sink_report.h"
#include "traffic/clock.h"
#include "traffic/dpdk_port.h"
#include "traffic/tool_options.h"
#include "traffic/stop_signal.h"

namespace {

using namespace mcr::sink;
using namespace mcr::traffic;

// Receives until a limit is reached; returns which one.
const char *receive(const SinkOptions &opt, Receiver &rx, FlowTable &table, double *elapsed_s)
{
	const uint64_t start = monotonic_ns();
	const uint64_t end =
		opt.duration_s > 0 ? start + static_cast<uint64_t>(opt.duration_s * 1e9) : UINT64_MAX;
	const auto idle_ns = static_cast<uint64_t>(opt.idle_s * 1e9);
	uint64_t last_rx = 0;
	const char *why = "signal";
	while (!stop_requested()) {
		const uint32_t n = rx.poll(table);
		const uint64_t now = monotonic_ns();
		if (n > 0)
			last_rx = now;
		if (opt.count && table.counters().accounted >= opt.count) {
			why = "count";
			break;
		}
		if (now >= end) {
			why = "duration";
			break;
		}
		if (idle_ns && last_rx && now - last_rx >= idle_ns) {
			why = "idle";
			break;
		}
	}
	*elapsed_s = static_cast<double>(monotonic_ns() - start) / 1e9;
	return why;
}

void report(const SinkOptions &opt, const FlowTable &table, const SinkRun &run)
{
	const bool json_stdout = opt.json_path == "-";
	if (!opt.quiet)
		print_sink_table(json_stdout ? stderr : stdout, table, run);
	if (json_stdout) {
		print_sink_json(stdout, table, run);
	} else if (!opt.json_path.empty()) {
		FILE *f = std::fopen(opt.json_path.c_str(), "w");
		if (f == nullptr) {
			std::perror(("mcr-sink: " + opt.json_path).c_str());
			return;
		}
		print_sink_json(f, table, run);
		std::fclose(f);
	}
	std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
	SplitArgs args = split_eal_args(argc, argv);
	SinkOptions opt;
	if (const int status = parse_tool_options("mcr-sink", sink_usage, args, parse_sink_options, &opt);
	    status >= 0)
		return status;
	std::string error;
	if (const int status = start_eal_for_port("mcr-sink", args, opt.port.has_value()); status != 0)
		return status;
	install_stop_handlers();

	int status = 0;
	{
		std::unique_ptr<Receiver> rx;
		int rc;
		if (opt.port) {
			auto r = std::make_unique<DpdkReceiver>();
			rc = r->open(opt, &error);
			rx = std::move(r);
		} else {
			auto r = std::make_unique<KernelReceiver>();
			rc = r->open(opt, &error);
			rx = std::move(r);
		}
		if (rc < 0) {
			std::fprintf(stderr, "mcr-sink: %s\n", error.c_str());
			status = 1;
		} else {
			std::fprintf(stderr, "mcr-sink: ready (%s)\n", rx->backend());
			std::fflush(stderr);
			FlowTable table(opt.max_flows);
			SinkRun run{rx->backend(), 0, nullptr, {}};
			run.stopped_by = receive(opt, *rx, table, &run.elapsed_s);
			run.receiver_counters = rx->counters();
			report(opt, table, run);
		}
	}
	stop_eal_for_port(args, opt.port.has_value());
	return status;
}
