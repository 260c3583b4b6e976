#include "publish/publisher.h"

#include <rte_errno.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "common/log.h"
#include "config/address.h"
#include "config/compare.h"

namespace mcr::publish {

namespace {

std::string format_mac(const host::Mac &m)
{
	return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
			   m[5]);
}

// The one unicast address an output sends to, which needs a neighbour:
// its dst, or an exact input's destination it keeps. None for a group, a
// range kept or mapped, or an output with `mac:`.
std::optional<config::IpAddress> unicast_destination(const config::Rule &rule,
						       const config::Output &o)
{
	const config::Prefix &dst = o.dst ? *o.dst : rule.match.dst;
	if (o.mac || !dst.is_host() || config::is_multicast_prefix(dst))
		return std::nullopt;
	return dst.address;
}

// The source an input's joins name: its (S,G) source, or all zeros of
// the group's family for any source.
config::IpAddress join_source(const config::Match &m, const config::IpAddress &group)
{
	if (m.src && m.src->is_host())
		return m.src->address;
	return config::is_ipv6(group) ? config::IpAddress{config::Ipv6{}} : config::IpAddress{config::Ipv4{0}};
}

// The groups an input joins: an exact group destination, or a range's
// `join:` list.
std::vector<config::IpAddress> groups_of(const config::Match &m)
{
	if (m.dst.is_host())
		return config::is_multicast_prefix(m.dst) ? std::vector{m.dst.address} : std::vector<config::IpAddress>{};
	return m.join;
}

} // namespace

Publisher::Publisher(engine::Engine &engine, XdpRuleSink &xdp, GroupSink &groups,
		     host::NeighbourSource &neighbours)
	: engine_(engine), xdp_(xdp), groups_(groups), source_(neighbours)
{
}

// On-link: the destination itself; through a gateway: the gateway. With
// no usable route the destination is taken as on-link, so the output
// waits for its neighbour until a route change says otherwise.
std::vector<std::optional<host::NextHop>> Publisher::next_hops(const config::Rule &rule)
{
	std::vector<std::optional<host::NextHop>> hops(rule.outputs.size());
	for (size_t i = 0; i < rule.outputs.size(); i++) {
		const config::Output &o = rule.outputs[i];
		const std::optional<config::IpAddress> unicast = unicast_destination(rule, o);
		const int port = engine_.port_index(o.port);
		if (!unicast || port < 0)
			continue;
		const config::IpAddress &dst = *unicast;
		const uint32_t ifindex = engine_.ports()[static_cast<size_t>(port)].ifindex;
		const auto known = routes_.find({ifindex, dst});
		if (known != routes_.end()) {
			hops[i] = known->second;
			continue;
		}
		host::NextHop hop{ifindex, dst};
		std::string why;
		if (source_.next_hop(dst, ifindex, &hop, &why) < 0) {
			MCR_LOG(rules, WARNING, "rule %s: no route to %s on port %s (%s): waiting for one",
				rule.name.c_str(), config::format_ip_address(dst).c_str(), o.port.c_str(),
				why.c_str());
			hop = {ifindex, dst};
		}
		routes_.emplace(std::make_pair(ifindex, dst), hop);
		hops[i] = hop;
	}
	return hops;
}

const std::optional<host::Mac> &Publisher::neighbour(const host::NextHop &hop)
{
	const auto known = macs_.find(hop);
	if (known != macs_.end())
		return known->second;
	std::optional<host::Mac> mac = source_.neighbour(hop.ifindex, hop.ip);
	if (!mac) {
		const int rc = source_.resolve(hop.ifindex, hop.ip);
		if (rc < 0)
			MCR_LOG(rules, WARNING, "neighbour %s (ifindex %u): cannot ask the kernel to "
				"resolve it: %s", config::format_ip_address(hop.ip).c_str(), hop.ifindex,
				rte_strerror(-rc));
	}
	return macs_.emplace(hop, mac).first->second;
}

