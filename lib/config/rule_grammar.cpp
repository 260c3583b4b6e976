#include "config/rule_grammar.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "config/address.h"
#include "config/bounds.h"
#include "config/names.h"
#include "config/rule_values.h"
#include "config/sequence.h"

namespace mcr::config {

namespace {

using config::limits::Range;

// The console has no file; positions count words from 1 so an error can
// still point somewhere.
config::Location at(size_t word)
{
	return {"console", 1, static_cast<int>(word + 1)};
}

class Words {
public:
	explicit Words(const std::vector<std::string> &w) : w_(w) {}
	bool done() const { return i_ >= w_.size(); }
	const std::string &peek() const { return w_[i_]; }
	size_t index() const { return i_; }
	const std::string &next(const char *what)
	{
		if (done())
			throw GrammarError(fmt::format("'{}' needs a value", what));
		return w_[i_++];
	}

private:
	const std::vector<std::string> &w_;
	size_t i_ = 0;
};

int64_t number(const std::string &key, const std::string &text, Range range)
{
	int64_t v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || end != text.data() + text.size())
		throw GrammarError(fmt::format("expected an integer for '{}', got '{}'", key, text));
	if (v < range.min || v > range.max)
		throw GrammarError(fmt::format("'{}' must be between {} and {}, got {}", key, range.min,
					       range.max, text));
	return v;
}

// An address or a prefix of either family (a match's dst or src, an
// output's dst).
config::Prefix host_or_prefix(const std::string &key, const std::string &text)
{
	std::string error;
	const auto prefix = config::parse_host_or_prefix(text, error);
	if (!prefix)
		throw GrammarError(fmt::format("invalid '{}': {}", key, error));
	return *prefix;
}

// A port, any, or FIRST-LAST.
config::PortRange port_range(const std::string &key, const std::string &text)
{
	if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
		return config::PortRange::single(
			static_cast<uint16_t>(number(key, text, config::limits::udp_port)));
	std::string error;
	const auto range = config::parse_port_range(text, error);
	if (!range)
		throw GrammarError(fmt::format("invalid '{}': {}", key, error));
	return *range;
}

// G1,G2,...
std::vector<config::IpAddress> join_list(const std::string &text)
{
	std::vector<config::IpAddress> groups;
	size_t start = 0;
	for (;;) {
		const size_t comma = text.find(',', start);
		const std::string item = text.substr(start, comma - start);
		const auto group = config::parse_ip_address(item);
		if (!group)
			throw GrammarError(fmt::format("invalid group address '{}' in 'join' "
						       "(G1,G2,... expected)",
						       item));
		groups.push_back(*group);
		if (comma == std::string::npos)
			return groups;
		start = comma + 1;
	}
}

void throw_first(const std::vector<config::RuleValueProblem> &problems)
{
	if (!problems.empty())
		throw GrammarError(problems.front().message);
}

std::string port_name(const std::string &text)
{
	if (!config::is_valid_name(text, config::limits::max_port_name))
		throw GrammarError(fmt::format("invalid port name '{}'", text));
	return text;
}

config::OutputSource output_source(const std::string &text)
{
	if (text == "keep")
		return config::OutputSource::keep();
	const auto ip = config::parse_ip_address(text);
	if (!ip)
		throw GrammarError(fmt::format("expected 'keep' or an IPv4 or IPv6 address for "
					       "'src', got '{}'",
					       text));
	if (auto problem = config::output_source_problem(*ip))
		throw GrammarError(*problem);
	return config::OutputSource::given(*ip);
}

bool is_clause(const std::string &w)
{
	return w == "match" || w == "output" || w == "merge" || w == "monitor";
}

// rtp, or OFFSET:SIZE[:big|little].
packet::SequenceField sequence_field(const std::string &text)
{
	if (auto preset = config::sequence_preset(text))
		return *preset;
	std::vector<std::string> parts{""};
	for (char c : text) {
		if (c == ':')
			parts.emplace_back();
		else
			parts.back() += c;
	}
	if (parts.size() < 2 || parts.size() > 3)
		throw GrammarError(fmt::format("expected rtp or OFFSET:SIZE[:big|little] for "
					       "'sequence', got '{}'",
					       text));
	packet::SequenceField field;
	field.offset = static_cast<uint16_t>(
		number("offset", parts[0], config::limits::sequence_offset));
	constexpr Range any{std::numeric_limits<int64_t>::min(),
			    std::numeric_limits<int64_t>::max()};
	const int64_t size = number("size", parts[1], any);
	if (auto problem = config::sequence_size_problem(size))
		throw GrammarError(*problem);
	field.size = static_cast<uint8_t>(size);
	if (parts.size() == 3) {
		const auto big = config::parse_big_endian(parts[2]);
		if (!big)
			throw GrammarError(fmt::format("'order' must be big or little, got '{}'",
						       parts[2]));
		field.big_endian = *big;
	}
	if (auto problem = config::sequence_extent_problem(field))
		throw GrammarError(*problem);
	return field;
}

// The words after `merge` or `monitor` (the clause).
config::Sequence read_sequence(Words &w, const char *clause)
{
	config::Sequence s;
	s.where = at(w.index());
	bool has_field = false;
	while (!w.done() && !is_clause(w.peek())) {
		const std::string key = w.next(clause);
		const std::string &value = w.next(key.c_str());
		if (key == "sequence") {
			s.field = sequence_field(value);
			has_field = true;
		} else if (key == "window") {
			s.window = static_cast<uint32_t>(
				number(key, value, config::limits::sequence_window));
		} else {
			throw GrammarError(fmt::format("unknown word '{}' in {} (expected sequence, "
						       "window)", key, clause));
		}
	}
	if (!has_field)
		throw GrammarError(fmt::format("{} needs 'sequence rtp' or 'sequence "
					       "OFFSET:SIZE[:big|little]'", clause));
	if (auto problem = config::sequence_window_problem(s.window, &s.field))
		throw GrammarError(*problem);
	return s;
}

config::Match read_match(Words &w)
{
	config::Match m;
	m.where = at(w.index());
	bool has_port = false, has_dst = false, has_dport = false;
	while (!w.done() && !is_clause(w.peek())) {
		const std::string key = w.next("match");
		const std::string &value = w.next(key.c_str());
		if (key == "port") {
			m.port = port_name(value);
			has_port = true;
		} else if (key == "dst") {
			m.dst = host_or_prefix(key, value);
			has_dst = true;
		} else if (key == "dport") {
			m.dport = port_range(key, value);
			has_dport = true;
		} else if (key == "src") {
			m.src = host_or_prefix(key, value);
		} else if (key == "vlan") {
			m.vlan = static_cast<uint16_t>(number(key, value, config::limits::vlan));
		} else if (key == "join") {
			m.join = join_list(value);
		} else {
			throw GrammarError(fmt::format("unknown word '{}' in match (expected port, dst, "
						       "dport, src, vlan, join)", key));
		}
	}
	if (!has_port || !has_dst || !has_dport)
		throw GrammarError(fmt::format("match needs port, dst and dport (missing {})",
					       !has_port ? "port" : !has_dst ? "dst" : "dport"));
	throw_first(config::match_problems(m));
	m.port_where = m.where;
	return m;
}

config::Output read_output(Words &w)
{
	config::Output o;
	o.where = at(w.index());
	bool has_port = false;
	while (!w.done() && !is_clause(w.peek())) {
		const std::string key = w.next("output");
		const std::string &value = w.next(key.c_str());
		if (key == "port") {
			o.port = port_name(value);
			has_port = true;
		} else if (key == "dst") {
			// keep (the default): the received destination.
			o.dst.reset();
			if (value != "keep") {
				o.dst = host_or_prefix(key, value);
				if (auto problem = config::destination_problem(*o.dst))
					throw GrammarError(*problem);
			}
		} else if (key == "dport") {
			o.dport = static_cast<uint16_t>(number(key, value, config::limits::udp_port));
		} else if (key == "ttl") {
			o.ttl = static_cast<uint8_t>(number(key, value, config::limits::ttl));
		} else if (key == "vlan") {
			o.vlan = static_cast<uint16_t>(number(key, value, config::limits::vlan));
		} else if (key == "mac") {
			o.mac = config::parse_mac(value);
			if (!o.mac || !config::is_mac_unicast(*o.mac))
				throw GrammarError(fmt::format("invalid unicast MAC address '{}'", value));
		} else if (key == "src") {
			o.src = output_source(value);
		} else if (key == "dscp") {
			o.dscp = static_cast<uint8_t>(number(key, value, config::limits::dscp));
		} else {
			throw GrammarError(fmt::format("unknown word '{}' in output (expected port, dst, "
						       "dport, ttl, vlan, mac, src, dscp)", key));
		}
	}
	if (!has_port)
		throw GrammarError("output needs a port");
	o.port_where = o.where;
	return o;
}

} // namespace

