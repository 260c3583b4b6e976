// Results of control-plane calls: a value, or a negative errno with a
// message that names the operation and its object. Nothing here throws, so
// callers can use it on the main lcore without try/catch around libbpf.
#pragma once

#include <string>
#include <utility>
#include <optional>

namespace mcr::bpf {

struct Error {
	int code = 0; // negative errno, as libbpf returns
	std::string message;
};

// message = what + ": " + strerror(-code).
Error make_error(int code, std::string what);

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : value_(std::move(value)) {}
	Result(Error error) : error_(std::move(error)) {}

	bool ok() const { return value_.has_value(); }
	explicit operator bool() const { return ok(); }

	// Only on success (checked by libstdc++ assertions in debug builds).
	T &value() & { return *value_; }
	const T &value() const & { return *value_; }
	T &&value() && { return *std::move(value_); }
	T *operator->() { return &*value_; }
	const T *operator->() const { return &*value_; }

	// Only on failure.
	const Error &error() const { return error_; }

private:
	// Not std::variant: GCC 12 warns falsely (-Wfree-nonheap-object) when
	// inlining the destructor of a variant holding a std::string.
	std::optional<T> value_;
	Error error_;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)), failed_(true) {}

	bool ok() const { return !failed_; }
	explicit operator bool() const { return ok(); }
	const Error &error() const { return error_; }

private:
	Error error_;
	bool failed_ = false;
};

using Status = Result<void>;

} // namespace mcr::bpf
