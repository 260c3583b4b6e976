// ns/packet of the range stage against the exact rule table, in one run,
// with the ratios printed at the end (the machine is shared: compare
// ratios, not absolute figures, and repeat runs).
//
// - exact_hit: RuleTable::lookup_bulk of a burst of 32 flows on exact
//   rules: the baseline.
// - exact_hit_ranges_present/16: the worker's two stages (exact, then the
//   range stage for the misses) for the same burst, with 16 mask classes of
//   ranges in each family: the range stage is never entered, so this must
//   cost what /0 (an empty range table) does; /0 against exact_hit is the
//   loop that gathers the misses (the worker's own loop can do that).
// - exact_miss: a burst no exact rule matches (what a range-matched packet
//   pays before the range stage).
// - range_hit_v4/N, range_hit_v6/N: RangeTable::lookup_bulk of 32 flows
//   whose entry is in the last of N mask classes (the worst case: every
//   class is looked up).
// - range_miss_v4/16, range_miss_v6/16: nothing matches, all 16 classes.
// - range_hit_v4_sg/16: the 15 classes before the hit are source-specific
//   classes of the packets' own destination prefix, for other sources.
// - range_hit_v4_ports/16: the worst case for the per-class filter: each of
//   the 15 classes before the hit holds the packets' own prefixes, for
//   another port, so every class costs a hash lookup.
//
// Run: bench-range --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
// EAL runs on lcore 0 unless MCR_BENCH_LCORE names another.
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <rte_byteorder.h>
#include <rte_eal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiled_rule.h"
#include "engine/range_table.h"
#include "engine/rule_table.h"

namespace mcr::engine::bench {
namespace {

constexpr unsigned burst = 32;
constexpr unsigned ranges_per_class = 64;

uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

void set_counters(benchmark::State &state)
{
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * burst);
	state.counters["time/pkt"] = benchmark::Counter(
		burst, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

RuleKey exact_key(uint32_t group)
{
	RuleKey k{};
	k.dst_ip = rte_cpu_to_be_32(group);
	k.dst_port = rte_cpu_to_be_16(5000);
	return k;
}

// A range table of `classes` mask classes per family. The packets' entry
// (239.0.0.0/8, ff3e::/16, any port) is in the shortest class, walked
// last; the longer classes hold entries elsewhere (10/8, fd00::/8) that the
// packets never match.
enum class Before { elsewhere, other_sources, other_ports };

struct Ranges {
	RangeTable table;
	uintptr_t value = 1;

	Ranges(unsigned classes, rte_rcu_qsbr *qsbr, Before before)
	{
		static int n = 0;
		std::string error;
		if (table.create("bench_range_" + std::to_string(n++), 4096, 64, qsbr, &error) != 0)
			throw std::runtime_error(error);
		if (classes == 0)
			return; // an empty range table
		if (before == Before::elsewhere)
			add_elsewhere(classes);
		else
			add_own_prefixes(classes, before);
		RangeMatch v4;
		v4.dst_len = 8;
		v4.dst[0] = 239;
		add(v4);
		RangeMatch v6;
		v6.family = RangeFamily::ipv6;
		v6.dst_len = 16;
		v6.dst[0] = 0xff;
		v6.dst[1] = 0x3e;
		add(v6);
		if (table.class_count() != (before == Before::elsewhere ? 2 * classes : classes + 1))
			throw std::runtime_error("range classes not as planned");
	}

	void add_elsewhere(unsigned classes)
	{
		for (unsigned c = 0; c + 1 < classes; c++) {
			for (unsigned i = 0; i < ranges_per_class; i++) {
				RangeMatch m;
				m.family = RangeFamily::ipv4;
				m.dst_len = static_cast<uint8_t>(32 - c);
				const uint32_t a = rte_cpu_to_be_32(ipv4(10, 0, static_cast<uint8_t>(i), 0));
				std::memcpy(m.dst.data(), &a, 4);
				add(m);
				m.family = RangeFamily::ipv6;
				m.dst_len = static_cast<uint8_t>(128 - c);
				m.dst = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(i), 0, 0};
				add(m);
			}
		}
	}

	// IPv4 only: 239.2.0.0/16 from 10.0.i.0/(32 - c), any port; or
	// 239.2.0.0/(24 - c) for port 6000.
	void add_own_prefixes(unsigned classes, Before before)
	{
		for (unsigned c = 0; c + 1 < classes; c++) {
			for (unsigned i = 0; i < ranges_per_class; i++) {
				RangeMatch m;
				const uint32_t dst = rte_cpu_to_be_32(ipv4(239, 2, 0, 0));
				std::memcpy(m.dst.data(), &dst, 4);
				if (before == Before::other_sources) {
					m.dst_len = 16;
					m.src_len = static_cast<uint8_t>(32 - c);
					const uint32_t src = rte_cpu_to_be_32(ipv4(10, 0, static_cast<uint8_t>(i), 0));
					std::memcpy(m.src.data(), &src, 4);
				} else {
					m.dst_len = static_cast<uint8_t>(24 - c);
					m.first_port = m.last_port = static_cast<uint16_t>(6000 + i);
				}
				add(m);
			}
		}
	}

	void add(const RangeMatch &m)
	{
		if (table.add(m, reinterpret_cast<void *>(value++ << 6)) != 0)
			throw std::runtime_error("range add failed");
	}
};

// An exact rule table of `burst` rules (239.1.0.i:5000) and range tables
// sharing its qsbr.
struct Tables {
	RuleTable rules;
	std::map<std::pair<unsigned, Before>, std::unique_ptr<Ranges>> ranges;

