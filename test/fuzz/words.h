// The console hands `rule add` its words split on blanks; the fuzz targets
// split their input the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcr::fuzz {

inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline std::vector<std::string> split_words(std::string_view text)
{
	std::vector<std::string> words;
	size_t i = 0;
	while (i < text.size()) {
		while (i < text.size() && is_blank(text[i]))
			i++;
		size_t start = i;
		while (i < text.size() && !is_blank(text[i]))
			i++;
		if (i > start)
			words.emplace_back(text.substr(start, i - start));
	}
	return words;
}

} // namespace mcr::fuzz
