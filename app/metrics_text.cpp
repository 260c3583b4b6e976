#include "metrics_text.h"

#include <fmt/format.h>

namespace mcr::app {

namespace {

// One metric family at a time: its HELP and TYPE lines, then its samples.
class Writer {
public:
	explicit Writer(std::string &out) : out_(out) {}

	Writer &family(std::string_view name, std::string_view type, std::string_view help)
	{
		name_ = name;
		fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
			       type);
		return *this;
	}

	// labels: alternating names and values, e.g. {"port", "up0"}.
	Writer &sample(std::initializer_list<std::string_view> labels, uint64_t value)
	{
		start(labels);
		fmt::format_to(std::back_inserter(out_), " {}\n", value);
		return *this;
	}
	Writer &sample(std::initializer_list<std::string_view> labels, double value)
	{
		start(labels);
		fmt::format_to(std::back_inserter(out_), " {}\n", value);
		return *this;
	}

private:
	void start(std::initializer_list<std::string_view> labels)
	{
		out_ += name_;
		if (labels.size() == 0)
			return;
		out_ += '{';
		bool first = true;
		for (auto it = labels.begin(); it != labels.end() && it + 1 != labels.end(); it += 2) {
			if (!first)
				out_ += ',';
			first = false;
			fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", *it,
				       escape_label_value(*(it + 1)));
		}
		out_ += '}';
	}

	std::string &out_;
	std::string_view name_;
};

void render_process(Writer &w, const StatsSnapshot &s, std::string_view version)
{
	w.family("mcr_up", "gauge", "1 while mcr is forwarding.").sample({}, uint64_t{1});
	w.family("mcr_build_info", "gauge", "mcr's version, as a label; always 1.")
		.sample({"version", version}, uint64_t{1});
	w.family("mcr_config_reload_timestamp_seconds", "gauge",
		 "Unix time of the last successful configuration load (start or reload).")
		.sample({}, s.reloads.last_success_unix_s);
	w.family("mcr_config_last_reload_successful", "gauge",
		 "1 if the last configuration load or reload succeeded, else 0.")
		.sample({}, uint64_t{s.reloads.last_ok ? 1u : 0u});
	w.family("mcr_config_reloads_total", "counter",
		 "Configuration loads by result; start counts as one success.")
		.sample({"result", "success"}, s.reloads.successes)
		.sample({"result", "failure"}, s.reloads.failures);
	w.family("mcr_metrics_collect_seconds", "gauge",
		 "Time this scrape took to copy mcr's counters (off the workers).")
		.sample({}, s.collect_seconds);
}

void render_ports(Writer &w, const StatsSnapshot &s)
{
	struct Field {
		const char *name, *help;
		uint64_t PortTotals::*member;
	};
	static constexpr Field fields[] = {
		{"mcr_port_rx_packets_total", "Packets the workers received on the port.",
		 &PortTotals::rx_packets},
		{"mcr_port_rx_bytes_total", "Bytes the workers received on the port.",
		 &PortTotals::rx_bytes},
		{"mcr_port_tx_packets_total", "Packets the workers sent on the port.",
		 &PortTotals::tx_packets},
		{"mcr_port_tx_bytes_total", "Bytes the workers sent on the port.",
		 &PortTotals::tx_bytes},
		{"mcr_port_tx_dropped_total", "Packets the port's TX queue refused.",
		 &PortTotals::tx_dropped},
	};
	for (const Field &f : fields) {
		w.family(f.name, "counter", f.help);
		for (const PortStats &p : s.ports)
			w.sample({"port", p.name}, p.totals.*f.member);
	}
	w.family("mcr_port_up", "gauge",
		 "1 while the port is open, 0 while its interface is gone (deleted, not yet back).");
	for (const PortStats &p : s.ports)
		w.sample({"port", p.name}, uint64_t{p.up ? 1u : 0u});
	w.family("mcr_port_down_total", "counter", "Times the port went down: its interface was deleted.");
	for (const PortStats &p : s.ports)
		w.sample({"port", p.name}, p.down_count);
	w.family("mcr_port_reopened_total", "counter",
		 "Times the port was opened again on its re-created interface.");
	for (const PortStats &p : s.ports)
		w.sample({"port", p.name}, p.reopen_count);
	w.family("mcr_xdp_packets_total", "counter",
		 "Packets mcr's XDP program gave each verdict on the port, summed over CPUs.");
	for (const PortStats &p : s.ports)
		for (const auto &[verdict, count] : p.xdp.verdicts)
			w.sample({"port", p.name, "verdict", verdict}, count);
}

