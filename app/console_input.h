// Where console commands come from: a TTY (DPDK cmdline: editing, history),
// piped stdin, or a --cmdline-file. The main lcore polls it between its
// other duties (it polls fd()), so input never blocks it.
#pragma once

#include <memory>
#include <string>

#include "console.h"

struct cmdline;

namespace mcr::app {

class ConsoleInput {
public:
	// With read_stdin, a TTY on stdin gets the interactive prompt and
	// anything else is read line by line until EOF.
	ConsoleInput(Console &console, bool read_stdin);
	~ConsoleInput();

	// Runs every line of a file; returns false if the file is unreadable
	// (with *error set). Errors in commands are printed, not fatal.
	bool run_file(const std::string &path, std::string *error);

	// The descriptor to poll for input, or -1 once stdin is done.
	int fd() const;
	// Reads what fd() has ready and runs every complete command. Returns
	// false once `quit` was entered (or ^D on the TTY).
	bool handle();

	bool closed() const { return stdin_closed_; }
	bool quit_requested() const { return quit_; }

private:
	friend struct TtyBridge;

	bool run_line(const std::string &line);
	bool poll_pipe();

	Console &console_;
	cmdline *tty_ = nullptr;
	std::string pending_;
	bool stdin_closed_ = false;
	bool quit_ = false;
};

} // namespace mcr::app
