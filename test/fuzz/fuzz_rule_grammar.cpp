// fuzz_rule_grammar: the console's `rule add` language on arbitrary words.
//
// parse_rule_add either returns a rule or throws GrammarError, nothing else.
// A returned rule is written back with format_rule, which must start with
// "rule add", parse again to the same rule (config::same_rule), and format
// to the same text: the console prints rules in a form it accepts.
#include <string>
#include <string_view>
#include <vector>

#include "config/compare.h"
#include "config/rule_grammar.h"
#include "fuzz_check.h"
#include "words.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace mcr;
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	const std::vector<std::string> words = fuzz::split_words(text);

	config::Rule rule;
	try {
		rule = config::parse_rule_add(words);
	} catch (const config::GrammarError &) {
		return 0;
	}
	// Any other exception escapes and libFuzzer reports it as a crash.

	const std::string line = config::format_rule(rule);
	std::vector<std::string> again = fuzz::split_words(line);
	FUZZ_CHECK(again.size() >= 2 && again[0] == "rule" && again[1] == "add",
		   "format_rule gives '%s'", line.c_str());
	again.erase(again.begin(), again.begin() + 2);

	config::Rule reparsed;
	try {
		reparsed = config::parse_rule_add(again);
	} catch (const config::GrammarError &e) {
		FUZZ_CHECK(false, "'%s' (formatted from an accepted rule) is refused: %s",
			   line.c_str(), e.what());
	}
	FUZZ_CHECK(config::same_rule(rule, reparsed), "'%s' parses to another rule", line.c_str());
	const std::string line_again = config::format_rule(reparsed);
	FUZZ_CHECK(line_again == line, "'%s' formats back as '%s'", line.c_str(), line_again.c_str());
	return 0;
}