std::vector<Publisher::Input> Publisher::inputs_of(const config::Rule &rule,
						   std::string *error) const
{
	std::vector<Input> inputs;
	for (const config::Match *m : rule.inputs()) {
		const int port = engine_.port_index(m->port);
		if (port < 0) {
			*error = fmt::format("rule '{}': unknown port '{}'", rule.name, m->port);
			return {};
		}
		const auto p = static_cast<uint16_t>(port);
		inputs.push_back({p, engine::Engine::key_of(*m, p), m});
	}
	return inputs;
}

void Publisher::join(const config::Rule &rule, const Input &in)
{
	// The kernel joins the group on the ingress interface: it sends the
	// reports, answers queries and opens the NIC's multicast filter.
	for (const config::IpAddress &group : groups_of(*in.match)) {
		std::string why;
		if (groups_.join(in.port, group, join_source(*in.match, group), &why) < 0)
			MCR_LOG(rules, WARNING, "rule %s: %s", rule.name.c_str(), why.c_str());
	}
}

void Publisher::leave(const config::Rule &rule, const Input &in)
{
	for (const config::IpAddress &group : groups_of(*in.match)) {
		std::string why;
		if (groups_.leave(in.port, group, join_source(*in.match, group), &why) < 0)
			MCR_LOG(rules, WARNING, "rule %s: %s", rule.name.c_str(), why.c_str());
	}
}

bool Publisher::compile(const config::Rule &rule, Compiled *out, std::string *error)
{
	const std::vector<Input> inputs = inputs_of(rule, error);
	if (inputs.empty())
		return false;
	out->key = inputs[0].key;
	out->hops = next_hops(rule);

	// What the engine will ask for, by egress port and destination.
	struct Known {
		const std::string *port;
		config::IpAddress dst;
		const std::optional<host::Mac> *mac;
	};
	std::vector<Known> known;
	for (size_t i = 0; i < rule.outputs.size(); i++)
		if (out->hops[i])
			known.push_back({&rule.outputs[i].port,
					 *unicast_destination(rule, rule.outputs[i]),
					 &neighbour(*out->hops[i])});
	const engine::NeighbourLookup lookup =
		[&known](const engine::EnginePort &p,
			 const config::IpAddress &dst) -> std::optional<rte_ether_addr> {
		for (const Known &k : known)
			if (*k.port == p.name && k.dst == dst && k.mac->has_value()) {
				rte_ether_addr mac;
				std::copy((*k.mac)->begin(), (*k.mac)->end(), mac.addr_bytes);
				return mac;
			}
		return std::nullopt;
	};
	// A replacement of the same rule (same first input, same name) keeps
	// its predecessor's stream if it watches the same numbers: no copy
	// slips through, no gap is counted twice. Another rule never gets it.
	engine::Stream *previous = nullptr;
	const auto published = rules_.find(out->key);
	const engine::CompiledRule *running = engine_.rules().find(out->key);
	if (published != rules_.end() && published->second.rule.name == rule.name &&
	    running != nullptr && running->key() == out->key)
		previous = running->stream();
	out->rule = engine_.compile(rule, lookup, error, previous);
	return out->rule != nullptr;
}

