// Lets gtest print a DropReason by name in failure messages.
#pragma once

#include <ostream>

#include "packet/drop_reason.h"

namespace mcr::packet {

inline void PrintTo(DropReason reason, std::ostream *os)
{
	*os << drop_reason_name(reason);
}

} // namespace mcr::packet
