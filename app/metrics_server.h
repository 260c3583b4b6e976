// The Prometheus endpoint: GET /metrics over HTTP, served by libmicrohttpd's
// own thread (not an lcore, never a worker). Each scrape collects a
// StatsSnapshot and renders it; workers are never asked for anything.
#pragma once

#include <string>

#include "config/model.h"

struct MHD_Daemon;

namespace mcr::app {

class Runtime;

class MetricsServer {
public:
	MetricsServer() = default;
	~MetricsServer();
	MetricsServer(const MetricsServer &) = delete;
	MetricsServer &operator=(const MetricsServer &) = delete;

	// Binds cfg's address and starts serving `rt`, which must outlive
	// stop(). Returns 0 (also when cfg is not enabled: nothing starts) or a
	// negative errno with *error. Call before privileges are dropped: a
	// port below 1024 needs CAP_NET_BIND_SERVICE.
	int start(const config::Metrics &cfg, const Runtime &rt, std::string *error);
	// Waits for a scrape in progress, then closes the socket. Safe twice.
	void stop();

	bool running() const { return daemon_ != nullptr; }

private:
	MHD_Daemon *daemon_ = nullptr;
};

} // namespace mcr::app
