// A configuration written back as the YAML the loader reads: what `save`
// writes, so a running configuration (rules added from the console
// included) survives a restart. Every value is written explicitly, so the
// file means the same whatever the defaults become.
#pragma once

#include <string>

#include "config/model.h"

namespace mcr::config {

std::string to_yaml(const Config &cfg);

} // namespace mcr::config
