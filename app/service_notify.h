// systemd's readiness protocol for `Type=notify` (the unit mcr@.service):
// READY=1 once every port forwards, STATUS= with a one-line summary,
// STOPPING=1 when mcr begins to stop. Outside systemd (no NOTIFY_SOCKET in
// the environment), or when built without libsystemd, each call does
// nothing.
#pragma once

#include <string>

namespace mcr::app {

class Runtime;

// "forwarding: 2 ports (up0 af_xdp, down0 af_packet), 1 worker, 3 rules"
std::string service_summary(const Runtime &rt);

void notify_ready(const std::string &status);
void notify_status(const std::string &status);
void notify_stopping();

} // namespace mcr::app
