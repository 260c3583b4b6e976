// Hostile or odd YAML: every file is either accepted or rejected with
// diagnostics; none crashes, hangs or throws anything but ConfigError.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/error.h"
#include "config/loader.h"

using namespace mcr::config;

namespace {

const std::string base = R"(ports:
  - { name: up0, iface: lr0 }
  - { name: down0, iface: lr1 }
rules:
  - name: a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: [ { port: down0, dst: 239.2.2.2 } ]
)";

std::string first_error(const std::string &yaml)
{
	try {
		load_string(yaml, "t.yaml");
	} catch (const ConfigError &e) {
		return e.diagnostics().at(0).str();
	}
	return "(accepted)";
}

} // namespace

TEST(Robustness, DeepFlowNestingIsRejected)
{
	const std::string deep = "ports: " + std::string(100000, '[') + std::string(100000, ']');
	EXPECT_EQ(first_error(deep), "t.yaml:1:200008: invalid YAML: nested too deeply");
}

TEST(Robustness, DeepBlockNestingIsRejected)
{
	std::string deep = "ports:\n";
	for (int i = 1; i < 5000; i++)
		deep += std::string(2 * i, ' ') + fmt::format("k{}:\n", i);
	EXPECT_NE(first_error(deep).find("invalid YAML: nested too deeply"), std::string::npos);
}

TEST(Robustness, HugeNumbersAreOutOfRange)
{
	std::string yaml = base + "workers: { burst: 123456789012345678901234567890 }\n";
	EXPECT_EQ(first_error(yaml),
		  "t.yaml:8:19: 'burst' must be between 1 and 512, got 123456789012345678901234567890");
}

TEST(Robustness, UnicodeAndControlCharactersInNames)
{
	std::string yaml = base;
	yaml.replace(yaml.find("name: a"), 7, "name: \xc3\xa9t\xc3\xa9");
	EXPECT_EQ(first_error(yaml), "t.yaml:5:11: invalid rule name '\xc3\xa9t\xc3\xa9' (expected 1 to "
				     "63 letters, digits, '_' or '-')");
	yaml = base;
	yaml.replace(yaml.find("name: a"), 7, "name: \"a\\x01b\"");
	EXPECT_NE(first_error(yaml).find("invalid rule name 'a\\x01b'"), std::string::npos);
}

TEST(Robustness, DuplicateKeysAreReported)
{
	std::string yaml = base;
	yaml.replace(yaml.find("dport: 5000"), 11, "dport: 5000, dport: 5001");
	EXPECT_EQ(first_error(yaml), "t.yaml:6:54: duplicate key 'dport' in match");
}

TEST(Robustness, AnchorsAndAliasesWorkWhereTheyMakeSense)
{
	const std::string yaml = R"(ports:
  - { name: up0, iface: lr0 }
  - { name: down0, iface: lr1 }
rules:
  - name: a
    match: { port: up0, dst: 239.1.1.1, dport: 5000 }
    outputs: &fanout [ { port: down0, dst: 239.2.2.2 }, { port: down0, dst: 239.3.3.3 } ]
  - name: b
    match: { port: up0, dst: 239.1.1.2, dport: 5000 }
    outputs: *fanout
)";
	const Config cfg = load_string(yaml, "t.yaml");
	ASSERT_EQ(cfg.rules.size(), 2u);
	EXPECT_EQ(cfg.rules[1].outputs.size(), 2u);
}

TEST(Robustness, AliasExpansionBombIsRejectedQuickly)
{
	// Nine levels of nine aliases: 387 million strings if expanded. yaml-cpp
	// shares aliased nodes, and the unknown keys are all reported.
	std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
	for (char c = 'b'; c <= 'i'; c++) {
		const char prev = static_cast<char>(c - 1);
		yaml += fmt::format("{0}: &{0} [*{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}]\n",
				    c, prev);
	}
	EXPECT_EQ(first_error(yaml + base),
		  "t.yaml:1:1: unknown key 'a' (expected one of: ports, workers, pools, rules, metrics)");
}

TEST(Robustness, BinaryAndNulBytesAreRejected)
{
	EXPECT_NE(first_error(std::string("\xff\xfe\x00garbage", 10)).find("t.yaml:"),
		  std::string::npos);
	std::string yaml = base + "workers: { burst: 3";
	yaml += '\0';
	yaml += "2 }\n";
	EXPECT_NE(first_error(yaml), "(accepted)");
}

TEST(Robustness, TenMegabyteFilesLoad)
{
	// 10 MB of comment, then 20,000 rules (2.4 MB): accepted, every rule read.
	std::string yaml = base + "# " + std::string(10 << 20, 'x') + "\n";
	for (int i = 0; i < 20000; i++)
		yaml += fmt::format("  - name: r{}\n    match: {{ port: up0, dst: 239.{}.{}.{}, dport: 6000 }}"
				    "\n    outputs: [ {{ port: down0 }} ]\n",
				    i, i / 65536 % 256, i / 256 % 256, i % 256);
	const Config cfg = load_string(yaml, "t.yaml");
	EXPECT_EQ(cfg.rules.size(), 20001u);
}

TEST(Robustness, AStrayTopLevelCommaDoesNotHang)
{
	// yaml-cpp 0.7's LoadAll loops for ever, allocating, on this input
	// (found by fuzz_config); the loader scans documents itself.
	EXPECT_EQ(first_error(",\n"), "t.yaml:1:1: expected a map at the top level, got nothing");
}
