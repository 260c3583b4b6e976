#include "config/error.h"

#include <fmt/format.h>

namespace mcr::config {

namespace {

std::string join(const std::vector<Diagnostic> &diagnostics)
{
	std::string text;
	for (const auto &diagnostic : diagnostics) {
		if (!text.empty())
			text += '\n';
		text += diagnostic.str();
	}
	return text;
}

} // namespace

std::string format_location(const Location &where)
{
	return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

std::string Diagnostic::str() const
{
	return fmt::format("{}: {}", format_location(where), message);
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
	: std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics))
{
}

} // namespace mcr::config
