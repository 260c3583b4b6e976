#include "console_input.h"

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace mcr::app {

namespace {

// DPDK's cmdline gives the TTY its line editing and history; the whole
// line goes to our own command table through one catch-all instruction.
struct WholeLine {
	cmdline_multi_string_t text;
};

ConsoleInput *tty_owner = nullptr;

} // namespace

// Bridges the C callback to this object without exposing run_line().
struct TtyBridge {
	static void run(void *parsed, struct cmdline *, void *)
	{
		if (tty_owner != nullptr)
			tty_owner->run_line(static_cast<WholeLine *>(parsed)->text);
	}
};

namespace {

cmdline_parse_token_string_t token_whole_line =
	TOKEN_STRING_INITIALIZER(WholeLine, text, TOKEN_STRING_MULTI);

cmdline_parse_inst_t instruction_any = {
	TtyBridge::run,
	nullptr,
	"any console command (type help)",
	{reinterpret_cast<cmdline_parse_token_hdr_t *>(&token_whole_line), nullptr},
};

cmdline_parse_ctx_t tty_context[] = {&instruction_any, nullptr};

} // namespace

ConsoleInput::ConsoleInput(Console &console, bool read_stdin)
	: console_(console), stdin_closed_(!read_stdin)
{
	if (read_stdin && isatty(STDIN_FILENO)) {
		tty_owner = this;
		tty_ = cmdline_stdin_new(tty_context, "mcr> ");
	}
}

ConsoleInput::~ConsoleInput()
{
	if (tty_ != nullptr) {
		cmdline_stdin_exit(tty_);
		cmdline_free(tty_);
		tty_owner = nullptr;
	}
}

bool ConsoleInput::run_line(const std::string &line)
{
	const CommandResult r = console_.execute(line);
	std::fputs(r.text.c_str(), stdout);
	std::fflush(stdout);
	if (r.quit)
		quit_ = true;
	return r.ok;
}

bool ConsoleInput::run_file(const std::string &path, std::string *error)
{
	std::ifstream in(path);
	if (!in) {
		*error = "cannot read --cmdline-file " + path;
		return false;
	}
	for (std::string line; std::getline(in, line) && !quit_;)
		run_line(line);
	return true;
}

bool ConsoleInput::poll_pipe()
{
	char buf[4096];
	const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) {
		if (!pending_.empty())
			run_line(pending_);
		pending_.clear();
		stdin_closed_ = true;
		return !quit_;
	}
	pending_.append(buf, static_cast<size_t>(n));
	for (size_t nl; !quit_ && (nl = pending_.find('\n')) != std::string::npos;) {
		run_line(pending_.substr(0, nl));
		pending_.erase(0, nl + 1);
	}
	return !quit_;
}

int ConsoleInput::fd() const
{
	return stdin_closed_ ? -1 : STDIN_FILENO;
}

bool ConsoleInput::handle()
{
	if (quit_)
		return false;
	if (stdin_closed_)
		return true;
	if (tty_ == nullptr)
		return poll_pipe();
	if (cmdline_poll(tty_) == RDLINE_EXITED) {
		stdin_closed_ = true; // ^D
		return false;
	}
	return !quit_;
}

} // namespace mcr::app
