#include "console.h"

#include <rte_ethdev.h>
#include <rte_mempool.h>

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
		if (a[0] == "all") {
			std::string out;
			for (size_t i = 0; i < rt.ports().size(); i++)
				out += c.port_stats(i);
			return ok(out);
		}
		const int idx = rt.find_port(a[0]);
		if (idx < 0)
			return error(fmt::format("no port named '{}'", a[0]));
		return ok(c.port_stats(static_cast<size_t>(idx)));
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
	static CommandResult show_rules(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.rules());
	}
	static CommandResult show_rule(Console &c, Runtime &rt, const std::vector<std::string> &a)
	{
		const config::Rule *rule = rt.config().find_rule(a[0]);
		if (rule == nullptr)
			return error(fmt::format("no rule named '{}'", a[0]));
		return ok(c.rule(*rule));
	}
	static CommandResult show_drops(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.drops());
	}
	static CommandResult show_xdp(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.xdp());
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
	static CommandResult show_pools(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.pools());
	}
	static CommandResult show_workers(Console &c, Runtime &, const std::vector<std::string> &)
	{
		return ok(c.workers());
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
			{"show drops", "dropped packets by reason", show_drops},
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

std::string Console::port_stats(size_t i)
{
	const drivers::Port &port = *rt_.ports()[i];
	const PortTotals t = rt_.port_totals(i);
	rte_eth_stats pmd{};
	rte_eth_stats_get(port.id(), &pmd);

	// Rates like testpmd: since the previous look at this port.
	if (rate_samples_.size() < rt_.ports().size())
		rate_samples_.resize(rt_.ports().size());
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
			   "  PMD: ipackets {} imissed {} ierrors {} rx_nombuf {} opackets {} oerrors {}\n",
			   port.name(), drivers::backend_name(port.backend()), port.iface().name,
			   t.rx_packets, t.rx_bytes, rx_pps, t.tx_packets, t.tx_bytes, tx_pps,
			   t.tx_dropped, pmd.ipackets, pmd.imissed, pmd.ierrors, pmd.rx_nombuf,
			   pmd.opackets, pmd.oerrors);
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

std::string Console::pools()
{
	std::string out = fmt::format("  {:<12} {:>10} {:>8} {:>8} {:>8}\n", "class", "data-size",
				      "count", "in-use", "free");
	for (const engine::SizeClass &sc : rt_.pools().classes())
		out += fmt::format("  {:<12} {:>10} {:>8} {:>8} {:>8}\n", sc.name, sc.data_size,
				   sc.count, rte_mempool_in_use_count(sc.pool),
				   rte_mempool_avail_count(sc.pool));
	return out;
}

std::string Console::workers()
{
	std::string out;
	for (const auto &w : rt_.workers()) {
		std::string queues;
		for (const engine::RxQueue &q : w->rx)
			queues += fmt::format(" {}/{}", rt_.ports()[q.port_index]->name(), q.queue_id);
		const uint64_t polls = w->counters.polls.get();
		const uint64_t busy = w->counters.busy_polls.get();
		uint64_t rx = 0, tx = 0;
		for (size_t p = 0; p < rt_.ports().size(); p++) {
			rx += w->ports[p].rx_packets.get();
			tx += w->ports[p].tx_packets.get();
		}
		out += fmt::format("  worker {} lcore {}: rx queues{}; rx {} tx {} packets; polls {} "
				   "busy {:.1f}%; idle sleeps {}; reassembled {}; fragmented {} into {}\n",
				   w->index, w->lcore, queues, rx, tx, polls, polls ? 100.0 * busy / polls : 0.0,
				   w->counters.idle_sleeps.get(), w->counters.reassembled.get(),
				   w->counters.fragmented.get(), w->counters.fragments_out.get());
	}
	return out;
}

namespace {

// port_address: the egress port's, which packets are sent from by default.
std::string describe_output(const config::Output &o, const config::Match &m,
			    config::Ipv4 port_address)
{
	std::string text = fmt::format("{} {}:{} src {}", o.port,
				       config::format_ipv4(o.dst.value_or(m.dst)),
				       o.dport.value_or(m.dport),
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

const engine::CompiledRule *Console::compiled(const config::Rule &rule) const
{
	const int port = rt_.engine().port_index(rule.match.port);
	if (port < 0)
		return nullptr;
	return rt_.engine().rules().find(engine::Engine::key_of(rule.match, static_cast<uint16_t>(port)));
}

std::string Console::rules()
{
	std::string out = fmt::format("  {:<24} {:<44} {:>8} {:>12} {:>14}\n", "rule", "match",
				      "outputs", "packets", "bytes");
	for (const config::Rule &rule : rt_.config().rules) {
		const engine::CompiledRule *cr = compiled(rule);
		const RuleTotals t = cr ? rt_.rule_totals(*cr) : RuleTotals{};
		out += fmt::format("  {:<24} {:<44} {:>8} {:>12} {:>14}\n", rule.name,
				   config::describe_match(rule.match), rule.outputs.size(), t.packets,
				   t.bytes);
	}
	return out;
}

std::string Console::rule(const config::Rule &rule)
{
	const engine::CompiledRule *cr = compiled(rule);
	const RuleTotals t = cr ? rt_.rule_totals(*cr) : RuleTotals{};
	std::string out = fmt::format("  {}\n  rule {}: match {}\n  received: {} packets, {} bytes\n",
				      config::format_rule(rule), rule.name,
				      config::describe_match(rule.match), t.packets, t.bytes);
	for (size_t o = 0; o < rule.outputs.size(); o++) {
		const OutputTotals ot = o < t.outputs.size() ? t.outputs[o] : OutputTotals{};
		out += fmt::format("  output {}: {:<40} packets {:>10} bytes {:>12} drops {}\n", o,
				   describe_output(rule.outputs[o], rule.match,
						   rt_.engine().port_ipv4(rule.outputs[o].port)),
				   ot.packets, ot.bytes, ot.drops);
	}
	return out;
}

std::string Console::drops()
{
	std::string out;
	for (size_t r = 1; r < packet::drop_reason_count; r++)
		out += fmt::format("  {:<18} {}\n",
				   packet::drop_reason_name(static_cast<packet::DropReason>(r)),
				   rt_.drop_total(r));
	return out;
}

std::string Console::xdp()
{
	std::string out;
	for (const auto &port : rt_.ports()) {
		const drivers::PortXdp &x = port->xdp();
		if (!x.loaded()) {
			out += fmt::format("  port {}: XDP program not loaded{}\n", port->name(),
					   drivers::PortXdp::available() ? "" : " (built without BPF)");
			continue;
		}
		// no_socket counts what arrived on the other RX queues.
		const std::string sockets =
			port->backend() == drivers::Backend::af_xdp
				? fmt::format(", sockets on RX queues 0-{}", port->queue_pairs() - 1)
				: "";
		out += fmt::format("  port {}: program id {}, {} mode, on {}{}\n", port->name(),
				   x.program_id(), x.mode(), port->iface().name, sockets);
		if (const auto counters = x.counters())
			for (const auto &[name, value] : *counters)
				out += fmt::format("    {:<20} {}\n", name, value);
	}
	return out;
}

std::string Console::periodic_stats()
{
	std::string out;
	for (size_t i = 0; i < rt_.ports().size(); i++)
		out += port_stats(i);
	uint64_t dropped = 0;
	std::string reasons;
	for (size_t r = 1; r < packet::drop_reason_count; r++) {
		const uint64_t n = rt_.drop_total(r);
		if (n != 0)
			reasons += fmt::format(" {} {}", packet::drop_reason_name(
								static_cast<packet::DropReason>(r)), n);
		dropped += n;
	}
	out += fmt::format("  drops: {}{}\n", dropped, reasons.empty() ? "" : " (" + reasons.substr(1) + ")");
	return out;
}

} // namespace mcr::app
