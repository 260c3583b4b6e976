#include "config/rule_values.h"

#include <algorithm>

#include <fmt/format.h>

#include "config/address.h"

namespace mcr::config {

namespace {

// The prefix's last address: its host bits all set.
IpAddress last_address(const Prefix &prefix)
{
	if (const auto *v4 = std::get_if<Ipv4>(&prefix.address)) {
		const Ipv4 host_mask = prefix.length == 0 ? ~Ipv4{0} : ~(~Ipv4{0} << (32 - prefix.length));
		return Ipv4{*v4 | host_mask};
	}
	Ipv6 last = std::get<Ipv6>(prefix.address);
	for (unsigned bit = prefix.length; bit < 128; bit++)
		last[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
	return last;
}

bool is_unicast(const IpAddress &address)
{
	if (const auto *v4 = std::get_if<Ipv4>(&address))
		return is_ipv4_unicast(*v4);
	return is_ipv6_unicast(std::get<Ipv6>(address));
}

bool is_multicast(const IpAddress &address)
{
	if (const auto *v4 = std::get_if<Ipv4>(&address))
		return is_ipv4_multicast(*v4);
	return is_ipv6_multicast(std::get<Ipv6>(address));
}

// Both ends unicast: the unicast space of either family has no hole a
// prefix could span without reaching a non-unicast end (127/8 and
// ::ffff:0:0/96 are aligned blocks).
bool is_unicast_prefix(const Prefix &prefix)
{
	return is_unicast(prefix.address) && is_unicast(last_address(prefix));
}

const char *family_name(bool ipv6)
{
	return ipv6 ? "IPv6" : "IPv4";
}

// One link: the input's port and VLAN. An output elsewhere is another link.
bool leaves_link(const Output &output, const Match &input)
{
	return output.port != input.port || (output.vlan && *output.vlan != input.vlan);
}

bool may_hold_link_local(const Prefix &src)
{
	static const Prefix link_local{Ipv6{0xfe, 0x80}, 10};
	return src.is_ipv6() && (prefix_contains(link_local, src.address) ||
				 prefix_contains(src, link_local.address));
}

} // namespace

std::optional<std::string> destination_problem(const Prefix &dst)
{
	const std::string text = format_host_or_prefix(dst);
	if (dst.is_host()) {
		if (const auto *v6 = std::get_if<Ipv6>(&dst.address); v6 && is_ipv6_multicast(*v6)) {
			if (!ipv6_group_relayable(*v6))
				return fmt::format("{} is an interface-local, link-local or "
						   "reserved-scope group, which a relay must not "
						   "carry to another link (RFC 4291 2.7)",
						   text);
			return std::nullopt;
		}
		if (!is_multicast(dst.address) && !is_unicast(dst.address))
			return fmt::format("'dst' must be a multicast or unicast address, got {}", text);
		return std::nullopt;
	}
	if (is_multicast_prefix(dst)) {
		// The scope is the low nibble of the second byte: fixed from /16.
		if (dst.is_ipv6() && (dst.length < 16 || !ipv6_group_relayable(std::get<Ipv6>(dst.address))))
			return fmt::format("{} holds interface-local, link-local or reserved-scope "
					   "groups, which a relay must not carry to another link "
					   "(RFC 4291 2.7); give a group prefix of /16 or longer "
					   "with a relayable scope, e.g. ff3e::/16",
					   text);
		return std::nullopt;
	}
	if (!is_unicast_prefix(dst))
		return fmt::format("{} holds addresses that are neither groups nor unicast (or "
				   "both kinds); a prefix of only groups or only unicast "
				   "addresses is expected",
				   text);
	return std::nullopt;
}

std::optional<std::string> match_source_problem(const Prefix &src)
{
	if (src.is_host() ? !is_unicast(src.address) : !is_unicast_prefix(src))
		return fmt::format("'src' must be a unicast address or a prefix of unicast "
				   "addresses, got {}",
				   format_host_or_prefix(src));
	return std::nullopt;
}

std::optional<std::string> output_source_problem(const IpAddress &src)
{
	if (!is_unicast(src))
		return fmt::format("'src' must be a unicast address, got {}", format_ip_address(src));
	return std::nullopt;
}

std::vector<RuleValueProblem> match_problems(const Match &match)
{
	std::vector<RuleValueProblem> found;
	if (auto problem = destination_problem(match.dst))
		found.push_back({RuleValue::dst, 0, *problem});
	if (match.src) {
		if (auto problem = match_source_problem(*match.src))
			found.push_back({RuleValue::src, 0, *problem});
		else if (match.src->is_ipv6() != match.is_ipv6())
			found.push_back({RuleValue::src, 0,
					 fmt::format("src {} is {} but dst {} is {}: a datagram's "
						     "source and destination are of one family",
						     format_host_or_prefix(*match.src),
						     family_name(match.src->is_ipv6()),
						     format_host_or_prefix(match.dst),
						     family_name(match.is_ipv6()))});
	}
	if (!match.join.empty() && !match.is_range()) {
		found.push_back({RuleValue::join, 0,
				 "'join' is for range inputs: an exact input joins its dst "
				 "group itself"});
		return found;
	}
	for (size_t i = 0; i < match.join.size(); i++) {
		const IpAddress &group = match.join[i];
		const std::string text = format_ip_address(group);
		if (!is_multicast(group))
			found.push_back({RuleValue::join, i,
					 fmt::format("join {} is not a group address", text)});
		else if (!prefix_contains(match.dst, group))
			found.push_back({RuleValue::join, i,
					 fmt::format("join {} is outside the input's dst {}", text,
						     format_host_or_prefix(match.dst))});
		else if (std::find(match.join.begin(), match.join.begin() + long(i), group) !=
			 match.join.begin() + long(i))
			found.push_back({RuleValue::join, i,
					 fmt::format("join {} is listed twice", text)});
	}
	return found;
}

std::vector<RuleValueProblem> output_problems(const Output &output, const Match &input)
{
	std::vector<RuleValueProblem> found;
	const bool ipv6 = output.is_ipv6(input);
	if (output.dst) {
		if (auto problem = destination_problem(*output.dst)) {
			found.push_back({RuleValue::dst, 0, *problem});
		} else if (!output.dst->is_host() &&
			   output.dst->host_bits() != input.dst.host_bits()) {
			std::string hint;
			if (input.dst.host_bits() > 0 &&
			    input.dst.host_bits() <= output.dst->max_length())
				hint = fmt::format(" (/{} here)", output.dst->max_length() -
									 input.dst.host_bits());
			found.push_back(
				{RuleValue::dst, 0,
				 fmt::format("map prefix {} has {} host bits but the input's dst {} "
					     "has {}: a map carries the received destination's host "
					     "bits, so both need the same number{}",
					     format_prefix(*output.dst), output.dst->host_bits(),
					     format_host_or_prefix(input.dst), input.dst.host_bits(),
					     hint)});
		}
	}
	// A kept or mapped range of unicast destinations: the neighbour of each
	// address is not looked up (only a set address's is), so the next hop
	// is given.
	const Prefix sent_to = output.destination(input);
	if (!output.mac && !sent_to.is_host() && !is_multicast_prefix(sent_to) && found.empty())
		found.push_back({output.dst ? RuleValue::dst : RuleValue::whole, 0,
				 fmt::format("an output that {} the unicast destinations {} needs "
					     "'mac:' (the next hop): mcr looks up the neighbour of "
					     "a set address, not of each address of a range",
					     output.dst ? "maps onto" : "keeps",
					     format_prefix(sent_to))});
	switch (output.src.kind) {
	case OutputSource::Kind::port:
		break;
	case OutputSource::Kind::address:
		if (auto problem = output_source_problem(output.src.address))
			found.push_back({RuleValue::src, 0, *problem});
		else if (is_ipv6(output.src.address) != ipv6)
			found.push_back(
				{RuleValue::src, 0,
				 fmt::format("src {} is {} but the output sends {}{}",
					     format_ip_address(output.src.address),
					     family_name(!ipv6), family_name(ipv6),
					     output.dst ? ""
							: " (dst keep keeps the input's family: an "
							  "output of the other family needs a dst)")});
		break;
	case OutputSource::Kind::keep:
		if (ipv6 != input.is_ipv6())
			found.push_back({RuleValue::src, 0,
					 fmt::format("src keep cannot carry an {} source into an {} "
						     "output; leave src out (the port's address) or "
						     "give one",
						     family_name(input.is_ipv6()), family_name(ipv6))});
		else if (input.src && may_hold_link_local(*input.src) && leaves_link(output, input))
			found.push_back({RuleValue::src, 0,
					 fmt::format("src keep would carry the link-local source {} "
						     "off its link (port {}) to port {}; a link-local "
						     "address is only valid on its link (RFC 4291 2.5.6)",
						     format_host_or_prefix(*input.src), input.port,
						     output.port)});
		break;
	}
	return found;
}

std::optional<std::string> sequence_rule_problem(const Rule &rule)
{
	if (!rule.sequence())
		return std::nullopt;
	for (const Match *input : rule.inputs())
		if (input->is_range())
			return fmt::format("{} follows one stream's sequence numbers: its {} must be "
					   "exact (one dst, one dport, no src prefix), got a range",
					   rule.merge ? "a merged rule" : "'monitor'",
					   rule.merge ? "inputs" : "match");
	return std::nullopt;
}

} // namespace mcr::config
