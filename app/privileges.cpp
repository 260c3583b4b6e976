#include "privileges.h"

#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/log.h"

namespace mcr::app {

namespace {

// Capabilities are per thread, and EAL has started its threads (workers,
// interrupts, telemetry, multi-process) long before the ports are up. So
// every thread drops them itself, in a signal handler: what libcap's psx
// does, without wrapping pthread_create (DPDK creates its threads inside
// its own libraries).
const int drop_signal = SIGRTMIN + 7;
constexpr unsigned kept[] = {CAP_NET_ADMIN, CAP_BPF};

__user_cap_data_struct wanted[_LINUX_CAPABILITY_U32S_3];
std::atomic<int> dropped{0};
std::atomic<int> failed{0};

bool is_kept(unsigned cap)
{
	for (unsigned k : kept)
		if (k == cap)
			return true;
	return false;
}

// Async-signal-safe: prctl and capset syscalls only.
int drop_in_this_thread()
{
	for (unsigned cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	return static_cast<int>(syscall(SYS_capset, &header, wanted));
}

void on_drop_signal(int)
{
	const int saved = errno;
	(drop_in_this_thread() == 0 ? dropped : failed).fetch_add(1);
	errno = saved;
}

std::vector<pid_t> threads()
{
	std::vector<pid_t> tids;
	DIR *dir = opendir("/proc/self/task");
	if (dir == nullptr)
		return tids;
	while (const dirent *e = readdir(dir))
		if (e->d_name[0] != '.')
			tids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
	closedir(dir);
	return tids;
}

} // namespace

int drop_privileges(std::string *error)
{
	for (unsigned cap : kept) {
		wanted[cap / 32].permitted |= 1u << (cap % 32);
		wanted[cap / 32].effective |= 1u << (cap % 32);
	}
	struct sigaction sa {};
	sa.sa_handler = on_drop_signal;
	// Threads blocked in accept() or recvmsg() (telemetry, multi-process)
	// carry on; without SA_RESTART DPDK's telemetry thread quits on EINTR.
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(drop_signal, &sa, nullptr);

	const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
	int others = 0;
	for (pid_t tid : threads())
		if (tid != self && syscall(SYS_tgkill, getpid(), tid, drop_signal) == 0)
			others++;
	// Every thread answers within microseconds unless it blocks signals.
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
	while (dropped.load() + failed.load() < others && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	const int rc = drop_in_this_thread();

	const int missing = others - dropped.load() - failed.load();
	if (rc < 0 || failed.load() != 0 || missing != 0) {
		*error = fmt::format("capabilities dropped in {} of {} threads ({} failed, {} did not "
				     "answer)", dropped.load() + (rc == 0), others + 1, failed.load() + (rc < 0),
				     missing);
		return -EPERM;
	}
	MCR_LOG(app, INFO, "capabilities dropped in all %d threads; kept: %s", others + 1,
		effective_capabilities().c_str());
	return 0;
}

std::string effective_capabilities()
{
	cap_t current = cap_get_proc();
	if (current == nullptr)
		return "?";
	char *text = cap_to_text(current, nullptr);
	std::string out = text != nullptr ? text : "?";
	cap_free(text);
	cap_free(current);
	return out;
}

} // namespace mcr::app
