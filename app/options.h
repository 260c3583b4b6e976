// mcr's own options: everything after EAL's "--".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "privileges.h"

namespace mcr::app {

struct Options {
	std::string config_file;
	bool check_only = false;
	std::string cmdline_file;
	bool no_console = false;
	unsigned stats_period = 0; // seconds, 0 = off
	std::optional<unsigned> log_level; // RTE_LOG_* for every mcr.* type
	std::optional<RunAs> user; // --user NAME, looked up while parsing
	// Keep what opening a port needs, so a port whose interface is deleted
	// and created again comes back by itself (doc/reliability.md).
	bool reopen_ports = false;
	bool help = false;
};

// Throws std::invalid_argument with a one-line message, or, for a --user
// the system does not know, UnknownUser (a std::runtime_error).
Options parse_options(const std::vector<std::string> &args);

const char *usage();

} // namespace mcr::app
