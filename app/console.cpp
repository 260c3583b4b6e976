#include "console.h"

#include <rte_ethdev.h>

#include <span>
#include <sstream>

#include <fmt/format.h>

#include "config/address.h"
#include "config/yaml_writer.h"
#include "config_save.h"
#include "neighbours_view.h"
#include "config/validate.h"
#include "config/rule_grammar.h"
#include "packet/drop_reason.h"

namespace mcr::app {

namespace {

std::vector<std::string> split_words(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> words;
	for (std::string w; in >> w;)
		words.push_back(w);
	return words;
}

// A pattern word in upper case (NAME) takes any word; a last one ending in
// "..." takes all the remaining words (at least one); anything else must
// match as written.
bool matches(const std::vector<std::string> &pattern, const std::vector<std::string> &words,
	     std::vector<std::string> *args)
{
	const bool rest = !pattern.empty() && pattern.back().ends_with("...");
	if (rest ? words.size() < pattern.size() : words.size() != pattern.size())
		return false;
	args->clear();
	for (size_t i = 0; i < pattern.size(); i++) {
		if (rest && i + 1 == pattern.size()) {
			args->insert(args->end(), words.begin() + static_cast<long>(i), words.end());
			break;
		}
		const bool placeholder = !pattern[i].empty() && std::isupper(pattern[i][0]);
		if (placeholder)
			args->push_back(words[i]);
		else if (pattern[i] != words[i])
			return false;
	}
	return true;
}

// Only the first word must be a known command for the error to be about
// its arguments rather than an unknown command.
bool same_command(const std::vector<std::string> &pattern, const std::vector<std::string> &words)
{
	size_t fixed = 0;
	while (fixed < pattern.size() && fixed < words.size() && !std::isupper(pattern[fixed][0]) &&
	       !pattern[fixed].ends_with("...") && pattern[fixed] == words[fixed])
		fixed++;
	return fixed >= 2 || (fixed == 1 && pattern.size() == 1);
}

using Handler = CommandResult (*)(Console &, Runtime &, const std::vector<std::string> &);

struct CommandSpec {
	const char *syntax;
	const char *help;
	Handler run;
};

CommandResult ok(std::string text)
{
	return {true, false, std::move(text)};
}

CommandResult error(std::string text)
{
	return {false, false, "error: " + text + "\n"};
}

} // namespace

// The one table of commands. Handlers are friends through Console's
// public interface only.
struct ConsoleCommands {
	static CommandResult show_port_stats(Console &c, Runtime &rt, const std::vector<std::string> &a)
	{
		const int idx = a[0] == "all" ? 0 : rt.find_port(a[0]);
		if (idx < 0)
			return error(fmt::format("no port named '{}'", a[0]));
		const StatsSnapshot s = collect_stats(rt, stats_ports);
		if (a[0] != "all")
			return ok(c.port_stats(s, static_cast<size_t>(idx)));
		std::string out;
		for (size_t i = 0; i < s.ports.size(); i++)
			out += c.port_stats(s, i);
		return ok(out);
	}
	static CommandResult show_port_xstats(Console &c, Runtime &rt, const std::vector<std::string> &a)
	{
		const int idx = rt.find_port(a[0]);
		if (idx < 0)
			return error(fmt::format("no port named '{}'", a[0]));
		return ok(c.port_xstats(static_cast<size_t>(idx)));
	}
	static CommandResult clear_port_stats(Console &, Runtime &rt, const std::vector<std::string> &)
	{
		rt.clear_port_stats();
		return ok("port counters cleared\n");
	}
	static CommandResult show_rules(Console &c, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(c.rules(collect_stats(rt, stats_rules)));
	}
	static CommandResult show_rule(Console &c, Runtime &rt, const std::vector<std::string> &a)
	{
		const StatsSnapshot s = collect_stats(rt, stats_rules, RuleSelection::named(a[0]));
		if (s.rules.empty())
			return error(fmt::format("no rule named '{}'", a[0]));
		return ok(c.rule(s, s.rules.front()));
	}
	static CommandResult show_drops(Console &c, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(c.drops(collect_stats(rt, stats_ports)));
	}
	static CommandResult show_xdp(Console &c, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(c.xdp(collect_stats(rt, stats_ports)));
	}
	static CommandResult rule_add(Console &, Runtime &rt, const std::vector<std::string> &a)
	{
		config::Rule rule;
		try {
			rule = config::parse_rule_add(a);
		} catch (const config::GrammarError &e) {
			return error(std::string("rule add: ") + e.what());
		}
		std::string why;
		if (rt.add_rule(rule, &why) < 0)
			return error("rule add: " + why);
		return ok(fmt::format("rule {} added\n", rule.name));
	}
	static CommandResult rule_del(Console &, Runtime &rt, const std::vector<std::string> &a)
	{
		std::string why;
		if (rt.delete_rule(a[0], &why) < 0)
			return error("rule del: " + why);
		return ok(fmt::format("rule {} deleted\n", a[0]));
	}
	static CommandResult reload(Console &, Runtime &rt, const std::vector<std::string> &)
	{
		std::string report;
		if (rt.reload(&report) < 0)
			return error(report);
		return ok(report + "\n");
	}
	static CommandResult save(Console &, Runtime &rt, const std::vector<std::string> &a)
	{
		if (a.empty())
			return ok(config::to_yaml(rt.config()));
		std::string why;
		if (save_config(rt.config(), a[0], &why) < 0)
			return error("save: " + why);
		return ok(fmt::format("saved {} rule(s) to {}\n", rt.config().rules.size(), a[0]));
	}
	static CommandResult show_neighbours(Console &, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(format_neighbours(rt.neighbours()));
	}
	static CommandResult show_pools(Console &c, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(c.pools(collect_stats(rt, stats_pools)));
	}
	static CommandResult show_workers(Console &c, Runtime &rt, const std::vector<std::string> &)
	{
		return ok(c.workers(collect_stats(rt, stats_workers | stats_ports)));
	}
	static CommandResult help(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.help());
	}
	static CommandResult quit(Console &, Runtime &, const std::vector<std::string> &)
	{
		return {true, true, ""};
	}

