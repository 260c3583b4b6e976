// The Prometheus text the endpoint serves, from a hand-made snapshot: every
// family has HELP and TYPE, samples carry the snapshot's values, label
// values are escaped, and the rule limit holds.
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "metrics_text.h"

using namespace mcr::app;

namespace {

WorkerStats worker(uint16_t index, uint64_t polls, uint64_t busy, uint64_t sleeps,
		   std::vector<uint64_t> rx, std::vector<uint64_t> drops)
{
	WorkerStats w;
	w.index = index;
	w.polls = polls;
	w.busy_polls = busy;
	w.idle_sleeps = sleeps;
	w.rx_packets = std::move(rx);
	w.drops = std::move(drops);
	return w;
}

StatsSnapshot sample_snapshot(size_t rules)
{
	StatsSnapshot s;
	s.drop_reasons = {"not-ip", "no-rule", "no-buffer"};
	s.output_drop_reasons = {"no-buffer", "tx-full"};
	s.drops = {3, 9, 4};
	PortStats up, down;
	up.name = "up0";
	up.totals = {100, 6400, 0, 0, 0};
	up.drops = {3, 9, 0}; // parse and lookup drops count on the ingress port
	up.xdp.verdicts = {{"pass", 7}, {"redirect", 100}};
	down.name = "down0";
	down.totals = {0, 0, 200, 12800, 3};
	down.drops = {0, 0, 4}; // an output's on its egress port
	down.up = false; // its interface was deleted, twice; back once so far
	down.down_count = 2;
	down.reopen_count = 1;
	s.ports = {up, down};
	s.workers = {worker(0, 1000, 40, 5, {100, 0}, {2, 9, 4}), worker(1, 500, 0, 0, {0, 0}, {1, 0, 0})};
	for (size_t i = 0; i < rules; i++) {
		RuleStats r;
		r.position = i;
		r.rule.name = "feed-" + std::to_string(i);
		r.rule.outputs.resize(1);
		r.rule.outputs[0].port = "down0";
		r.packets = 10 * i;
		r.bytes = 640 * i;
		r.outputs.push_back({std::nullopt, {10 * i, 640 * i, {i, 2 * i}}});
		s.rules.push_back(std::move(r));
	}
	s.rules_total = rules;
	s.pools = {{"small", "size_class", 2048, 8191, 2048}, {"clone", "clone", 2176, 4095, 0}};
	s.reloads = {3, 1, 1733300000.5, false};
	return s;
}

// name{labels} -> value, for every sample line.
std::map<std::string, std::string> samples(const std::string &text)
{
	std::map<std::string, std::string> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.empty() || line[0] == '#')
			continue;
		const size_t space = line.rfind(' ');
		out[line.substr(0, space)] = line.substr(space + 1);
	}
	return out;
}

TEST(MetricsText, EveryFamilyHasHelpAndTypeBeforeItsSamples)
{
	const std::string text = render_metrics(sample_snapshot(2), "1.2.3");
	std::istringstream in(text);
	std::string line, family;
	std::map<std::string, int> types;
	const std::regex help(R"(# HELP (mcr_[a-z_]+) \S.*)");
	const std::regex type(R"(# TYPE (mcr_[a-z_]+) (counter|gauge))");
	const std::regex sample(R"((mcr_[a-z_]+)(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9.e+]+)");
	std::smatch m;
	while (std::getline(in, line)) {
		if (std::regex_match(line, m, help)) {
			family = m[1];
		} else if (std::regex_match(line, m, type)) {
			EXPECT_EQ(m[1], family) << "TYPE right after its HELP";
			types[family]++;
			if (m[2] == "counter") {
				EXPECT_TRUE(family.ends_with("_total")) << family;
			} else {
				EXPECT_FALSE(family.ends_with("_total")) << family;
			}
		} else {
			ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample: " << line;
			EXPECT_EQ(m[1], family) << "sample outside its family: " << line;
		}
	}
	for (const auto &[name, count] : types)
		EXPECT_EQ(count, 1) << name << " declared twice";
	EXPECT_GE(types.size(), 25u);
}

