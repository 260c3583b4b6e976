// Telemetry replies: pages sized by what DPDK 22.11 passes whole (long
// names, 64 outputs, huge counters, 0 rules, an offset past the end, a
// page exactly as large as allowed), and the size model itself checked
// byte for byte against DPDK's own encoder over its telemetry socket.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_telemetry.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "telemetry_emit.h"
#include "telemetry_reply.h"
#include "telemetry_views.h"

using namespace mcr::app;
using namespace mcr::app::tel;

namespace {

constexpr uint64_t huge = std::numeric_limits<uint64_t>::max();

StatsSnapshot empty_snapshot()
{
	StatsSnapshot s;
	s.output_drop_reasons = {"ttl-expired", "no-buffer", "tx-full", "too-big", "no-neighbour"};
	return s;
}

// A rule named `name` with `outputs` outputs on port `port`, every counter
// at `count`.
RuleStats make_rule(size_t position, const std::string &name, size_t outputs,
		    const std::string &port = "down0", uint64_t count = 0)
{
	RuleStats r;
	r.position = position;
	r.rule.name = name;
	r.rule.match.port = "up0";
	r.rule.match.dst = mcr::config::Prefix::host(0xef010101);
	r.rule.match.dport = mcr::config::PortRange::single(5000);
	r.packets = count;
	r.bytes = count;
	for (size_t o = 0; o < outputs; o++) {
		mcr::config::Output out;
		out.port = port;
		out.dst = mcr::config::Prefix::host(0xef020000 + static_cast<uint32_t>(o));
		out.dport = static_cast<uint16_t>(6000 + o);
		r.rule.outputs.push_back(out);
		r.outputs.push_back({mcr::config::IpAddress{0xc6120101u}, {count, count, {count, count, count, count, count}}});
	}
	return r;
}

// The rules a page request sees: those from `offset` on, at most a dict's worth.
StatsSnapshot from(const std::vector<RuleStats> &all, size_t offset)
{
	StatsSnapshot s = empty_snapshot();
	s.rules_total = all.size();
	for (size_t i = offset; i < all.size() && s.rules.size() < max_dict_entries; i++)
		s.rules.push_back(all[i]);
	return s;
}

const Dict &child(const Dict &d, const std::string &key)
{
	for (const auto &[k, v] : d.entries)
		if (k == key)
			return *std::get<std::unique_ptr<Dict>>(v);
	throw std::runtime_error("no dict " + key);
}

const Value &value(const Dict &d, const std::string &key)
{
	for (const auto &[k, v] : d.entries)
		if (k == key)
			return v;
	throw std::runtime_error("no value " + key);
}

bool is_null(const Value &v)
{
	return std::holds_alternative<Null>(v);
}

uint64_t number(const Value &v)
{
	return std::get<uint64_t>(v);
}

const size_t rules_budget = reply_budget("/mcr/rules");

// Follows `next` from offset 0 and checks every page on the way; returns
// the positions listed, in order.
std::vector<size_t> walk(const std::vector<RuleStats> &all, size_t budget = rules_budget)
{
	std::vector<size_t> seen;
	size_t offset = 0;
	for (int pages = 0; pages < 100000; pages++) {
		const Dict page = rules_page(from(all, offset), offset, budget);
		EXPECT_EQ(problem(page, budget), "") << "page at " << offset;
		EXPECT_EQ(number(value(page, "total")), all.size());
		EXPECT_EQ(number(value(page, "offset")), offset);
		const Dict &rules = child(page, "rules");
		for (const auto &[k, v] : rules.entries)
			seen.push_back(std::stoul(k));
		const Value &next = value(page, "next");
		if (is_null(next))
			return seen;
		EXPECT_FALSE(rules.entries.empty()) << "a page with more to come lists something";
		offset = number(next);
		if (rules.entries.size() == max_dict_entries)
			continue;
		// Full: the next rule would not have fitted.
		const RuleStats &following = all[offset];
		StatsSnapshot one = empty_snapshot();
		one.rules_total = all.size();
		one.rules.push_back(following);
		const Dict alone = rules_page(one, following.position, std::numeric_limits<size_t>::max());
		const size_t entry = encode(child(alone, "rules")).size() - 2;
		// (next's digits may differ by one then: the check is loose by as much)
		EXPECT_GT(encode(page).size() + 1 + entry + 1, budget) << "page before " << offset << " not full";
	}
	ADD_FAILURE() << "next never became null";
	return seen;
}

TEST(TelemetryPages, NoRules)
{
	StatsSnapshot s = empty_snapshot();
	EXPECT_EQ(encode(rules_page(s, 0, rules_budget)),
		  R"({"total":0,"offset":0,"next":null,"rules":{}})");
}

TEST(TelemetryPages, OffsetPastTheEndIsAnEmptyLastPage)
{
	StatsSnapshot s = empty_snapshot();
	s.rules_total = 5;
	EXPECT_EQ(encode(rules_page(s, 9, rules_budget)),
		  R"({"total":5,"offset":9,"next":null,"rules":{}})");
}

TEST(TelemetryPages, EveryRuleOnceInOrderWithLongNames)
{
	std::vector<RuleStats> all;
	for (size_t i = 0; i < 3000; i++)
		all.push_back(make_rule(i, std::string(63 - std::to_string(i).size(), 'n') +
						   std::to_string(i), 1 + i % 3, std::string(31, 'p'), i * 1000003));
	const std::vector<size_t> seen = walk(all);
	ASSERT_EQ(seen.size(), all.size());
	for (size_t i = 0; i < seen.size(); i++)
		ASSERT_EQ(seen[i], i);
}

TEST(TelemetryPages, ManySmallRulesStopAtTheDictEntryLimit)
{
	// With a budget no page of real rules reaches, only the entry limit stops a page.
	std::vector<RuleStats> all;
	for (size_t i = 0; i < 600; i++)
		all.push_back(make_rule(i, "r" + std::to_string(i), 0));
	const Dict page = rules_page(from(all, 0), 0, 10'000'000);
	EXPECT_EQ(child(page, "rules").entries.size(), max_dict_entries);
	EXPECT_EQ(number(value(page, "next")), max_dict_entries);
	EXPECT_EQ(walk(all, 10'000'000).size(), all.size());
}

TEST(TelemetryPages, ARuleTooLargeForAPageComesAloneWithWhatFitsAndSaysSo)
{
	// 64 outputs, every counter at its largest, long names: no page holds it.
	std::vector<RuleStats> all = {make_rule(0, "small", 1),
				      make_rule(1, std::string(63, 'w'), 64, std::string(31, 'p'), huge),
				      make_rule(2, "after", 1)};
	const Dict first = rules_page(from(all, 0), 0, rules_budget);
	EXPECT_EQ(child(first, "rules").entries.size(), 1u) << "the wide rule waits for its own page";
	EXPECT_EQ(number(value(first, "next")), 1u);

	const Dict page = rules_page(from(all, 1), 1, rules_budget);
	EXPECT_EQ(problem(page, rules_budget), "");
	const Dict &wide = child(child(page, "rules"), "1");
	EXPECT_EQ(number(value(wide, "outputs_total")), 64u);
	const size_t shown = child(wide, "outputs").entries.size();
	ASSERT_GT(shown, 0u);
	ASSERT_LT(shown, 64u);
	EXPECT_EQ(number(value(wide, "outputs_next")), shown);
	EXPECT_EQ(number(value(page, "next")), 2u);

	// /mcr/rule,NAME,FIRST reads the rest, every output once.
	const size_t budget = reply_budget("/mcr/rule");
	std::set<std::string> outputs;
	size_t first_output = 0;
	for (int i = 0; i < 64; i++) {
		const Dict r = rule_reply(all[1], from(all, 1), first_output, budget);
		EXPECT_EQ(problem(r, budget), "");
		for (const auto &[k, v] : child(r, "outputs").entries)
			EXPECT_TRUE(outputs.insert(k).second) << "output " << k << " twice";
		if (is_null(value(r, "outputs_next")))
			break;
		first_output = number(value(r, "outputs_next"));
	}
	EXPECT_EQ(outputs.size(), 64u);
}

TEST(TelemetryPages, APageExactlyAsLargeAsAllowedIsFullAndOneByteLessIsNot)
{
	std::vector<RuleStats> all;
	for (size_t i = 0; i < 40; i++)
		all.push_back(make_rule(i, "rule-" + std::to_string(i), 2));
	// Pages of an unlimited budget give the exact size of k rules.
	for (size_t k : {1u, 7u, 23u}) {
		StatsSnapshot s = from(all, 0);
		s.rules.resize(k);
		s.rules_total = all.size();
		const size_t exact = encode(rules_page(s, 0, std::numeric_limits<size_t>::max())).size();
		const Dict full = rules_page(from(all, 0), 0, exact);
		EXPECT_EQ(child(full, "rules").entries.size(), k);
		EXPECT_EQ(encode(full).size(), exact);
		EXPECT_EQ(problem(full, exact), "");
		EXPECT_EQ(child(rules_page(from(all, 0), 0, exact - 1), "rules").entries.size(), k - 1 == 0 ? 1 : k - 1)
			<< "one byte less holds one rule less (a first rule always comes, cut)";
	}
}

// 2,000 next hops, one used by 5,000 rules: every page within budget,
// every row once in order, and a rules list that cannot fit says so.
TEST(TelemetryPages, NeighboursPagedWithRuleListsThatSayWhenCut)
{
	std::vector<NeighbourRow> rows;
	for (size_t i = 0; i < 2000; i++)
		rows.push_back({"down" + std::to_string(i % 7), "198.18." + std::to_string(i / 250) + "." +
				std::to_string(i % 250), "198.18.2.254", "02:00:00:00:02:0a",
				{"rule-" + std::to_string(i)}});
	for (size_t r = 0; r < 5000; r++)
		rows[3].rules.push_back("a-long-rule-name-" + std::to_string(r));
	const size_t budget = reply_budget("/mcr/neighbours");
	std::vector<size_t> seen;
	size_t offset = 0;
	for (int pages = 0; pages < 1000; pages++) {
		const Dict page = neighbours_page(rows, offset, budget);
		ASSERT_EQ(problem(page, budget), "") << "page at " << offset;
		EXPECT_EQ(number(value(page, "total")), rows.size());
		for (const auto &[k, v] : child(page, "neighbours").entries)
			seen.push_back(std::stoul(k));
		if (is_null(value(page, "next")))
			break;
		offset = number(value(page, "next"));
	}
	ASSERT_EQ(seen.size(), rows.size());
	for (size_t i = 0; i < seen.size(); i++)
		ASSERT_EQ(seen[i], i);
	const Dict first = neighbours_page(rows, 0, budget);
	const Dict &busy = child(child(first, "neighbours"), "3");
	EXPECT_EQ(number(value(busy, "rule_count")), 5001u);
	const std::string &names = std::get<std::string>(value(busy, "rules"));
	EXPECT_LT(names.size(), max_string_len);
	EXPECT_TRUE(names.ends_with(",...")) << names;
	EXPECT_EQ(std::get<std::string>(value(child(child(first, "neighbours"), "4"), "rules")),
		  "rule-4");
	EXPECT_EQ(encode(neighbours_page({}, 0, budget)),
		  R"({"total":0,"offset":0,"next":null,"neighbours":{}})");
}

TEST(TelemetryPages, AMergedRuleCarriesItsStreamWithEveryInput)
{
	RuleStats r = make_rule(0, "feed", 1);
	r.rule.more_inputs.push_back(r.rule.match);
	r.rule.more_inputs[0].port = "up1";
	r.rule.more_inputs[0].dst = mcr::config::Prefix::host(0xef010201);
	StreamStats st;
	st.merge = true;
	st.accepted = 58;
	st.gaps = 2;
	st.multiple = 39;
	st.inputs = {{"up0", 30, 1}, {"up1", 28, 2}};
	r.stream = st;
	const std::string json = encode(rule_reply(r, from({r}, 0), 0, rules_budget));
	EXPECT_NE(json.find(R"("stream":{"mode":"merge","owner":0,"accepted":58,"duplicates":0,)"
			    R"("late":0,"reordered":0,"gaps":2,"resyncs":0,"multiple":39,"no_sequence":0,)"
			    R"("inputs":{"0":{"port":"up0","dst":"239.1.1.1","dport":5000,"first":30,"only":1},)"
			    R"("1":{"port":"up1","dst":"239.1.2.1","dport":5000,"first":28,"only":2}}})"),
		  std::string::npos)
		<< json;
	r.stream.reset();
	EXPECT_EQ(encode(rule_reply(r, from({r}, 0), 0, rules_budget)).find("stream"), std::string::npos);
}

TEST(TelemetryReply, ProblemsDpdkWouldCutSilently)
{
	Dict many;
	for (int i = 0; i < 257; i++)
		many.add("k" + std::to_string(i), uint64_t{1});
	EXPECT_NE(problem(many, 1 << 20), "");
	EXPECT_NE(problem(Dict{}.add("a-b", uint64_t{1}), 1 << 20), "");
	EXPECT_NE(problem(Dict{}.add("a", std::string(128, 'x')), 1 << 20), "");
	EXPECT_EQ(problem(Dict{}.add("a", std::string(127, 'x')), 1 << 20), "");
	EXPECT_NE(problem(Dict{}.add("a", uint64_t{1}).add("a", uint64_t{2}), 1 << 20), "");
	Dict nested;
	nested.add_dict("x").add("bad key", uint64_t{1});
	EXPECT_NE(problem(nested, 1 << 20), "");
	Dict fits;
	fits.add("a", uint64_t{1});
	EXPECT_EQ(problem(fits, encode(fits).size()), "");
	EXPECT_NE(problem(fits, encode(fits).size() - 1), "");
}

TEST(TelemetryReply, ParametersAreDecimalCountsOnly)
{
	EXPECT_EQ(parse_count("0"), 0u);
	EXPECT_EQ(parse_count("17"), 17u);
	for (const char *bad : {"", "-1", "1x", "x", " 1", "0x10", "1234567890123456789"})
		EXPECT_FALSE(parse_count(bad)) << bad;
}

// --- against DPDK's own encoder -------------------------------------------

const Dict *served = nullptr;

int serve(const char *cmd, const char *, rte_tel_data *d)
{
	return reply(cmd, *served, d);
}

// One request on the process's own telemetry socket, as dpdk-telemetry.py
// makes it; the raw reply.
std::string ask(const std::string &command)
{
	const std::string path = std::string(rte_eal_get_runtime_dir()) + "/dpdk_telemetry.v2";
	const int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
	if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		if (fd >= 0)
			close(fd);
		return "cannot connect to " + path;
	}
	std::vector<char> buf(64 * 1024);
	(void)recv(fd, buf.data(), buf.size(), 0); // the greeting
	(void)send(fd, command.data(), command.size(), 0);
	const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
	close(fd);
	return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "no reply";
}

