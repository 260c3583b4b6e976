#include "telemetry_emit.h"

#include <cerrno>

#include "telemetry_views.h"

namespace mcr::app::tel {

namespace {

int emit(const Dict &d, rte_tel_data *out);

// 22.11 has no null value, but renders a container whose type it does not
// know as null: the dict is added, then turned into an (empty) array of
// containers, which rte_tel_data_add_dict_container itself would refuse.
int add_null(rte_tel_data *out, const char *key)
{
	rte_tel_data *v = rte_tel_data_alloc();
	if (v == nullptr)
		return -ENOMEM;
	rte_tel_data_start_dict(v);
	const int rc = rte_tel_data_add_dict_container(out, key, v, 0);
	if (rc != 0) {
		rte_tel_data_free(v);
		return rc < 0 ? rc : -E2BIG;
	}
	rte_tel_data_start_array(v, RTE_TEL_CONTAINER);
	return 0;
}

int emit_entry(const std::string &key, const Value &value, rte_tel_data *out)
{
	if (const auto *u = std::get_if<uint64_t>(&value))
		return rte_tel_data_add_dict_u64(out, key.c_str(), *u);
	if (const auto *s = std::get_if<std::string>(&value))
		return rte_tel_data_add_dict_string(out, key.c_str(), s->c_str());
	if (std::holds_alternative<Null>(value))
		return add_null(out, key.c_str());
	rte_tel_data *child = rte_tel_data_alloc();
	if (child == nullptr)
		return -ENOMEM;
	int rc = emit(*std::get<std::unique_ptr<Dict>>(value), child);
	if (rc == 0)
		rc = rte_tel_data_add_dict_container(out, key.c_str(), child, 0);
	if (rc != 0)
		rte_tel_data_free(child);
	return rc;
}

// Nonzero (E2BIG is positive in DPDK) only for a reply problem()
// should have refused first.
int emit(const Dict &d, rte_tel_data *out)
{
	rte_tel_data_start_dict(out);
	for (const auto &[key, value] : d.entries)
		if (const int rc = emit_entry(key, value, out); rc != 0)
			return rc < 0 ? rc : -E2BIG;
	return 0;
}

} // namespace

int reply(const char *cmd, const Dict &d, rte_tel_data *out)
{
	const std::string why = problem(d, reply_budget(cmd));
	if (!why.empty())
		return emit(error_reply("reply too large for DPDK telemetry: " + why), out);
	if (emit(d, out) != 0)
		return emit(error_reply("cannot build the reply (out of memory?)"), out);
	return 0;
}

} // namespace mcr::app::tel
