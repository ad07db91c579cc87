#!/usr/bin/env python3
"""Module layering lint (DESIGN.md §2): a module may include only modules to its left.
Also keeps the deterministic core free of sockets, threads, RocksDB and the HTTP library."""
import pathlib
import re
import sys

ORDER = ["base", "crypto", "codec", "core", "storage", "state", "contracts", "acore", "governance", "alpha",
         "execution",
         "mempool", "consensus", "p2p", "executor", "channel", "rpc", "node", "cli"]
DETERMINISTIC = {"codec", "core", "state", "contracts", "acore", "alpha", "governance", "execution", "consensus"}
FORBIDDEN_IN_CORE = [r"<boost/asio", r"<boost/beast", r"<rocksdb/", r"<thread>", r"<chrono>",
                     # processes, sockets and the sandbox belong to the runtime (src/executor for ACORE)
                     r"<unistd\.h>", r"<sys/socket\.h>", r"<sys/wait\.h>", r"<sys/prctl\.h>", r"<linux/seccomp\.h>",
                     r"<poll\.h>", r"<signal\.h>"]
# The channel core (ChannelCore and the deterministic pieces it and the simulator share) lives in the
# channel module beside its runtime; these files are held to the deterministic core's rules.
CHANNEL_CORE = {"core.hpp", "core.cpp", "core_proposals.cpp", "core_sync.cpp", "records.hpp", "records.cpp",
                "executor.hpp", "executor.cpp", "commit_writer.hpp", "commit_writer.cpp", "genesis.hpp",
                "genesis.cpp", "view.hpp", "rejections.hpp", "rejections.cpp", "chain_store.hpp",
                "chain_store.cpp", "wire.hpp", "wire.cpp"}
# What the channel core may not include beyond the rules above: the runtime's pieces, clocks and pools.
FORBIDDEN_IN_CHANNEL_CORE = [r"<mutex>", r"<condition_variable>", r"<shared_mutex>", r"<atomic>",
                             r"<future>", r'"base/clock.hpp"', r'"base/thread_pool.hpp"',
                             r'"channel/(channel|event_loop|commit_pipeline|gossip_intake|chain_reads|watchers)\.hpp"']
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def main(src: pathlib.Path) -> int:
    problems = []
    rank = {m: i for i, m in enumerate(ORDER)}
    for path in sorted(src.rglob("*.[ch]pp")):
        module = path.relative_to(src).parts[0]
        if module not in rank:
            problems.append(f"{path}: directory '{module}' is not a module listed in DESIGN.md §2")
            continue
        # Tests, and headers only tests include (*_test.hpp), may reach right of their module.
        is_test = path.name.endswith(("_test.cpp", "_test.hpp"))
        text = path.read_text(errors="replace")
        for m in INCLUDE.finditer(text):
            bracket, target = m.groups()
            if bracket == '"':
                other = target.split("/")[0]
                if other in rank and rank[other] > rank[module] and not is_test:
                    problems.append(f"{path}: includes \"{target}\" but {module} may not depend on {other}")
            if module in DETERMINISTIC and not is_test:
                for pat in FORBIDDEN_IN_CORE:
                    if re.match(pat, "<" + target):
                        problems.append(f"{path}: deterministic module {module} includes <{target}>")
            if module == "channel" and path.name in CHANNEL_CORE:
                spelled = f"<{target}>" if bracket == "<" else f'"{target}"'
                for pat in FORBIDDEN_IN_CORE + FORBIDDEN_IN_CHANNEL_CORE:
                    if re.match(pat, spelled):
                        problems.append(f"{path}: the channel core (deterministic) includes {spelled}")
    for name in sorted(CHANNEL_CORE):
        if not (src / "channel" / name).exists():
            problems.append(f"tests/lint/layering.py lists channel/{name} as channel core, but it does not exist")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
