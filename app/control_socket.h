// The console's command language on a Unix socket, for mcr-ctl: one
// command per connection, answered with a status line ("ok" or "error")
// and the command's output. Only the user that created the socket may
// connect: the one mcr started as (root), also after --user switched mcr to
// another user (doc/reliability.md, "Least privilege").
#pragma once

#include <sys/types.h>

#include <string>

#include "console.h"

namespace mcr::app {

class ControlSocket {
public:
	ControlSocket() = default;
	~ControlSocket();
	ControlSocket(const ControlSocket &) = delete;
	ControlSocket &operator=(const ControlSocket &) = delete;

	// Default path: <EAL runtime dir>/mcr.sock, i.e.
	// /var/run/dpdk/<file-prefix>/mcr.sock for root.
	static std::string default_path();

	int open(const std::string &path, std::string *error);
	int fd() const { return listen_fd_; }
	const std::string &path() const { return path_; }

	// Accepts one connection and serves its command. Returns false if the
	// command was `quit`.
	bool serve(Console &console);

private:
	int listen_fd_ = -1;
	std::string path_;
	uid_t owner_ = 0; // effective uid at open(): the socket file's owner
};

} // namespace mcr::app
