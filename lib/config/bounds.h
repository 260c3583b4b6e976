// The ranges the loader enforces. Shared so that whatever else builds a
// Config (the console's `rule add`) holds values to the same limits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcr::config::limits {

struct Range {
	int64_t min;
	int64_t max;
};

inline constexpr Range queues{1, 64};
inline constexpr Range busy_budget{0, 1024};

// The kernel's TPACKET_V2 ring: blocks are page multiples, frames are
// TPACKET_ALIGNMENT (16) aligned and must leave room for the tpacket header.
inline constexpr Range block_size{4096, 1 << 24};
inline constexpr Range frame_size{128, 1 << 24};
inline constexpr int64_t frame_alignment = 16;
inline constexpr Range frame_count{16, 1 << 20};

// The EAL checks lcores against its own RTE_MAX_LCORE when it starts.
inline constexpr Range lcore{0, 1023};
inline constexpr Range burst{1, 512};
inline constexpr Range copy_threshold{0, 65535};
inline constexpr Range tx_drain_us{1, 100000};
inline constexpr Range idle_sleep_us{0, 10000};
inline constexpr Range reassembly_flows{0, 65536};
inline constexpr Range reassembly_timeout_ms{1, 60000};

// An mbuf's data room is a uint16_t that also holds the 128-byte headroom.
inline constexpr Range data_size{256, 65535 - 128};
inline constexpr Range pool_count{64, (1 << 24) - 1};

inline constexpr Range udp_port{1, 65535};
inline constexpr Range ttl{1, 255};
inline constexpr Range vlan{1, 4094};
inline constexpr Range dscp{0, 63}; // the TOS byte's upper six bits

// Sequence numbers of merged and monitored rules (merge:, monitor:). The
// engine static_asserts its own limits against these.
//
// The largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP bytes): a
// sequence field must end within it.
inline constexpr uint32_t max_udp_payload_ipv4 = 65507;
inline constexpr Range sequence_offset{0, max_udp_payload_ipv4 - 2};
// A window is a power of two in this range: it is memory per stream (one
// byte per number) and how far back a late copy is still recognised.
inline constexpr Range sequence_window{2, 65536};
// The engine takes a 16-bit number this far or further from the newest for
// a publisher restart and resynchronises; distances near it would be
// ambiguous, so a 2-byte field's window stays at half of it. Wider numbers
// resync at 2^20, beyond sequence_window.max.
inline constexpr uint32_t sequence_resync_16bit = 1u << 14;
inline constexpr uint32_t max_sequence_window_16bit = sequence_resync_16bit / 2;

// Per-rule series a scrape may carry (metrics: max_rules).
inline constexpr Range metrics_max_rules{0, 100000};

inline constexpr size_t max_outputs = 64;
inline constexpr size_t max_port_name = 31;
inline constexpr size_t max_pool_name = 31;
inline constexpr size_t max_rule_name = 63;
inline constexpr size_t max_iface_name = 15; // IFNAMSIZ - 1

} // namespace mcr::config::limits
