#include "gen_options.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>


namespace mcr::gen {

using namespace mcr::traffic;

const char *gen_usage =
	"usage: mcr-gen [EAL options --] --flow DST:DPORT[@SRC[:SPORT]]... [options]\n"
	"  Sends UDP to the flows in turn, each payload starting with mcr-gen's header\n"
	"  (magic, flow id, sequence, send time); prints what it sent per flow.\n"
	"  --flow DST:DPORT[@SRC[:SPORT]]  a flow (group or unicast); flow ids follow the\n"
	"                     order given. IPv4 A.B.C.D:PORT or IPv6 [ADDR]:PORT; SRC\n"
	"                     of the same family (IPv6 with a port: [ADDR]:SPORT).\n"
	"                     Source default: the kernel's choice; on a DPDK port the\n"
	"                     interface's address and port 4000\n"
	"  --dst-count N      each --flow stands for N flows to N consecutive\n"
	"                     destinations DST, DST+1, ... (a range of groups; default 1)\n"
	"  --rate PPS|max     packets per second, all flows together (default 1000)\n"
	"  --size BYTES       Ethernet frame size without FCS, 66..1514 (default 128);\n"
	"                     the UDP payload is BYTES - 42 (IPv6: BYTES - 62, 86 or more)\n"
	"  --count N          sequence numbers per flow (default: no limit)\n"
	"  --duration SEC     stop after SEC seconds (default: no limit)\n"
	"  --burst N          packets per send call, 1..512 (default 32)\n"
	"  --ttl N            IPv4 TTL or IPv6 hop limit, multicast included (default 16)\n"
	"  --flow-id-base N   id of the first flow (default 0)\n"
	"  --same-flow-id     every flow carries the first id: the same stream sent\n"
	"                     twice, as the A and B lines of a redundant feed\n"
	"  --skip N           never send sequence s when (s+1) % N == 0 (N >= 2)\n"
	"  --dup N            send sequence s twice when (s+1) % N == 0\n"
	"  --swap N           send pair k = (2k, 2k+1) reversed when (k+1) % N == 0\n"
	"  --loss PERCENT     never send a share of the sequence numbers, chosen at\n"
	"                     random independently per flow (0..100, e.g. 10 or 0.5)\n"
	"  --seed N           seed of --loss's choice (default 1)\n"
	"  --omitted FILE|-   write, per flow, the sequence numbers --skip and --loss\n"
	"                     left out, as JSON, after the run\n"
	"  --seq-field OFFSET:SIZE[:big|little]  also write the sequence as a SIZE-byte\n"
	"                     (2, 4, 8) field at payload OFFSET (24 or more: after the\n"
	"                     header), wrapping at its size (default order big)\n"
	"  --seq-start N      the field's value for sequence 0 (default 0)\n"
	"  --port DRIVER:IFACE  send on a DPDK port (af_packet or af_xdp) instead of\n"
	"                     kernel sockets; EAL options go before \"--\" (default: no\n"
	"                     hugepages, no PCI, a private file prefix)\n"
	"  --dst-mac MAC      destination MAC of unicast flows on a DPDK port\n"
	"  --json FILE|-      also write the summary as JSON (- : standard output)\n"
	"  --quiet            no human-readable summary\n"
	"  Stops at --count, --duration or SIGINT/SIGTERM, whichever comes first.\n";

namespace {

// "10", "0.5": a share of 0..100 percent.
bool parse_percent(std::string_view text, double *percent)
{
	const std::string s(text);
	char *end = nullptr;
	const double v = std::strtod(s.c_str(), &end);
	if (s.empty() || end != s.c_str() + s.size() || !(v >= 0 && v <= 100))
		return false;
	*percent = v;
	return true;
}

// "DST:DPORT[@SRC[:SPORT]]", SRC of DST's family.
bool parse_flow(std::string_view text, FlowSpec *flow)
{
	const size_t at = text.find('@');
	if (!parse_endpoint(text.substr(0, at), &flow->dst))
		return false;
	if (at == std::string_view::npos)
		return true;
	const std::string_view src = text.substr(at + 1);
	IpAddress addr;
	Endpoint ep;
	if (parse_ip(src, &addr)) {
		flow->src_addr = addr;
	} else if (parse_endpoint(src, &ep)) {
		flow->src_addr = ep.addr;
		flow->src_port = ep.port;
	} else {
		return false;
	}
	return is_ipv6(*flow->src_addr) == is_ipv6(flow->dst.addr);
}

// Each flow followed by its count - 1 successors: DST+1, DST+2, ...
bool expand_dst_ranges(GenOptions *opt, std::string *error)
{
	if (opt->dst_count == 1)
		return true;
	std::vector<FlowSpec> flows;
	flows.reserve(size_t{opt->dst_count} * opt->flows.size());
	for (const FlowSpec &flow : opt->flows) {
		for (uint32_t n = 0; n < opt->dst_count; n++) {
			FlowSpec f = flow;
			if (!address_plus(flow.dst.addr, n, &f.dst.addr)) {
				*error = "--dst-count " + std::to_string(opt->dst_count) + " from " +
					 format_ip(flow.dst.addr) + " passes the last address";
				return false;
			}
			flows.push_back(f);
		}
	}
	opt->flows = std::move(flows);
	return true;
}

} // namespace

uint32_t GenOptions::min_payload_size() const
{
	uint32_t size = frame_size - udp_frame_overhead;
	for (const FlowSpec &flow : flows)
		size = std::min(size, payload_size(flow.dst.addr));
	return size;
}

bool parse_gen_options(int argc, char **argv, GenOptions *opt, std::string *error)
{
	for (int i = 1; i < argc; i++) {
		const std::string_view name = argv[i];
		if (name == "--help" || name == "-h") {
			error->clear();
			return false;
		}
		if (name == "--quiet") {
			opt->quiet = true;
			continue;
		}
		if (name == "--same-flow-id") {
			opt->same_flow_id = true;
			continue;
		}
		if (i + 1 >= argc) {
			*error = std::string(name) + " needs a value (or is unknown)";
			return false;
		}
		const std::string_view value = argv[++i];
		uint64_t n = 0;
		bool ok = true;
		if (name == "--flow") {
			FlowSpec flow;
			ok = parse_flow(value, &flow);
			if (ok)
				opt->flows.push_back(flow);
		} else if (name == "--rate") {
			if (value == "max")
				opt->rate_pps = 0;
			else
				ok = parse_u64(value, 1, 1000000000, &opt->rate_pps);
		} else if (name == "--size") {
			ok = parse_u64(value, min_frame_size, max_frame_size, &n);
			opt->frame_size = static_cast<uint32_t>(n);
		} else if (name == "--count") {
			ok = parse_u64(value, 1, UINT64_MAX - 1, &opt->count_per_flow);
		} else if (name == "--duration") {
			ok = parse_seconds(value, &opt->duration_s) && opt->duration_s > 0;
		} else if (name == "--burst") {
			ok = parse_u64(value, 1, 512, &n);
			opt->burst = static_cast<uint32_t>(n);
		} else if (name == "--dst-count") {
			ok = parse_u64(value, 1, 1u << 20, &n);
			opt->dst_count = static_cast<uint32_t>(n);
		} else if (name == "--ttl") {
			ok = parse_u64(value, 1, 255, &n);
			opt->ttl = static_cast<uint8_t>(n);
		} else if (name == "--flow-id-base") {
			ok = parse_u64(value, 0, UINT32_MAX, &n);
			opt->flow_id_base = static_cast<uint32_t>(n);
		} else if (name == "--skip") {
			ok = parse_u64(value, 2, UINT64_MAX, &opt->pattern.skip_every);
		} else if (name == "--dup") {
			ok = parse_u64(value, 1, UINT64_MAX, &opt->pattern.dup_every);
		} else if (name == "--swap") {
			ok = parse_u64(value, 1, UINT64_MAX, &opt->pattern.swap_every);
		} else if (name == "--loss") {
			double percent = 0;
			ok = parse_percent(value, &percent);
			opt->pattern.loss_ppm = static_cast<uint32_t>(percent * 10000 + 0.5);
		} else if (name == "--seed") {
			ok = parse_u64(value, 0, UINT64_MAX, &opt->pattern.seed);
		} else if (name == "--omitted") {
			opt->omitted_path = std::string(value);
		} else if (name == "--seq-field") {
			ok = parse_seq_field(value, &opt->seq_field);
		} else if (name == "--seq-start") {
			ok = parse_u64(value, 0, UINT64_MAX, &opt->seq_field.start);
		} else if (name == "--port") {
			PortSpec spec;
			ok = parse_port_spec(value, &spec);
			opt->port = spec;
		} else if (name == "--dst-mac") {
			MacAddress mac;
			ok = parse_mac(value, &mac);
			opt->dst_mac = mac;
		} else if (name == "--json") {
			opt->json_path = std::string(value);
		} else {
			*error = "unknown option " + std::string(name);
			return false;
		}
		if (!ok) {
			*error = "bad value for " + std::string(name) + ": '" + std::string(value) + "'";
			if (name == "--size")
				*error += " (66..1514: 42 bytes of headers, then mcr-gen's 24-byte header)";
			if (name == "--seq-field")
				*error += " (OFFSET:SIZE[:big|little], SIZE 2, 4 or 8)";
			if (name == "--flow")
				*error += " (DST:DPORT[@SRC[:SPORT]], IPv6 as [ADDR]:PORT, SRC of DST's family)";
			return false;
		}
	}
	if (opt->flows.empty()) {
		*error = "no --flow given";
		return false;
	}
	if (!expand_dst_ranges(opt, error))
		return false;
	for (const FlowSpec &flow : opt->flows) {
		if (opt->frame_size < frame_overhead(flow.dst.addr) + payload_header_size) {
			*error = "--size " + std::to_string(opt->frame_size) + " is too small for IPv6 flow " +
				 format_endpoint(flow.dst.addr, flow.dst.port) + " (" +
				 std::to_string(min_frame6_size) + " or more: 62 bytes of headers, then mcr-gen's)";
			return false;
		}
	}
	if (uint64_t{opt->flow_id_base} + opt->flows.size() - 1 > UINT32_MAX) {
		*error = "flow ids would pass 2^32 - 1";
		return false;
	}
	if (opt->seq_field.enabled()) {
		if (opt->seq_field.offset < payload_header_size) {
			*error = "--seq-field must start at payload offset " +
				 std::to_string(payload_header_size) +
				 " or later: mcr-gen's header comes first (its own sequence is 8:8:big)";
			return false;
		}
		if (opt->seq_field.end() > opt->min_payload_size()) {
			*error = "--seq-field ends at payload byte " + std::to_string(opt->seq_field.end()) +
				 ", past the " + std::to_string(opt->min_payload_size()) +
				 "-byte payload of --size " + std::to_string(opt->frame_size);
			return false;
		}
	} else if (opt->seq_field.start != 0) {
		*error = "--seq-start needs --seq-field";
		return false;
	}
	if (opt->dst_mac && !opt->port) {
		*error = "--dst-mac is for a DPDK --port only";
		return false;
	}
	return true;
}

} // namespace mcr::gen
