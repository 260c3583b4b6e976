// mcr: EAL start, config, wiring, signals and the main lcore's loop.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include <poll.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bpf_log.h"
#include "common/log.h"
#include "config/error.h"
#include "config/loader.h"
#include "console.h"
#include "console_input.h"
#include "kernel_events.h"
#include "control_socket.h"
#include "metrics_server.h"
#include "options.h"
#include "privileges.h"
#include "runtime.h"
#include "service_notify.h"
#include "telemetry.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;
volatile std::sig_atomic_t reload_requested = 0;

void on_stop_signal(int)
{
	stop_requested = 1;
}

void on_reload_signal(int)
{
	reload_requested = 1;
}

void install_signal_handlers()
{
	struct sigaction sa {};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	sa.sa_handler = on_reload_signal;
	sigaction(SIGHUP, &sa, nullptr);
}

// mcr's own levels apply to every mcr.* log type.
void set_log_level(unsigned level)
{
	rte_log_set_level_pattern("mcr.*", level);
}

int run(const mcr::app::Options &opt, mcr::config::Config cfg)
{
	using namespace mcr::app;
	std::string error;
	// Subscribed before the rules are published, so no change is missed.
	mcr::host::NetlinkNeighbours kernel(
		[](const std::string &notice) { MCR_LOG(app, WARNING, "%s", notice.c_str()); });
	if (kernel.open(&error) < 0) {
		std::fprintf(stderr, "mcr: kernel neighbours and routes (rtnetlink): %s\n",
			     error.c_str());
		return 1;
	}
	Runtime rt(std::move(cfg), kernel);
	if (rt.start(&error) < 0) {
		std::fprintf(stderr, "mcr: %s\n", error.c_str());
		return 1;
	}
	settle_neighbours(kernel, rt, std::chrono::seconds(1));
	register_telemetry(&rt);

	Console console(rt);
	ControlSocket control;
	if (control.open(ControlSocket::default_path(), &error) < 0) {
		std::fprintf(stderr, "mcr: %s\n", error.c_str());
		unregister_telemetry();
		rt.stop();
		return 1;
	}
	// Bound before privileges go (a port below 1024 needs them); its
	// thread is created by this one, the main lcore's, never on a worker's core.
	MetricsServer metrics;
	if (metrics.start(rt.config().metrics, rt, &error) < 0) {
		std::fprintf(stderr, "mcr: %s\n", error.c_str());
		unregister_telemetry();
		rt.stop();
		return 1;
	}
	// Ports, XDP programs, the control socket and the metrics endpoint
	// exist now: what made them is no longer needed.
	if (drop_privileges(opt.user ? &*opt.user : nullptr, opt.reopen_ports, &error) < 0) {
		if (opt.user) { // asked for, not done: do not run as root
			std::fprintf(stderr, "mcr: %s\n", error.c_str());
			metrics.stop();
			unregister_telemetry();
				rt.stop();
			return 1;
		}
		MCR_LOG(app, WARNING, "%s", error.c_str());
	}
	// Ready, and said once for both audiences: the console's (tests and
	// scripts wait for this line, then use mcr-ctl and expect the final
	// privileges) and systemd's Type=notify.
	std::printf("mcr: forwarding with %zu port(s) and %zu worker(s)\n", rt.ports().size(),
		    rt.workers().size());
	std::fflush(stdout);
	notify_ready(service_summary(rt));
	ConsoleInput input(console, !opt.no_console);
	if (!opt.cmdline_file.empty() && !input.run_file(opt.cmdline_file, &error))
		std::fprintf(stderr, "mcr: %s\n", error.c_str());

	auto next_stats = std::chrono::steady_clock::now() + std::chrono::seconds(opt.stats_period);
	auto next_watch = std::chrono::steady_clock::now();
	bool quit = input.quit_requested();
	while (!stop_requested && !quit) {
		pollfd fds[3] = {{control.fd(), POLLIN, 0}, {kernel.fd(), POLLIN, 0},
				 {input.fd(), POLLIN, 0}};
		const nfds_t nfds = input.fd() >= 0 ? 3 : 2;
		if (poll(fds, nfds, 100) > 0) {
			if (fds[1].revents & POLLIN)
				follow_kernel_events(kernel, rt);
			if ((fds[0].revents & POLLIN) && !control.serve(console))
				quit = true;
			if (nfds == 3 && fds[2].revents && !input.handle())
				quit = true;
		}
		if (reload_requested) {
			reload_requested = 0;
			std::string report;
			const int rc = rt.reload(&report);
			if (rc == 0)
				MCR_LOG(app, INFO, "SIGHUP: %s", report.c_str());
			else
				MCR_LOG(app, ERR, "SIGHUP: %s", report.c_str());
			notify_status(service_summary(rt) + (rc == 0 ? "; reloaded" : "; reload refused"));
		}
		// Relay traffic the XDP program could hand to no socket is lost to
		// mcr: each port warns the first time it sees some. A port whose
		// interface was deleted goes down, and up again once it is back.
		if (std::chrono::steady_clock::now() >= next_watch) {
			next_watch += std::chrono::seconds(1);
			rt.watch_ports();
			for (const auto &port : rt.ports())
				if (port->is_open())
					port->watch_no_socket();
		}
		if (opt.stats_period != 0 && std::chrono::steady_clock::now() >= next_stats) {
			next_stats += std::chrono::seconds(opt.stats_period);
			std::fputs(console.periodic_stats().c_str(), stdout);
			std::fflush(stdout);
		}
	}
	MCR_LOG(app, INFO, "stopping");
	metrics.stop(); // before the runtime it reads goes
	notify_stopping();
	unregister_telemetry();
	rt.stop();
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	// EAL's arguments come first, mcr's after "--".
	int eal_argc = argc;
	std::vector<std::string> app_args;
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			app_args.assign(argv + i + 1, argv + argc);
			break;
		}
	}

	mcr::app::Options opt;
	try {
		opt = mcr::app::parse_options(app_args);
	} catch (const std::invalid_argument &e) {
		std::fprintf(stderr, "mcr: %s\n%s", e.what(), mcr::app::usage());
		return 2;
	} catch (const std::runtime_error &e) { // --user unknown
		std::fprintf(stderr, "mcr: %s\n", e.what());
		return 1;
	}
	if (opt.help) {
		std::fputs(mcr::app::usage(), stdout);
		return 0;
	}

	mcr::config::Config cfg;
	try {
		cfg = mcr::config::load_file(opt.config_file);
	} catch (const mcr::config::ConfigError &e) {
		for (const auto &d : e.diagnostics())
			std::fprintf(stderr, "%s\n", d.str().c_str());
		return 1;
	}
	if (opt.check_only) {
		std::printf("%s: ok (%zu ports, %zu rules)\n", opt.config_file.c_str(), cfg.ports.size(),
			    cfg.rules.size());
		return 0;
	}

	if (rte_eal_init(eal_argc, argv) < 0) {
		std::fprintf(stderr, "mcr: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (opt.log_level)
		set_log_level(*opt.log_level);
	install_signal_handlers();
	mcr::drivers::route_bpf_library_logs();

	// Packet capture: dpdk-dumpcap, a secondary process, asks mcr over
	// EAL's multi-process channel to copy a port's packets into its ring.
	// A secondary maps mcr's memory from its hugepage files, so with
	// --no-huge it cannot attach; mcr forwards either way.
	const bool capture = rte_pdump_init() == 0;
	if (!capture)
		MCR_LOG(app, WARNING, "packet capture (dpdk-dumpcap) unavailable: %s",
			rte_strerror(rte_errno));
	else if (!rte_eal_has_hugepages())
		MCR_LOG(app, INFO, "packet capture (dpdk-dumpcap) needs hugepages: not with --no-huge");

	const int rc = run(opt, std::move(cfg));
	if (capture)
		rte_pdump_uninit();
	rte_eal_cleanup();
	return rc;
}
