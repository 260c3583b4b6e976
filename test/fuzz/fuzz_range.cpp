// fuzz_range: the range stage (RangeTable) against its linear model
// (test/engine/range_reference.h). An input is a script of operations on
// one table: adds (valid or not, overlapping or not, up to the capacity and
// class limits), removes (of present entries or not) and bulk lookups of
// 1 to 64 packets of both families. Every add and remove must answer as the
// model does (result, replaced or removed value), sizes and class counts
// must agree after each, and every lookup must return the model's best
// entry. Addresses come from a small space near fixed prefixes, so that
// prefixes of every length and port ranges of one prefix meet often.
//
// EAL runs once per process (rte_hash needs it); the table too, small
// (capacity and classes are reached), and is emptied after each input, so
// that an input's verdicts depend on that input alone.
#include <signal.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "../engine/range_reference.h"
#include "engine/range_table.h"
#include "fuzz_check.h"

namespace mcr::fuzz {
namespace {

using engine::RangeFamily;
using engine::RangeMatch;
using engine::RangeQuery;
using engine::RangeTable;
using engine::reference::RangeModel;

constexpr uint32_t capacity = 24; // per family
constexpr unsigned max_classes = 6; // per family

struct Harness {
	std::string runtime_dir;
	rte_rcu_qsbr *qsbr = nullptr;
	RangeTable table;
};

Harness *harness = nullptr;

// Reads the input a byte at a time; 0 once it is used up.
struct Reader {
	std::span<const uint8_t> data;
	size_t at = 0;