int Publisher::install(Compiled &c, const config::Rule &rule, std::string *error)
{
	const auto running = rules_.find(c.key);
	std::string ignored;
	const std::vector<Input> now = inputs_of(rule, &ignored);
	const std::vector<Input> before =
		running != rules_.end() ? inputs_of(running->second.rule, &ignored) : std::vector<Input>{};
	auto among = [](const std::vector<Input> &set, const Input &in) {
		return std::any_of(set.begin(), set.end(), [&](const Input &x) { return x.key == in.key; });
	};
	// The table owns c.rule from here, even on error.
	const int rc = engine_.rules().add(c.rule);
	c.rule = nullptr;
	if (rc < 0) {
		*error = fmt::format("rule '{}': rule table: {}", rule.name, rte_strerror(-rc));
		return rc;
	}
	// The engine knows the rule before the XDP program sends it an
	// input's traffic; inputs the rule had before keep their entries.
	std::set<engine::InputKey> in_xdp;
	for (const Input &in : now) {
		// Joined before the old rule's groups are left: memberships are
		// counted, so a group both join lists hold is never left.
		join(rule, in);
		if (among(before, in)) {
			if (running->second.in_xdp.count(in.key))
				in_xdp.insert(in.key);
			continue;
		}
		std::string why;
		if (xdp_.add(in.port, in.key, &why) < 0)
			MCR_LOG(rules, WARNING, "rule %s: XDP map: %s", rule.name.c_str(), why.c_str());
		else
			in_xdp.insert(in.key);
	}
	for (const Input &in : before) {
		leave(running->second.rule, in);
		if (among(now, in) || !running->second.in_xdp.count(in.key))
			continue;
		std::string why;
		if (xdp_.remove(in.port, in.key, &why) < 0)
			MCR_LOG(rules, WARNING, "rule %s: XDP map: %s", rule.name.c_str(), why.c_str());
	}
	rules_[c.key] = Published{rule, std::move(c.hops), std::move(in_xdp)};
	return 0;
}

void Publisher::uninstall(const engine::InputKey &key)
{
	const auto it = rules_.find(key);
	if (it == rules_.end())
		return;
	const config::Rule &rule = it->second.rule;
	std::string why;
	const std::vector<Input> inputs = inputs_of(rule, &why);
	// The XDP program stops sending the flow before the engine forgets it.
	for (const Input &in : inputs)
		if (it->second.in_xdp.count(in.key) && xdp_.remove(in.port, in.key, &why) < 0)
			MCR_LOG(rules, WARNING, "rule %s: XDP map: %s", rule.name.c_str(), why.c_str());
	engine_.rules().remove(key);
	for (const Input &in : inputs)
		leave(rule, in);
	rules_.erase(it);
}

int Publisher::publish(const config::Rule &rule, std::string *error)
{
	// An input another rule relays would be taken from it. (apply() needs
	// no such check: a configuration's inputs are all different.)
	const std::vector<Input> inputs = inputs_of(rule, error);
	if (inputs.empty())
		return -EINVAL;
	for (const Input &in : inputs) {
		const engine::CompiledRule *other = engine_.rules().find(in.key);
		if (other != nullptr && other->key() != inputs[0].key) {
			*error = fmt::format("rule '{}': its input on port '{}' is rule '{}''s already",
					     rule.name, in.match->port, other->name());
			return -EEXIST;
		}
	}
	Compiled c;
	if (!compile(rule, &c, error))
		return -EINVAL;
	return install(c, rule, error);
}

int Publisher::withdraw(const std::string &name, std::string *error)
{
	const auto it = std::find_if(rules_.begin(), rules_.end(),
				     [&](const auto &entry) { return entry.second.rule.name == name; });
	if (it == rules_.end()) {
		*error = fmt::format("no rule named '{}'", name);
		return -ENOENT;
	}
	uninstall(it->first);
	return 0;
}

