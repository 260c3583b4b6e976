#include "alloc_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<int64_t> live{0};

void *allocate(std::size_t size, std::align_val_t align)
{
	const auto a = static_cast<std::size_t>(align);
	// aligned_alloc wants a size that is a multiple of the alignment.
	void *p = std::aligned_alloc(a, (size + a - 1) / a * a);
	if (p != nullptr)
		live.fetch_add(1, std::memory_order_relaxed);
	return p;
}

void release(void *p)
{
	if (p == nullptr)
		return;
	live.fetch_sub(1, std::memory_order_relaxed);
	std::free(p);
}

} // namespace

void *operator new(std::size_t size, std::align_val_t align)
{
	void *p = allocate(size, align);
	if (p == nullptr)
		throw std::bad_alloc();
	return p;
}

void *operator new[](std::size_t size, std::align_val_t align)
{
	return operator new(size, align);
}

void *operator new(std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept
{
	return allocate(size, align);
}

void *operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept
{
	return allocate(size, align);
}

void operator delete(void *p, std::align_val_t) noexcept
{
	release(p);
}

void operator delete[](void *p, std::align_val_t) noexcept
{
	release(p);
}

void operator delete(void *p, std::size_t, std::align_val_t) noexcept
{
	release(p);
}

void operator delete[](void *p, std::size_t, std::align_val_t) noexcept
{
	release(p);
}

void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	release(p);
}

void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	release(p);
}

namespace mcr::engine::test {

int64_t live_aligned_allocations()
{
	return live.load(std::memory_order_relaxed);
}

} // namespace mcr::engine::test