config::Rule parse_rule_add(const std::vector<std::string> &words)
{
	Words w(words);
	config::Rule rule;
	rule.where = at(0);
	if (w.done())
		throw GrammarError("rule add needs a name, a match and at least one output");
	rule.name = w.next("name");
	if (!config::is_valid_name(rule.name, config::limits::max_rule_name))
		throw GrammarError(fmt::format("invalid rule name '{}' (expected 1 to {} letters, digits, "
					       "'-' or '_')", rule.name, config::limits::max_rule_name));
	if (w.done() || w.next("match") != "match")
		throw GrammarError("expected 'match' after the rule name");
	rule.match = read_match(w);
	while (!w.done()) {
		const std::string &clause = w.next("output");
		if (clause == "output") {
			if (rule.outputs.size() == config::limits::max_outputs)
				throw GrammarError(fmt::format("at most {} outputs",
							       config::limits::max_outputs));
			rule.outputs.push_back(read_output(w));
		} else if (clause == "match") {
			if (rule.more_inputs.size() + 1 == config::max_rule_inputs)
				throw GrammarError(fmt::format("at most {} inputs ('match' clauses)",
							       config::max_rule_inputs));
			rule.more_inputs.push_back(read_match(w));
		} else if (clause == "merge" || clause == "monitor") {
			auto &sequence = clause == "merge" ? rule.merge : rule.monitor;
			if (sequence)
				throw GrammarError(fmt::format("'{}' given twice", clause));
			sequence = read_sequence(w, clause.c_str());
		} else {
			throw GrammarError(fmt::format("expected 'match', 'merge', 'monitor' or "
						       "'output', got '{}'", clause));
		}
	}
	if (rule.outputs.empty())
		throw GrammarError("a rule needs at least one output");
	if (!rule.more_inputs.empty() && !rule.merge)
		throw GrammarError("several 'match' clauses need 'merge' (the sequence number that "
				   "makes their copies one stream)");
	if (rule.merge && rule.more_inputs.empty())
		throw GrammarError("'merge' needs at least 2 'match' clauses (a rule with one has "
				   "nothing to merge; 'monitor' watches its sequence)");
	if (rule.merge && rule.monitor)
		throw GrammarError("'monitor' and 'merge' exclude each other (a merged rule counts "
				   "its stream's health already)");
	if (auto problem = config::sequence_rule_problem(rule))
		throw GrammarError(*problem);
	for (const config::Output &output : rule.outputs)
		for (const config::Match *input : rule.inputs())
			throw_first(config::output_problems(output, *input));
	return rule;
}

