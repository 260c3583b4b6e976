// `save FILE`: the running configuration written where the operator says,
// atomically (a temporary file in the same directory, then rename), so a
// crash or a full disk never leaves half a configuration behind.
#pragma once

#include <string>

#include "config/model.h"

namespace mcr::app {

// 0, or a negative errno with *error naming the file and the reason.
int save_config(const config::Config &cfg, const std::string &path, std::string *error);

} // namespace mcr::app
