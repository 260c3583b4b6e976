#include "config_save.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "config/yaml_writer.h"

namespace mcr::app {

namespace {

int fail(std::string *error, const std::string &what, const std::string &path, int err)
{
	*error = fmt::format("cannot {} {}: {}", what, path, std::strerror(err));
	return -err;
}

} // namespace

int save_config(const config::Config &cfg, const std::string &path, std::string *error)
{
	if (path.empty() || path.back() == '/')
		return fail(error, "write", path.empty() ? "''" : path, EISDIR);
	const std::string text = config::to_yaml(cfg);
	std::string tmp_name = path + ".XXXXXX";
	std::vector<char> tmp(tmp_name.begin(), tmp_name.end());
	tmp.push_back('\0');
	const int fd = mkstemp(tmp.data());
	if (fd < 0)
		return fail(error, "write", path, errno);
	tmp_name = tmp.data();
	// mkstemp makes it 0600; a configuration is readable like any other.
	fchmod(fd, 0644);
	size_t done = 0;
	while (done < text.size()) {
		const ssize_t n = write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			const int err = errno;
			close(fd);
			unlink(tmp_name.c_str());
			return fail(error, "write", path, err);
		}
		done += static_cast<size_t>(n);
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		const int err = errno;
		unlink(tmp_name.c_str());
		return fail(error, "write", path, err);
	}
	if (rename(tmp_name.c_str(), path.c_str()) < 0) {
		const int err = errno;
		unlink(tmp_name.c_str());
		return fail(error, "replace", path, err);
	}
	return 0;
}

} // namespace mcr::app
