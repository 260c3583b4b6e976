#include "traffic/payload_header.h"

#include <endian.h>

#include <cstring>

namespace mcr::traffic {

namespace {

// memcpy keeps the accesses valid at any alignment: payloads start 42 bytes
// into a frame, so the 64-bit fields are never naturally aligned.
void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	std::memcpy(p, &v, sizeof(v));
}

void put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	std::memcpy(p, &v, sizeof(v));
}

uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	std::memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	std::memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

} // namespace

void encode_payload_header(uint8_t *p, const PayloadHeader &h)
{
	put32(p, payload_magic);
	put32(p + 4, h.flow_id);
	stamp_payload_header(p, h.seq, h.send_ns);
}

void stamp_payload_header(uint8_t *p, uint64_t seq, uint64_t send_ns)
{
	put64(p + 8, seq);
	put64(p + 16, send_ns);
}

bool decode_payload_header(const uint8_t *p, size_t len, PayloadHeader *h)
{
	if (len < payload_header_size || get32(p) != payload_magic)
		return false;
	h->flow_id = get32(p + 4);
	h->seq = get64(p + 8);
	h->send_ns = get64(p + 16);
	return true;
}

} // namespace mcr::traffic
