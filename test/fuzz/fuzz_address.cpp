// fuzz_address: IPv6 address and prefix text (lib/config/address.h) on
// arbitrary bytes.
//
// parse_ipv6 must accept exactly the texts glibc's inet_pton accepts, as
// the same address; what format_ipv6 prints must parse back to the same
// address and print the same again (one canonical text). An accepted
// prefix prints as text that parses to the same prefix and contains its
// own address; a refused one always says why.
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <string_view>

#include "config/address.h"
#include "fuzz_check.h"

namespace {

using namespace mcr::config;

void check_ipv6(const std::string &text)
{
	const auto got = parse_ipv6(text);
	Ipv6 libc{};
	const bool libc_ok = inet_pton(AF_INET6, text.c_str(), libc.data()) == 1;
	FUZZ_CHECK(got.has_value() == libc_ok, "parse_ipv6 %s '%s', inet_pton %s",
		   got ? "accepts" : "refuses", text.c_str(), libc_ok ? "accepts" : "refuses");
	if (!got)
		return;
	FUZZ_CHECK(*got == libc, "parse_ipv6 and inet_pton read '%s' differently", text.c_str());
	const std::string canonical = format_ipv6(*got);
	const auto again = parse_ipv6(canonical);
	FUZZ_CHECK(again && *again == *got, "'%s' prints as '%s', which does not parse back",
		   text.c_str(), canonical.c_str());
	FUZZ_CHECK(format_ipv6(*again) == canonical, "'%s' is not a fixed point",
		   canonical.c_str());
}

void check_prefix(std::string_view text)
{
	std::string error;
	const auto prefix = parse_prefix(text, error);
	if (!prefix) {
		FUZZ_CHECK(!error.empty(), "prefix '%.*s' refused without a reason",
			   static_cast<int>(text.size()), text.data());
		return;
	}
	const std::string canonical = format_prefix(*prefix);
	std::string again_error;
	const auto again = parse_prefix(canonical, again_error);
	FUZZ_CHECK(again && *again == *prefix, "prefix prints as '%s', which parses %s",
		   canonical.c_str(), again ? "differently" : again_error.c_str());
	FUZZ_CHECK(prefix_contains(*prefix, prefix->address), "'%s' does not contain its address",
		   canonical.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	check_prefix(text);
	// inet_pton reads a C string: texts with a NUL are only prefixes' food.
	if (text.find('\0') == std::string_view::npos)
		check_ipv6(std::string(text));
	return 0;
}
