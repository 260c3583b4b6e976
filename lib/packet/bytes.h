// Unaligned loads and stores of raw (network-order) values in a frame.
// memcpy of a fixed size compiles to one mov; unlike casting the frame to
// header structs it is valid at any alignment and under strict aliasing.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace mcr::packet {

template <typename T>
inline T load(const uint8_t *p)
{
	static_assert(std::is_trivially_copyable_v<T>);
	T v;
	std::memcpy(&v, p, sizeof(v));
	return v;
}

template <typename T>
inline void store(uint8_t *p, T v)
{
	static_assert(std::is_trivially_copyable_v<T>);
	std::memcpy(p, &v, sizeof(v));
}

} // namespace mcr::packet