int Publisher::apply(const std::vector<config::Rule> &rules, ApplyReport *report,
		     std::string *error)
{
	*report = {};
	std::set<engine::InputKey> wanted;
	std::vector<std::pair<Compiled, const config::Rule *>> changed;
	auto refuse = [&](const config::Rule &r, const std::string &why) {
		for (auto &[c, _] : changed)
			engine::CompiledRule::destroy(c.rule);
		*error = fmt::format("{}:{}:{}: {}", r.where.file, r.where.line, r.where.column, why);
		return -EINVAL;
	};
	for (const config::Rule &r : rules) {
		const int port = engine_.port_index(r.match.port);
		if (port < 0)
			return refuse(r, fmt::format("rule '{}': unknown port '{}'", r.name, r.match.port));
		const engine::InputKey key = engine::Engine::key_of(r.match, static_cast<uint16_t>(port));
		wanted.insert(key);
		const auto running = rules_.find(key);
		if (running != rules_.end() && config::same_rule(running->second.rule, r)) {
			report->unchanged++;
			continue;
		}
		Compiled c;
		std::string why;
		if (!compile(r, &c, &why))
			return refuse(r, why);
		changed.emplace_back(std::move(c), &r);
	}

	// A running rule holding an input that another rule of the new
	// configuration takes (an input moved between rules, or a merged
	// rule's inputs reordered) goes first, whole, and comes back with the
	// others: installing the taker would otherwise displace all of it.
	std::map<engine::InputKey, engine::InputKey> holder; // input -> its rule's first
	for (const auto &[key, p] : rules_) {
		std::string ignored;
		for (const Input &in : inputs_of(p.rule, &ignored))
			holder.emplace(in.key, key);
	}
	std::set<engine::InputKey> displaced;
	for (const auto &[c, r] : changed) {
		std::string ignored;
		for (const Input &in : inputs_of(*r, &ignored)) {
			const auto h = holder.find(in.key);
			if (h != holder.end() && h->second != c.key)
				displaced.insert(h->second);
		}
	}

	for (const auto &[c, r] : changed)
		(rules_.count(c.key) ? report->changed : report->added)++;

	// One grace period for every rule this replaces or removes.
	engine::RuleTable::Batch batch(engine_.rules());
	std::vector<engine::InputKey> gone;
	for (const auto &[key, _] : rules_)
		if (!wanted.count(key) || displaced.count(key))
			gone.push_back(key);
	for (const engine::InputKey &key : gone) {
		uninstall(key);
		report->removed += !wanted.count(key);
	}
	for (auto &[c, r] : changed) {
		std::string why;
		if (install(c, *r, &why) < 0)
			MCR_LOG(rules, ERR, "%s", why.c_str());
	}
	return 0;
}

void Publisher::republish(const engine::InputKey &key, const char *why)
{
	const config::Rule rule = rules_.at(key).rule;
	Compiled c;
	std::string error;
	if (!compile(rule, &c, &error) || install(c, rule, &error) < 0) {
		MCR_LOG(rules, ERR, "rule %s: %s: %s", rule.name.c_str(), why, error.c_str());
		return;
	}
	MCR_LOG(rules, DEBUG, "rule %s republished: %s", rule.name.c_str(), why);
}

void Publisher::neighbour_changed(const host::NeighbourChange &change)
{
	const host::NextHop hop{change.ifindex, change.ip};
	const auto it = macs_.find(hop);
	if (it == macs_.end() || it->second == change.mac)
		return; // no output uses it, or nothing an output sees changed
	const bool lost = it->second.has_value() && !change.mac;
	it->second = change.mac;
	MCR_LOG(rules, INFO, "neighbour %s (ifindex %u): %s", config::format_ip_address(hop.ip).c_str(),
		hop.ifindex, change.mac ? format_mac(*change.mac).c_str() : "unresolved");
	// An entry that went away is asked for again, or nothing would: mcr
	// sends below the kernel's stack, which never sees traffic to it.
	if (lost)
		source_.resolve(hop.ifindex, hop.ip);
	std::vector<engine::InputKey> users;
	for (const auto &[key, p] : rules_)
		if (std::find(p.hops.begin(), p.hops.end(), hop) != p.hops.end())
			users.push_back(key);
	engine::RuleTable::Batch batch(engine_.rules());
	for (const engine::InputKey &key : users)
		republish(key, "neighbour changed");
}

