// The engine tests need EAL (rte_hash, mempools, net_pcap vdevs) up before
// the first test and down after the last, so this executable has its own
// main instead of gtest_main. EAL runs on one lcore without hugepages and
// with a file prefix of its own, so the tests run beside anything else.
#include <unistd.h>

#include <rte_eal.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
	// gtest first: it removes its own flags, and EAL sees only ours.
	::testing::InitGoogleTest(&argc, argv);

	std::vector<std::string> eal_args = {
		argv[0], "-l", "0", "--no-huge", "-m", "256", "--no-pci",
		"--file-prefix", "mcr-engine-test-" + std::to_string(getpid()),
		"--log-level", "lib.eal:error",
	};
	std::vector<char *> eal_argv;
	for (std::string &a : eal_args)
		eal_argv.push_back(a.data());
	if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
		std::fprintf(stderr, "test-engine: rte_eal_init failed\n");
		return 1;
	}
	const std::string runtime_dir = rte_eal_get_runtime_dir();

	const int rc = RUN_ALL_TESTS();

	rte_eal_cleanup();
	// The prefix is ours alone: leave no runtime directory behind.
	std::error_code ignored;
	std::filesystem::remove_all(runtime_dir, ignored);
	return rc;
}
