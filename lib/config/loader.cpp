#include "config/loader.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/error.h"
#include "config/sections.h"
#include "config/yaml_reader.h"

namespace mcr::config {

namespace {

using namespace std::string_view_literals;

constexpr std::array top_level_keys = {"ports"sv, "workers"sv, "pools"sv, "rules"sv,
				       "metrics"sv};

// For the problems that leave nothing else to check.
[[noreturn]] void fail(detail::Diagnostics &diagnostics, Location where, std::string message)
{
	diagnostics.add(std::move(where), std::move(message));
	throw ConfigError(diagnostics.take_sorted());
}

// yaml-cpp's messages for a tab in indentation ("illegal map value", "illegal
// block entry") do not say what is wrong, so find the tab ourselves. Only the
// lines up to the error are searched: a later tab cannot have caused it.
std::optional<Location> find_indentation_tab(std::string_view yaml, const std::string &file_name,
					     int last_line)
{
	int line = 1;
	for (size_t start = 0; start < yaml.size() && line <= last_line; line++) {
		size_t end = yaml.find('\n', start);
		std::string_view text =
			yaml.substr(start, end == std::string_view::npos ? end : end - start);
		size_t indent = text.find_first_not_of(" \t");
		size_t tab = text.substr(0, indent).find('\t');
		if (tab != std::string_view::npos)
			return Location{file_name, line, static_cast<int>(tab) + 1};
		if (end == std::string_view::npos)
			break;
		start = end + 1;
	}
	return std::nullopt;
}

[[noreturn]] void fail_syntax(detail::Diagnostics &diagnostics, std::string_view yaml,
			      const YAML::Exception &error)
{
	Location where = diagnostics.at(error.mark);
	if (auto tab = find_indentation_tab(yaml, diagnostics.file(), where.line))
		fail(diagnostics, *tab,
		     "tab character in indentation (YAML indents with spaces only)");
	// yaml-cpp's depth guard says only "bad file".
	if (dynamic_cast<const YAML::DeepRecursion *>(&error) != nullptr)
		fail(diagnostics, where, "invalid YAML: nested too deeply");
	fail(diagnostics, where, fmt::format("invalid YAML: {}", error.msg));
}

// Where each document of a stream starts and where its first node is, from
// yaml-cpp's event parser. YAML::LoadAll is not used: in yaml-cpp 0.7 it
// never returns, allocating without bound, when the parser stops advancing
// (a stray ',' at the top level: jbeder/yaml-cpp#1040, fixed upstream
// after 0.8.0).
class DocumentMarks : public YAML::EventHandler {
public:
	struct Document {
		YAML::Mark start;
		YAML::Mark root = YAML::Mark::null_mark();
	};
	std::vector<Document> documents;

	void OnDocumentStart(const YAML::Mark &mark) override { documents.push_back({mark}); }
	void OnDocumentEnd() override {}
	void OnNull(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
	void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override { node(mark); }
	void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
		      const std::string &) override
	{
		node(mark);
	}
	void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
			     YAML::EmitterStyle::value) override
	{
		node(mark);
	}
	void OnSequenceEnd() override {}
	void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
			YAML::EmitterStyle::value) override
	{
		node(mark);
	}
	void OnMapEnd() override {}

private:
	void node(const YAML::Mark &mark)
	{
		if (!documents.empty() && documents.back().root.is_null())
			documents.back().root = mark;
	}
};

// A "document" that starts where the one before it did is the parser not
// advancing (the yaml-cpp bug above), not a document: it ends the scan.
std::vector<DocumentMarks::Document> scan_documents(const std::string &yaml)
{
	std::istringstream in(yaml);
	YAML::Parser parser(in);
	DocumentMarks marks;
	while (parser.HandleNextDocument(marks)) {
		const auto &docs = marks.documents;
		if (docs.size() >= 2 && docs[docs.size() - 1].start.pos <= docs[docs.size() - 2].start.pos) {
			marks.documents.pop_back();
			break;
		}
	}
	return marks.documents;
}

Config read_config(detail::Diagnostics &diagnostics, const YAML::Node &root)
{
	Config cfg;
	cfg.file = diagnostics.file();
	detail::MapReader map(diagnostics, root, "", top_level_keys);
	if (auto ports = map.require("ports"))
		cfg.ports = detail::read_ports(diagnostics, *ports);
	if (auto workers = map.get("workers"))
		cfg.workers = detail::read_workers(diagnostics, *workers);
	if (auto pools = map.get("pools"))
		cfg.pools = detail::read_pools(diagnostics, *pools);
	if (auto rules = map.require("rules"))
		detail::read_rules(diagnostics, *rules, cfg);
	if (auto metrics = map.get("metrics"))
		cfg.metrics = detail::read_metrics(diagnostics, *metrics);
	return cfg;
}

} // namespace

Config load_string(std::string_view yaml, const std::string &file_name)
{
	detail::Diagnostics diagnostics(file_name);
	const std::string text(yaml);
	std::vector<DocumentMarks::Document> documents;
	YAML::Node root;
	try {
		documents = scan_documents(text);
		if (!documents.empty())
			root = YAML::Load(text); // the first document only
	} catch (const YAML::Exception &error) {
		fail_syntax(diagnostics, yaml, error);
	}

	if (documents.empty())
		fail(diagnostics, {file_name, 1, 1},
		     "empty configuration (expected a map with keys: ports, "
		     "workers, pools, rules)");
	if (documents.size() > 1) {
		const YAML::Mark &second =
			documents[1].root.is_null() ? documents[1].start : documents[1].root;
		fail(diagnostics, diagnostics.at(second),
		     fmt::format("expected one YAML document, found {}", documents.size()));
	}
	if (!root.IsMap()) {
		Location where =
			root.IsNull() ? Location{file_name, 1, 1} : diagnostics.at(root.Mark());
		fail(diagnostics, where,
		     fmt::format("expected a map at the top level, got {}",
				 detail::describe(root)));
	}

	Config cfg = read_config(diagnostics, root);
	if (!diagnostics.empty())
		throw ConfigError(diagnostics.take_sorted());
	return cfg;
}

Config load_file(const std::string &path)
{
	auto cannot_read = [&](int error) {
		detail::Diagnostics diagnostics(path);
		fail(diagnostics, {path, 0, 0},
		     fmt::format("cannot read file: {}", std::strerror(error)));
	};
	std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "rb"), std::fclose);
	if (!file)
		cannot_read(errno);
	std::string text;
	std::array<char, 65536> buffer;
	size_t got;
	while ((got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0)
		text.append(buffer.data(), got);
	if (std::ferror(file.get()))
		cannot_read(errno);
	return load_string(text, path);
}

} // namespace mcr::config