TEST(MetricsText, SamplesCarryTheSnapshotsValues)
{
	const auto s = samples(render_metrics(sample_snapshot(2), "1.2.3"));
	EXPECT_EQ(s.at("mcr_up"), "1");
	EXPECT_EQ(s.at("mcr_build_info{version=\"1.2.3\"}"), "1");
	EXPECT_EQ(s.at("mcr_config_reload_timestamp_seconds"), "1733300000.5");
	EXPECT_EQ(s.at("mcr_config_last_reload_successful"), "0");
	EXPECT_EQ(s.at("mcr_config_reloads_total{result=\"success\"}"), "3");
	EXPECT_EQ(s.at("mcr_config_reloads_total{result=\"failure\"}"), "1");
	EXPECT_EQ(s.at("mcr_port_rx_packets_total{port=\"up0\"}"), "100");
	EXPECT_EQ(s.at("mcr_port_rx_bytes_total{port=\"up0\"}"), "6400");
	EXPECT_EQ(s.at("mcr_port_tx_packets_total{port=\"down0\"}"), "200");
	EXPECT_EQ(s.at("mcr_port_tx_bytes_total{port=\"down0\"}"), "12800");
	EXPECT_EQ(s.at("mcr_port_tx_dropped_total{port=\"down0\"}"), "3");
	EXPECT_EQ(s.at("mcr_port_up{port=\"up0\"}"), "1");
	EXPECT_EQ(s.at("mcr_port_up{port=\"down0\"}"), "0");
	EXPECT_EQ(s.at("mcr_port_down_total{port=\"up0\"}"), "0");
	EXPECT_EQ(s.at("mcr_port_down_total{port=\"down0\"}"), "2");
	EXPECT_EQ(s.at("mcr_port_reopened_total{port=\"down0\"}"), "1");
	EXPECT_EQ(s.at("mcr_xdp_packets_total{port=\"up0\",verdict=\"redirect\"}"), "100");
	EXPECT_EQ(s.at("mcr_xdp_packets_total{port=\"up0\",verdict=\"pass\"}"), "7");
	EXPECT_EQ(s.count("mcr_xdp_packets_total{port=\"down0\",verdict=\"pass\"}"), 0u);
	// Summed over workers, and split by worker.
	EXPECT_EQ(s.at("mcr_drops_total{reason=\"not-ip\"}"), "3");
	EXPECT_EQ(s.at("mcr_port_drops_total{port=\"up0\",reason=\"no-rule\"}"), "9");
	EXPECT_EQ(s.at("mcr_port_drops_total{port=\"down0\",reason=\"no-buffer\"}"), "4");
	EXPECT_EQ(s.at("mcr_port_drops_total{port=\"down0\",reason=\"no-rule\"}"), "0");
	EXPECT_EQ(s.at("mcr_drops_total{reason=\"no-rule\"}"), "9");
	EXPECT_EQ(s.at("mcr_worker_drops_total{worker=\"1\",reason=\"not-ip\"}"), "1");
	EXPECT_EQ(s.at("mcr_worker_polls_total{worker=\"0\"}"), "1000");
	EXPECT_EQ(s.at("mcr_worker_busy_polls_total{worker=\"0\"}"), "40");
	EXPECT_EQ(s.at("mcr_worker_idle_sleeps_total{worker=\"0\"}"), "5");
	EXPECT_EQ(s.at("mcr_worker_rx_packets_total{worker=\"0\",port=\"up0\"}"), "100");
	EXPECT_EQ(s.at("mcr_rules"), "2");
	EXPECT_EQ(s.at("mcr_rules_unexported"), "0");
	EXPECT_EQ(s.at("mcr_rule_packets_total{rule=\"feed-1\"}"), "10");
	EXPECT_EQ(s.at("mcr_rule_bytes_total{rule=\"feed-1\"}"), "640");
	EXPECT_EQ(s.at("mcr_output_packets_total{rule=\"feed-1\",output=\"0\",port=\"down0\"}"), "10");
	EXPECT_EQ(s.at("mcr_output_bytes_total{rule=\"feed-1\",output=\"0\",port=\"down0\"}"), "640");
	EXPECT_EQ(s.at("mcr_output_drops_total{rule=\"feed-1\",output=\"0\",port=\"down0\",reason=\"no-buffer\"}"), "1");
	EXPECT_EQ(s.at("mcr_output_drops_total{rule=\"feed-1\",output=\"0\",port=\"down0\",reason=\"tx-full\"}"), "2");
	EXPECT_EQ(s.at("mcr_pool_size{pool=\"small\",kind=\"size_class\"}"), "8191");
	EXPECT_EQ(s.at("mcr_pool_in_use{pool=\"small\",kind=\"size_class\"}"), "2048");
	EXPECT_EQ(s.at("mcr_pool_in_use{pool=\"clone\",kind=\"clone\"}"), "0");
}

