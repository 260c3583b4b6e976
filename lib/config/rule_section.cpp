// rules: what to relay, from a match on one port (or several inputs of one
// stream, merged) to outputs on others.
#include <array>
#include <limits>

#include <fmt/format.h>

#include "config/address.h"
#include "config/names.h"
#include "config/rule_values.h"
#include "config/sections.h"
#include "config/sequence.h"
#include "config/validate.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array rule_keys = {"name"sv,  "match"sv,   "inputs"sv,
				  "merge"sv, "monitor"sv, "outputs"sv};
constexpr std::array match_keys = {"port"sv, "dst"sv, "dport"sv, "src"sv, "vlan"sv, "join"sv};
constexpr std::array sequence_use_keys = {"sequence"sv, "window"sv};
constexpr std::array sequence_field_keys = {"offset"sv, "size"sv, "order"sv};
constexpr std::array<std::pair<std::string_view, bool>, 2> byte_orders = {
	{{"big", true}, {"little", false}}};
constexpr std::array output_keys = {"port"sv, "dst"sv,  "dport"sv, "ttl"sv,
				    "vlan"sv, "mac"sv,  "src"sv,   "dscp"sv};

// The fields below report their own problems and say whether they were
// read; a rule is only cross-checked (check_rule) on fields that were.

bool read_port_name(Diagnostics &diagnostics, const MapReader &map, std::string &port,
		    Location &port_where)
{
	auto value = map.require("port");
	if (!value)
		return false;
	auto name = read_string(diagnostics, *value);
	if (!name)
		return false;
	if (name->empty()) {
		diagnostics.add(value->where, "'port' must not be empty");
		return false;
	}
	port = *name;
	port_where = value->where;
	return true;
}

// An address or a prefix of either family (a match's dst or src, an
// output's dst).
std::optional<Prefix> read_host_or_prefix(Diagnostics &diagnostics, const Value &value)
{
	if (!value.node.IsScalar()) {
		diagnostics.add(value.where,
				fmt::format("expected an address or a prefix for '{}', got {}",
					    value.name, describe(value.node)));
		return std::nullopt;
	}
	std::string error;
	auto prefix = parse_host_or_prefix(value.node.Scalar(), error);
	if (!prefix)
		diagnostics.add(value.where, fmt::format("invalid '{}': {}", value.name, error));
	return prefix;
}

// `dport`: a port (1..65535), `any`, or FIRST-LAST.
std::optional<PortRange> read_port_range(Diagnostics &diagnostics, const Value &value)
{
	if (!value.node.IsScalar()) {
		diagnostics.add(value.where,
				fmt::format("expected a UDP port, 'any' or FIRST-LAST for '{}', got {}",
					    value.name, describe(value.node)));
		return std::nullopt;
	}
	const std::string text = value.node.Scalar();
	if (text.find_first_not_of("0123456789+") == std::string::npos) {
		const auto port = read_int(diagnostics, value, limits::udp_port);
		if (!port)
			return std::nullopt;
		return PortRange::single(static_cast<uint16_t>(*port));
	}
	std::string error;
	auto range = parse_port_range(text, error);
	if (!range)
		diagnostics.add(value.where, fmt::format("invalid '{}': {}", value.name, error));
	return range;
}

// An output's `src`: `keep` (the received source) or a unicast address.
bool read_output_source(Diagnostics &diagnostics, const Value &value, OutputSource &src)
{
	constexpr std::string_view expected = "expected 'keep' or an IPv4 or IPv6 address for 'src'";
	if (!value.node.IsScalar()) {
		diagnostics.add(value.where, fmt::format("{}, got {}", expected, describe(value.node)));
		return false;
	}
	const std::string text = value.node.Scalar();
	if (text == "keep") {
		src = OutputSource::keep();
		return true;
	}
	auto address = parse_ip_address(text);
	if (!address) {
		diagnostics.add(value.where, fmt::format("{}, got '{}'", expected, text));
		return false;
	}
	if (auto problem = output_source_problem(*address)) {
		diagnostics.add(value.where, *problem);
		return false;
	}
	src = OutputSource::given(*address);
	return true;
}

// `join`: a list of group addresses (or one).
bool read_join(Diagnostics &diagnostics, const Value &value, Match &match,
	       std::vector<Location> &where)
{
	std::vector<Value> items;
	if (value.node.IsScalar())
		items.push_back(value);
	else if (expect_list(diagnostics, value))
		items = list_items(diagnostics, value);
	else
		return false;
	bool complete = true;
	for (const Value &item : items) {
		const auto text = read_string(diagnostics, item);
		if (!text) {
			complete = false;
			continue;
		}
		const auto group = parse_ip_address(*text);
		if (!group) {
			diagnostics.add(item.where, fmt::format("invalid group address '{}' in 'join'",
								*text));
			complete = false;
			continue;
		}
		match.join.push_back(*group);
		where.push_back(item.where);
	}
	return complete;
}

