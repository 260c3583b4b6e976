#include "common/log.h"

namespace mcr {

// Registered before main() so EAL's --log-level=mcr.*:LEVEL finds them.
RTE_LOG_REGISTER(logtype_app, mcr.app, INFO);
RTE_LOG_REGISTER(logtype_config, mcr.config, INFO);
RTE_LOG_REGISTER(logtype_port, mcr.port, INFO);
RTE_LOG_REGISTER(logtype_pool, mcr.pool, INFO);
RTE_LOG_REGISTER(logtype_worker, mcr.worker, INFO);
RTE_LOG_REGISTER(logtype_console, mcr.console, INFO);
RTE_LOG_REGISTER(logtype_rules, mcr.rules, INFO);
RTE_LOG_REGISTER(logtype_bpf, mcr.bpf, INFO);
RTE_LOG_REGISTER(logtype_metrics, mcr.metrics, INFO);

} // namespace mcr
