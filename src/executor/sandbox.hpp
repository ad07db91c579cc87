#pragma once
// Least privilege for an executor process (docs/executor.md "Sandbox"): it keeps only its socket to
// the node (moved to kSandboxFd) and stderr; stdin and stdout become /dev/null; every other fd is
// closed; new namespaces where the kernel allows them (enter_namespaces); PR_SET_NO_NEW_PRIVS; then a seccomp filter allows only the system calls that reading and
// writing the socket, allocating memory and dying need. Any other call (open, socket, connect,
// execve, fork, ...) kills the process (SIGSYS), and the node restarts it.
//
// The filter is a plain BPF program for x86-64 and aarch64 (no libseccomp needed); on another
// architecture enter_sandbox refuses to run.
#include <optional>
#include <string>

namespace cx::executor {

inline constexpr int kSandboxFd = 3;

// Locks this process down; nullopt on success, else what failed (the process must not go on).
std::optional<std::string> enter_sandbox(int socket_fd);

// Namespaces, where the kernel lets an unprivileged process make them: new user, mount, network and
// IPC namespaces, and the root moved to an empty read-only tmpfs, so no file of the host is visible
// and no network interface but a down loopback exists. nullopt on success, else why not (enter_sandbox
// then says so on stderr and goes on with the seccomp filter alone). Must run single-threaded.
std::optional<std::string> enter_namespaces();

// Only the seccomp filter (and PR_SET_NO_NEW_PRIVS), for tests.
std::optional<std::string> install_syscall_filter();

}  // namespace cx::executor
