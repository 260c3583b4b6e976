#include "engine/stream.h"

namespace mcr::engine {

Stream *Stream::create(Mode mode, const packet::SequenceField &field, uint32_t window,
		       uint16_t owner)
{
	return new Stream(mode, field, window, owner);
}

void Stream::release(Stream *stream)
{
	if (stream != nullptr && --stream->refs_ == 0)
		delete stream;
}

} // namespace mcr::engine
