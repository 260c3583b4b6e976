#include "metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "common/log.h"
#include "metrics_text.h"
#include "runtime.h"

namespace mcr::app {

namespace {

struct Context {
	const Runtime *rt = nullptr;
	size_t max_rules = 0;
};

// One endpoint per process: the daemon's callbacks find it here.
Context context;

void log_mhd(void *, const char *fmt, va_list ap)
{
	char text[512];
	std::vsnprintf(text, sizeof(text), fmt, ap);
	std::string_view line(text);
	while (!line.empty() && line.back() == '\n')
		line.remove_suffix(1);
	MCR_LOG(metrics, WARNING, "%.*s", static_cast<int>(line.size()), line.data());
}

MHD_Result reply(MHD_Connection *connection, unsigned status, std::string body,
		 std::string_view content_type)
{
	// MHD frees what it was given with free(): hand it a malloc'd copy.
	void *copy = std::malloc(body.size());
	if (copy == nullptr && !body.empty())
		return MHD_NO;
	if (!body.empty())
		std::memcpy(copy, body.data(), body.size());
	MHD_Response *response =
		MHD_create_response_from_buffer(body.size(), copy, MHD_RESPMEM_MUST_FREE);
	if (response == nullptr) {
		std::free(copy);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				std::string(content_type).c_str());
	const MHD_Result rc = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return rc;
}

MHD_Result on_request(void *, MHD_Connection *connection, const char *url, const char *method,
		      const char *, const char *, size_t *upload_size, void **state)
{
	// The thread's name, for ps and top: it is not a worker.
	thread_local bool named = false;
	if (!named) {
		pthread_setname_np(pthread_self(), "mcr-metrics");
		named = true;
	}
	// MHD calls twice per request: headers first, then (body) the rest.
	static int headers_seen;
	if (*state == nullptr) {
		*state = &headers_seen;
		return MHD_YES;
	}
	if (*upload_size != 0) { // a body we do not want: ignore it
		*upload_size = 0;
		return MHD_YES;
	}
	const std::string_view m(method);
	if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD)
		return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
	const std::string_view path(url);
	if (path == "/")
		return reply(connection, MHD_HTTP_OK,
			     "<html><body><a href=\"/metrics\">/metrics</a></body></html>\n",
			     "text/html");
	if (path != "/metrics")
		return reply(connection, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n", "text/plain");
	const StatsSnapshot snapshot =
		collect_stats(*context.rt, stats_all, RuleSelection{0, context.max_rules, {}});
	return reply(connection, MHD_HTTP_OK, render_metrics(snapshot, MCR_VERSION),
		     metrics_content_type);
}

} // namespace

MetricsServer::~MetricsServer()
{
	stop();
}

int MetricsServer::start(const config::Metrics &cfg, const Runtime &rt, std::string *error)
{
	if (!cfg.enabled())
		return 0;
	sockaddr_storage addr{};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (cfg.address->find(':') == std::string::npos) {
		auto *in = reinterpret_cast<sockaddr_in *>(&addr);
		in->sin_family = AF_INET;
		in->sin_port = htons(cfg.port);
		inet_pton(AF_INET, cfg.address->c_str(), &in->sin_addr); // the loader checked it
	} else {
		auto *in6 = reinterpret_cast<sockaddr_in6 *>(&addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(cfg.port);
		inet_pton(AF_INET6, cfg.address->c_str(), &in6->sin6_addr);
		flags |= MHD_USE_IPv6;
	}
	context = {&rt, cfg.max_rules};
	// One thread serves every connection, one request at a time: scrapes
	// queue behind each other instead of multiplying the collection work.
	// The logger comes first, or MHD logs what comes before it itself.
	daemon_ = MHD_start_daemon(flags, cfg.port, nullptr, nullptr, on_request, nullptr,
				   MHD_OPTION_EXTERNAL_LOGGER, log_mhd, nullptr, MHD_OPTION_SOCK_ADDR,
				   reinterpret_cast<sockaddr *>(&addr), MHD_OPTION_CONNECTION_LIMIT, 16u,
				   MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	const std::string where = cfg.address->find(':') == std::string::npos
					  ? fmt::format("{}:{}", *cfg.address, cfg.port)
					  : fmt::format("[{}]:{}", *cfg.address, cfg.port);
	if (daemon_ == nullptr) {
		const int err = errno != 0 ? errno : EADDRNOTAVAIL;
		*error = fmt::format("{}:{}:{}: metrics: cannot listen on {}: {}", cfg.where.file,
				     cfg.where.line, cfg.where.column, where, std::strerror(err));
		return -err;
	}
	MCR_LOG(metrics, INFO, "serving Prometheus metrics on http://%s/metrics (%u rule series at most)",
		where.c_str(), cfg.max_rules);
	return 0;
}

void MetricsServer::stop()
{
	if (daemon_ == nullptr)
		return;
	MHD_stop_daemon(daemon_); // joins its thread: no scrape runs after this
	daemon_ = nullptr;
	context = {};
}

} // namespace mcr::app
