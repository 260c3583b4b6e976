// Config errors carry every problem found, each as FILE:LINE:COL: message.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/model.h"

namespace mcr::config {

// "FILE:LINE:COL", the form every diagnostic and cross-reference uses.
std::string format_location(const Location &where);

struct Diagnostic {
	Location where;
	std::string message;

	std::string str() const; // "FILE:LINE:COL: message"
};

class ConfigError : public std::runtime_error {
public:
	explicit ConfigError(std::vector<Diagnostic> diagnostics);
	const std::vector<Diagnostic> &diagnostics() const { return diagnostics_; }

private:
	std::vector<Diagnostic> diagnostics_;
};

} // namespace mcr::config
