#include "traffic/stop_signal.h"

namespace mcr::traffic {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

void on_stop(int)
{
	stop_flag = 1;
}

} // namespace

void install_stop_handlers()
{
	struct sigaction sa {};
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested()
{
	return stop_flag != 0;
}

} // namespace mcr::traffic