const char *const echo = "/mcrtest/echo";

std::string expected(const Dict &d)
{
	return std::string("{\"") + echo + "\":" + encode(d) + "}";
}

TEST(TelemetryDpdk, EncodesExactlyAsModelled)
{
	Dict d;
	d.add("n", uint64_t{0}).add("big", huge).add("s", std::string("a\"b\\c\nd\te\x01" "f"));
	d.add_null("nothing");
	d.add_dict("empty");
	d.add_dict("nested").add_dict("deeper").add("x", uint64_t{1});
	served = &d;
	EXPECT_EQ(ask(echo), expected(d));
}

TEST(TelemetryDpdk, AFullPageArrivesWhole)
{
	std::vector<RuleStats> all;
	for (size_t i = 0; i < 300; i++)
		all.push_back(make_rule(i, "rule-" + std::to_string(i), 1 + i % 4, "down0", i * 977));
	const size_t budget = reply_budget(echo);
	const Dict page = rules_page(from(all, 0), 0, budget);
	ASSERT_GT(encode(page).size(), budget - 1000) << "not a full page (a rule is under 1000 bytes here)";
	served = &page;
	EXPECT_EQ(ask(echo), expected(page));

	// A reply the budget's own size is whole; one byte more DPDK would cut,
	// so it becomes an error instead.
	Dict exact;
	exact.add("pad", std::string());
	const size_t base = encode(exact).size();
	Dict &filler = exact.add_dict("f");
	for (size_t i = 0; encode(exact).size() + 110 < budget; i++)
		filler.add("k" + std::to_string(i), std::string(100, 'x'));
	const std::string pad(budget - encode(exact).size(), 'p');
	ASSERT_LT(pad.size(), max_string_len);
	std::get<std::string>(exact.entries[0].second) = pad;
	ASSERT_EQ(encode(exact).size(), budget);
	(void)base;
	served = &exact;
	EXPECT_EQ(ask(echo), expected(exact));
	std::get<std::string>(exact.entries[0].second) = pad + "p";
	const std::string over = ask(echo);
	EXPECT_NE(over.find("reply too large for DPDK telemetry"), std::string::npos) << over.substr(0, 200);
}

