#include "xdp_fd.h"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace mcr::bpf {

void UniqueFd::reset(int fd)
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = fd;
}

Result<UniqueFd> UniqueFd::duplicate(int fd)
{
	int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (copy < 0)
		return make_error(-errno, "dup fd " + std::to_string(fd));
	return UniqueFd(copy);
}

} // namespace mcr::bpf
