// What mcr-gen and mcr-sink do with their own options first: parse, print
// the usage on --help, or the error and the usage.
#pragma once

#include <cstdio>
#include <string>

#include "dpdk_port.h"

namespace mcr::traffic {

// parse(argc, argv, opt, &error) returns false with an empty error for
// --help. Returns -1 to go on, or main's exit status (0 for --help, 2 for
// an error).
template <typename Options, typename Parse>
int parse_tool_options(const char *tool, const char *usage, SplitArgs &args, Parse parse,
		       Options *opt)
{
	std::string error;
	if (parse(static_cast<int>(args.tool.size()), args.tool.data(), opt, &error))
		return -1;
	if (error.empty()) {
		std::fputs(usage, stdout);
		return 0;
	}
	std::fprintf(stderr, "%s: %s\n%s", tool, error.c_str(), usage);
	return 2;
}

} // namespace mcr::traffic
