// rules: what to relay, from a match on one port (or several inputs of one
// stream, merged) to outputs on others.
#include <array>
#include <limits>

#include <fmt/format.h>

#include "config/address.h"
#include "config/names.h"
#include "config/sections.h"
#include "config/sequence.h"
#include "config/validate.h"

namespace mcr::config::detail {

namespace {

using namespace std::string_view_literals;

constexpr std::array rule_keys = {"name"sv,  "match"sv,   "inputs"sv,
				  "merge"sv, "monitor"sv, "outputs"sv};
constexpr std::array match_keys = {"port"sv, "dst"sv, "dport"sv, "src"sv, "vlan"sv};
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

// Where a relayed packet may be sent or matched: a group or a host.
bool read_destination(Diagnostics &diagnostics, const Value &value, Ipv4 &dst)
{
	auto address = read_ipv4(diagnostics, value);
	if (!address)
		return false;
	if (!is_ipv4_multicast(*address) && !is_ipv4_unicast(*address)) {
		diagnostics.add(value.where,
				fmt::format("'{}' must be a multicast or unicast address, got {}",
					    value.name, format_ipv4(*address)));
		return false;
	}
	dst = *address;
	return true;
}

// An output's `src`: `keep` (the received source) or a unicast address.
bool read_output_source(Diagnostics &diagnostics, const Value &value, OutputSource &src)
{
	constexpr std::string_view expected = "expected 'keep' or an IPv4 address for 'src'";
	if (!value.node.IsScalar()) {
		diagnostics.add(value.where, fmt::format("{}, got {}", expected, describe(value.node)));
		return false;
	}
	const std::string text = value.node.Scalar();
	if (text == "keep") {
		src = OutputSource::keep();
		return true;
	}
	auto address = parse_ipv4(text);
	if (!address) {
		diagnostics.add(value.where, fmt::format("{}, got '{}'", expected, text));
		return false;
	}
	if (!is_ipv4_unicast(*address)) {
		diagnostics.add(value.where, fmt::format("'src' must be a unicast address, got {}",
							 format_ipv4(*address)));
		return false;
	}
	src = OutputSource::given(*address);
	return true;
}

// `context`: "match", or "input" for an entry of `inputs`.
bool read_match(Diagnostics &diagnostics, const Value &value, const char *context, Match &match)
{
	if (!expect_map(diagnostics, value))
		return false;
	MapReader map(diagnostics, value.node, context, match_keys);
	match.where = map.where();
	bool complete = read_port_name(diagnostics, map, match.port, match.port_where);
	if (auto dst = map.require("dst"))
		complete &= read_destination(diagnostics, *dst, match.dst);
	else
		complete = false;
	complete &= map.require("dport") &&
		    read_int_field(diagnostics, map, "dport", limits::udp_port, match.dport);
	if (auto src = map.get("src")) {
		auto address = read_ipv4(diagnostics, *src);
		if (address && !is_ipv4_unicast(*address)) {
			diagnostics.add(src->where,
					fmt::format("'src' must be a unicast address, got {}",
						    format_ipv4(*address)));
			address.reset();
		}
		complete &= address.has_value();
		match.src = address;
	}
	complete &= read_int_field(diagnostics, map, "vlan", limits::vlan, match.vlan);
	return complete;
}

bool read_output(Diagnostics &diagnostics, const Value &item, Output &output)
{
	if (!expect_map(diagnostics, item))
		return false;
	MapReader map(diagnostics, item.node, "output", output_keys);
	output.where = map.where();
	bool complete = read_port_name(diagnostics, map, output.port, output.port_where);
	if (auto value = map.get("dst")) {
		Ipv4 dst = 0;
		bool ok = read_destination(diagnostics, *value, dst);
		if (ok)
			output.dst = dst;
		complete &= ok;
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
	if (auto value = map.get("src"))
		complete &= read_output_source(diagnostics, *value, output.src);
	complete &= read_int_field(diagnostics, map, "dscp", limits::dscp, output.dscp);
	return complete;
}

// Only the outputs that could be read completely are kept, so the others
// of the rule can still be checked.
std::vector<Output> read_outputs(Diagnostics &diagnostics, const Value &outputs)
{
	std::vector<Output> read;
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
		Output output;
		if (read_output(diagnostics, item, output))
			read.push_back(std::move(output));
	}
	return read;
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
	read.comparable = name.has_value();
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
		read.comparable = false;
	} else if (match) {
		read.comparable &= read_match(diagnostics, *match, "match", rule.match);
	} else if (inputs) {
		read.comparable &= read_inputs(diagnostics, *inputs, rule);
	} else {
		diagnostics.add(rule.where,
				"missing required key 'match' in rule (or 'inputs' for a merged rule)");
		read.comparable = false;
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
	if (auto value = map.require("outputs"))
		rule.outputs = read_outputs(diagnostics, *value);
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
