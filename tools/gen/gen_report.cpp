#include "gen_report.h"

#include <fmt/format.h>

#include "traffic/address.h"

namespace mcr::gen {

using traffic::format_endpoint;

namespace {

struct Totals {
	uint64_t sent = 0;
	uint64_t failed = 0;
};

Totals totals(const GenResult &r)
{
	Totals t;
	for (const FlowSendCount &c : r.counts) {
		t.sent += c.sent;
		t.failed += c.failed;
	}
	return t;
}

double rate(uint64_t packets, double seconds)
{
	return seconds > 0 ? static_cast<double>(packets) / seconds : 0.0;
}

} // namespace

void print_gen_table(FILE *out, const GenOptions &opt, const Sender &sender, const GenResult &r)
{
	const Totals t = totals(r);
	const double pps = rate(t.sent, r.elapsed_s);
	fmt::print(out, "mcr-gen: {} packets in {:.3f} s: {:.0f} pps, {:.2f} Mbit/s of {}-byte frames ({}){}\n",
		   t.sent, r.elapsed_s, pps, pps * opt.frame_size * 8 / 1e6, opt.frame_size,
		   sender.backend(), r.stopped_by_signal ? ", stopped by signal" : "");
	fmt::print(out, "{:>10}  {:<21}  {:<21}  {:>12}  {:>12}  {:>8}\n", "flow", "destination",
		   "source", "sent", "seqs", "failed");
	for (uint32_t f = 0; f < r.counts.size(); f++) {
		const FlowSpec &flow = opt.flows[f];
		fmt::print(out, "{:>10}  {:<21}  {:<21}  {:>12}  {:>12}  {:>8}\n", opt.flow_id(f),
			   format_endpoint(flow.dst.addr, flow.dst.port), sender.source_of(f),
			   r.counts[f].sent, r.seqs[f], r.counts[f].failed);
	}
	if (t.failed > 0)
		fmt::print(out, "mcr-gen: {} packet(s) not sent: {}\n", t.failed,
			   sender.first_error().empty() ? "stopped" : sender.first_error());
}

void print_gen_json(FILE *out, const GenOptions &opt, const Sender &sender, const GenResult &r)
{
	const Totals t = totals(r);
	fmt::print(out,
		   "{{\"tool\": \"mcr-gen\", \"backend\": \"{}\", \"frame_size\": {}, \"elapsed_s\": {:.6f}, "
		   "\"sent\": {}, \"failed\": {}, \"rate_pps\": {:.1f}, \"stopped_by_signal\": {}, \"flows\": [",
		   sender.backend(), opt.frame_size, r.elapsed_s, t.sent, t.failed, rate(t.sent, r.elapsed_s),
		   r.stopped_by_signal);
	for (uint32_t f = 0; f < r.counts.size(); f++) {
		const FlowSpec &flow = opt.flows[f];
		fmt::print(out,
			   "{}{{\"flow_id\": {}, \"dst\": \"{}\", \"src\": \"{}\", \"sent\": {}, "
			   "\"seqs\": {}, \"failed\": {}}}",
			   f ? ", " : "", opt.flow_id(f), format_endpoint(flow.dst.addr, flow.dst.port),
			   sender.source_of(f), r.counts[f].sent, r.seqs[f], r.counts[f].failed);
	}
	fmt::print(out, "]}}\n");
}

} // namespace mcr::gen
