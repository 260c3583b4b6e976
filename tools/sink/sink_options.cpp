#include "sink_options.h"

#include <string_view>

namespace mcr::sink {

using namespace mcr::traffic;

const char *sink_usage =
	"usage: mcr-sink [EAL options --] [options] [--listen] ADDR:PORT[@IFADDR]...\n"
	"  Receives mcr-gen's traffic and reports per flow (flow id at an endpoint):\n"
	"  received, lost, duplicated, reordered, and one-way latency percentiles.\n"
	"  ADDR:PORT[@IFADDR]  a kernel UDP socket bound to ADDR:PORT; a group is\n"
	"                     joined on the interface whose address is IFADDR\n"
	"  --iface-addr ADDR  IFADDR for endpoints without one (default: by route)\n"
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

bool parse_listen(std::string_view text, ListenSpec *spec)
{
	const size_t at = text.find('@');
	if (!parse_endpoint(text.substr(0, at), &spec->ep))
		return false;
	return at == std::string_view::npos || parse_ipv4(text.substr(at + 1), &spec->iface_addr);
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
				*error = "bad endpoint '" + std::string(name) + "' (ADDR:PORT[@IFADDR])";
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
			ok = parse_ipv4(value, &opt->iface_addr);
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
			if (l.iface_addr != 0) {
				*error = "@IFADDR is for kernel sockets; a DPDK port sees every group";
				return false;
			}
		}
	}
	return true;
}

} // namespace mcr::sink