	static const std::vector<CommandSpec> &table()
	{
		static const std::vector<CommandSpec> commands = {
			{"show port stats NAME", "counters and rates of one port, or of all", show_port_stats},
			{"show port xstats NAME", "the PMD's extended counters of a port", show_port_xstats},
			{"clear port stats all", "zero every port counter", clear_port_stats},
			{"show rules", "every rule with its packet counters", show_rules},
			{"show rule NAME", "one rule: match and per-output counters", show_rule},
			{"show drops", "dropped packets by reason, in total and per port", show_drops},
			{"rule add RULE...", "add a rule: NAME match port P dst A dport N [src S] [vlan V] "
					     "output port P [dst A] [dport N] [ttl T] [vlan V] [mac M] "
					     "[src keep|S] [dscp D] [output ...]",
			 rule_add},
			{"rule del NAME", "delete a rule", rule_del},
			{"reload", "re-read the YAML and apply its rule changes", reload},
			{"save", "print the running configuration as YAML", save},
			{"save FILE", "write the running configuration (console rules included) to "
				      "FILE, atomically", save},
			{"show neighbours", "next hops of unicast outputs: MAC or unresolved, and "
					    "the rules using them", show_neighbours},
			{"show xdp", "mcr's XDP program per port: id, mode, verdict counters", show_xdp},
			{"show pools", "size classes: mbufs in use and free", show_pools},
			{"show workers", "worker lcores, their queues and busy ratio", show_workers},
			{"help", "this list", help},
			{"quit", "stop forwarding and exit", quit},
		};
		return commands;
	}
};

CommandResult Console::execute(const std::string &line)
{
	const std::vector<std::string> words = split_words(line);
	if (words.empty() || words[0][0] == '#')
		return ok("");
	std::vector<std::string> args;
	for (const CommandSpec &cmd : ConsoleCommands::table())
		if (matches(split_words(cmd.syntax), words, &args))
			return cmd.run(*this, rt_, args);
	for (const CommandSpec &cmd : ConsoleCommands::table())
		if (same_command(split_words(cmd.syntax), words))
			return error(fmt::format("usage: {}", cmd.syntax));
	return error(fmt::format("unknown command '{}' (type help)", line));
}

std::vector<Console::Syntax> Console::syntaxes()
{
	std::vector<Syntax> out;
	for (const CommandSpec &cmd : ConsoleCommands::table())
		out.push_back({cmd.syntax, cmd.help});
	return out;
}

std::string Console::help()
{
	std::string out;
	for (const CommandSpec &cmd : ConsoleCommands::table())
		out += fmt::format("  {:<24} {}\n", cmd.syntax, cmd.help);
	return out;
}

namespace {

// "3 (no-buffer 2, tx-full 1)": a total and its reasons that are not zero.
std::string drop_breakdown(const std::vector<std::string> &names, std::span<const uint64_t> counts)
{
	uint64_t total = 0;
	std::string reasons;
	for (size_t r = 0; r < names.size() && r < counts.size(); r++) {
		total += counts[r];
		if (counts[r] != 0)
			reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", names[r], counts[r]);
	}
	return reasons.empty() ? fmt::format("{}", total) : fmt::format("{} ({})", total, reasons);
}

} // namespace

