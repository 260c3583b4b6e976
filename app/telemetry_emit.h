// A tel::Dict handed to DPDK's telemetry as the rte_tel_data it encodes.
#pragma once

#include <rte_telemetry.h>

#include "telemetry_reply.h"

namespace mcr::app::tel {

// What every /mcr/... callback returns through: d as the reply to `cmd`,
// or, if DPDK would cut d (tel::problem), {"error": why} instead, never a
// shorter reply. 0, as telemetry callbacks return.
int reply(const char *cmd, const Dict &d, rte_tel_data *out);

} // namespace mcr::app::tel
