#include "service_notify.h"

#if MCR_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <cstring>

#include <fmt/format.h>

#include "common/log.h"
#include "runtime.h"

namespace mcr::app {

namespace {

// STATUS= is shown on one line by `systemctl status`: newlines would end
// the assignment.
std::string one_line(const std::string &text)
{
	return text.substr(0, text.find('\n'));
}

void notify(const std::string &state)
{
#if MCR_HAVE_SYSTEMD
	const int rc = sd_notify(0, state.c_str());
	if (rc < 0)
		MCR_LOG(app, WARNING, "sd_notify: %s", std::strerror(-rc));
#else
	(void)state;
#endif
}

} // namespace

std::string service_summary(const Runtime &rt)
{
	std::string ports;
	for (const auto &port : rt.ports())
		ports += fmt::format("{}{} {}", ports.empty() ? "" : ", ", port->name(),
				     drivers::backend_name(port->backend()));
	const size_t workers = rt.workers().size();
	const size_t rules = rt.engine().rules().size();
	return fmt::format("forwarding: {} port{} ({}), {} worker{}, {} rule{}", rt.ports().size(),
			   rt.ports().size() == 1 ? "" : "s", ports, workers, workers == 1 ? "" : "s",
			   rules, rules == 1 ? "" : "s");
}

void notify_ready(const std::string &status)
{
	notify("READY=1\nSTATUS=" + one_line(status));
}

void notify_status(const std::string &status)
{
	notify("STATUS=" + one_line(status));
}

void notify_stopping()
{
	notify("STOPPING=1\nSTATUS=stopping");
}

} // namespace mcr::app
