#include "console_input.h"

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <memory>
#include <sstream>
#include <vector>
#include <fstream>

namespace mcr::app {

namespace {

// On a TTY, DPDK's cmdline gives line editing, history and completion. Each
// command of the console's table becomes a cmdline instruction (literal
// words complete, upper-case words take any word, "X..." the rest of the
// line) whose callback hands the line to the console. A line no
// instruction matches gets cmdline's own one-line answer ("Command not
// found", "Bad arguments"): a catch-all instruction would make every
// command ambiguous to cmdline.
constexpr size_t max_words = 8;

struct ParsedWords {
	cmdline_fixed_string_t words[max_words];
	cmdline_multi_string_t rest;
};
static_assert(sizeof(ParsedWords) <= CMDLINE_PARSE_RESULT_BUFSIZE);

struct InstructionShape {
	size_t words = 0;  // fixed-size tokens
	bool rest = false; // a last multi-word token
};

ConsoleInput *tty_owner = nullptr;

class TtyGrammar {
public:
	TtyGrammar();
	cmdline_parse_ctx_t *context() { return context_.data(); }

private:
	cmdline_parse_inst_t *instruction(const Console::Syntax &syntax, InstructionShape *shape);

	std::deque<cmdline_parse_token_string_t> tokens_;
	std::deque<std::string> strings_; // token and help texts, stable addresses
	std::deque<InstructionShape> shapes_;
	std::vector<std::unique_ptr<unsigned char[]>> storage_;
	std::vector<cmdline_parse_inst_t *> context_;
};

} // namespace

// Bridges the C callbacks to the ConsoleInput without exposing run_line().
struct TtyBridge {
	static void run_words(void *parsed, struct cmdline *, void *data)
	{
		const auto *shape = static_cast<const InstructionShape *>(data);
		const auto *w = static_cast<const ParsedWords *>(parsed);
		std::string line;
		for (size_t i = 0; i < shape->words; i++)
			line += (line.empty() ? "" : " ") + std::string(w->words[i]);
		if (shape->rest)
			line += std::string(" ") + w->rest;
		if (tty_owner != nullptr)
			tty_owner->run_line(line);
	}
};

namespace {

TtyGrammar::TtyGrammar()
{
	for (const Console::Syntax &syntax : Console::syntaxes()) {
		shapes_.emplace_back();
		if (cmdline_parse_inst_t *inst = instruction(syntax, &shapes_.back()))
			context_.push_back(inst);
	}
	context_.push_back(nullptr);
}

cmdline_parse_inst_t *TtyGrammar::instruction(const Console::Syntax &syntax, InstructionShape *shape)
{
	std::vector<std::string> words;
	std::istringstream in(syntax.pattern);
	for (std::string w; in >> w;)
		words.push_back(w);
	if (words.empty() || words.size() > max_words)
		return nullptr;

	const size_t bytes = sizeof(cmdline_parse_inst_t) + sizeof(void *) * (words.size() + 1);
	storage_.push_back(std::make_unique<unsigned char[]>(bytes));
	auto *inst = new (storage_.back().get()) cmdline_parse_inst_t{};
	inst->f = TtyBridge::run_words;
	inst->data = shape;
	strings_.push_back(syntax.pattern + ": " + syntax.help);
	inst->help_str = strings_.back().c_str();
	for (size_t i = 0; i < words.size(); i++) {
		cmdline_parse_token_string_t token{};
		token.hdr.ops = &cmdline_token_string_ops;
		if (words[i].ends_with("...")) {
			token.hdr.offset = offsetof(ParsedWords, rest);
			token.string_data.str = TOKEN_STRING_MULTI;
			shape->rest = true;
		} else {
			token.hdr.offset = static_cast<unsigned>(offsetof(ParsedWords, words) +
								 i * sizeof(cmdline_fixed_string_t));
			if (!std::isupper(static_cast<unsigned char>(words[i][0]))) {
				strings_.push_back(words[i]);
				token.string_data.str = strings_.back().c_str();
			}
			shape->words = i + 1;
		}
		tokens_.push_back(token);
		inst->tokens[i] = &tokens_.back().hdr;
	}
	inst->tokens[words.size()] = nullptr;
	return inst;
}

TtyGrammar *grammar = nullptr;

} // namespace

ConsoleInput::ConsoleInput(Console &console, bool read_stdin)
	: console_(console), stdin_closed_(!read_stdin)
{
	if (read_stdin && isatty(STDIN_FILENO)) {
		tty_owner = this;
		static TtyGrammar tty_grammar;
		grammar = &tty_grammar;
		tty_ = cmdline_stdin_new(grammar->context(), "mcr> ");
	}
}

ConsoleInput::~ConsoleInput()
{
	if (tty_ != nullptr) {
		cmdline_stdin_exit(tty_); // restores the terminal and frees tty_
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