std::string Console::port_stats(const StatsSnapshot &s, size_t i)
{
	const PortStats &port = s.ports[i];
	const PortTotals &t = port.totals;
	const PmdTotals &pmd = port.pmd;

	// Rates like testpmd: since the previous look at this port.
	if (rate_samples_.size() < s.ports.size())
		rate_samples_.resize(s.ports.size());
	RateSample &prev = rate_samples_[i];
	const auto now = std::chrono::steady_clock::now();
	uint64_t rx_pps = 0, tx_pps = 0;
	if (prev.when.time_since_epoch().count() != 0) {
		const double secs = std::chrono::duration<double>(now - prev.when).count();
		if (secs > 0) {
			rx_pps = static_cast<uint64_t>((t.rx_packets - prev.rx_packets) / secs);
			tx_pps = static_cast<uint64_t>((t.tx_packets - prev.tx_packets) / secs);
		}
	}
	prev = {now, t.rx_packets, t.tx_packets};

	return fmt::format("  ######## port {} ({} on {}) ########\n"
			   "  RX-packets: {:<14} RX-bytes: {:<16} RX-pps: {}\n"
			   "  TX-packets: {:<14} TX-bytes: {:<16} TX-pps: {}\n"
			   "  TX-dropped: {:<14}\n"
			   "  Drops: {}\n"
			   "  PMD: ipackets {} imissed {} ierrors {} rx_nombuf {} opackets {} oerrors {}\n"
			   "  State: {} (interface deleted: down {}, reopened {})\n",
			   port.name, port.driver, port.iface, t.rx_packets, t.rx_bytes, rx_pps,
			   t.tx_packets, t.tx_bytes, tx_pps, t.tx_dropped,
			   drop_breakdown(s.drop_reasons, port.drops), pmd.ipackets, pmd.imissed,
			   pmd.ierrors, pmd.rx_nombuf, pmd.opackets, pmd.oerrors, port.up ? "up" : "down",
			   port.down_count, port.reopen_count);
}

std::string Console::port_xstats(size_t i)
{
	const uint16_t id = rt_.ports()[i]->id();
	const int n = rte_eth_xstats_get(id, nullptr, 0);
	if (n <= 0)
		return "  (no extended counters)\n";
	std::vector<rte_eth_xstat> values(static_cast<size_t>(n));
	std::vector<rte_eth_xstat_name> names(static_cast<size_t>(n));
	rte_eth_xstats_get(id, values.data(), static_cast<unsigned>(n));
	rte_eth_xstats_get_names(id, names.data(), static_cast<unsigned>(n));
	std::string out;
	for (const rte_eth_xstat &x : values)
		out += fmt::format("  {:<32} {}\n", names[x.id].name, x.value);
	return out;
}

std::string Console::pools(const StatsSnapshot &s)
{
	std::string out = fmt::format("  {:<12} {:>10} {:>8} {:>8} {:>8}\n", "class", "data-size",
				      "count", "in-use", "free");
	for (const PoolStats &p : s.pools)
		out += fmt::format("  {:<12} {:>10} {:>8} {:>8} {:>8}{}\n", p.name, p.data_size, p.size,
				   p.in_use, p.free(), p.kind == "size_class" ? "" : " (engine's " + p.kind + " pool)");
	return out;
}

std::string Console::workers(const StatsSnapshot &s)
{
	std::string out;
	for (const WorkerStats &w : s.workers) {
		std::string queues;
		for (const RxQueueStats &q : w.rx_queues)
			queues += fmt::format(" {}/{}", s.ports[q.port].name, q.queue);
		uint64_t rx = 0, tx = 0;
		for (size_t p = 0; p < w.rx_packets.size(); p++) {
			rx += w.rx_packets[p];
			tx += w.tx_packets[p];
		}
		out += fmt::format("  worker {} lcore {}: rx queues{}; rx {} tx {} packets; polls {} "
				   "busy {:.1f}%; idle sleeps {}; reassembled {}; fragmented {} into {}\n",
				   w.index, w.lcore, queues, rx, tx, w.polls,
				   w.polls ? 100.0 * w.busy_polls / w.polls : 0.0, w.idle_sleeps,
				   w.reassembled, w.fragmented, w.fragments_out);
	}
	return out;
}

namespace {

// port_address: the egress port's, which packets are sent from by default.
std::string describe_output(const config::Output &o, const config::Match &m,
			    const std::optional<config::IpAddress> &port_address)
{
	const config::PortRange dport =
		o.dport ? config::PortRange::single(*o.dport) : m.dport;
	std::string text = fmt::format("{} {} src {}", o.port,
				       config::describe_destination(o.destination(m), dport),
				       config::describe_source(o.src, port_address));
	if (o.dscp)
		text += fmt::format(" dscp {}", *o.dscp);
	if (o.ttl)
		text += fmt::format(" ttl {}", *o.ttl);
	if (o.vlan)
		text += fmt::format(" vlan {}", *o.vlan);
	if (o.mac)
		text += " mac " + config::format_mac(*o.mac);
	return text;
}

} // namespace