	Tables()
	{
		std::string error;
		if (rules.create("bench_range_rules", 1024, 1, &error) != 0)
			throw std::runtime_error(error);
		for (unsigned i = 0; i < burst; i++) {
			CompiledOutput out{};
			out.port_index = 1;
			out.header_len = 42;
			const RuleKey key = exact_key(ipv4(239, 1, 0, static_cast<uint8_t>(i)));
			if (rules.add(CompiledRule::create("r" + std::to_string(i), key, &out, 1, 1)) != 0)
				throw std::runtime_error("rule add failed");
		}
	}

	const RangeTable &with_classes(unsigned classes, Before before = Before::elsewhere)
	{
		auto &r = ranges[{classes, before}];
		if (!r)
			r = std::make_unique<Ranges>(classes, rules.qsbr(), before);
		return r->table;
	}
};

std::unique_ptr<Tables> the_tables;

Tables &tables()
{
	if (!the_tables)
		the_tables = std::make_unique<Tables>();
	return *the_tables;
}

// A burst of packets as the worker has them after parsing.
struct Burst {
	uint32_t dst4[burst];
	uint32_t src4[burst];
	uint8_t dst6[burst][16];
	uint8_t src6[burst][16];
	RuleKey keys[burst];
	RangeQuery queries[burst];

