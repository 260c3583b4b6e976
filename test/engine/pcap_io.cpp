#include "pcap_io.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace mcr::engine::test {

namespace {

constexpr int snap_len = 65535;

} // namespace

void write_pcap(const std::string &path, const std::vector<Bytes> &frames)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, snap_len);
	if (dead == nullptr)
		throw std::runtime_error("pcap_open_dead failed");
	pcap_dumper_t *dumper = pcap_dump_open(dead, path.c_str());
	if (dumper == nullptr) {
		const std::string why = pcap_geterr(dead);
		pcap_close(dead);
		throw std::runtime_error("cannot write " + path + ": " + why);
	}
	for (size_t i = 0; i < frames.size(); i++) {
		pcap_pkthdr header{};
		// Distinct, increasing timestamps: a reader may rely on order.
		header.ts.tv_sec = 1;
		header.ts.tv_usec = static_cast<suseconds_t>(i);
		header.caplen = static_cast<bpf_u_int32>(frames[i].size());
		header.len = header.caplen;
		pcap_dump(reinterpret_cast<u_char *>(dumper), &header, frames[i].data());
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
}

std::vector<Bytes> read_pcap(const std::string &path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path.c_str(), errbuf);
	if (p == nullptr)
		throw std::runtime_error("cannot read " + path + ": " + errbuf);
	std::vector<Bytes> frames;
	pcap_pkthdr *header = nullptr;
	const u_char *data = nullptr;
	int rc;
	while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
		if (header->caplen != header->len) {
			pcap_close(p);
			throw std::runtime_error(path + ": a frame was cut by the snap length");
		}
		frames.emplace_back(data, data + header->caplen);
	}
	if (rc != PCAP_ERROR_BREAK) {
		const std::string why = pcap_geterr(p);
		pcap_close(p);
		throw std::runtime_error("error reading " + path + ": " + why);
	}
	pcap_close(p);
	return frames;
}

} // namespace mcr::engine::test
