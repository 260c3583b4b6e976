// Invariant checks for the fuzz targets. A broken invariant must end the
// run as a crash, so libFuzzer keeps the input that caused it: print what
// broke, then abort.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace mcr::fuzz {

[[noreturn]] __attribute__((format(printf, 4, 5))) inline void
fail(const char *file, int line, const char *condition, const char *format, ...)
{
	std::fprintf(stderr, "\n%s:%d: invariant broken: %s\n  ", file, line, condition);
	va_list args;
	va_start(args, format);
	std::vfprintf(stderr, format, args);
	va_end(args);
	std::fputc('\n', stderr);
	std::fflush(stderr);
	std::abort();
}

} // namespace mcr::fuzz

// FUZZ_CHECK(cond, "printf format", args...): the message says what was
// expected and what came out, since a crash log is all a reader gets.
#define FUZZ_CHECK(condition, ...)                                                  \
	do {                                                                        \
		if (!(condition))                                                   \
			::mcr::fuzz::fail(__FILE__, __LINE__, #condition, __VA_ARGS__); \
	} while (0)
