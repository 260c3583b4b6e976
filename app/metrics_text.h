// A StatsSnapshot in the Prometheus text exposition format (version 0.0.4):
// what GET /metrics answers. Pure: no I/O, no DPDK.
#pragma once

#include <string>
#include <string_view>

#include "stats_snapshot.h"

namespace mcr::app {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// A label value as the text format quotes it: \ " and newline escaped.
std::string escape_label_value(std::string_view value);

// `version` goes into mcr_build_info. Rules beyond what the snapshot holds
// (its rule limit) appear only in mcr_rules and mcr_rules_unexported.
std::string render_metrics(const StatsSnapshot &s, std::string_view version);

} // namespace mcr::app
