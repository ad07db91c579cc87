#include "executor/sandbox.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace cx::executor {

namespace {

#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kArch = 0;
#endif

// What the executor does after it is locked down: socket I/O (read/recvfrom, write/sendto), memory
// (malloc's mmap family, brk), locks (futex), clocks that may miss the vDSO, and exiting, including
// abort()'s signal to itself.
const std::vector<long>& allowed_syscalls() {
  static const std::vector<long> calls = {
      SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_recvfrom, SYS_sendto, SYS_recvmsg, SYS_sendmsg,
      SYS_close, SYS_mmap, SYS_munmap, SYS_mremap, SYS_madvise, SYS_mprotect, SYS_brk, SYS_futex,
      SYS_clock_gettime, SYS_sched_yield, SYS_restart_syscall, SYS_rt_sigreturn,
      SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_getpid, SYS_gettid, SYS_tgkill, SYS_exit, SYS_exit_group,
      SYS_getrandom,
  };
  return calls;
}

bool write_file(const char* path, const std::string& text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

std::string failed(const char* what) { return std::string(what) + ": " + strerror(errno); }

}  // namespace

std::optional<std::string> enter_namespaces() {
  const uid_t uid = getuid();
  const gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) != 0) return failed("unshare");
  // Root in the new user namespace, only to mount and chroot inside it; nobody outside.
  if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
    return failed("user namespace id maps");
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return failed("mount --make-rprivate /");
  if (mount("none", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0500") != 0)
    return failed("mount an empty tmpfs");
  if (chroot("/tmp") != 0 || chdir("/") != 0) return failed("chroot to the empty tmpfs");
  return std::nullopt;
}

std::optional<std::string> install_syscall_filter() {
  if (kArch == 0) return "no seccomp filter for this architecture";
  std::vector<sock_filter> prog;
  prog.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0));
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  prog.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  for (long nr : allowed_syscalls()) {
    prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1));
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  }
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("PR_SET_NO_NEW_PRIVS: ") + strerror(errno);
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) return std::string("seccomp: ") + strerror(errno);
  return std::nullopt;
}

std::optional<std::string> enter_sandbox(int socket_fd) {
  if (socket_fd < 0) return "bad socket fd";
  if (socket_fd != kSandboxFd) {
    if (dup2(socket_fd, kSandboxFd) < 0) return std::string("dup2: ") + strerror(errno);
    close(socket_fd);
  }
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return std::string("/dev/null: ") + strerror(errno);
  if (dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0) return std::string("dup2: ") + strerror(errno);
  if (null_fd > kSandboxFd) close(null_fd);
  if (syscall(SYS_close_range, kSandboxFd + 1, ~0u, 0) != 0) return std::string("close_range: ") + strerror(errno);
  // Warm what would otherwise make its first system calls later: the unwinder (a contract's error is
  // a C++ exception somewhere below) and the allocator's arenas.
  try {
    throw std::runtime_error("warm-up");
  } catch (const std::exception&) {
  }
  if (auto why = enter_namespaces())
    std::fprintf(stderr, "complexchain executor %d: no namespaces (%s); confined by the seccomp filter alone\n",
                 static_cast<int>(getpid()), why->c_str());
  return install_syscall_filter();
}

}  // namespace cx::executor
