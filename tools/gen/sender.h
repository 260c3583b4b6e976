// A way out for mcr-gen's packets: kernel sockets or a DPDK port. The main
// loop decides what to send and when; a sender only puts a batch on the
// wire and says, per flow, what went and what could not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic/flow_schedule.h"

namespace mcr::gen {

struct FlowSendCount {
	uint64_t sent = 0;
	uint64_t failed = 0; // given to the sender but refused (errors, or stopped)
};

class Sender {
public:
	virtual ~Sender() = default;

	// Sends items[0, n) with send_ns as every header's send time; adds each
	// item to counts[item.flow].sent or .failed.
	virtual void send(const traffic::SendItem *items, uint32_t n, uint64_t send_ns,
			  FlowSendCount *counts) = 0;

	virtual const char *backend() const = 0;
	// The flow's source as it goes on the wire, for the summary.
	virtual std::string source_of(uint32_t flow) const = 0;
	// The first send error, if any (the summary prints it once).
	const std::string &first_error() const { return first_error_; }

protected:
	void note_error(const std::string &what)
	{
		if (first_error_.empty())
			first_error_ = what;
	}

private:
	std::string first_error_;
};

} // namespace mcr::gen