	bool more() const { return at < data.size(); }
	uint8_t byte() { return at < data.size() ? data[at++] : 0; }
};

// 239.1.x.y or ff3e::x:y, 198.18.x.y or 2001:2::x:y: the last byte from
// the input, the one before it 0 or 0x80, so prefixes longer than /24
// (/120) tell addresses apart and shorter ones mostly do not.
std::array<uint8_t, 16> address(RangeFamily family, bool source, uint8_t low, bool high)
{
	std::array<uint8_t, 16> a{};
	unsigned last;
	if (family == RangeFamily::ipv4) {
		a[0] = source ? 198 : 239;
		a[1] = source ? 18 : 1;
		last = 3;
	} else {
		a[0] = source ? 0x20 : 0xff;
		a[1] = source ? 0x01 : 0x3e;
		a[3] = source ? 2 : 0;
		last = 15;
	}
	a[last] = low;
	a[last - 1] = high ? 0x80 : 0;
	return a;
}

// Lengths up to 2 past the family's: those must be refused.
uint8_t length(RangeFamily family, uint8_t b)
{
	const unsigned bits = family == RangeFamily::ipv4 ? 32 : 128;
	// Mostly near the host end, where the input's bits are.
	return static_cast<uint8_t>(b & 0x80 ? bits + 2 - (b & 0x1f) % (bits + 3) : (b & 0x7f) % (bits + 3));
}

// 7 bytes: flags, dst length, src length, dst low, src low, two ports.
RangeMatch read_match(Reader &in)
{
	const uint8_t flags = in.byte();
	RangeMatch m;
	m.family = flags & 1 ? RangeFamily::ipv6 : RangeFamily::ipv4;
	m.port_index = (flags >> 1) & 1;
	m.vlan = flags & 4 ? 10 : 0;
	m.dst_len = length(m.family, in.byte());
	const uint8_t src_len = in.byte();
	m.src_len = flags & 8 ? length(m.family, src_len) : 0;
	m.dst = address(m.family, false, in.byte(), flags & 0x10);
	m.src = address(m.family, true, in.byte(), flags & 0x20);
	const uint8_t a = in.byte(), b = in.byte();
	switch (flags >> 6) {
	case 0: // any port
		break;
	case 1: // one port
		m.first_port = m.last_port = static_cast<uint16_t>(5000 + a % 16);
		break;
	case 2: // a range, or, with the ports swapped, an invalid one
		m.first_port = static_cast<uint16_t>(5000 + a % 16);
		m.last_port = static_cast<uint16_t>(5000 + b % 16);
		break;
	default: // the ends of the port space
		m.first_port = static_cast<uint16_t>(a < 128 ? 0 : 65535 - a % 4);
		m.last_port = static_cast<uint16_t>(b < 128 ? 65535 : b % 4);
		break;
	}
	return m;
}

struct Packet {
	std::array<uint8_t, 16> dst, src;
	RangeQuery query;
};

void *value_of(unsigned n)
{
	return reinterpret_cast<void *>(static_cast<uintptr_t>(n) << 6);
}

// FUZZ_RANGE_TRACE=1: print each operation (to replay a crash by hand).
bool trace = false;

void print(const char *what, const RangeMatch &m, int rc)
{
	if (!trace)
		return;
	const unsigned last = m.family == RangeFamily::ipv4 ? 3 : 15;
	std::fprintf(stderr, "%s v%c dst ..%02x%02x/%u src ..%02x%02x/%u ports %u-%u port %u vlan %u: %d\n",
		     what, m.family == RangeFamily::ipv4 ? '4' : '6', m.dst[last - 1], m.dst[last],
		     m.dst_len, m.src[last - 1], m.src[last], m.src_len, m.first_port, m.last_port,
		     m.port_index, m.vlan, rc);
}

void check_sizes(const RangeTable &table, const RangeModel &model)
{
	FUZZ_CHECK(table.size() == model.size(), "size %u, model %u", table.size(), model.size());
	FUZZ_CHECK(table.class_count() == model.class_count(), "classes %u, model %u",
		   table.class_count(), model.class_count());
}

void run(Reader &in)
{
	RangeTable &table = harness->table;
	RangeModel model(capacity, max_classes);
	unsigned next_value = 1;
	while (in.more()) {
		const uint8_t op = in.byte();
		switch (op % 4) {
		case 0:
		case 1: { // add
			const RangeMatch m = read_match(in);
			void *value = op & 0x80 ? nullptr : value_of(next_value++);
			void *replaced = value_of(999), *want_replaced = nullptr;
			const int want = model.add(m, value, &want_replaced);
			const int rc = table.add(m, value, &replaced);
			print("add", m, rc);
			FUZZ_CHECK(rc == want, "add returned %d, model %d", rc, want);
			FUZZ_CHECK(replaced == want_replaced, "add replaced %p, model %p", replaced, want_replaced);
			check_sizes(table, model);
			break;
		}
		case 2: { // remove, of a present entry or one read from the input
			RangeMatch m;
			if (op & 0x80 && model.size() != 0)
				m = model.entries()[in.byte() % model.size()].m;
			else
				m = read_match(in);
			void *removed = value_of(999), *want_removed = nullptr;
			const int want = model.remove(m, &want_removed);
			const int rc = table.remove(m, &removed);
			print("remove", m, rc);
			FUZZ_CHECK(rc == want, "remove returned %d, model %d", rc, want);
			FUZZ_CHECK(removed == want_removed, "remove took %p, model %p", removed, want_removed);
			check_sizes(table, model);
			break;
		}
		default: { // a bulk lookup, 4 bytes a packet
			const unsigned n = 1 + in.byte() % engine::range_lookup_batch;
			std::vector<Packet> packets(n);
			std::vector<RangeQuery> queries(n);
			for (unsigned i = 0; i < n; i++) {
				Packet &p = packets[i];
				const uint8_t flags = in.byte();
				const RangeFamily family = flags & 1 ? RangeFamily::ipv6 : RangeFamily::ipv4;
				p.dst = address(family, false, in.byte(), flags & 0x10);
				p.src = address(family, true, in.byte(), flags & 0x20);
				queries[i] = {p.dst.data(), p.src.data(),
					      rte_cpu_to_be_16(static_cast<uint16_t>(4998 + in.byte() % 20)),
					      static_cast<uint16_t>(flags & 4 ? 10 : 0),
					      static_cast<uint16_t>((flags >> 1) & 1), family};
			}
			std::vector<void *> found(n, value_of(999));
			table.lookup_bulk(queries.data(), n, found.data());
			for (unsigned i = 0; i < n; i++) {
				void *want = model.lookup(queries[i]);
				FUZZ_CHECK(found[i] == want, "packet %u of %u: found %p, model %p", i, n, found[i],
					   want);
			}
			break;
		}
		}
	}
	// Empty for the next input.
	for (const RangeModel::Entry &e : model.entries()) {
		const int rc = table.remove(e.m);
		print("remove at the end", e.m, rc);
		FUZZ_CHECK(rc == 0, "cannot remove an entry the model holds");
	}
	FUZZ_CHECK(table.size() == 0 && table.class_count() == 0, "entries left: %u", table.size());
	FUZZ_CHECK(table.entries().empty(), "entries() not empty");
}

// A run that ends by a crash or a timeout (SIGALRM, SIGKILL: no atexit)
// leaves its EAL runtime directory behind: the next run removes those of
// processes that are gone.
constexpr const char *runtime_prefix = "fuzz-range-";

void remove_stale_runtime_dirs(const std::filesystem::path &ours)
{
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(ours.parent_path(), ec)) {
		const std::string name = entry.path().filename().string();
		if (name.rfind(runtime_prefix, 0) != 0)
			continue;
		const std::string pid = name.substr(std::strlen(runtime_prefix));
		if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
			continue;
		if (kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
			std::filesystem::remove_all(entry.path(), ec);
	}
}

void tear_down()
{
	if (harness == nullptr)
		return;
	const std::string dir = harness->runtime_dir;
	rte_rcu_qsbr *qsbr = harness->qsbr;
	delete harness; // the table before its qsbr
	harness = nullptr;
	rte_free(qsbr);
	rte_eal_cleanup();
	std::error_code ec;
	std::filesystem::remove_all(dir, ec);
}

} // namespace
} // namespace mcr::fuzz

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	using namespace mcr::fuzz;
	(void)argc;
	const std::string prefix = std::string(runtime_prefix) + std::to_string(getpid());
	std::vector<std::string> args = {(*argv)[0], "-l", "0", "--no-huge", "-m", "64",
					 "--no-pci", "--no-telemetry", "--file-prefix", prefix,
					 "--log-level", "error"};
	std::vector<char *> eal_argv;
	for (std::string &a : args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
		std::fprintf(stderr, "fuzz_range: rte_eal_init failed\n");
		std::exit(1);
	}
	trace = std::getenv("FUZZ_RANGE_TRACE") != nullptr;
	harness = new Harness;
	harness->runtime_dir = rte_eal_get_runtime_dir();
	remove_stale_runtime_dirs(harness->runtime_dir);
	harness->qsbr = static_cast<rte_rcu_qsbr *>(
		rte_zmalloc("fuzz_range_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE));
	std::string error;
	if (harness->qsbr == nullptr || rte_rcu_qsbr_init(harness->qsbr, 1) != 0 ||
	    harness->table.create("fuzz_range", capacity, max_classes, harness->qsbr, &error) != 0) {
		std::fprintf(stderr, "fuzz_range: %s\n", error.c_str());
		std::exit(1);
	}
	std::atexit(tear_down);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mcr::fuzz::Reader in{{data, size}};
	mcr::fuzz::run(in);
	return 0;
}