// Reports each problem at the value it is about, `whole` at `fallback`.
void report(Diagnostics &diagnostics, const std::vector<RuleValueProblem> &problems,
	    const Location &dst, const Location &src, const Location &dport,
	    const std::vector<Location> &join, const Location &fallback)
{
	for (const auto &problem : problems) {
		const Location *at = &fallback;
		switch (problem.value) {
		case RuleValue::dst:
			at = &dst;
			break;
		case RuleValue::src:
			at = &src;
			break;
		case RuleValue::dport:
			at = &dport;
			break;
		case RuleValue::join:
			at = problem.index < join.size() ? &join[problem.index] : &fallback;
			break;
		case RuleValue::whole:
			break;
		}
		diagnostics.add(*at, problem.message);
	}
}

// `context`: "match", or "input" for an entry of `inputs`.
bool read_match(Diagnostics &diagnostics, const Value &value, const char *context, Match &match)
{
	if (!expect_map(diagnostics, value))
		return false;
	MapReader map(diagnostics, value.node, context, match_keys);
	match.where = map.where();
	bool complete = read_port_name(diagnostics, map, match.port, match.port_where);
	Location dst_where = match.where, src_where = match.where, dport_where = match.where;
	if (auto dst = map.require("dst")) {
		dst_where = dst->where;
		auto prefix = read_host_or_prefix(diagnostics, *dst);
		if (prefix)
			match.dst = *prefix;
		complete &= prefix.has_value();
	} else {
		complete = false;
	}
	if (auto dport = map.require("dport")) {
		dport_where = dport->where;
		auto range = read_port_range(diagnostics, *dport);
		if (range)
			match.dport = *range;
		complete &= range.has_value();
	} else {
		complete = false;
	}
	if (auto src = map.get("src")) {
		src_where = src->where;
		match.src = read_host_or_prefix(diagnostics, *src);
		complete &= match.src.has_value();
	}
	complete &= read_int_field(diagnostics, map, "vlan", limits::vlan, match.vlan);
	std::vector<Location> join_where;
	if (auto join = map.get("join"))
		complete &= read_join(diagnostics, *join, match, join_where);
	if (complete) {
		const auto problems = match_problems(match);
		report(diagnostics, problems, dst_where, src_where, dport_where, join_where,
		       match.where);
		complete = problems.empty();
	}
	return complete;
}

// Where an output's values are, for the checks against its rule's inputs.
struct ReadOutput {
	Output output;
	Location dst_where;
	Location src_where;
};

bool read_output(Diagnostics &diagnostics, const Value &item, ReadOutput &read)
{
	if (!expect_map(diagnostics, item))
		return false;
	MapReader map(diagnostics, item.node, "output", output_keys);
	Output &output = read.output;
	output.where = map.where();
	read.dst_where = read.src_where = output.where;
	bool complete = read_port_name(diagnostics, map, output.port, output.port_where);
	if (auto value = map.get("dst")) {
		read.dst_where = value->where;
		// keep (the default): the received destination.
		if (!(value->node.IsScalar() && value->node.Scalar() == "keep")) {
			output.dst = read_host_or_prefix(diagnostics, *value);
			if (output.dst) {
				if (auto problem = destination_problem(*output.dst)) {
					diagnostics.add(value->where, *problem);
					output.dst.reset();
					complete = false;
				}
			} else {
				complete = false;
			}
		}
	}
	complete &= read_int_field(diagnostics, map, "dport", limits::udp_port, output.dport);
	read_int_field(diagnostics, map, "ttl", limits::ttl, output.ttl);
	complete &= read_int_field(diagnostics, map, "vlan", limits::vlan, output.vlan);
	if (auto value = map.get("mac")) {
		auto mac = read_mac(diagnostics, *value);
		if (mac && !is_mac_unicast(*mac)) {
			diagnostics.add(value->where,
					fmt::format("'mac' must be a unicast MAC address, got {}",
						    format_mac(*mac)));
			mac.reset();
		}
		complete &= mac.has_value();
		output.mac = mac;
	}
	if (auto value = map.get("src")) {
		read.src_where = value->where;
		complete &= read_output_source(diagnostics, *value, output.src);
	}
	complete &= read_int_field(diagnostics, map, "dscp", limits::dscp, output.dscp);
	return complete;
}

