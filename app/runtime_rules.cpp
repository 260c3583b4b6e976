// Rule changes while traffic flows: add, delete, reload. Each rule is
// published to the engine's table (workers see it at once, lock-free), to
// the XDP program of its ingress port, and its old object is retired only
// after every worker has passed a quiescent state (RuleTable).
#include <rte_errno.h>
#include <rte_ether.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/log.h"
#include "config/address.h"
#include "config/compare.h"
#include "config/error.h"
#include "config/loader.h"
#include "config/validate.h"
#include "runtime.h"

namespace mcr::app {

namespace {

drivers::XdpRuleKey xdp_key(const config::Match &m)
{
	return {m.dst, m.dport, m.vlan, m.src.value_or(0)};
}

std::string join(const std::vector<config::Diagnostic> &diagnostics)
{
	std::string text;
	for (const auto &d : diagnostics)
		text += (text.empty() ? "" : "\n") + d.str();
	return text;
}

} // namespace

engine::NeighbourLookup Runtime::neighbour_lookup() const
{
	// The table as it was before the af_packet PMD flushed it, then the
	// kernel's current one for neighbours learnt since.
	return [this](const engine::EnginePort &port, uint32_t ip) -> std::optional<rte_ether_addr> {
		auto mac = neighbours_.find(port.iface, ip);
		if (!mac)
			mac = drivers::NeighbourTable::read_kernel().find(port.iface, ip);
		if (!mac)
			return std::nullopt;
		rte_ether_addr out;
		std::copy(mac->begin(), mac->end(), out.addr_bytes);
		return out;
	};
}

// The kernel joins the group on the ingress interface: it sends the
// reports, answers queries and opens the NIC's multicast filter. Relaying
// does not depend on it on the lab's veths, so a failure is a warning.
void Runtime::join_group(const config::Rule &rule)
{
	const int port = find_port(rule.match.port);
	if (port < 0 || !config::is_ipv4_multicast(rule.match.dst))
		return;
	std::string why;
	if (igmp_.join(ports_[port]->iface().index, rule.match.dst, rule.match.src.value_or(0),
		       &why) < 0)
		MCR_LOG(rules, WARNING, "rule %s: %s", rule.name.c_str(), why.c_str());
}

void Runtime::leave_group(const config::Rule &rule)
{
	const int port = find_port(rule.match.port);
	if (port < 0 || !config::is_ipv4_multicast(rule.match.dst))
		return;
	std::string why;
	if (igmp_.leave(ports_[port]->iface().index, rule.match.dst, rule.match.src.value_or(0),
			&why) < 0)
		MCR_LOG(rules, WARNING, "rule %s: %s", rule.name.c_str(), why.c_str());
}

int Runtime::publish(engine::CompiledRule *compiled, const config::Rule &rule, bool new_match,
		     std::string *error)
{
	int rc = engine_.rules().add(compiled);
	if (rc < 0) {
		*error = fmt::format("rule '{}': rule table: {}", rule.name, rte_strerror(-rc));
		return rc;
	}
	if (!new_match)
		return 0;
	// The engine knows the rule before the XDP program sends its traffic.
	const int port = find_port(rule.match.port);
	std::string why;
	if (port >= 0 && ports_[port]->xdp().add_rule_key(xdp_key(rule.match), &why) < 0)
		MCR_LOG(rules, WARNING, "rule %s: XDP map: %s", rule.name.c_str(), why.c_str());
	join_group(rule);
	return 0;
}

void Runtime::unpublish(const config::Rule &rule)
{
	// The XDP program stops sending the flow before the engine forgets it.
	const int port = find_port(rule.match.port);
	std::string why;
	if (port >= 0 && ports_[port]->xdp().remove_rule_key(xdp_key(rule.match), &why) < 0)
		MCR_LOG(rules, WARNING, "rule %s: XDP map: %s", rule.name.c_str(), why.c_str());
	engine_.remove_rule(rule);
	leave_group(rule);
}

int Runtime::add_rule(const config::Rule &rule, std::string *error)
{
	const auto diagnostics = config::check_rule(cfg_, rule);
	if (!diagnostics.empty()) {
		*error = join(diagnostics);
		return -EINVAL;
	}
	engine::CompiledRule *compiled = engine_.compile(rule, neighbour_lookup(), error);
	if (compiled == nullptr)
		return -EINVAL;
	std::lock_guard lock(control_mutex_);
	const int rc = publish(compiled, rule, true, error);
	if (rc == 0) {
		cfg_.rules.push_back(rule);
		MCR_LOG(rules, INFO, "rule %s added", rule.name.c_str());
	}
	return rc;
}

int Runtime::delete_rule(const std::string &name, std::string *error)
{
	const auto it = std::find_if(cfg_.rules.begin(), cfg_.rules.end(),
				     [&](const config::Rule &r) { return r.name == name; });
	if (it == cfg_.rules.end()) {
		*error = fmt::format("no rule named '{}'", name);
		return -ENOENT;
	}
	std::lock_guard lock(control_mutex_);
	unpublish(*it);
	cfg_.rules.erase(it);
	MCR_LOG(rules, INFO, "rule %s deleted", name.c_str());
	return 0;
}

int Runtime::reload_rules(std::string *report)
{
	config::Config next;
	try {
		next = config::load_file(cfg_.file);
	} catch (const config::ConfigError &e) {
		*report = "reload refused, configuration unchanged:\n" + join(e.diagnostics());
		return -EINVAL;
	}
	const auto restart = config::restart_changes(cfg_, next);
	if (!restart.empty()) {
		*report = "reload refused, configuration unchanged: these changes need a restart:";
		for (const auto &change : restart)
			*report += "\n  " + change;
		return -EPERM;
	}

	// Rules are keyed by what they match: a rule whose match stays is
	// replaced in one step (no gap in its traffic), whatever its name.
	using Key = std::tuple<std::string, uint32_t, uint16_t, uint16_t, uint32_t>;
	auto key_of = [](const config::Rule &r) {
		return Key{r.match.port, r.match.dst, r.match.dport, r.match.vlan, r.match.src.value_or(0)};
	};
	std::map<Key, const config::Rule *> running;
	for (const config::Rule &r : cfg_.rules)
		running[key_of(r)] = &r;

	// Compile every new or changed rule first: any failure (a missing
	// neighbour, say) refuses the whole reload before anything changes.
	std::vector<std::pair<engine::CompiledRule *, const config::Rule *>> changed;
	for (const config::Rule &r : next.rules) {
		const auto it = running.find(key_of(r));
		if (it != running.end() && config::same_rule(*it->second, r))
			continue;
		std::string why;
		engine::CompiledRule *compiled = engine_.compile(r, neighbour_lookup(), &why);
		if (compiled == nullptr) {
			for (auto &[c, _] : changed)
				engine::CompiledRule::destroy(c);
			*report = fmt::format("reload refused, configuration unchanged:\n{}:{}:{}: {}",
					      r.where.file, r.where.line, r.where.column, why);
			return -EINVAL;
		}
		changed.emplace_back(compiled, &r);
	}

	std::lock_guard lock(control_mutex_);
	size_t removed = 0;
	std::map<Key, bool> kept;
	for (const config::Rule &r : next.rules)
		kept[key_of(r)] = true;
	for (const config::Rule &r : cfg_.rules)
		if (!kept.count(key_of(r))) {
			unpublish(r);
			removed++;
		}
	size_t added = 0, replaced = 0;
	for (auto &[compiled, r] : changed) {
		const bool new_match = running.count(key_of(*r)) == 0;
		(new_match ? added : replaced)++;
		std::string why;
		if (publish(compiled, *r, new_match, &why) < 0)
			MCR_LOG(rules, ERR, "reload: %s", why.c_str());
	}
	cfg_.rules = std::move(next.rules);
	*report = fmt::format("reloaded {}: {} rule(s) added, {} changed, {} removed, {} unchanged",
			      cfg_.file, added, replaced, removed,
			      cfg_.rules.size() - added - replaced);
	MCR_LOG(rules, INFO, "%s", report->c_str());
	return 0;
}

} // namespace mcr::app
