// YAML to Config. Every problem in the file is collected and reported at
// once; nothing partial is ever returned.
#pragma once

#include <string>
#include <string_view>

#include "config/model.h"

namespace mcr::config {

// Throws ConfigError (every diagnostic) or, for an unreadable file,
// ConfigError with a single diagnostic at line 0.
Config load_file(const std::string &path);

// The same, from text; file_name is what diagnostics report.
Config load_string(std::string_view yaml, const std::string &file_name);

} // namespace mcr::config
