// The console's command language: one table of commands, one dispatcher,
// shared by the TTY, piped stdin and --cmdline-file. Every command either
// succeeds or prints one error line and changes nothing.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime.h"

namespace mcr::app {

struct CommandResult {
	bool ok = true;
	bool quit = false;
	std::string text; // what to print (ends with a newline when not empty)
};

class Console {
public:
	explicit Console(Runtime &rt) : rt_(rt) {}

	CommandResult execute(const std::string &line);

	struct Syntax {
		std::string pattern; // "show port stats NAME", "rule add RULE..."
		std::string help;
	};
	// The command table's patterns, for the TTY's completion.
	static std::vector<Syntax> syntaxes();
	// The counters block printed by --stats-period.
	std::string periodic_stats();

private:
	friend struct ConsoleCommands;

	struct RateSample {
		std::chrono::steady_clock::time_point when{};
		uint64_t rx_packets = 0, tx_packets = 0;
	};

	std::string port_stats(const StatsSnapshot &s, size_t port_index);
	std::string port_xstats(size_t port_index);
	std::string rules(const StatsSnapshot &s);
	std::string rule(const StatsSnapshot &s, const RuleStats &r);
	std::string drops(const StatsSnapshot &s);
	std::string xdp(const StatsSnapshot &s);
	std::string pools(const StatsSnapshot &s);
	std::string workers(const StatsSnapshot &s);
	std::string help();

	Runtime &rt_;
	std::vector<RateSample> rate_samples_;
};

} // namespace mcr::app
