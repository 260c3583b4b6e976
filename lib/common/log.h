// One rte_log type per component, so operators can raise the level of one
// part with EAL's --log-level=mcr.<component>:debug.
#pragma once

#include <rte_log.h>

namespace mcr {

extern int logtype_app;
extern int logtype_config;
extern int logtype_port;
extern int logtype_pool;
extern int logtype_worker;
extern int logtype_console;
extern int logtype_rules;
extern int logtype_bpf;
extern int logtype_metrics;

} // namespace mcr

// MCR_LOG(port, ERR, "cannot open %s", name): printf-style, newline added.
#define MCR_LOG(component, level, fmt, ...)                                   \
	rte_log(RTE_LOG_##level, ::mcr::logtype_##component,                   \
		"mcr." #component ": " fmt "\n" __VA_OPT__(, ) __VA_ARGS__)