	// IPv4 groups base + i, or IPv6 groups v6_base::i.
	Burst(uint32_t base, const uint8_t (&v6_base)[2], RangeFamily family)
	{
		for (unsigned i = 0; i < burst; i++) {
			dst4[i] = rte_cpu_to_be_32(base + i);
			src4[i] = rte_cpu_to_be_32(ipv4(198, 18, 0, 10));
			std::memset(dst6[i], 0, 16);
			dst6[i][0] = v6_base[0];
			dst6[i][1] = v6_base[1];
			dst6[i][15] = static_cast<uint8_t>(i + 1);
			const uint8_t src[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
			std::memcpy(src6[i], src, 16);
			keys[i] = RuleKey{};
			keys[i].dst_ip = dst4[i];
			keys[i].dst_port = rte_cpu_to_be_16(5000);
			const bool v6 = family == RangeFamily::ipv6;
			queries[i] = {v6 ? static_cast<const void *>(dst6[i]) : &dst4[i],
				      v6 ? static_cast<const void *>(src6[i]) : &src4[i],
				      rte_cpu_to_be_16(5000), 0, 0, family};
		}
	}
};

constexpr uint8_t ff3e[2] = {0xff, 0x3e};
constexpr uint8_t ff05[2] = {0xff, 0x05};

// The worker's lookup stage: bulk exact lookup, then the range stage for
// the misses only. Returns how many packets found nothing.
unsigned two_stages(const RuleTable &rules, const RangeTable &ranges, Burst &b, RuleRef *found)
{
	RuleKey keys[burst];
	std::memcpy(keys, b.keys, sizeof(keys)); // lookup_bulk may clear src_ip
	rules.lookup_bulk(keys, burst, found);
	RangeQuery misses[burst];
	uint8_t which[burst];
	unsigned m = 0;
	for (unsigned i = 0; i < burst; i++)
		if (found[i].rule() == nullptr) {
			misses[m] = b.queries[i];
			which[m++] = static_cast<uint8_t>(i);
		}
	if (m == 0)
		return 0;
	void *values[burst];
	ranges.lookup_bulk(misses, m, values);
	unsigned none = 0;
	for (unsigned j = 0; j < m; j++) {
		found[which[j]] = RuleRef::from_data(values[j]);
		none += values[j] == nullptr;
	}
	return none;
}

void BM_exact_hit(benchmark::State &state)
{
	Tables &t = tables();
	Burst b(ipv4(239, 1, 0, 0), ff3e, RangeFamily::ipv4);
	RuleKey keys[burst];
	RuleRef found[burst];
	unsigned misses = 0;
	for (auto _ : state) {
		std::memcpy(keys, b.keys, sizeof(keys));
		t.rules.lookup_bulk(keys, burst, found);
		misses += found[burst - 1].rule() == nullptr;
	}
	if (misses != 0)
		state.SkipWithError("exact keys missed");
	set_counters(state);
}

void BM_exact_miss(benchmark::State &state)
{
	Tables &t = tables();
	Burst b(ipv4(239, 2, 0, 0), ff3e, RangeFamily::ipv4);
	RuleKey keys[burst];
	RuleRef found[burst];
	unsigned hits = 0;
	for (auto _ : state) {
		std::memcpy(keys, b.keys, sizeof(keys));
		t.rules.lookup_bulk(keys, burst, found);
		hits += found[burst - 1].rule() != nullptr;
	}
	if (hits != 0)
		state.SkipWithError("exact keys hit");
	set_counters(state);
}

void BM_exact_hit_ranges_present(benchmark::State &state)
{
	Tables &t = tables();
	const RangeTable &ranges = t.with_classes(static_cast<unsigned>(state.range(0)));
	Burst b(ipv4(239, 1, 0, 0), ff3e, RangeFamily::ipv4);
	RuleRef found[burst];
	unsigned none = 0;
	for (auto _ : state)
		none += two_stages(t.rules, ranges, b, found);
	if (none != 0 || found[0].rule() == nullptr)
		state.SkipWithError("exact keys missed");
	set_counters(state);
}

void range_stage(benchmark::State &state, uint32_t v4_base, const uint8_t (&v6_base)[2],
		 RangeFamily family, bool expect_hits, Before before = Before::elsewhere)
{
	Tables &t = tables();
	const RangeTable &ranges = t.with_classes(static_cast<unsigned>(state.range(0)), before);
	Burst b(v4_base, v6_base, family);
	void *values[burst];
	unsigned wrong = 0;
	for (auto _ : state) {
		ranges.lookup_bulk(b.queries, burst, values);
		wrong += (values[burst - 1] != nullptr) != expect_hits;
	}
	if (wrong != 0)
		state.SkipWithError(expect_hits ? "ranges missed" : "ranges hit");
	set_counters(state);
}

// 239.2.0.i: no exact rule, in 239.0.0.0/8.
void BM_range_hit_v4(benchmark::State &state)
{
	range_stage(state, ipv4(239, 2, 0, 0), ff3e, RangeFamily::ipv4, true);
}

void BM_range_hit_v6(benchmark::State &state)
{
	range_stage(state, 0, ff3e, RangeFamily::ipv6, true);
}

void BM_range_hit_v4_sg(benchmark::State &state)
{
	range_stage(state, ipv4(239, 2, 0, 0), ff3e, RangeFamily::ipv4, true, Before::other_sources);
}

void BM_range_hit_v4_ports(benchmark::State &state)
{
	range_stage(state, ipv4(239, 2, 0, 0), ff3e, RangeFamily::ipv4, true, Before::other_ports);
}

void BM_range_miss_v4(benchmark::State &state)
{
	range_stage(state, ipv4(238, 2, 0, 0), ff3e, RangeFamily::ipv4, false);
}

void BM_range_miss_v6(benchmark::State &state)
{
	range_stage(state, 0, ff05, RangeFamily::ipv6, false);
}

BENCHMARK(BM_exact_hit);
BENCHMARK(BM_exact_hit_ranges_present)->Arg(0)->Arg(16);
BENCHMARK(BM_exact_miss);
BENCHMARK(BM_range_hit_v4)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK(BM_range_hit_v6)->Arg(1)->Arg(4)->Arg(16);
BENCHMARK(BM_range_hit_v4_sg)->Arg(16);
BENCHMARK(BM_range_hit_v4_ports)->Arg(16);
BENCHMARK(BM_range_miss_v4)->Arg(16);
BENCHMARK(BM_range_miss_v6)->Arg(16);

// The console output, then each benchmark's ns/packet (the median when
// repeated) and its ratio to exact_hit.
class RatioReporter : public benchmark::ConsoleReporter {
public:
	void ReportRuns(const std::vector<Run> &runs) override
	{
		ConsoleReporter::ReportRuns(runs);
		for (const Run &r : runs) {
			if (r.error_occurred)
				continue;
			const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
			if (r.run_type == Run::RT_Aggregate && !median)
				continue;
			const std::string name = r.run_name.str();
			if (seen_median_.count(name) != 0 && !median)
				continue;
			if (median)
				seen_median_.insert({name, true});
			const double ns = r.GetAdjustedCPUTime() *
					  benchmark::GetTimeUnitMultiplier(benchmark::kNanosecond) /
					  benchmark::GetTimeUnitMultiplier(r.time_unit) / burst;
			ns_per_packet_[name] = ns;
		}
	}

