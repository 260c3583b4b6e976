// mcr-sink's report: one row per flow and a total, as a table for people
// and as JSON for scripts. Latencies are reported at p50, p90, p99, p99.9
// and max (see traffic/latency_histogram.h for the precision).
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "traffic/flow_table.h"

namespace mcr::sink {

struct SinkRun {
	const char *backend;
	double elapsed_s;
	const char *stopped_by; // "duration", "count", "idle", "signal"
	std::vector<std::pair<std::string, uint64_t>> receiver_counters;
};

void print_sink_table(FILE *out, const traffic::FlowTable &table, const SinkRun &run);
void print_sink_json(FILE *out, const traffic::FlowTable &table, const SinkRun &run);

} // namespace mcr::sink