TEST(MetricsText, MergedRulesExportTheirStreamHealth)
{
	StatsSnapshot snap = sample_snapshot(2);
	RuleStats &r = snap.rules[1];
	r.rule.more_inputs.push_back(r.rule.match);
	r.rule.more_inputs[0].port = "up1";
	StreamStats st;
	st.merge = true;
	st.accepted = 58;
	st.duplicates = 53;
	st.late = 1;
	st.gaps = 2;
	st.no_sequence = 4;
	st.multiple = 39;
	st.inputs = {{"up0", 30, 1}, {"up1", 28, 2}};
	r.stream = st;
	const auto s = samples(render_metrics(snap, "1"));
	EXPECT_EQ(s.at("mcr_stream_accepted_total{rule=\"feed-1\",mode=\"merge\"}"), "58");
	EXPECT_EQ(s.at("mcr_stream_duplicates_total{rule=\"feed-1\",mode=\"merge\"}"), "53");
	EXPECT_EQ(s.at("mcr_stream_late_total{rule=\"feed-1\",mode=\"merge\"}"), "1");
	EXPECT_EQ(s.at("mcr_stream_gaps_total{rule=\"feed-1\",mode=\"merge\"}"), "2");
	EXPECT_EQ(s.at("mcr_stream_no_sequence_total{rule=\"feed-1\",mode=\"merge\"}"), "4");
	EXPECT_EQ(s.at("mcr_stream_multiple_total{rule=\"feed-1\",mode=\"merge\"}"), "39");
	EXPECT_EQ(s.at("mcr_stream_input_first_total{rule=\"feed-1\",input=\"1\",port=\"up1\"}"), "28");
	EXPECT_EQ(s.at("mcr_stream_input_only_total{rule=\"feed-1\",input=\"0\",port=\"up0\"}"), "1");
	EXPECT_EQ(s.count("mcr_stream_gaps_total{rule=\"feed-0\",mode=\"merge\"}"), 0u)
		<< "a plain rule has no stream series";
}

TEST(MetricsText, EscapesLabelValues)
{
	EXPECT_EQ(escape_label_value("plain-name_1"), "plain-name_1");
	EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
	EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
	EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
	StatsSnapshot s = sample_snapshot(0);
	s.ports[0].name = "we\"ird\\port\n";
	const auto text = render_metrics(s, "v\"1");
	EXPECT_NE(text.find("mcr_port_rx_packets_total{port=\"we\\\"ird\\\\port\\n\"} 100\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("mcr_build_info{version=\"v\\\"1\"} 1\n"), std::string::npos);
}

TEST(MetricsText, RulesBeyondTheLimitAreCountedNotExported)
{
	// collect_stats keeps the first max_rules rules; the renderer reports
	// how many more there are.
	StatsSnapshot s = sample_snapshot(3);
	s.rules_total = 100000;
	const std::string text = render_metrics(s, "1");
	const auto m = samples(text);
	EXPECT_EQ(m.at("mcr_rules"), "100000");
	EXPECT_EQ(m.at("mcr_rules_unexported"), "99997");
	size_t rule_series = 0;
	for (const auto &[k, _] : m)
		rule_series += k.find("rule=\"") != std::string::npos;
	EXPECT_EQ(rule_series, 3u * 6u) << "packets, bytes, output packets and bytes, and drops by its two reasons";

	StatsSnapshot none = sample_snapshot(0);
	none.rules_total = 5;
	const auto n = samples(render_metrics(none, "1"));
	EXPECT_EQ(n.at("mcr_rules_unexported"), "5");
	// The family is still declared, empty: dashboards see it exists.
	EXPECT_NE(render_metrics(none, "1").find("# TYPE mcr_rule_packets_total counter"),
		  std::string::npos);
}

} // namespace