TEST(TelemetryDpdk, TheBudgetIsDpdksOwnLimit)
{
	// Without the check, one byte over the budget is silently left out by
	// DPDK: the reply arrives shorter than the model says. This is what
	// tel::reply guards against.
	Dict d;
	d.add("pad", std::string());
	const size_t budget = reply_budget("/mcrtest/raw");
	Dict &filler = d.add_dict("f");
	for (size_t i = 0; encode(d).size() + 110 < budget; i++)
		filler.add("k" + std::to_string(i), std::string(100, 'x'));
	std::get<std::string>(d.entries[0].second) = std::string(budget + 1 - encode(d).size(), 'p');
	ASSERT_EQ(encode(d).size(), budget + 1);
	static const Dict *raw = nullptr;
	raw = &d;
	rte_telemetry_register_cmd("/mcrtest/raw", [](const char *, const char *, rte_tel_data *out) {
		// The same dict handed over without tel::problem's check.
		rte_tel_data_start_dict(out);
		rte_tel_data_add_dict_string(out, "pad", std::get<std::string>(raw->entries[0].second).c_str());
		rte_tel_data *f = rte_tel_data_alloc();
		rte_tel_data_start_dict(f);
		for (const auto &[k, v] : std::get<std::unique_ptr<Dict>>(raw->entries[1].second)->entries)
			rte_tel_data_add_dict_string(f, k.c_str(), std::get<std::string>(v).c_str());
		rte_tel_data_add_dict_container(out, "f", f, 0);
		return 0;
	}, "test");
	const std::string got = ask("/mcrtest/raw");
	EXPECT_NE(got, std::string("{\"/mcrtest/raw\":") + encode(d) + "}") << "(first 200) " << got.substr(0, 200);
	EXPECT_LT(got.size(), std::string("{\"/mcrtest/raw\":").size() + encode(d).size() + 1)
		<< "DPDK cut it, silently";
}

} // namespace

int main(int argc, char **argv)
{
	::testing::InitGoogleTest(&argc, argv);
	std::vector<std::string> eal_args = {
		argv[0], "-l", "0", "--no-huge", "-m", "64", "--no-pci",
		"--file-prefix", "mcr-telemetry-test-" + std::to_string(getpid()),
		"--log-level", "lib.eal:error",
	};
	std::vector<char *> eal_argv;
	for (std::string &a : eal_args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
		std::fprintf(stderr, "telemetry_test: rte_eal_init failed\n");
		return 1;
	}
	const std::string runtime_dir = rte_eal_get_runtime_dir();
	rte_telemetry_register_cmd(echo, serve, "test");
	const int rc = RUN_ALL_TESTS();
	rte_eal_cleanup();
	std::error_code ignored;
	std::filesystem::remove_all(runtime_dir, ignored);
	return rc;
}
