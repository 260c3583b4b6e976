#include "privileges.h"

#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
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
// Written before the signal goes out, read by every thread's handler.
unsigned kept[5] = {CAP_NET_ADMIN, CAP_BPF};
unsigned kept_count = 2;
// What opening a port again needs on top (--reopen-ports): AF_XDP and
// packet sockets, the UMEM pinned past RLIMIT_MEMLOCK, the PMD's XDP
// program opened by id (doc/service.md lists each for start-up).
constexpr unsigned reopen_caps[] = {CAP_NET_RAW, CAP_IPC_LOCK, CAP_SYS_ADMIN};

// What the signal asks of each thread.
enum Step : int {
	keep_caps_step, // PR_SET_KEEPCAPS before the user switch
	drop_step,      // bounding set, then permitted = effective = kept
};

__user_cap_data_struct wanted[_LINUX_CAPABILITY_U32S_3];
std::atomic<int> step{drop_step};
std::atomic<int> done{0};
std::atomic<int> failed{0};
// After a switch, each thread also checks it has the user's ids.
std::atomic<bool> check_ids{false};
uid_t wanted_uid = 0;
gid_t wanted_gid = 0;

bool is_kept(unsigned cap)
{
	for (unsigned i = 0; i < kept_count; i++)
		if (kept[i] == cap)
			return true;
	return false;
}

// Async-signal-safe from here to on_signal: prctl and raw syscalls only.
int keep_caps_in_this_thread()
{
	return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

int drop_in_this_thread()
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	// A uid switch from 0 empties the effective set (PR_SET_KEEPCAPS keeps
	// only the permitted one), and PR_CAPBSET_DROP needs CAP_SETPCAP:
	// raise the effective set to the permitted one first. Without a switch
	// this changes nothing.
	__user_cap_data_struct now[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &header, now) < 0)
		return -1;
	for (auto &d : now)
		d.effective = d.permitted;
	if (syscall(SYS_capset, &header, now) < 0)
		return -1;
	for (unsigned cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (syscall(SYS_capset, &header, wanted) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -1;
	if (check_ids.load()) {
		uid_t ru, eu, su;
		gid_t rg, eg, sg;
		if (syscall(SYS_getresuid, &ru, &eu, &su) < 0 || syscall(SYS_getresgid, &rg, &eg, &sg) < 0)
			return -1;
		if (ru != wanted_uid || eu != wanted_uid || su != wanted_uid || rg != wanted_gid ||
		    eg != wanted_gid || sg != wanted_gid)
			return -1;
	}
	return 0;
}

int step_in_this_thread()
{
	return step.load() == keep_caps_step ? keep_caps_in_this_thread() : drop_in_this_thread();
}

void on_signal(int)
{
	const int saved = errno;
	(step_in_this_thread() == 0 ? done : failed).fetch_add(1);
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

// Runs `s` in every thread: the others from the signal handler, then this
// one. Returns the number of threads, or -1 with *error ("WHAT in N of M
// threads ...").
int in_every_thread(Step s, const char *what, std::string *error)
{
	step.store(s);
	done.store(0);
	failed.store(0);
	const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
	int others = 0;
	for (pid_t tid : threads())
		if (tid != self && syscall(SYS_tgkill, getpid(), tid, drop_signal) == 0)
			others++;
	// Every thread answers within microseconds unless it blocks signals.
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
	while (done.load() + failed.load() < others && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	const int rc = step_in_this_thread();

	const int missing = others - done.load() - failed.load();
	if (rc < 0 || failed.load() != 0 || missing != 0) {
		*error = fmt::format("{} in {} of {} threads ({} failed, {} did not answer)", what,
				     done.load() + (rc == 0), others + 1, failed.load() + (rc < 0), missing);
		return -1;
	}
	return others + 1;
}

// Sets the user's groups, gid and uid. glibc applies each call to every
// thread of the process (its own setxid signal) or aborts the process if
// only some threads succeed.
int switch_user(const RunAs &user, std::string *error)
{
	const char *call = nullptr;
	if (setgroups(user.groups.size(), user.groups.empty() ? nullptr : user.groups.data()) < 0)
		call = "setgroups";
	else if (setresgid(user.gid, user.gid, user.gid) < 0)
		call = "setresgid";
	else if (setresuid(user.uid, user.uid, user.uid) < 0)
		call = "setresuid";
	if (call != nullptr) {
		const int err = errno;
		*error = fmt::format("cannot switch to user '{}' (uid {}, gid {}): {}: {}", user.name,
				     user.uid, user.gid, call, std::strerror(err));
		return -err;
	}
	wanted_uid = user.uid;
	wanted_gid = user.gid;
	check_ids.store(true);
	return 0;
}

} // namespace

RunAs lookup_user(const std::string &name)
{
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
	passwd pw{};
	passwd *found = nullptr;
	int rc;
	while ((rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE &&
	       buf.size() < (1u << 20))
		buf.resize(buf.size() * 2);
	if (found == nullptr) {
		// getpwnam_r(3): "not found" is 0 or, depending on the NSS module,
		// ENOENT, ESRCH, EBADF or EPERM.
		if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
			throw UnknownUser(fmt::format("--user: no such user '{}'", name));
		throw std::runtime_error(fmt::format("--user: cannot look up '{}': {}", name,
						     std::strerror(rc)));
	}

	RunAs user{name, pw.pw_uid, pw.pw_gid, {}};
	int count = 16;
	for (;;) {
		user.groups.resize(static_cast<size_t>(count));
		int got = count;
		if (getgrouplist(name.c_str(), pw.pw_gid, user.groups.data(), &got) >= 0) {
			user.groups.resize(static_cast<size_t>(got));
			break;
		}
		// got is the number needed (glibc); grow anyway if it is not.
		count = got > count ? got : count * 2;
	}
	return user;
}

int drop_privileges(const RunAs *user, bool reopen_ports, std::string *error)
{
	if (reopen_ports && kept_count == 2)
		for (unsigned cap : reopen_caps)
			kept[kept_count++] = cap;
	for (unsigned i = 0; i < kept_count; i++) {
		const unsigned cap = kept[i];
		wanted[cap / 32].permitted |= 1u << (cap % 32);
		wanted[cap / 32].effective |= 1u << (cap % 32);
	}
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	// Threads blocked in accept() or recvmsg() (telemetry, multi-process)
	// carry on; without SA_RESTART DPDK's telemetry thread quits on EINTR.
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(drop_signal, &sa, nullptr);

	// The order matters. Every thread sets PR_SET_KEEPCAPS while it still
	// is root, so that leaving uid 0 keeps its permitted set; then the ids
	// change (CAP_SETGID and CAP_SETUID are still there), process-wide;
	// then each thread raises its effective set again and drops to the
	// kept capabilities.
	if (user != nullptr) {
		if (in_every_thread(keep_caps_step, "PR_SET_KEEPCAPS set", error) < 0) {
			*error = fmt::format("cannot switch to user '{}': {}", user->name, *error);
			return -EPERM;
		}
		if (const int rc = switch_user(*user, error); rc < 0)
			return rc;
	}
	const int n = in_every_thread(drop_step, "capabilities dropped", error);
	if (n < 0)
		return -EPERM;
	if (user != nullptr)
		MCR_LOG(app, INFO, "running as user %s (uid %u, gid %u, %zu group(s)) in all %d threads",
			user->name.c_str(), user->uid, user->gid, user->groups.size(), n);
	MCR_LOG(app, INFO, "capabilities dropped in all %d threads; kept: %s", n,
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
