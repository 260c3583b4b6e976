// The object file as the af_xdp PMD sees it: embedded bytes, written to a
// path, opened and loaded by plain libbpf.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "mcr_xdp_shared.h"
#include "xdp_object.h"

namespace mcr::bpf::test {
namespace {

constexpr uint16_t em_bpf = 247; // EM_BPF

std::vector<uint8_t> file_bytes(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool same_bytes(const std::vector<uint8_t> &file, std::span<const uint8_t> embedded)
{
	return std::equal(file.begin(), file.end(), embedded.begin(), embedded.end());
}

// A fresh directory, removed with what is in it.
class ScratchDir {
public:
	ScratchDir()
	{
		char pattern[] = "/tmp/mcr-bpf-test-XXXXXX";
		if (::mkdtemp(pattern))
			path_ = pattern;
	}
	~ScratchDir()
	{
		for (const std::string &name : entries())
			::unlink((path_ + "/" + name).c_str());
		::rmdir(path_.c_str());
	}
	const std::string &path() const { return path_; }
	std::vector<std::string> entries() const
	{
		std::vector<std::string> names;
		if (DIR *dir = ::opendir(path_.c_str())) {
			while (dirent *entry = ::readdir(dir))
				if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..")
					names.emplace_back(entry->d_name);
			::closedir(dir);
		}
		return names;
	}

private:
	std::string path_;
};

TEST(XdpObjectBytes, AreABpfElfObject)
{
	const auto bytes = xdp_object_bytes();
	ASSERT_GT(bytes.size(), 64u);
	EXPECT_EQ(bytes[0], 0x7f);
	EXPECT_EQ(bytes[1], 'E');
	EXPECT_EQ(bytes[2], 'L');
	EXPECT_EQ(bytes[3], 'F');
	EXPECT_EQ(bytes[4], 2); // ELFCLASS64
	const uint16_t machine = static_cast<uint16_t>(bytes[5] == 1 ? bytes[18] | bytes[19] << 8
								       : bytes[18] << 8 | bytes[19]);
	EXPECT_EQ(machine, em_bpf);
}

TEST(XdpObjectBytes, AreTheBuiltObjectFile)
{
	const auto built = file_bytes(MCR_XDP_OBJECT_PATH);
	ASSERT_FALSE(built.empty()) << MCR_XDP_OBJECT_PATH;
	EXPECT_TRUE(same_bytes(built, xdp_object_bytes()));
}

TEST(XdpObjectFile, WriteLeavesOnlyTheObject)
{
	ScratchDir dir;
	ASSERT_FALSE(dir.path().empty());
	const std::string path = dir.path() + "/mcr_xdp.bpf.o";

	Status written = write_xdp_object(path);
	ASSERT_TRUE(written) << written.error().message;
	EXPECT_TRUE(same_bytes(file_bytes(path), xdp_object_bytes()));
	// Overwriting an existing file is the normal case on restart.
	ASSERT_TRUE(write_xdp_object(path));
	EXPECT_EQ(dir.entries(), std::vector<std::string>{"mcr_xdp.bpf.o"});
}

TEST(XdpObjectFile, WriteIntoMissingDirectorySaysWhere)
{
	const std::string path = "/nonexistent-mcr-dir/mcr_xdp.bpf.o";
	Status written = write_xdp_object(path);
	ASSERT_FALSE(written);
	EXPECT_EQ(written.error().code, -ENOENT);
	EXPECT_NE(written.error().message.find("/nonexistent-mcr-dir/"), std::string::npos)
		<< written.error().message;
}

// What DPDK 22.11's af_xdp PMD does with xdp_prog=: open the file, take
// its first program, look up "xsks_map" by name, load.
TEST(XdpObjectFile, LoadsTheWayTheAfXdpPmdDoes)
{
	ScratchDir dir;
	const std::string path = dir.path() + "/mcr_xdp.bpf.o";
	ASSERT_TRUE(write_xdp_object(path));

	bpf_object *object = bpf_object__open_file(path.c_str(), nullptr);
	ASSERT_NE(object, nullptr) << "bpf_object__open_file: " << -errno;

	int programs = 0;
	bpf_program *program = nullptr;
	bpf_object__for_each_program(program, object)
		++programs;
	EXPECT_EQ(programs, 1) << "the PMD attaches the first program only";

	bpf_map *xsks = bpf_object__find_map_by_name(object, MCR_XDP_XSKS_MAP_NAME);
	ASSERT_NE(xsks, nullptr);
	EXPECT_EQ(bpf_map__type(xsks), BPF_MAP_TYPE_XSKMAP);

	int err = bpf_object__load(object);
	if (err == -EPERM) {
		bpf_object__close(object);
		GTEST_SKIP() << "loading BPF needs root or CAP_BPF+CAP_NET_ADMIN";
	}
	EXPECT_EQ(err, 0);
	if (err == 0) {
		auto maps = xdp_maps_of_program(bpf_program__fd(bpf_object__next_program(object, nullptr)));
		EXPECT_TRUE(maps) << (maps ? "" : maps.error().message);
	}
	bpf_object__close(object);
}

} // namespace
} // namespace mcr::bpf::test
