// fuzz_config: the YAML loader on arbitrary text.
//
// load_string either returns a Config or throws ConfigError with at least
// one diagnostic, each located in the file it was given; anything else
// (another exception, a crash, a hang caught by -timeout) is a finding.
// A returned Config must hold what the rest of mcr relies on: values in
// range, unique names, every rule passing the console's own check_rule
// against the rules before it, and every rule expressible in the console's
// grammar (format_rule then parse_rule_add gives the same rule), since the
// console and the file hold rules to the same limits.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"
#include "config/bounds.h"
#include "config/compare.h"
#include "config/error.h"
#include "config/loader.h"
#include "config/names.h"
#include "config/validate.h"
#include "config/rule_grammar.h"
#include "fuzz_check.h"
#include "words.h"

namespace mcr::fuzz {
namespace {

const std::string file_name = "fuzz.yaml";

bool in(int64_t value, config::limits::Range range)
{
	return value >= range.min && value <= range.max;
}

void check_error(const config::ConfigError &error)
{
	FUZZ_CHECK(!error.diagnostics().empty(), "ConfigError without a diagnostic: %s",
		   error.what());
	for (const config::Diagnostic &d : error.diagnostics()) {
		FUZZ_CHECK(d.where.file == file_name && d.where.line >= 1 && d.where.column >= 1,
			   "diagnostic at %s:%d:%d: %s", d.where.file.c_str(), d.where.line,
			   d.where.column, d.message.c_str());
		FUZZ_CHECK(!d.message.empty(), "empty diagnostic at line %d", d.where.line);
	}
}

void check_ports(const config::Config &cfg)
{
	FUZZ_CHECK(!cfg.ports.empty(), "a config without ports was accepted");
	std::set<std::string> names;
	for (const config::Port &p : cfg.ports) {
		FUZZ_CHECK(config::is_valid_name(p.name, config::limits::max_port_name),
			   "port name '%s'", p.name.c_str());
		FUZZ_CHECK(config::is_valid_iface_name(p.iface), "iface '%s'", p.iface.c_str());
		FUZZ_CHECK(names.insert(p.name).second, "port '%s' twice", p.name.c_str());
		FUZZ_CHECK(p.queues == 0 || in(p.queues, config::limits::queues), "queues %u",
			   p.queues);
	}
}

void check_workers_and_pools(const config::Config &cfg)
{
	const config::Workers &w = cfg.workers;
	FUZZ_CHECK(!w.lcores.empty(), "no worker lcore");
	std::set<unsigned> lcores;
	for (unsigned l : w.lcores)
		FUZZ_CHECK(in(l, config::limits::lcore) && lcores.insert(l).second, "lcore %u", l);
	FUZZ_CHECK(in(w.burst, config::limits::burst), "burst %u", w.burst);
	FUZZ_CHECK(in(w.copy_threshold, config::limits::copy_threshold), "copy_threshold %u",
		   w.copy_threshold);
	FUZZ_CHECK(in(w.tx_drain_us, config::limits::tx_drain_us), "tx_drain_us %u", w.tx_drain_us);

	FUZZ_CHECK(!cfg.pools.empty(), "no pool");
	std::set<std::string> names;
	for (const config::Pool &p : cfg.pools) {
		FUZZ_CHECK(config::is_valid_name(p.name, config::limits::max_pool_name) &&
				   names.insert(p.name).second,
			   "pool name '%s'", p.name.c_str());
		FUZZ_CHECK(in(p.data_size, config::limits::data_size) &&
				   in(p.count, config::limits::pool_count),
			   "pool '%s': %u x %u bytes", p.name.c_str(), p.count, p.data_size);
	}
}

void check_rule_in_grammar(const config::Rule &rule)
{
	const std::string line = config::format_rule(rule);
	std::vector<std::string> words = split_words(line);
	FUZZ_CHECK(words.size() > 2, "format_rule gives '%s'", line.c_str());
	words.erase(words.begin(), words.begin() + 2); // "rule add"
	try {
		const config::Rule again = config::parse_rule_add(words);
		FUZZ_CHECK(config::same_rule(rule, again),
			   "rule '%s' from the file reads back from the console as another rule: %s",
			   rule.name.c_str(), line.c_str());
	} catch (const config::GrammarError &e) {
		FUZZ_CHECK(false, "rule '%s' from the file cannot be given on the console: '%s': %s",
			   rule.name.c_str(), line.c_str(), e.what());
	}
}

// One representation: a prefix reads back from its text as itself (no
// bits past its length), a port range is ordered.
void check_values(const config::Rule &rule)
{
	const auto canonical = [&](const config::Prefix &p) {
		std::string error;
		const auto again = config::parse_prefix(config::format_prefix(p), error);
		FUZZ_CHECK(again && *again == p, "rule '%s': prefix %s does not read back: %s",
			   rule.name.c_str(), config::format_prefix(p).c_str(), error.c_str());
	};
	for (const config::Match *m : rule.inputs()) {
		canonical(m->dst);
		if (m->src)
			canonical(*m->src);
		FUZZ_CHECK(m->dport.first <= m->dport.last, "rule '%s': dport %u-%u",
			   rule.name.c_str(), m->dport.first, m->dport.last);
	}
	for (const config::Output &o : rule.outputs)
		if (o.dst)
			canonical(*o.dst);
}

void check_rules(const config::Config &cfg)
{
	config::Config before = cfg;
	before.rules.clear();
	for (const config::Rule &rule : cfg.rules) {
		const std::vector<config::Diagnostic> problems = config::check_rule(before, rule);
		FUZZ_CHECK(problems.empty(), "loaded rule '%s' fails check_rule: %s",
			   rule.name.c_str(), problems.front().str().c_str());
		FUZZ_CHECK(!rule.outputs.empty() && rule.outputs.size() <= config::limits::max_outputs,
			   "rule '%s' has %zu outputs", rule.name.c_str(), rule.outputs.size());
		check_values(rule);
		check_rule_in_grammar(rule);
		before.rules.push_back(rule);
	}
}

} // namespace
} // namespace mcr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	using namespace mcr;
	const std::string_view yaml(reinterpret_cast<const char *>(data), size);
	config::Config cfg;
	try {
		cfg = config::load_string(yaml, fuzz::file_name);
	} catch (const config::ConfigError &error) {
		fuzz::check_error(error);
		return 0;
	}
	// Any other exception escapes and libFuzzer reports it as a crash.
	FUZZ_CHECK(cfg.file == fuzz::file_name, "Config.file '%s'", cfg.file.c_str());
	fuzz::check_ports(cfg);
	fuzz::check_workers_and_pools(cfg);
	fuzz::check_rules(cfg);
	return 0;
}