void Publisher::routes_changed()
{
	routes_.clear();
	std::vector<engine::InputKey> moved;
	for (const auto &[key, p] : rules_)
		if (next_hops(p.rule) != p.hops)
			moved.push_back(key);
	{
		engine::RuleTable::Batch batch(engine_.rules());
		for (const engine::InputKey &key : moved)
			republish(key, "next hop changed");
	}
	// Next hops no output uses any more are forgotten: asked again if used.
	std::set<host::NextHop> used;
	for (const auto &[key, p] : rules_)
		for (const auto &hop : p.hops)
			if (hop)
				used.insert(*hop);
	std::erase_if(macs_, [&](const auto &entry) { return !used.count(entry.first); });
}

void Publisher::port_closed(uint16_t port)
{
	for (const auto &[key, p] : rules_) {
		std::string ignored;
		for (const Input &in : inputs_of(p.rule, &ignored))
			if (in.port == port)
				for (const config::IpAddress &group : groups_of(*in.match))
					groups_.leave(port, group, join_source(*in.match, group), &ignored);
	}
}

int Publisher::port_reopened(uint16_t port, std::string *error)
{
	int rc = 0;
	auto note = [&](int r, const std::string &why) {
		if (r < 0 && rc == 0) {
			rc = r;
			*error = why;
		}
	};
	std::vector<engine::InputKey> sending;
	const std::string &name = engine_.ports()[port].name;
	for (auto &[key, p] : rules_) {
		const config::Rule &rule = p.rule;
		std::string why;
		for (const Input &in : inputs_of(rule, &why)) {
			if (in.port != port)
				continue;
			// The port's program and maps are new: what was added to the
			// old ones is gone with them.
			const int added = xdp_.add(port, in.key, &why);
			if (added == 0)
				p.in_xdp.insert(in.key);
			else
				p.in_xdp.erase(in.key);
			note(added, "rule " + rule.name + ": XDP map: " + why);
			for (const config::IpAddress &group : groups_of(*in.match))
				note(groups_.join(port, group, join_source(*in.match, group), &why),
				     "rule " + rule.name + ": " + why);
		}
		if (std::any_of(rule.outputs.begin(), rule.outputs.end(),
				[&](const config::Output &o) { return o.port == name; }))
			sending.push_back(key);
	}
	// Next hops through the old ifindex are asked again.
	routes_.clear();
	engine::RuleTable::Batch batch(engine_.rules());
	for (const engine::InputKey &key : sending)
		republish(key, "egress port reopened");
	return rc;
}

size_t Publisher::unresolved() const
{
	std::set<host::NextHop> waiting;
	for (const auto &[key, p] : rules_)
		for (const auto &hop : p.hops)
			if (hop) {
				const auto mac = macs_.find(*hop);
				if (mac == macs_.end() || !mac->second)
					waiting.insert(*hop);
			}
	return waiting.size();
}

std::vector<NeighbourUse> Publisher::neighbours() const
{
	using Where = std::tuple<std::string, config::IpAddress, uint32_t, config::IpAddress>;
	std::map<Where, NeighbourUse> uses;
	for (const auto &[key, p] : rules_)
		for (size_t i = 0; i < p.hops.size(); i++) {
			if (!p.hops[i])
				continue;
			const config::Output &o = p.rule.outputs[i];
			const host::NextHop &hop = *p.hops[i];
			const config::IpAddress dst = *unicast_destination(p.rule, o);
			NeighbourUse &use = uses[Where{o.port, dst, hop.ifindex, hop.ip}];
			if (use.rules.empty()) {
				use.port = o.port;
				use.destination = dst;
				use.next_hop = hop;
				const auto mac = macs_.find(hop);
				if (mac != macs_.end())
					use.mac = mac->second;
			}
			if (std::find(use.rules.begin(), use.rules.end(), p.rule.name) == use.rules.end())
				use.rules.push_back(p.rule.name);
		}
	std::vector<NeighbourUse> out;
	for (auto &[_, use] : uses) {
		std::sort(use.rules.begin(), use.rules.end());
		out.push_back(std::move(use));
	}
	return out;
}

} // namespace mcr::publish
