#include "bpf_log.h"

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <cstdarg>
#include <cstdio>

#include "common/log.h"

namespace mcr::drivers {

namespace {

// The PMD logs its own failures at ERR with the reason; what the libraries
// add is detail (e.g. libxdp's dispatcher fallback), so it goes to DEBUG.
void forward(const char *format, va_list args)
{
	if (rte_log_can_log(logtype_bpf, RTE_LOG_DEBUG))
		rte_vlog(RTE_LOG_DEBUG, logtype_bpf, format, args);
}

int libbpf_print(enum libbpf_print_level, const char *format, va_list args)
{
	forward(format, args);
	return 0;
}

int libxdp_print(enum libxdp_print_level, const char *format, va_list args)
{
	forward(format, args);
	return 0;
}

} // namespace

void route_bpf_library_logs()
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

} // namespace mcr::drivers
