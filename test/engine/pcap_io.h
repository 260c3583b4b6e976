// Reading and writing pcap files with libpcap itself, so the golden tests
// exercise net_pcap on files that any capture tool would produce and read.
#pragma once

#include <string>
#include <vector>

#include "frame_builder.h"

namespace mcr::engine::test {

// Writes frames, in order, as an Ethernet (DLT_EN10MB) capture. Throws
// std::runtime_error naming the file on failure.
void write_pcap(const std::string &path, const std::vector<Bytes> &frames);

// Every frame of the capture, in order (captured bytes only). Throws
// std::runtime_error on failure or when a frame was cut by the snap length.
std::vector<Bytes> read_pcap(const std::string &path);

} // namespace mcr::engine::test
