// mcr-gen's summary: per flow what was sent, and the rate achieved; as a
// table for people and as JSON for scripts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <vector>

#include "gen_options.h"
#include "sender.h"

namespace mcr::gen {

struct GenResult {
	double elapsed_s = 0; // first send to the end of the run
	std::vector<FlowSendCount> counts;
	std::vector<uint64_t> seqs; // sequence numbers used per flow
	bool stopped_by_signal = false;
};

void print_gen_table(FILE *out, const GenOptions &opt, const Sender &sender, const GenResult &r);
void print_gen_json(FILE *out, const GenOptions &opt, const Sender &sender, const GenResult &r);
// --omitted: per flow, the sequence numbers below its `seqs` that --skip
// and --loss left out (JSON).
void print_gen_omitted(FILE *out, const GenOptions &opt, const GenResult &r);

} // namespace mcr::gen
