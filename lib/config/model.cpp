#include "config/model.h"

#include <algorithm>

namespace mcr::config {

namespace {

// Configs hold tens to a few thousand entries and are searched off the fast
// path, so a linear scan is simpler than keeping an index in sync.
template <typename T>
const T *find_named(const std::vector<T> &items, const std::string &name)
{
	auto it = std::find_if(items.begin(), items.end(),
			       [&](const T &item) { return item.name == name; });
	return it == items.end() ? nullptr : &*it;
}

} // namespace

Prefix Prefix::host(const IpAddress &address)
{
	return {address, static_cast<uint8_t>(config::is_ipv6(address) ? 128 : 32)};
}

std::optional<Ipv4> Prefix::ipv4_host() const
{
	if (!is_host() || is_ipv6())
		return std::nullopt;
	return std::get<Ipv4>(address);
}

std::optional<Ipv6> Prefix::ipv6_host() const
{
	if (!is_host() || !is_ipv6())
		return std::nullopt;
	return std::get<Ipv6>(address);
}

const Port *Config::find_port(const std::string &name) const
{
	return find_named(ports, name);
}

const Rule *Config::find_rule(const std::string &name) const
{
	return find_named(rules, name);
}

std::vector<const Match *> Rule::inputs() const
{
	std::vector<const Match *> all{&match};
	for (const Match &m : more_inputs)
		all.push_back(&m);
	return all;
}

} // namespace mcr::config
