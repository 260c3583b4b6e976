#include "options.h"

#include <rte_log.h>

#include <charconv>
#include <stdexcept>

namespace mcr::app {

namespace {

unsigned parse_level(const std::string &text)
{
	static const struct {
		const char *name;
		unsigned level;
	} names[] = {
		{"emergency", RTE_LOG_EMERG}, {"alert", RTE_LOG_ALERT}, {"critical", RTE_LOG_CRIT},
		{"error", RTE_LOG_ERR},       {"warning", RTE_LOG_WARNING}, {"notice", RTE_LOG_NOTICE},
		{"info", RTE_LOG_INFO},       {"debug", RTE_LOG_DEBUG},
	};
	for (const auto &n : names)
		if (text == n.name)
			return n.level;
	unsigned level = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), level);
	if (ec == std::errc() && end == text.data() + text.size() && level >= RTE_LOG_EMERG &&
	    level <= RTE_LOG_DEBUG)
		return level;
	throw std::invalid_argument("--log-level: expected error, warning, notice, info, debug "
				    "or 1..8, got '" + text + "'");
}

unsigned parse_seconds(const std::string &text)
{
	unsigned value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc() || end != text.data() + text.size() || value > 86400)
		throw std::invalid_argument("--stats-period: expected seconds (0..86400), got '" +
					    text + "'");
	return value;
}

} // namespace

Options parse_options(const std::vector<std::string> &args)
{
	Options opt;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		auto value = [&]() -> const std::string & {
			if (i + 1 >= args.size())
				throw std::invalid_argument(a + " needs a value");
			return args[++i];
		};
		if (a == "--config")
			opt.config_file = value();
		else if (a == "--check")
			opt.check_only = true;
		else if (a == "--cmdline-file")
			opt.cmdline_file = value();
		else if (a == "--no-console")
			opt.no_console = true;
		else if (a == "--stats-period")
			opt.stats_period = parse_seconds(value());
		else if (a == "--log-level")
			opt.log_level = parse_level(value());
		else if (a == "--user")
			opt.user = lookup_user(value());
		else if (a == "--reopen-ports")
			opt.reopen_ports = true;
		else if (a == "-h" || a == "--help")
			opt.help = true;
		else
			throw std::invalid_argument("unknown option '" + a + "'");
	}
	if (!opt.help && opt.config_file.empty())
		throw std::invalid_argument("--config FILE is required");
	return opt;
}

const char *usage()
{
	return "usage: mcr [EAL options] -- --config FILE [--check] [--cmdline-file FILE]\n"
	       "           [--no-console] [--stats-period SEC] [--log-level LEVEL]\n"
	       "           [--user NAME] [--reopen-ports]\n"
	       "  --config FILE        the deployment's YAML\n"
	       "  --check              validate the config, print every error, exit 0 or 1\n"
	       "  --cmdline-file FILE  run the console commands in FILE, then keep forwarding\n"
	       "  --no-console         no console on stdin\n"
	       "  --stats-period SEC   print port counters every SEC seconds\n"
	       "  --log-level LEVEL    level of mcr's own log types (error..debug)\n"
	       "  --user NAME          once ports are up, run as NAME (its uid, gid and groups),\n"
	       "                       keeping only CAP_NET_ADMIN and CAP_BPF; start as root\n"
	       "  --reopen-ports       also keep CAP_NET_RAW, CAP_IPC_LOCK and CAP_SYS_ADMIN, so a\n"
	       "                       port whose interface is deleted and created again reopens\n";
}

} // namespace mcr::app