	void print_ratios() const
	{
		const auto base = ns_per_packet_.find("BM_exact_hit");
		std::printf("\n%-34s %10s %10s\n", "lookup stage (32-packet bursts)", "ns/pkt", "x exact_hit");
		// By name, then argument as a number (random interleaving mixes
		// the order they ran in).
		std::vector<std::pair<std::string, long>> keys;
		for (const auto &[name, ns] : ns_per_packet_) {
			const size_t slash = name.find('/');
			keys.emplace_back(name.substr(0, slash),
					  slash == std::string::npos ? 0 : std::stol(name.substr(slash + 1)));
		}
		std::sort(keys.begin(), keys.end());
		for (const auto &[prefix, arg] : keys) {
			const std::string name =
				slash_arg(prefix, arg, ns_per_packet_.count(prefix) == 0);
			const double ns = ns_per_packet_.at(name);
			if (base != ns_per_packet_.end())
				std::printf("%-34s %10.1f %10.2f\n", name.c_str(), ns, ns / base->second);
			else
				std::printf("%-34s %10.1f\n", name.c_str(), ns);
		}
	}

private:
	static std::string slash_arg(const std::string &prefix, long arg, bool has_arg)
	{
		return has_arg ? prefix + "/" + std::to_string(arg) : prefix;
	}

	std::map<std::string, double> ns_per_packet_;
	std::map<std::string, bool> seen_median_;
};

} // namespace

void run(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		std::exit(1);
	RatioReporter reporter;
	benchmark::RunSpecifiedBenchmarks(&reporter);
	reporter.print_ratios();
	benchmark::Shutdown();
	the_tables.reset();
}

} // namespace mcr::engine::bench

int main(int argc, char **argv)
{
	const char *lcore = std::getenv("MCR_BENCH_LCORE");
	std::vector<std::string> eal_args = {
		argv[0], "-l", lcore != nullptr && *lcore ? lcore : "0", "--no-huge", "-m", "128", "--no-pci",
		"--file-prefix", "mcr-range-bench-" + std::to_string(getpid()),
		"--log-level", "lib.eal:error",
	};
	std::vector<char *> eal_argv;
	for (std::string &a : eal_args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
		std::fprintf(stderr, "bench-range: rte_eal_init failed\n");
		return 1;
	}
	const std::string runtime_dir = rte_eal_get_runtime_dir();
	mcr::engine::bench::run(argc, argv);
	rte_eal_cleanup();
	std::error_code ignored;
	std::filesystem::remove_all(runtime_dir, ignored);
	return 0;
}