void render_drops(Writer &w, const StatsSnapshot &s)
{
	w.family("mcr_drops_total", "counter", "Packets the workers dropped, by reason.");
	for (size_t r = 0; r < s.drop_reasons.size() && r < s.drops.size(); r++)
		w.sample({"reason", s.drop_reasons[r]}, s.drops[r]);
	w.family("mcr_port_drops_total", "counter",
		 "Packets dropped, by reason, counted against a port: the ingress port for parse and "
		 "lookup drops, the egress port for an output's.");
	for (const PortStats &p : s.ports)
		for (size_t r = 0; r < s.drop_reasons.size() && r < p.drops.size(); r++)
			w.sample({"port", p.name, "reason", s.drop_reasons[r]}, p.drops[r]);
	w.family("mcr_worker_drops_total", "counter",
		 "Packets each worker dropped, by reason (mcr_drops_total split by worker).");
	for (const WorkerStats &ws : s.workers) {
		const std::string worker = std::to_string(ws.index);
		for (size_t r = 0; r < s.drop_reasons.size() && r < ws.drops.size(); r++)
			w.sample({"worker", worker, "reason", s.drop_reasons[r]}, ws.drops[r]);
	}
}

void render_workers(Writer &w, const StatsSnapshot &s)
{
	struct Field {
		const char *name, *help;
		uint64_t WorkerStats::*member;
	};
	static constexpr Field fields[] = {
		{"mcr_worker_polls_total", "RX bursts the worker attempted.", &WorkerStats::polls},
		{"mcr_worker_busy_polls_total", "RX bursts that returned at least one packet.",
		 &WorkerStats::busy_polls},
		{"mcr_worker_idle_sleeps_total", "Sleeps of the idle worker (idle_sleep_us).",
		 &WorkerStats::idle_sleeps},
	};
	for (const Field &f : fields) {
		w.family(f.name, "counter", f.help);
		for (const WorkerStats &ws : s.workers)
			w.sample({"worker", std::to_string(ws.index)}, ws.*f.member);
	}
	w.family("mcr_worker_rx_packets_total", "counter", "Packets each worker received, by port.");
	for (const WorkerStats &ws : s.workers) {
		const std::string worker = std::to_string(ws.index);
		for (size_t p = 0; p < s.ports.size() && p < ws.rx_packets.size(); p++)
			w.sample({"worker", worker, "port", s.ports[p].name}, ws.rx_packets[p]);
	}
}

// Merged and monitored rules' stream health (doc/merging.md).
void render_streams(Writer &w, const StatsSnapshot &s)
{
	struct Field {
		const char *name, *help;
		uint64_t StreamStats::*member;
	};
	static constexpr Field fields[] = {
		{"mcr_stream_accepted_total", "First copies of the rule's sequence numbers.",
		 &StreamStats::accepted},
		{"mcr_stream_duplicates_total", "Copies of a number already seen (a merge drops them).",
		 &StreamStats::duplicates},
		{"mcr_stream_late_total", "Numbers older than the window (a merge drops them).",
		 &StreamStats::late},
		{"mcr_stream_reordered_total", "First copies that arrived after a higher number.",
		 &StreamStats::reordered},
		{"mcr_stream_gaps_total", "Numbers that left the window never seen.", &StreamStats::gaps},
		{"mcr_stream_resyncs_total", "Jumps taken for a sender restart: the window restarted.",
		 &StreamStats::resyncs},
		{"mcr_stream_no_sequence_total", "Datagrams too short to hold the sequence number.",
		 &StreamStats::no_sequence},
		{"mcr_stream_multiple_total", "Numbers that left the window delivered by several inputs.",
		 &StreamStats::multiple},
	};
	for (const Field &f : fields) {
		w.family(f.name, "counter", f.help);
		for (const RuleStats &r : s.rules)
			if (r.stream)
				w.sample({"rule", r.name(), "mode", r.stream->merge ? "merge" : "monitor"},
					 (*r.stream).*f.member);
	}
	w.family("mcr_stream_input_first_total", "counter",
		 "Numbers the input (index, port) delivered before any other.");
	for (const RuleStats &r : s.rules)
		if (r.stream)
			for (size_t i = 0; i < r.stream->inputs.size(); i++)
				w.sample({"rule", r.name(), "input", std::to_string(i), "port",
					  r.stream->inputs[i].port},
					 r.stream->inputs[i].first);
	w.family("mcr_stream_input_only_total", "counter",
		 "Numbers that left the window delivered by this input alone.");
	for (const RuleStats &r : s.rules)
		if (r.stream)
			for (size_t i = 0; i < r.stream->inputs.size(); i++)
				w.sample({"rule", r.name(), "input", std::to_string(i), "port",
					  r.stream->inputs[i].port},
					 r.stream->inputs[i].only);
}