std::string Console::rules(const StatsSnapshot &s)
{
	std::string out = fmt::format("  {:<24} {:<44} {:>8} {:>12} {:>14}\n", "rule", "match",
				      "outputs", "packets", "bytes");
	for (const RuleStats &r : s.rules) {
		std::string match = config::describe_match(r.rule.match);
		if (!r.rule.more_inputs.empty())
			match += fmt::format(" +{} merged", r.rule.more_inputs.size());
		out += fmt::format("  {:<24} {:<44} {:>8} {:>12} {:>14}\n", r.name(), match,
				   r.rule.outputs.size(), r.packets, r.bytes);
	}
	out += fmt::format("  {} rule(s)\n", s.rules.size());
	return out;
}

std::string Console::rule(const StatsSnapshot &s, const RuleStats &r)
{
	std::string out = fmt::format("  {}\n  rule {}: match {}\n  received: {} packets, {} bytes\n",
				      config::format_rule(r.rule), r.name(),
				      config::describe_match(r.rule.match), r.packets, r.bytes);
	for (size_t o = 0; o < r.rule.outputs.size(); o++) {
		const OutputTotals &ot = r.outputs[o].totals;
		out += fmt::format("  output {}: {:<40} packets {:>10} bytes {:>12} drops {}\n", o,
				   describe_output(r.rule.outputs[o], r.rule.match, r.outputs[o].port_address),
				   ot.packets, ot.bytes, drop_breakdown(s.output_drop_reasons, ot.drops));
	}
	if (r.stream)
		out += stream_health(*r.stream, r.rule);
	return out;
}

// A merged or monitored rule's stream: what the window saw, and per input
// which copy won (doc/merging.md).
std::string Console::stream_health(const StreamStats &st, const config::Rule &rule)
{
	std::string out = fmt::format(
		"  stream ({}, worker {}): accepted {} duplicates {} late {} reordered {} gaps {} "
		"resyncs {} no-sequence {}\n",
		st.merge ? "merged" : "monitored", st.owner, st.accepted, st.duplicates, st.late,
		st.reordered, st.gaps, st.resyncs, st.no_sequence);
	const std::vector<const config::Match *> inputs = rule.inputs();
	for (size_t i = 0; i < st.inputs.size() && i < inputs.size(); i++)
		out += fmt::format("  input {}: {:<40} first {:>10} only {:>10}\n", i,
				   config::describe_match(*inputs[i]), st.inputs[i].first, st.inputs[i].only);
	if (st.inputs.size() > 1)
		out += fmt::format("  delivered by several inputs: {}\n", st.multiple);
	return out;
}

// Totals, then what was counted against each port (ingress for parse and
// lookup drops, egress for an output's).
std::string Console::drops(const StatsSnapshot &s)
{
	std::string out = fmt::format("  {:<18} {:>12}", "reason", "total");
	for (const PortStats &p : s.ports)
		out += fmt::format(" {:>12}", p.name);
	out += '\n';
	for (size_t r = 0; r < s.drop_reasons.size(); r++) {
		out += fmt::format("  {:<18} {:>12}", s.drop_reasons[r], s.drops[r]);
		for (const PortStats &p : s.ports)
			out += fmt::format(" {:>12}", p.drops[r]);
		out += '\n';
	}
	return out;
}

std::string Console::xdp(const StatsSnapshot &s)
{
	std::string out;
	for (const PortStats &p : s.ports) {
		if (!p.xdp.loaded) {
			out += fmt::format("  port {}: XDP program not loaded{}\n", p.name,
					   p.xdp.available ? "" : " (built without BPF)");
			continue;
		}
		// no_socket counts what arrived on the other RX queues.
		const std::string sockets =
			p.xdp.sockets != 0 ? fmt::format(", sockets on RX queues 0-{}", p.xdp.sockets - 1) : "";
		out += fmt::format("  port {}: program id {}, {} mode, on {}{}\n", p.name,
				   p.xdp.program_id, p.xdp.mode, p.iface, sockets);
		for (const auto &[name, value] : p.xdp.verdicts)
			out += fmt::format("    {:<20} {}\n", name, value);
	}
	return out;
}

std::string Console::periodic_stats()
{
	const StatsSnapshot s = collect_stats(rt_, stats_ports);
	std::string out;
	for (size_t i = 0; i < s.ports.size(); i++)
		out += port_stats(s, i);
	out += fmt::format("  drops: {}\n", drop_breakdown(s.drop_reasons, s.drops));
	return out;
}

} // namespace mcr::app