namespace {

std::string format_match(const config::Match &m)
{
	std::string text = fmt::format(" match port {} dst {} dport {}", m.port,
				       config::format_host_or_prefix(m.dst),
				       config::format_port_range(m.dport));
	if (m.src)
		text += " src " + config::format_host_or_prefix(*m.src);
	if (m.vlan)
		text += fmt::format(" vlan {}", m.vlan);
	for (size_t i = 0; i < m.join.size(); i++)
		text += (i == 0 ? " join " : ",") + config::format_ip_address(m.join[i]);
	return text;
}

std::string format_sequence(const char *clause, const config::Sequence &s)
{
	const auto preset = config::sequence_preset_name(s.field);
	const std::string field =
		preset ? std::string(*preset)
		       : fmt::format("{}:{}:{}", s.field.offset, s.field.size,
				     config::byte_order_name(s.field.big_endian));
	return fmt::format(" {} sequence {} window {}", clause, field, s.window);
}

} // namespace

std::string format_rule(const config::Rule &rule)
{
	std::string text = "rule add " + rule.name;
	for (const config::Match *m : rule.inputs())
		text += format_match(*m);
	if (rule.merge)
		text += format_sequence("merge", *rule.merge);
	if (rule.monitor)
		text += format_sequence("monitor", *rule.monitor);
	for (const config::Output &o : rule.outputs) {
		text += " output port " + o.port;
		if (o.dst)
			text += " dst " + config::format_host_or_prefix(*o.dst);
		if (o.dport)
			text += fmt::format(" dport {}", *o.dport);
		if (o.ttl)
			text += fmt::format(" ttl {}", *o.ttl);
		if (o.vlan)
			text += fmt::format(" vlan {}", *o.vlan);
		if (o.mac)
			text += " mac " + config::format_mac(*o.mac);
		if (o.src.kind == config::OutputSource::Kind::keep)
			text += " src keep";
		else if (o.src.kind == config::OutputSource::Kind::address)
			text += " src " + config::format_ip_address(o.src.address);
		if (o.dscp)
			text += fmt::format(" dscp {}", *o.dscp);
	}
	return text;
}

} // namespace mcr::config
