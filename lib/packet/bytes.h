// Unaligned loads and stores of raw (network-order) values in a frame.
// memcpy of a fixed size compiles to one mov; unlike casting the frame to
// header structs it is valid at any alignment and under strict aliasing.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <rte_byteorder.h>

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

// Two header bytes as the 16-bit word they form in memory.
inline uint16_t byte_pair(uint8_t first, uint8_t second)
{
	return rte_cpu_to_be_16(static_cast<uint16_t>(first << 8 | second));
}

} // namespace mcr::packet
