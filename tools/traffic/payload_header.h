// The header at the start of every payload mcr-gen sends and mcr-sink
// reads. Fixed layout, network byte order, no padding:
//
//   offset  size  field
//        0     4  magic      "MCRT" (0x4d435254)
//        4     4  flow id    chosen by the generator (--flow-id-base + index)
//        8     8  sequence   per flow, from 0, +1 per sequence number
//       16     8  send time  CLOCK_MONOTONIC in ns, read just before the send
//       24     -  filler     up to the frame size
//
// CLOCK_MONOTONIC is one clock for the whole host (network namespaces do
// not change it), so a sink on the same host subtracts without any sync.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcr::traffic {

inline constexpr uint32_t payload_magic = 0x4d435254; // "MCRT"
inline constexpr size_t payload_header_size = 24;

struct PayloadHeader {
	uint32_t flow_id;
	uint64_t seq;
	uint64_t send_ns;
};

// Writes the header into p[0, payload_header_size).
void encode_payload_header(uint8_t *p, const PayloadHeader &h);

// Reads a header from a payload of len bytes; false when the payload is too
// short or does not start with the magic (not mcr-gen's traffic).
bool decode_payload_header(const uint8_t *p, size_t len, PayloadHeader *h);

// Writes only the fields that change per packet (sequence and send time),
// for templates whose magic and flow id are already in place.
void stamp_payload_header(uint8_t *p, uint64_t seq, uint64_t send_ns);

} // namespace mcr::traffic
