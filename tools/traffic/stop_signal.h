// SIGINT and SIGTERM end a run cleanly: the tools stop sending or
// receiving and still print their report. The handlers are installed
// without SA_RESTART so that a blocked send or wait returns at once.
#pragma once

#include <csignal>

namespace mcr::traffic {

void install_stop_handlers();
bool stop_requested();

} // namespace mcr::traffic
