#include "config/validate.h"

#include <fmt/format.h>

#include "config/address.h"

namespace mcr::config {

namespace {

bool same_match_key(const Match &a, const Match &b)
{
	return a.port == b.port && a.vlan == b.vlan && a.dst == b.dst && a.dport == b.dport &&
	       a.src == b.src;
}

// Neither port range holds the other, yet they share a port: for a
// datagram to such a port, no precedence (the narrower range wins) says
// which of two inputs with one dst and src takes it.
bool crossing(const PortRange &a, const PortRange &b)
{
	const auto holds = [](const PortRange &outer, const PortRange &inner) {
		return outer.first <= inner.first && inner.last <= outer.last;
	};
	return a.overlaps(b) && !holds(a, b) && !holds(b, a);
}

// Two inputs no precedence rule orders: same port, vlan, dst prefix and
// src, port ranges crossing.
bool ambiguous(const Match &a, const Match &b)
{
	return a.port == b.port && a.vlan == b.vlan && a.dst == b.dst && a.src == b.src &&
	       crossing(a.dport, b.dport);
}

// The destinations an output's packets may go to: a map prefix's
// addresses, a set address, or (dst keep) the input's dst.
Prefix effective_dst(const Output &output, const Match &match)
{
	return output.dst.value_or(match.dst);
}

PortRange effective_dport(const Output &output, const Match &match)
{
	return output.dport ? PortRange::single(*output.dport) : match.dport;
}

bool prefixes_overlap(const Prefix &a, const Prefix &b)
{
	return prefix_contains(a, b.address) || prefix_contains(b, a.address);
}

// A copy sent back out of the port it came in on, to a group and port the
// input matches, would be received and relayed again. An explicit
// different VLAN takes it out of the match; without one the egress tag is
// not known here, so the output is treated as a loop.
bool loops_back(const Output &output, const Match &match)
{
	if (output.port != match.port || !prefixes_overlap(effective_dst(output, match), match.dst) ||
	    !effective_dport(output, match).overlaps(match.dport))
		return false;
	return !output.vlan || *output.vlan == match.vlan;
}

bool same_destination(const Output &a, const Output &b, const Match &match)
{
	return a.port == b.port && effective_dst(a, match) == effective_dst(b, match) &&
	       effective_dport(a, match) == effective_dport(b, match) && a.vlan == b.vlan &&
	       a.mac == b.mac;
}

std::string describe_output(const Output &output, const Match &match)
{
	return fmt::format("port {}, {}", output.port,
			   describe_destination(effective_dst(output, match),
						effective_dport(output, match)));
}

void check_port(const Config &cfg, const Rule &rule, const std::string &port, const Location &where,
		std::vector<Diagnostic> &found)
{
	if (!port.empty() && !cfg.find_port(port))
		found.push_back(
			{where, fmt::format("unknown port '{}' in rule '{}'", port, rule.name)});
}

// What messages call one of the rule's inputs: its `match`, or an entry of
// a merged rule's `inputs`.
const char *input_word(const Rule &rule)
{
	return rule.more_inputs.empty() ? "match" : "input";
}

// One merged stream goes to one destination: an output that keeps the
// received dst or dport would send each input's copies to its own.
void check_merged_destination(const Rule &rule, const Output &output,
			      std::vector<Diagnostic> &found)
{
	for (const Match &input : rule.more_inputs) {
		if (!output.dst && input.dst != rule.match.dst) {
			found.push_back({output.where,
					 fmt::format("output needs 'dst': the merged rule's inputs "
						     "go to {} and {}",
						     format_host_or_prefix(rule.match.dst),
						     format_host_or_prefix(input.dst))});
			return;
		}
		if (!output.dport && input.dport != rule.match.dport) {
			found.push_back({output.where,
					 fmt::format("output needs 'dport': the merged rule's inputs "
						     "go to ports {} and {}",
						     format_port_range(rule.match.dport),
						     format_port_range(input.dport))});
			return;
		}
	}
}

void check_outputs(const Rule &rule, std::vector<Diagnostic> &found)
{
	for (size_t i = 0; i < rule.outputs.size(); i++) {
		const Output &output = rule.outputs[i];
		const Match *looped = nullptr;
		for (const Match *input : rule.inputs())
			if (!looped && loops_back(output, *input))
				looped = input;
		if (looped) {
			found.push_back({output.where,
					 fmt::format("output loops back to the rule's own {} ({})",
						     input_word(rule), describe_match(*looped))});
			continue;
		}
		check_merged_destination(rule, output, found);
		for (size_t j = 0; j < i; j++) {
			if (same_destination(rule.outputs[j], output, rule.match)) {
				found.push_back(
					{output.where,
					 fmt::format("duplicate output ({}) in rule '{}' (first "
						     "defined at {})",
						     describe_output(output, rule.match), rule.name,
						     format_location(rule.outputs[j].where))});
				break;
			}
		}
	}
}

void duplicate_name(const Rule &rule, const Rule &first, std::vector<Diagnostic> &found)
{
	found.push_back({rule.where, fmt::format("duplicate rule name '{}' (first defined at {})",
						 rule.name, format_location(first.where))});
}

// The input of `other` with the same key as `input`, if any.
const Match *input_like(const Rule &other, const Match &input)
{
	for (const Match *theirs : other.inputs())
		if (same_match_key(*theirs, input))
			return theirs;
	return nullptr;
}

// The input of `other` no precedence orders against `input`, if any.
const Match *input_crossing(const Rule &other, const Match &input)
{
	for (const Match *theirs : other.inputs())
		if (ambiguous(*theirs, input))
			return theirs;
	return nullptr;
}

void ambiguous_match(const Rule &rule, const Match &input, const Rule &other, const Match &theirs,
		     std::vector<Diagnostic> &found)
{
	found.push_back({input.where,
			 fmt::format("{} ({}) is ambiguous with rule '{}' (defined at {}): the "
				     "port ranges {} and {} overlap and neither holds the other, "
				     "so no precedence says which rule takes a datagram to a port "
				     "in both; split or nest the ranges",
				     input_word(rule), describe_match(input), other.name,
				     format_location(theirs.where), format_port_range(input.dport),
				     format_port_range(theirs.dport))});
}

void duplicate_match(const Rule &rule, const Match &input, const Rule &other, const Match &theirs,
		     std::vector<Diagnostic> &found)
{
	found.push_back({input.where,
			 fmt::format("{} ({}) is already used by rule '{}' (defined at {})",
				     input_word(rule), describe_match(input), other.name,
				     format_location(theirs.where))});
}

// Two inputs of one rule with one key would deliver every packet twice.
// True when `i` repeats an earlier input (reported).
bool repeats_earlier_input(const Rule &rule, const std::vector<const Match *> &inputs, size_t i,
			   std::vector<Diagnostic> &found)
{
	for (size_t j = 0; j < i; j++) {
		if (same_match_key(*inputs[j], *inputs[i]) || ambiguous(*inputs[j], *inputs[i])) {
			found.push_back({inputs[i]->where,
					 fmt::format("duplicate input ({}) in rule '{}' (first "
						     "defined at {})",
						     describe_match(*inputs[i]), rule.name,
						     format_location(inputs[j]->where))});
			return true;
		}
	}
	return false;
}

void check_against_rules(const Config &cfg, const Rule &rule, std::vector<Diagnostic> &found)
{
	if (const Rule *first = cfg.find_rule(rule.name))
		duplicate_name(rule, *first, found);
	const auto inputs = rule.inputs();
	for (size_t i = 0; i < inputs.size(); i++) {
		if (repeats_earlier_input(rule, inputs, i, found))
			continue;
		for (const auto &other : cfg.rules) {
			if (const Match *theirs = input_like(other, *inputs[i])) {
				duplicate_match(rule, *inputs[i], other, *theirs, found);
				break;
			}
			if (const Match *theirs = input_crossing(other, *inputs[i])) {
				ambiguous_match(rule, *inputs[i], other, *theirs, found);
				break;
			}
		}
	}
}

} // namespace

std::string describe_destination(const Prefix &dst, const PortRange &dport)
{
	const std::string address = format_host_or_prefix(dst);
	const std::string port = format_port_range(dport);
	// [ff3e::1]:5000, as in a URL, so the port is not read as a group.
	return dst.is_ipv6() ? fmt::format("[{}]:{}", address, port)
			     : fmt::format("{}:{}", address, port);
}

std::string describe_match(const Match &match)
{
	std::string text =
		fmt::format("port {}, {}", match.port, describe_destination(match.dst, match.dport));
	if (match.src)
		text += fmt::format(", src {}", format_host_or_prefix(*match.src));
	if (match.vlan)
		text += fmt::format(", vlan {}", match.vlan);
	return text;
}

std::string describe_source(const OutputSource &src, const std::optional<IpAddress> &port_address)
{
	switch (src.kind) {
	case OutputSource::Kind::keep:
		return "keep";
	case OutputSource::Kind::address:
		return format_ip_address(src.address);
	case OutputSource::Kind::port:
		break;
	}
	return port_address ? format_ip_address(*port_address) : "port";
}

std::vector<Diagnostic> check_rule_ports(const Config &cfg, const Rule &rule)
{
	std::vector<Diagnostic> found;
	// A config without ports has had that reported already; naming every
	// port of every rule as unknown too would bury it.
	if (cfg.ports.empty())
		return found;
	for (const Match *input : rule.inputs())
		check_port(cfg, rule, input->port, input->port_where, found);
	for (const auto &output : rule.outputs)
		check_port(cfg, rule, output.port, output.port_where, found);
	return found;
}

std::vector<Diagnostic> check_rule(const Config &cfg, const Rule &rule)
{
	std::vector<Diagnostic> found;
	check_against_rules(cfg, rule, found);
	for (auto &diagnostic : check_rule_ports(cfg, rule))
		found.push_back(std::move(diagnostic));
	check_outputs(rule, found);
	return found;
}

RuleIndex::MatchKey RuleIndex::key(const Match &m)
{
	const Prefix none{Ipv4{0}, 0};
	const Prefix src = m.src.value_or(none);
	return {m.port, m.vlan, m.dst.address, m.dst.length, m.src.has_value(), src.address, src.length};
}

void RuleIndex::add(const Config &cfg, size_t rule)
{
	const Rule &r = cfg.rules[rule];
	names_.emplace(r.name, rule);
	for (const Match *input : r.inputs()) {
		matches_.emplace(ExactKey{key(*input), input->dport.first, input->dport.last}, rule);
		if (!input->dport.is_single())
			port_ranges_[key(*input)].push_back(rule);
	}
}

std::optional<size_t> RuleIndex::by_name(const std::string &name) const
{
	const auto it = names_.find(name);
	return it == names_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

std::optional<size_t> RuleIndex::by_match(const Match &match) const
{
	const auto it = matches_.find(ExactKey{key(match), match.dport.first, match.dport.last});
	return it == matches_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

std::optional<size_t> RuleIndex::crossing_match(const Config &cfg, const Match &match) const
{
	// One port is inside any range that holds it: only two ranges cross.
	if (match.dport.is_single())
		return std::nullopt;
	const auto it = port_ranges_.find(key(match));
	if (it == port_ranges_.end())
		return std::nullopt;
	for (const size_t rule : it->second)
		if (input_crossing(cfg.rules[rule], match))
			return rule;
	return std::nullopt;
}

std::vector<Diagnostic> check_rule(const Config &cfg, const Rule &rule, const RuleIndex &index)
{
	std::vector<Diagnostic> found;
	if (const auto first = index.by_name(rule.name))
		duplicate_name(rule, cfg.rules[*first], found);
	const auto inputs = rule.inputs();
	for (size_t i = 0; i < inputs.size(); i++) {
		if (repeats_earlier_input(rule, inputs, i, found))
			continue;
		if (const auto other = index.by_match(*inputs[i])) {
			const Rule &theirs = cfg.rules[*other];
			duplicate_match(rule, *inputs[i], theirs, *input_like(theirs, *inputs[i]),
					found);
		} else if (const auto other = index.crossing_match(cfg, *inputs[i])) {
			const Rule &theirs = cfg.rules[*other];
			ambiguous_match(rule, *inputs[i], theirs, *input_crossing(theirs, *inputs[i]),
					found);
		}
	}
	for (auto &diagnostic : check_rule_ports(cfg, rule))
		found.push_back(std::move(diagnostic));
	check_outputs(rule, found);
	return found;
}

} // namespace mcr::config
