// An owned file descriptor (program, map, link, socket): closed exactly once.
#pragma once

#include "xdp_result.h"

namespace mcr::bpf {

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	~UniqueFd() { reset(); }

	UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		if (this != &other)
			reset(other.release());
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	explicit operator bool() const { return valid(); }

	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}
	void reset(int fd = -1);

	// A second descriptor for the same object (close-on-exec), so that a
	// map can outlive the object it was found through.
	static Result<UniqueFd> duplicate(int fd);

private:
	int fd_ = -1;
};

} // namespace mcr::bpf
