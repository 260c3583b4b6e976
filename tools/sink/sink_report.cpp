#include "sink_report.h"

#include <memory>

#include <fmt/format.h>

#include "traffic/address.h"

namespace mcr::sink {

using namespace mcr::traffic;

namespace {

// Percentiles every report shows, with their JSON names.
constexpr std::pair<double, const char *> percentiles[] = {
	{50.0, "p50"}, {90.0, "p90"}, {99.0, "p99"}, {99.9, "p99.9"}};

// Sums of every flow, for the last row.
struct Total {
	uint64_t received = 0, distinct = 0, lost = 0, duplicated = 0, reordered = 0, late = 0;
	uint64_t negative_latency = 0, payload_bytes = 0;
	std::unique_ptr<LatencyHistogram> latency = std::make_unique<LatencyHistogram>();
};

Total total_of(const std::vector<const FlowStats *> &flows)
{
	Total t;
	for (const FlowStats *f : flows) {
		t.received += f->seq.received();
		t.distinct += f->seq.distinct();
		t.lost += f->seq.lost();
		t.duplicated += f->seq.duplicated();
		t.reordered += f->seq.reordered();
		t.late += f->seq.late();
		t.negative_latency += f->negative_latency;
		t.payload_bytes += f->payload_bytes;
		t.latency->add(f->latency);
	}
	return t;
}

std::string micros(uint64_t ns)
{
	return fmt::format("{:.1f}", static_cast<double>(ns) / 1000.0);
}

void print_row(FILE *out, const std::string &endpoint, const std::string &flow, uint64_t received,
	       uint64_t lost, uint64_t dup, uint64_t reordered, uint64_t late, const LatencyHistogram &h)
{
	fmt::print(out, "{:<21} {:>10} {:>10} {:>8} {:>6} {:>7} {:>5}", endpoint, flow, received, lost,
		   dup, reordered, late);
	for (const auto &[p, name] : percentiles)
		fmt::print(out, " {:>9}", h.count() ? micros(h.value_at_percentile(p)) : "-");
	fmt::print(out, " {:>9}\n", h.count() ? micros(h.max()) : "-");
}

void print_latency_json(FILE *out, const LatencyHistogram &h, uint64_t negative)
{
	fmt::print(out, "{{\"count\": {}, \"min\": {}, \"mean\": {:.1f}", h.count(), h.min(), h.mean());
	for (const auto &[p, name] : percentiles)
		fmt::print(out, ", \"{}\": {}", name, h.value_at_percentile(p));
	fmt::print(out, ", \"max\": {}, \"negative\": {}}}", h.max(), negative);
}

} // namespace

void print_sink_table(FILE *out, const FlowTable &table, const SinkRun &run)
{
	const std::vector<const FlowStats *> flows = table.sorted();
	const Total t = total_of(flows);
	const SinkCounters &c = table.counters();
	fmt::print(out, "mcr-sink: {} packet(s) in {} flow(s) over {:.3f} s ({}), stopped by {}\n",
		   c.accounted, flows.size(), run.elapsed_s, run.backend, run.stopped_by);
	fmt::print(out, "{:<21} {:>10} {:>10} {:>8} {:>6} {:>7} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
		   "endpoint", "flow", "received", "lost", "dup", "reorder", "late", "p50 us", "p90 us",
		   "p99 us", "p99.9 us", "max us");
	for (const FlowStats *f : flows) {
		print_row(out, format_endpoint(f->key.dst_ip, f->key.dst_port), std::to_string(f->key.flow_id),
			  f->seq.received(), f->seq.lost(), f->seq.duplicated(), f->seq.reordered(),
			  f->seq.late(), f->latency);
	}
	if (flows.size() > 1)
		print_row(out, "total", "", t.received, t.lost, t.duplicated, t.reordered, t.late, *t.latency);
	if (c.foreign || c.untracked || t.negative_latency)
		fmt::print(out, "mcr-sink: {} foreign payload(s), {} beyond --max-flows, {} negative latencies\n",
			   c.foreign, c.untracked, t.negative_latency);
	for (const auto &[name, value] : run.receiver_counters) {
		if (value)
			fmt::print(out, "mcr-sink: {}: {}\n", name, value);
	}
}

void print_sink_json(FILE *out, const FlowTable &table, const SinkRun &run)
{
	const std::vector<const FlowStats *> flows = table.sorted();
	const Total t = total_of(flows);
	const SinkCounters &c = table.counters();
	fmt::print(out,
		   "{{\"tool\": \"mcr-sink\", \"backend\": \"{}\", \"elapsed_s\": {:.6f}, \"stopped_by\": \"{}\", "
		   "\"accounted\": {}, \"foreign\": {}, \"untracked\": {}",
		   run.backend, run.elapsed_s, run.stopped_by, c.accounted, c.foreign, c.untracked);
	for (const auto &[name, value] : run.receiver_counters)
		fmt::print(out, ", \"{}\": {}", name, value);
	fmt::print(out, ", \"flows\": [");
	for (size_t i = 0; i < flows.size(); i++) {
		const FlowStats &f = *flows[i];
		fmt::print(out,
			   "{}{{\"endpoint\": \"{}\", \"flow_id\": {}, \"received\": {}, \"distinct\": {}, "
			   "\"highest_seq\": {}, \"lost\": {}, \"duplicated\": {}, \"reordered\": {}, "
			   "\"late\": {}, \"payload_bytes\": {}, \"latency_ns\": ",
			   i ? ", " : "", format_endpoint(f.key.dst_ip, f.key.dst_port), f.key.flow_id,
			   f.seq.received(), f.seq.distinct(), f.seq.highest(), f.seq.lost(),
			   f.seq.duplicated(), f.seq.reordered(), f.seq.late(), f.payload_bytes);
		print_latency_json(out, f.latency, f.negative_latency);
		fmt::print(out, "}}");
	}
	fmt::print(out,
		   "], \"total\": {{\"received\": {}, \"distinct\": {}, \"lost\": {}, \"duplicated\": {}, "
		   "\"reordered\": {}, \"late\": {}, \"payload_bytes\": {}, \"latency_ns\": ",
		   t.received, t.distinct, t.lost, t.duplicated, t.reordered, t.late, t.payload_bytes);
	print_latency_json(out, *t.latency, t.negative_latency);
	fmt::print(out, "}}}}\n");
}

} // namespace mcr::sink
