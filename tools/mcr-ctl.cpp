// mcr-ctl: the console of a running mcr over its control socket, like
// vppctl. One command per connection; exit status 1 if mcr answered with
// an error, 2 if it could not be reached.
//
//   mcr-ctl [--file-prefix P | --socket PATH] COMMAND...
//   mcr-ctl [--file-prefix P | --socket PATH] < commands
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *usage = "usage: mcr-ctl [--file-prefix PREFIX | --socket PATH] [COMMAND...]\n"
		    "  With no COMMAND, runs one command per line of standard input.\n"
		    "  The socket is /var/run/dpdk/<PREFIX>/mcr.sock (PREFIX: mcr's EAL\n"
		    "  --file-prefix, default 'rte').\n";

// 0: mcr said ok; 1: mcr said error; 2: no answer.
int run(const std::string &path, const std::string &command)
{
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
	if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		std::fprintf(stderr, "mcr-ctl: cannot reach mcr at %s: %s\n", path.c_str(),
			     std::strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	const std::string request = command + "\n";
	if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
		std::fprintf(stderr, "mcr-ctl: send: %s\n", std::strerror(errno));
		close(fd);
		return 2;
	}
	std::string reply;
	char buf[4096];
	for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;)
		reply.append(buf, static_cast<size_t>(n));
	close(fd);
	const size_t nl = reply.find('\n');
	if (nl == std::string::npos) {
		std::fprintf(stderr, "mcr-ctl: no answer from mcr\n");
		return 2;
	}
	const bool ok = reply.compare(0, nl, "ok") == 0;
	std::fputs(reply.c_str() + nl + 1, ok ? stdout : stderr);
	return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	std::string path = "/var/run/dpdk/rte/mcr.sock";
	std::vector<std::string> words;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if ((a == "--file-prefix" || a == "-f") && i + 1 < argc)
			path = "/var/run/dpdk/" + std::string(argv[++i]) + "/mcr.sock";
		else if ((a == "--socket" || a == "-s") && i + 1 < argc)
			path = argv[++i];
		else if (a == "-h" || a == "--help") {
			std::fputs(usage, stdout);
			return 0;
		} else
			words.push_back(a);
	}
	if (!words.empty()) {
		std::string command;
		for (const auto &w : words)
			command += (command.empty() ? "" : " ") + w;
		return run(path, command);
	}
	int status = 0;
	for (std::string line; std::getline(std::cin, line);) {
		if (line.find_first_not_of(" \t") == std::string::npos)
			continue;
		const int rc = run(path, line);
		if (rc > status)
			status = rc;
	}
	return status;
}
