#include "xdp_result.h"

#include <cstring>

namespace mcr::bpf {

Error make_error(int code, std::string what)
{
	// libbpf hands back -errno; a stray positive errno still reads right.
	if (code > 0)
		code = -code;
	what += ": ";
	what += std::strerror(-code);
	return Error{code, std::move(what)};
}

} // namespace mcr::bpf