// Only the outputs that could be read completely are kept, so the others
// of the rule can still be checked.
std::vector<ReadOutput> read_outputs(Diagnostics &diagnostics, const Value &outputs)
{
	std::vector<ReadOutput> read;
	if (!expect_list(diagnostics, outputs))
		return read;
	size_t count = outputs.node.size();
	if (count == 0)
		diagnostics.add(outputs.where, "'outputs' must list at least one output");
	if (count > limits::max_outputs)
		diagnostics.add(outputs.where,
				fmt::format("'outputs' has {} entries, at most {} are allowed",
					    count, limits::max_outputs));
	for (const auto &item : list_items(diagnostics, outputs)) {
		ReadOutput output;
		if (read_output(diagnostics, item, output))
			read.push_back(std::move(output));
	}
	return read;
}

// The outputs against the rule's inputs (read completely): an output with
// a problem is reported and left out.
std::vector<Output> check_outputs_against_inputs(Diagnostics &diagnostics, const Rule &rule,
						 std::vector<ReadOutput> outputs)
{
	std::vector<Output> kept;
	for (auto &read : outputs) {
		std::vector<RuleValueProblem> problems;
		// One input's problems: a merged rule's inputs would repeat them.
		for (const Match *input : rule.inputs())
			if (problems.empty())
				problems = output_problems(read.output, *input);
		report(diagnostics, problems, read.dst_where, read.src_where, read.output.where, {},
		       read.output.where);
		if (problems.empty())
			kept.push_back(std::move(read.output));
	}
	return kept;
}

// A merged rule's inputs: the first becomes rule.match, the others
// more_inputs. False when one could not be read.
bool read_inputs(Diagnostics &diagnostics, const Value &inputs, Rule &rule)
{
	if (!expect_list(diagnostics, inputs))
		return false;
	const size_t count = inputs.node.size();
	if (count < 2)
		diagnostics.add(inputs.where,
				fmt::format("'inputs' must list at least 2 inputs, got {} (a rule "
					    "with one input has 'match')",
					    count));
	if (count > max_rule_inputs)
		diagnostics.add(inputs.where,
				fmt::format("'inputs' has {} entries, at most {} are allowed",
					    count, max_rule_inputs));
	bool complete = count > 0;
	const auto items = list_items(diagnostics, inputs);
	for (size_t i = 0; i < items.size(); i++) {
		Match &input = i == 0 ? rule.match : rule.more_inputs.emplace_back();
		complete &= read_match(diagnostics, items[i], "input", input);
	}
	return complete;
}

// `sequence:`, a preset's name or a map { offset, size, order }.
bool read_sequence_field(Diagnostics &diagnostics, const Value &value,
			 packet::SequenceField &field)
{
	if (value.node.IsScalar()) {
		const auto preset = sequence_preset(value.node.Scalar());
		if (!preset) {
			diagnostics.add(value.where,
					fmt::format("unknown sequence preset '{}' (expected rtp, or a "
						    "map with offset, size and order)",
						    value.node.Scalar()));
			return false;
		}
		field = *preset;
		return true;
	}
	if (!value.node.IsMap()) {
		diagnostics.add(value.where,
				fmt::format("expected a preset name or a map for 'sequence', got {}",
					    describe(value.node)));
		return false;
	}
	MapReader map(diagnostics, value.node, "sequence", sequence_field_keys);
	bool complete = true;
	const auto offset = map.require("offset");
	complete &= offset &&
		    read_int_field(diagnostics, map, "offset", limits::sequence_offset, field.offset);
	if (auto size = map.require("size")) {
		constexpr limits::Range any{std::numeric_limits<int64_t>::min(),
					    std::numeric_limits<int64_t>::max()};
		const auto bytes = read_int(diagnostics, *size, any);
		const auto problem = bytes ? sequence_size_problem(*bytes) : std::nullopt;
		if (problem)
			diagnostics.add(size->where, *problem);
		if (bytes && !problem)
			field.size = static_cast<uint8_t>(*bytes);
		complete &= bytes && !problem;
	} else {
		complete = false;
	}
	if (auto order = map.get("order")) {
		const auto big = read_enum(diagnostics, *order, byte_orders);
		if (big)
			field.big_endian = *big;
		complete &= big.has_value();
	}
	if (complete) {
		if (auto problem = sequence_extent_problem(field)) {
			diagnostics.add(offset->where, *problem);
			complete = false;
		}
	}
	return complete;
}

