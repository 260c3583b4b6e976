#include "control_socket.h"

#include <poll.h>
#include <rte_eal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/log.h"

namespace mcr::app {

namespace {

constexpr size_t max_request = 64 * 1024;
constexpr int request_timeout_ms = 1000;

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

void send_all(int fd, const std::string &text)
{
	size_t off = 0;
	while (off < text.size()) {
		const ssize_t n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		off += static_cast<size_t>(n);
	}
}

// One line, read with a deadline so a silent client cannot hold the main
// lcore.
bool read_request(int fd, std::string *line)
{
	char buf[4096];
	while (line->find('\n') == std::string::npos && line->size() < max_request) {
		pollfd p{fd, POLLIN, 0};
		if (::poll(&p, 1, request_timeout_ms) <= 0)
			return !line->empty();
		const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		line->append(buf, static_cast<size_t>(n));
	}
	if (const size_t nl = line->find('\n'); nl != std::string::npos)
		line->resize(nl);
	return !line->empty();
}

} // namespace

std::string ControlSocket::default_path()
{
	return std::string(rte_eal_get_runtime_dir()) + "/mcr.sock";
}

ControlSocket::~ControlSocket()
{
	if (listen_fd_ >= 0) {
		::close(listen_fd_);
		::unlink(path_.c_str());
	}
}

int ControlSocket::open(const std::string &path, std::string *error)
{
	sockaddr_un addr{};
	if (path.size() >= sizeof(addr.sun_path)) {
		*error = fmt::format("control socket path too long: {}", path);
		return -ENAMETOOLONG;
	}
	addr.sun_family = AF_UNIX;
	std::memcpy(addr.sun_path, path.c_str(), path.size());
	const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error = fmt::format("control socket: {}", std::strerror(errno));
		return -errno;
	}
	// A socket file left by a killed mcr with this file prefix.
	::unlink(path.c_str());
	// Created owner-only, so no other user ever sees it writable.
	const mode_t old_mask = ::umask(0077);
	const int rc = ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
	::umask(old_mask);
	if (rc < 0 || ::listen(fd, 8) < 0) {
		const int err = errno;
		::close(fd);
		*error = fmt::format("control socket {}: {}", path, std::strerror(err));
		return -err;
	}
	listen_fd_ = fd;
	path_ = path;
	owner_ = ::geteuid();
	MCR_LOG(console, INFO, "control socket %s", path.c_str());
	return 0;
}

bool ControlSocket::serve(Console &console)
{
	Fd client(::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC));
	if (client.get() < 0)
		return true;
	ucred peer{};
	socklen_t len = sizeof(peer);
	if (::getsockopt(client.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 ||
	    peer.uid != owner_) {
		send_all(client.get(), "error\nerror: permission denied\n");
		MCR_LOG(console, WARNING, "control socket: refused uid %u", peer.uid);
		return true;
	}
	std::string line;
	if (!read_request(client.get(), &line))
		return true;
	const CommandResult r = console.execute(line);
	send_all(client.get(), (r.ok ? "ok\n" : "error\n") + r.text);
	return !r.quit;
}

} // namespace mcr::app
