// The one way a rule reaches the running appliance, whoever asks: start-up,
// console and mcr-ctl, reload, and the kernel's neighbour and route changes.
// It compiles the rule, publishes it in the engine's rule table (hitless:
// a replacement is a pointer swap, the old rule retired after RCU), puts
// its key in the ingress port's XDP rule map and joins its group; and it
// keeps the next hop and MAC of every unicast output, so a neighbour or
// route change recompiles exactly the rules it concerns.
//
// Main lcore only (the rule table's writers must be EAL lcores); callers
// serialise it with anything that reads it from another thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/model.h"
#include "engine/engine.h"
#include "host/neighbour_source.h"
#include "publish/sinks.h"

namespace mcr::publish {

// One next hop that unicast outputs use, for `show neighbours`.
struct NeighbourUse {
	std::string port;              // egress port
	config::IpAddress destination; // the outputs' destination
	host::NextHop next_hop;
	std::optional<host::Mac> mac; // none: unresolved, the outputs drop
	std::vector<std::string> rules;
};

struct ApplyReport {
	size_t added = 0, changed = 0, removed = 0, unchanged = 0;
};

class Publisher {
public:
	Publisher(engine::Engine &engine, XdpRuleSink &xdp, GroupSink &groups,
		  host::NeighbourSource &neighbours);
	Publisher(const Publisher &) = delete;
	Publisher &operator=(const Publisher &) = delete;

	// Publishes rule: new, or in place of the rule with the same match
	// (its XDP key and membership stay; its counters carry on). 0, or a
	// negative errno with *error and nothing changed. A unicast output
	// whose neighbour is unknown is published unresolved, never refused.
	int publish(const config::Rule &rule, std::string *error);
	// Takes the rule named name out of the XDP map, the table and its
	// group. -ENOENT if there is none.
	int withdraw(const std::string &name, std::string *error);
	// Makes the published rules exactly `rules`, keyed by match: a rule
	// whose match stays is replaced in one step (no gap), whatever its
	// name; unchanged rules are not touched. Every changed rule is
	// compiled first: on an error nothing changes.
	int apply(const std::vector<config::Rule> &rules, ApplyReport *report, std::string *error);

	// The kernel's neighbour table changed: every rule with an output
	// whose next hop this is is recompiled and replaced, if its MAC did.
	void neighbour_changed(const host::NeighbourChange &change);
	// The kernel's routes changed: next hops are computed again, and the
	// rules whose outputs now have another one are replaced.
	void routes_changed();

	// A port's interface was deleted: the kernel dropped its memberships
	// with it, so the publisher's references to them go too (leaving
	// fails on an ifindex that is gone, and is not needed).
	void port_closed(uint16_t port);
	// A port opened again on a re-created interface (the engine's port
	// already has its new ifindex, MAC and address): its rules' keys go
	// into its new XDP program, their groups are joined on it, and every
	// rule sending out of it is recompiled (source MAC and address, next
	// hops through the new ifindex). 0, or the first error with *error.
	int port_reopened(uint16_t port, std::string *error);

	std::vector<NeighbourUse> neighbours() const;
	// Next hops in use whose MAC is not known.
	size_t unresolved() const;
	size_t size() const { return rules_.size(); }

private:
	struct Published {
		config::Rule rule;
		// Per output: the next hop of a unicast output without `mac:`.
		std::vector<std::optional<host::NextHop>> hops;
		// The inputs whose XDP entry was added: only those are removed,
		// since the range maps count one rule per add, and a removal the
		// add never made would take another rule's entry.
		std::set<engine::InputKey> in_xdp;
	};
	// One input of a rule: its ingress port and key.
	struct Input {
		uint16_t port;
		engine::InputKey key;
		const config::Match *match;
	};
	struct Compiled {
		engine::CompiledRule *rule = nullptr;
		engine::InputKey key{}; // the first input's: the rule's identity
		std::vector<std::optional<host::NextHop>> hops;
	};

	// The rule's inputs with their ports and keys; empty with *error if a
	// port is unknown.
	std::vector<Input> inputs_of(const config::Rule &rule, std::string *error) const;
	// The input joins or leaves its groups: an exact input its
	// destination when it is a group, a range input its `join:` list. A
	// failure is a warning: relaying does not depend on it on veths.
	void join(const config::Rule &rule, const Input &in);
	void leave(const config::Rule &rule, const Input &in);


	// The rule compiled with the MACs known now; false with *error.
	bool compile(const config::Rule &rule, Compiled *out, std::string *error);
	std::vector<std::optional<host::NextHop>> next_hops(const config::Rule &rule);
	// The MAC of a next hop, asked of the kernel the first time (and a
	// resolution started when it has none).
	const std::optional<host::Mac> &neighbour(const host::NextHop &hop);
	int install(Compiled &c, const config::Rule &rule, std::string *error);
	void uninstall(const engine::InputKey &key);
	// Recompiles and replaces a published rule (its hops may have moved).
	void republish(const engine::InputKey &key, const char *why);

	engine::Engine &engine_;
	XdpRuleSink &xdp_;
	GroupSink &groups_;
	host::NeighbourSource &source_;
	std::map<engine::InputKey, Published> rules_;
	// The MAC in use for every next hop some output has used; entries no
	// output uses any more go when routes change.
	std::map<host::NextHop, std::optional<host::Mac>> macs_;
	// The kernel's answer per (egress ifindex, destination), asked once
	// until routes change: rules sharing a destination cost one look-up.
	std::map<std::pair<uint32_t, config::IpAddress>, host::NextHop> routes_;
};

} // namespace mcr::publish