// merge: or monitor: { sequence, window }. `context` names it in messages.
bool read_sequence(Diagnostics &diagnostics, const Value &value, const char *context,
		   Sequence &sequence)
{
	if (!expect_map(diagnostics, value))
		return false;
	MapReader map(diagnostics, value.node, context, sequence_use_keys);
	sequence.where = map.where();
	bool field_read = false;
	if (auto field = map.require("sequence"))
		field_read = read_sequence_field(diagnostics, *field, sequence.field);
	bool complete = field_read;
	if (auto window = map.get("window")) {
		const auto number = read_int(diagnostics, *window, limits::sequence_window);
		if (number) {
			sequence.window = static_cast<uint32_t>(*number);
			if (auto problem = sequence_window_problem(
				    sequence.window, field_read ? &sequence.field : nullptr)) {
				diagnostics.add(window->where, *problem);
				complete = false;
			}
		}
		complete &= number.has_value();
	}
	return complete;
}

struct ReadRule {
	Rule rule;
	bool comparable = true; // name and every input read: check_rule can compare it with others
};

std::optional<ReadRule> read_rule(Diagnostics &diagnostics, const Value &item)
{
	if (!expect_map(diagnostics, item))
		return std::nullopt;
	MapReader map(diagnostics, item.node, "rule", rule_keys);
	ReadRule read;
	Rule &rule = read.rule;
	rule.where = map.where();
	std::optional<std::string> name;
	if (auto value = map.require("name")) {
		name = read_string(diagnostics, *value);
		if (name && !is_valid_name(*name, limits::max_rule_name))
			diagnostics.add(
				value->where,
				fmt::format("invalid rule name '{}' (expected 1 to {} letters, "
					    "digits, '_' or '-')",
					    *name, limits::max_rule_name));
	}
	rule.name = name.value_or("");
	bool inputs_read = false;
	const auto match = map.get("match");
	const auto inputs = map.get("inputs");
	if (match && inputs) {
		// Each is still read for its own problems; which one was meant is
		// not known, so the rule is not compared with others.
		diagnostics.add(inputs->where, "a rule has 'match' (one input) or 'inputs' (a merged "
					       "rule), not both");
		Rule ignored;
		read_inputs(diagnostics, *inputs, ignored);
		read_match(diagnostics, *match, "match", rule.match);
	} else if (match) {
		inputs_read = read_match(diagnostics, *match, "match", rule.match);
	} else if (inputs) {
		inputs_read = read_inputs(diagnostics, *inputs, rule);
	} else {
		diagnostics.add(rule.where,
				"missing required key 'match' in rule (or 'inputs' for a merged rule)");
	}

	const auto merge = map.get("merge");
	const auto monitor = map.get("monitor");
	if (inputs && !merge)
		diagnostics.add(inputs->where,
				"'inputs' needs 'merge' (the sequence number that makes the inputs' "
				"copies one stream)");
	if (merge && match && !inputs)
		diagnostics.add(merge->where, "'merge' needs 'inputs' (a rule with one 'match' has "
					      "nothing to merge; 'monitor' watches its sequence)");
	if (merge && monitor)
		diagnostics.add(monitor->where, "'monitor' and 'merge' exclude each other (a merged "
						"rule counts its stream's health already)");
	if (merge) {
		Sequence sequence;
		if (read_sequence(diagnostics, *merge, "merge", sequence))
			rule.merge = sequence;
	}
	if (monitor) {
		Sequence sequence;
		if (read_sequence(diagnostics, *monitor, "monitor", sequence))
			rule.monitor = sequence;
	}
	if (inputs_read && rule.sequence()) {
		if (auto problem = sequence_rule_problem(rule)) {
			diagnostics.add(rule.merge ? merge->where : monitor->where, *problem);
			inputs_read = false;
		}
	}
	read.comparable = name.has_value() && inputs_read;
	if (auto value = map.require("outputs")) {
		auto outputs = read_outputs(diagnostics, *value);
		if (inputs_read) {
			rule.outputs = check_outputs_against_inputs(diagnostics, rule, std::move(outputs));
		} else {
			for (auto &output : outputs)
				rule.outputs.push_back(std::move(output.output));
		}
	}
	return read;
}

} // namespace

void read_rules(Diagnostics &diagnostics, const Value &rules, Config &cfg)
{
	// No rules is fine: they can be added from the console.
	if (!expect_list(diagnostics, rules))
		return;
	RuleIndex index;
	for (const auto &item : list_items(diagnostics, rules)) {
		auto read = read_rule(diagnostics, item);
		if (!read)
			continue;
		if (!read->comparable) {
			diagnostics.add(check_rule_ports(cfg, read->rule));
			continue;
		}
		diagnostics.add(check_rule(cfg, read->rule, index));
		cfg.rules.push_back(std::move(read->rule));
		index.add(cfg, cfg.rules.size() - 1);
	}
}

} // namespace mcr::config::detail
