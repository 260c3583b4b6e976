#include "packet/drop_reason.h"

#include <array>

namespace mcr::packet {

namespace {

// Indexed by the enum: the static_assert below catches a reason added to
// the enum but not here.
constexpr std::array<const char *, drop_reason_count> names = {
	"none",
	"not-ip",
	"not-udp",
	"truncated",
	"bad-version",
	"bad-ihl",
	"bad-length",
	"bad-checksum",
	"fragment",
	"ttl-expired",
	"no-rule",
	"vlan-unsupported",
	"mac-mismatch",
	"no-buffer",
	"tx-full",
	"bad-udp-checksum",
	"too-big",
	"reassembly-timeout",
	"reassembly-failed",
	"no-neighbour",
	"port-down",
	"duplicate",
	"late",
	"no-sequence",
	"handoff-full",
	"bad-ext-header",
	"ext-chain-too-long",
	"zero-udp-checksum",
};

constexpr bool all_named()
{
	for (const char *n : names)
		if (n == nullptr)
			return false;
	return true;
}
static_assert(all_named(), "every DropReason needs a name");

} // namespace

const char *drop_reason_name(DropReason reason)
{
	const auto i = static_cast<size_t>(reason);
	return i < names.size() ? names[i] : "unknown";
}

} // namespace mcr::packet
