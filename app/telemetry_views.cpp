#include "telemetry_views.h"

#include <limits>

#include "config/address.h"
#include "config/validate.h"

namespace mcr::app::tel {

namespace {

constexpr size_t unlimited = std::numeric_limits<size_t>::max();

size_t digits(uint64_t n)
{
	size_t d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

// `"key":{...}` as a dict entry.
size_t dict_entry_size(const std::string &key, const Dict &d)
{
	return key.size() + 3 + encode(d).size();
}

// A port as a number (as before ranges), a range as its text ("any",
// "5000-5099").
void add_dport(Dict &d, const config::PortRange &dport)
{
	if (dport.is_single())
		d.add("dport", uint64_t{dport.first});
	else
		d.add("dport", config::format_port_range(dport));
}

Dict output_dict(const RuleStats &r, size_t o, const StatsSnapshot &s)
{
	const config::Output &out = r.rule.outputs[o];
	const OutputTotals &t = r.outputs[o].totals;
	Dict d;
	d.add("port", text(out.port));
	d.add("dst", config::format_host_or_prefix(out.destination(r.rule.match)));
	if (out.dport)
		d.add("dport", uint64_t{*out.dport});
	else
		add_dport(d, r.rule.match.dport);
	d.add("src", config::describe_source(out.src, r.outputs[o].port_address));
	d.add("dscp", out.dscp ? std::to_string(*out.dscp) : std::string("keep"));
	d.add("packets", t.packets);
	d.add("bytes", t.bytes);
	Dict &drops = d.add_dict("drops");
	for (size_t i = 0; i < s.output_drop_reasons.size() && i < t.drops.size(); i++)
		drops.add(key(s.output_drop_reasons[i]), t.drops[i]);
	return d;
}

// A merged or monitored rule's stream health; inputs by position, as
// rule.inputs() (doc/merging.md).
Dict stream_dict(const StreamStats &st, const config::Rule &rule)
{
	Dict d;
	d.add("mode", std::string(st.merge ? "merge" : "monitor"));
	d.add("owner", uint64_t{st.owner});
	d.add("accepted", st.accepted);
	d.add("duplicates", st.duplicates);
	d.add("late", st.late);
	d.add("reordered", st.reordered);
	d.add("gaps", st.gaps);
	d.add("resyncs", st.resyncs);
	d.add("multiple", st.multiple);
	d.add("no_sequence", st.no_sequence);
	Dict &inputs = d.add_dict("inputs");
	const std::vector<const config::Match *> matches = rule.inputs();
	for (size_t i = 0; i < st.inputs.size() && i < matches.size(); i++) {
		Dict &in = inputs.add_dict(std::to_string(i));
		in.add("port", text(st.inputs[i].port));
		in.add("dst", config::format_host_or_prefix(matches[i]->dst));
		add_dport(in, matches[i]->dport);
		in.add("first", st.inputs[i].first);
		in.add("only", st.inputs[i].only);
	}
	return d;
}

// Bytes of a `next`-like value: a position, or null when there is none.
size_t next_size(size_t next, size_t end)
{
	return next < end ? digits(next) : 4;
}

// The rule with its outputs from `first` on while the whole stays within
// `budget` bytes; the head alone if not even one output fits.
Dict rule_dict(const RuleStats &r, const StatsSnapshot &s, size_t first, size_t budget)
{
	const config::Match &m = r.rule.match;
	const size_t n = r.rule.outputs.size();
	Dict d;
	d.add("name", text(r.name()));
	d.add("port", text(m.port));
	d.add("dst", config::format_host_or_prefix(m.dst));
	add_dport(d, m.dport);
	d.add("src", m.src ? config::format_host_or_prefix(*m.src) : std::string("*"));
	d.add("vlan", uint64_t{m.vlan});
	d.add("packets", r.packets);
	d.add("bytes", r.bytes);
	if (r.stream)
		d.add_dict("stream", stream_dict(*r.stream, r.rule));
	d.add("outputs_total", uint64_t{n});
	d.add_null("outputs_next");
	const size_t next_slot = d.entries.size() - 1;
	Dict &outputs = d.add_dict("outputs");
	// Sizes without outputs_next's value, which depends on where we stop.
	size_t size = encode(d).size() - 4;
	size_t o = first;
	for (; o < n; o++) {
		const std::string k = std::to_string(o);
		Dict out = output_dict(r, o, s);
		const size_t grows = (outputs.entries.empty() ? 0 : 1) + dict_entry_size(k, out);
		if (size + grows + next_size(o + 1, n) > budget)
			break;
		size += grows;
		outputs.add_dict(k, std::move(out));
	}
	if (o < n)
		d.entries[next_slot].second = uint64_t{o};
	return d;
}

// A page of a listing, {"total", "offset", "next", "<list>": {"<position>":
// entry, ...}}, filled by size: an entry goes in only if the page, with the
// `next` it would then have, still fits the budget.
class Page {
public:
	Page(const char *list, size_t total, size_t offset, size_t budget)
		: total_(total), next_(offset), budget_(budget)
	{
		page_.add("total", uint64_t{total});
		page_.add("offset", uint64_t{offset});
		next_slot_ = page_.entries.size();
		page_.add_null("next");
		list_ = &page_.add_dict(list);
		// Without next's value, which depends on where the page stops.
		size_ = encode(page_).size() - 4;
	}

	bool full() const { return next_ >= total_ || list_->entries.size() == max_dict_entries; }
	bool empty() const { return list_->entries.empty(); }
	size_t next() const { return next_; }
	// Bytes an entry may take on a page of its own.
	size_t room_alone() const
	{
		return budget_ - std::min(budget_, size_ + std::to_string(next_).size() + 3 +
							   next_size(next_ + 1, total_));
	}
	// Adds entry as the next position if it fits (or must: force); false
	// when the page is full.
	bool add(Dict entry, bool force = false)
	{
		const std::string k = std::to_string(next_);
		const size_t grows = (empty() ? 0 : 1) + dict_entry_size(k, entry);
		if (!force && size_ + grows + next_size(next_ + 1, total_) > budget_)
			return false;
		size_ += grows;
		list_->add_dict(k, std::move(entry));
		next_++;
		return true;
	}
	Dict finish()
	{
		if (next_ < total_)
			page_.entries[next_slot_].second = uint64_t{next_};
		return std::move(page_);
	}

private:
	Dict page_;
	Dict *list_;
	size_t next_slot_;
	size_t total_, next_, budget_, size_;
};

} // namespace

Dict rules_page(const StatsSnapshot &s, size_t offset, size_t budget)
{
	Page page("rules", s.rules_total, offset, budget);
	for (const RuleStats &r : s.rules) {
		if (r.position != page.next() || page.full())
			break;
		if (page.add(rule_dict(r, s, 0, unlimited)))
			continue;
		if (!page.empty())
			break;
		// Too large for any page: alone, with what fits, and says so.
		page.add(rule_dict(r, s, 0, page.room_alone()), true);
	}
	return page.finish();
}

namespace {

// The rules using a next hop, comma-separated, as many as DPDK's string
// limit lets through, then ",..." (rule_count says how many there are).
std::string rule_names(const std::vector<std::string> &rules)
{
	std::string names;
	for (const std::string &r : rules) {
		const std::string more = (names.empty() ? "" : ",") + r;
		if (names.size() + more.size() > max_string_len - 5) { // room for ",..."
			names += ",...";
			break;
		}
		names += more;
	}
	return names;
}

} // namespace

Dict neighbours_page(const std::vector<NeighbourRow> &rows, size_t offset, size_t budget)
{
	Page page("neighbours", rows.size(), offset, budget);
	while (!page.full()) {
		const NeighbourRow &row = rows[page.next()];
		Dict d;
		d.add("port", text(row.port));
		d.add("destination", row.destination);
		d.add("next_hop", row.next_hop);
		d.add("mac", row.mac);
		d.add("rule_count", uint64_t{row.rules.size()});
		d.add("rules", text(rule_names(row.rules)));
		if (!page.add(std::move(d)))
			break;
	}
	return page.finish();
}

Dict rule_reply(const RuleStats &r, const StatsSnapshot &s, size_t first_output, size_t budget)
{
	return rule_dict(r, s, first_output, budget);
}

Dict drops_reply(const StatsSnapshot &s)
{
	Dict d;
	for (size_t r = 0; r < s.drop_reasons.size() && r < s.drops.size(); r++)
		d.add(key(s.drop_reasons[r]), s.drops[r]);
	return d;
}

Dict port_drops_reply(const StatsSnapshot &s, const PortStats &port)
{
	Dict d;
	for (size_t r = 0; r < s.drop_reasons.size() && r < port.drops.size(); r++)
		d.add(key(s.drop_reasons[r]), port.drops[r]);
	return d;
}

Dict ports_reply(const StatsSnapshot &s)
{
	Dict d;
	for (const PortStats &p : s.ports) {
		Dict &e = d.add_dict(key(p.name));
		e.add("iface", text(p.iface));
		e.add("driver", p.driver);
		e.add("ethdev", uint64_t{p.ethdev});
		e.add("queues", uint64_t{p.queues});
		e.add("rx_packets", p.totals.rx_packets);
		e.add("rx_bytes", p.totals.rx_bytes);
		e.add("tx_packets", p.totals.tx_packets);
		e.add("tx_bytes", p.totals.tx_bytes);
		e.add("tx_dropped", p.totals.tx_dropped);
		e.add("drops", p.dropped());
		e.add("name", text(p.name));
		e.add("state", p.up ? "up" : "down");
		e.add("down_count", p.down_count);
		e.add("reopen_count", p.reopen_count);
	}
	return d;
}

Dict pools_reply(const StatsSnapshot &s)
{
	Dict d;
	for (const PoolStats &p : s.pools) {
		if (p.kind != "size_class")
			continue;
		Dict &e = d.add_dict(key(p.name));
		e.add("data_size", p.data_size);
		e.add("count", p.size);
		e.add("in_use", p.in_use);
		e.add("free", p.free());
	}
	return d;
}

Dict workers_reply(const StatsSnapshot &s)
{
	// 22.11 arrays hold only scalars, so workers are keyed by name.
	Dict d;
	for (const WorkerStats &w : s.workers) {
		Dict &e = d.add_dict("worker" + std::to_string(w.index));
		e.add("lcore", uint64_t{w.lcore});
		e.add("rx_queues", uint64_t{w.rx_queues.size()});
		e.add("polls", w.polls);
		e.add("busy_polls", w.busy_polls);
		e.add("idle_sleeps", w.idle_sleeps);
		e.add("reassembled", w.reassembled);
		e.add("fragmented", w.fragmented);
		e.add("fragments_out", w.fragments_out);
		uint64_t rx = 0, tx = 0;
		for (size_t p = 0; p < w.rx_packets.size(); p++) {
			rx += w.rx_packets[p];
			tx += w.tx_packets[p];
		}
		e.add("rx_packets", rx);
		e.add("tx_packets", tx);
		for (size_t p = 0; p < s.ports.size() && p < w.rx_packets.size(); p++)
			e.add(key("rx_packets_" + s.ports[p].name), w.rx_packets[p]);
	}
	return d;
}

Dict xdp_reply(const StatsSnapshot &s)
{
	Dict d;
	for (const PortStats &p : s.ports) {
		Dict &e = d.add_dict(key(p.name));
		e.add("name", text(p.name));
		e.add("loaded", uint64_t{p.xdp.loaded});
		e.add("program_id", uint64_t{p.xdp.program_id});
		e.add("mode", p.xdp.loaded ? p.xdp.mode : std::string("none"));
		// af_xdp: sockets on RX queues 0..sockets-1; no_socket counts the rest.
		e.add("sockets", uint64_t{p.xdp.sockets});
		for (const auto &[name, value] : p.xdp.verdicts)
			e.add(key(name), value);
	}
	return d;
}

Dict error_reply(std::string_view why)
{
	Dict d;
	d.add("error", text(why));
	return d;
}

std::optional<size_t> parse_count(std::string_view t)
{
	if (t.empty() || t.size() > 18)
		return std::nullopt;
	size_t n = 0;
	for (const char c : t) {
		if (c < '0' || c > '9')
			return std::nullopt;
		n = n * 10 + static_cast<size_t>(c - '0');
	}
	return n;
}

} // namespace mcr::app::tel
