// Rule changes while traffic flows: add, delete, reload, and the kernel's
// neighbour and route changes. All go through the publisher (lib/publish),
// as start-up does; this file adds what needs the running config: checks
// against it and keeping it as running, for `save`.
#include <algorithm>

#include <fmt/format.h>

#include "common/log.h"
#include "config/compare.h"
#include "config/error.h"
#include "config/loader.h"
#include "config/validate.h"
#include "runtime.h"

namespace mcr::app {

namespace {

std::string join(const std::vector<config::Diagnostic> &diagnostics)
{
	std::string text;
	for (const auto &d : diagnostics)
		text += (text.empty() ? "" : "\n") + d.str();
	return text;
}

} // namespace

int Runtime::add_rule(const config::Rule &rule, std::string *error)
{
	const auto diagnostics = config::check_rule(cfg_, rule);
	if (!diagnostics.empty()) {
		*error = join(diagnostics);
		return -EINVAL;
	}
	std::lock_guard lock(control_mutex_);
	const int rc = publisher_->publish(rule, error);
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
	const int rc = publisher_->withdraw(name, error);
	if (rc < 0)
		return rc;
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
	std::lock_guard lock(control_mutex_);
	publish::ApplyReport applied;
	std::string why;
	if (publisher_->apply(next.rules, &applied, &why) < 0) {
		*report = "reload refused, configuration unchanged:\n" + why;
		return -EINVAL;
	}
	cfg_.rules = std::move(next.rules);
	*report = fmt::format("reloaded {}: {} rule(s) added, {} changed, {} removed, {} unchanged",
			      cfg_.file, applied.added, applied.changed, applied.removed,
			      applied.unchanged);
	MCR_LOG(rules, INFO, "%s", report->c_str());
	return 0;
}

void Runtime::neighbour_changed(const host::NeighbourChange &change)
{
	std::lock_guard lock(control_mutex_);
	if (publisher_)
		publisher_->neighbour_changed(change);
}

void Runtime::routes_changed()
{
	std::lock_guard lock(control_mutex_);
	if (publisher_)
		publisher_->routes_changed();
}

size_t Runtime::unresolved_next_hops() const
{
	return publisher_ ? publisher_->unresolved() : 0;
}

std::vector<publish::NeighbourUse> Runtime::neighbours() const
{
	return publisher_ ? publisher_->neighbours() : std::vector<publish::NeighbourUse>{};
}

} // namespace mcr::app
