#include "sink_options.h"

#include <net/if.h>

#include <string_view>

namespace mcr::sink {

using namespace mcr::traffic;

const char *sink_usage =
	"usage: mcr-sink [EAL options --] [options] [--listen] ADDR:PORT[@IFADDR][,src=SRC]...\n"
	"  Receives mcr-gen's traffic and reports per flow (flow id at an endpoint):\n"
	"  received, lost, duplicated, reordered, and one-way latency percentiles.\n"
	"  ADDR:PORT[@IFADDR][,src=SRC]  a kernel UDP socket bound to ADDR:PORT (IPv4\n"
	"                     A.B.C.D:PORT or IPv6 [ADDR]:PORT); a group is joined on\n"
	"                     the interface whose address (or name) is IFADDR, only\n"
	"                     for source SRC when given (source-specific, SSM)\n"
	"  --iface-addr ADDR  IFADDR for endpoints without one (default: by route)\n"
	"  --dst-count N      each endpoint stands for N endpoints at N consecutive\n"
	"                     addresses ADDR, ADDR+1, ... (a range of groups; default 1)\n"
	"  --port DRIVER:IFACE  receive on a DPDK port (af_packet or af_xdp) instead;\n"
	"                     endpoints then only select what is counted (default: all)\n"
	"  --duration SEC     stop after SEC seconds\n"
	"  --count N          stop once N packets were counted in flows\n"
	"  --idle SEC         stop SEC seconds after the last packet, once one came\n"
	"  --max-flows N      flows tracked, at most (default 1024)\n"
	"  --json FILE|-      write the report as JSON (- : standard output, the table\n"
	"                     then goes to standard error)\n"
	"  --quiet            no table\n"
	"  Also stops at SIGINT/SIGTERM. Prints \"mcr-sink: ready\" on standard error\n"
	"  once it receives.\n";

namespace {

bool valid_iface(std::string_view text);

// "ADDR:PORT[@IFADDR][,src=SRC]"
bool parse_listen(std::string_view text, ListenSpec *spec)
{
	const size_t comma = text.find(',');
	if (comma != std::string_view::npos) {
		const std::string_view option = text.substr(comma + 1);
		IpAddress src;
		if (!option.starts_with("src=") || !parse_ip(option.substr(4), &src))
			return false;
		spec->source = src;
		text = text.substr(0, comma);
	}
	const size_t at = text.find('@');
	if (!parse_endpoint(text.substr(0, at), &spec->ep))
		return false;
	if (spec->source && (is_ipv6(*spec->source) != is_ipv6(spec->ep.addr) ||
			     !is_multicast(spec->ep.addr)))
		return false;
	if (at == std::string_view::npos)
		return true;
	spec->iface = std::string(text.substr(at + 1));
	return valid_iface(spec->iface);
}

// An interface address of either family, or a name.
bool valid_iface(std::string_view text)
{
	IpAddress addr;
	return parse_ip(text, &addr) || (!text.empty() && text.size() < IFNAMSIZ &&
					 text.find_first_of(":/ ") == std::string_view::npos);
}

// Each endpoint followed by its count - 1 successors: ADDR+1, ADDR+2, ...
bool expand_dst_ranges(SinkOptions *opt, std::string *error)
{
	if (opt->dst_count == 1)
		return true;
	std::vector<ListenSpec> listen;
	listen.reserve(size_t{opt->dst_count} * opt->listen.size());
	for (const ListenSpec &l : opt->listen) {
		for (uint32_t n = 0; n < opt->dst_count; n++) {
			ListenSpec spec = l;
			if (!address_plus(l.ep.addr, n, &spec.ep.addr)) {
				*error = "--dst-count " + std::to_string(opt->dst_count) + " from " +
					 format_ip(l.ep.addr) + " passes the last address";
				return false;
			}
			listen.push_back(spec);
		}
	}
	opt->listen = std::move(listen);
	return true;
}

} // namespace

bool parse_sink_options(int argc, char **argv, SinkOptions *opt, std::string *error)
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
		if (!name.starts_with("--")) {
			ListenSpec spec;
			if (!parse_listen(name, &spec)) {
				*error = "bad endpoint '" + std::string(name) +
					 "' (ADDR:PORT[@IFADDR][,src=SRC], IPv6 as [ADDR]:PORT, SRC of a group's family)";
				return false;
			}
			opt->listen.push_back(spec);
			continue;
		}
		if (i + 1 >= argc) {
			*error = std::string(name) + " needs a value (or is unknown)";
			return false;
		}
		const std::string_view value = argv[++i];
		uint64_t n = 0;
		bool ok = true;
		if (name == "--listen") {
			ListenSpec spec;
			ok = parse_listen(value, &spec);
			if (ok)
				opt->listen.push_back(spec);
		} else if (name == "--iface-addr") {
			opt->iface = std::string(value);
			ok = valid_iface(value);
		} else if (name == "--dst-count") {
			ok = parse_u64(value, 1, 1u << 16, &n);
			opt->dst_count = static_cast<uint32_t>(n);
		} else if (name == "--port") {
			PortSpec spec;
			ok = parse_port_spec(value, &spec);
			opt->port = spec;
		} else if (name == "--duration") {
			ok = parse_seconds(value, &opt->duration_s) && opt->duration_s > 0;
		} else if (name == "--count") {
			ok = parse_u64(value, 1, UINT64_MAX, &opt->count);
		} else if (name == "--idle") {
			ok = parse_seconds(value, &opt->idle_s) && opt->idle_s > 0;
		} else if (name == "--max-flows") {
			ok = parse_u64(value, 1, 1u << 20, &n);
			opt->max_flows = static_cast<uint32_t>(n);
		} else if (name == "--json") {
			opt->json_path = std::string(value);
		} else {
			*error = "unknown option " + std::string(name);
			return false;
		}
		if (!ok) {
			*error = "bad value for " + std::string(name) + ": '" + std::string(value) + "'";
			return false;
		}
	}
	if (!opt->port && opt->listen.empty()) {
		*error = "nothing to listen on: give ADDR:PORT endpoints or a --port";
		return false;
	}
	if (opt->port) {
		for (const ListenSpec &l : opt->listen) {
			if (!l.iface.empty() || l.source) {
				*error = "@IFADDR and src= are for kernel sockets; a DPDK port sees every group";
				return false;
			}
		}
	}
	if (!expand_dst_ranges(opt, error))
		return false;
	return true;
}

} // namespace mcr::sink
