// mcr's XDP program on one port: on af_xdp ports the PMD loads it from the
// file we hand it (xdp_prog=) and we find its maps through the attached
// program; on af_packet ports we load and attach it ourselves. Either way
// the program sends only relay traffic to mcr and the rest to the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <memory>
#include <utility>

#include "config/model.h"
#include "engine/rule_key.h"

namespace mcr::drivers {

// Per-verdict packet counts, summed over CPUs: (name, count).
using XdpCounters = std::vector<std::pair<std::string, uint64_t>>;

// Built without BPF (-Dbpf=disabled), every call reports that and the
// PMDs run their own default programs.
class PortXdp {
public:
	PortXdp();
	~PortXdp();
	PortXdp(const PortXdp &) = delete;
	PortXdp &operator=(const PortXdp &) = delete;

	static bool available();

	// Where the program's object file lives while af_xdp ports open.
	// Written once per process; removed by remove_object_file().
	static int write_object_file(std::string *path, std::string *error);
	static void remove_object_file();

	// Removes an mcr program a killed mcr left on ifindex. Returns true if
	// one was removed; a foreign program is left alone.
	static bool remove_stale(unsigned ifindex, uint32_t prog_id);

	// After an af_xdp port opened with xdp_prog=: finds the maps of the
	// program the PMD attached and sets its flags.
	int bind_af_xdp(unsigned ifindex, const config::XdpOptions &opt, std::string *error);
	// For an af_packet port: loads and attaches the program.
	int attach_af_packet(unsigned ifindex, const config::XdpOptions &opt, std::string *error);
	// One key more or less, as the publisher adds and removes rules: an
	// exact key idempotently, a range counted (one remove per add). The
	// engine's key: the ingress port index is not the map's.
	int add_rule_key(const engine::InputKey &key, std::string *error);
	int remove_rule_key(const engine::InputKey &key, std::string *error);
	void detach();

	bool loaded() const;
	const std::string &mode() const; // "native", "generic"; empty if not loaded
	uint32_t program_id() const;
	std::optional<XdpCounters> counters() const;
	// Relay packets that found no socket on their RX queue (no_socket).
	std::optional<uint64_t> no_socket_packets() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace mcr::drivers