void render_rules(Writer &w, const StatsSnapshot &s)
{
	w.family("mcr_rules", "gauge", "Rules in the table.").sample({}, uint64_t{s.rules_total});
	w.family("mcr_rules_unexported", "gauge",
		 "Rules without per-rule series (beyond metrics: max_rules).")
		.sample({}, uint64_t{s.rules_total - std::min(s.rules_total, s.rules.size())});
	w.family("mcr_rule_packets_total", "counter", "Packets the rule matched.");
	for (const RuleStats &r : s.rules)
		w.sample({"rule", r.name()}, r.packets);
	w.family("mcr_rule_bytes_total", "counter", "Bytes of the packets the rule matched.");
	for (const RuleStats &r : s.rules)
		w.sample({"rule", r.name()}, r.bytes);

	struct Field {
		const char *name, *help;
		uint64_t OutputTotals::*member;
	};
	static constexpr Field fields[] = {
		{"mcr_output_packets_total", "Packets sent to the rule's output (index, egress port).",
		 &OutputTotals::packets},
		{"mcr_output_bytes_total", "Bytes sent to the rule's output.", &OutputTotals::bytes},
	};
	for (const Field &f : fields) {
		w.family(f.name, "counter", f.help);
		for (const RuleStats &r : s.rules)
			for (size_t o = 0; o < r.outputs.size(); o++)
				w.sample({"rule", r.name(), "output", std::to_string(o), "port",
					  r.rule.outputs[o].port},
					 r.outputs[o].totals.*f.member);
	}
	w.family("mcr_output_drops_total", "counter",
		 "Copies for the rule's output that were dropped, by reason.");
	for (const RuleStats &r : s.rules)
		for (size_t o = 0; o < r.outputs.size(); o++) {
			const std::string output = std::to_string(o);
			const OutputTotals &t = r.outputs[o].totals;
			for (size_t d = 0; d < s.output_drop_reasons.size() && d < t.drops.size(); d++)
				w.sample({"rule", r.name(), "output", output, "port", r.rule.outputs[o].port,
					  "reason", s.output_drop_reasons[d]},
					 t.drops[d]);
		}
	render_streams(w, s);
}

void render_pools(Writer &w, const StatsSnapshot &s)
{
	w.family("mcr_pool_size", "gauge", "Mbufs in the pool.");
	for (const PoolStats &p : s.pools)
		w.sample({"pool", p.name, "kind", p.kind}, p.size);
	w.family("mcr_pool_in_use", "gauge", "Mbufs of the pool in use (not free in it).");
	for (const PoolStats &p : s.pools)
		w.sample({"pool", p.name, "kind", p.kind}, p.in_use);
}

} // namespace

std::string escape_label_value(std::string_view value)
{
	std::string out;
	out.reserve(value.size());
	for (char c : value) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

std::string render_metrics(const StatsSnapshot &s, std::string_view version)
{
	std::string out;
	out.reserve(4096 + s.rules.size() * 512);
	Writer w(out);
	render_process(w, s, version);
	render_ports(w, s);
	render_drops(w, s);
	render_workers(w, s);
	render_rules(w, s);
	render_pools(w, s);
	return out;
}

} // namespace mcr::app
