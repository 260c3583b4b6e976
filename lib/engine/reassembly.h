// IPv4 and IPv6 reassembly on a worker: each worker owns a DPDK rte_ip_frag table
// (bounded number of datagrams in flight, each held at most `timeout`) and
// its death row. A fragment carries no port, so it cannot be matched to a
// rule on its own: every UDP fragment sent to us is held until its datagram
// is whole, which is then copied into one size-class mbuf and goes through
// the normal parse, lookup and fan-out.
#pragma once

#include <rte_ip_frag.h>

#include <cstdint>
#include <string>

struct rte_mbuf;

namespace mcr::engine {

struct Worker;

// config::Workers::reassembly_flows and reassembly_timeout_ms.
struct ReassemblyParams {
	// Datagrams being reassembled at once, per worker. Each holds at most
	// RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments, so a worker holds at most
	// flows x 8 receive mbufs.
	uint32_t flows = 256;
	// A datagram still incomplete this long after its first fragment is
	// dropped (counted as reassembly-timeout).
	uint32_t timeout_ms = 1000;
};

// The table and death row of one worker. Created on the main lcore; used
// only by its worker.
class FragmentTable {
public:
	FragmentTable() = default;
	~FragmentTable();
	FragmentTable(const FragmentTable &) = delete;
	FragmentTable &operator=(const FragmentTable &) = delete;

	// 0, or a negative errno with *error. Without a table, fragments are
	// dropped as `fragment`.
	int create(const ReassemblyParams &params, int socket, std::string *error);
	bool enabled() const { return tbl_ != nullptr; }
	// Frees the table and the fragments it holds (the worker has stopped).
	void destroy();

	rte_ip_frag_tbl *table() const { return tbl_; }
	rte_ip_frag_death_row &death_row() { return dr_; }

private:
	rte_ip_frag_tbl *tbl_ = nullptr;
	rte_ip_frag_death_row dr_{};
};

// Takes a frame the parser called a fragment. Returns the whole datagram
// (Ethernet header included) in one new single-segment mbuf once its last
// fragment has come, or nullptr: the fragment is held, or was dropped and
// counted by reason. m belongs to the table from here on.
rte_mbuf *worker_reassemble(Worker &w, uint16_t port_index, rte_mbuf *m);

// The same for an IPv6 frame parse_ipv6_frame called a fragment: held when
// its fragment header comes right after the IPv6 header (the usual place),
// otherwise dropped as `fragment`. An atomic fragment (offset 0, no more
// fragments: RFC 6946) is returned at once, its fragment header removed.
rte_mbuf *worker_reassemble6(Worker &w, uint16_t port_index, rte_mbuf *m);

// Drops datagrams whose time is up and frees the death row: once per poll
// round, and after any burst that held fragments.
void worker_expire_fragments(Worker &w, uint64_t now_tsc);

} // namespace mcr::engine
