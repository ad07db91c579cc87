// complexchain: one binary for the node, the local network, the wallet and the tools.
#include <cstdio>
#include <string>
#include <string_view>

#include <cstdlib>

#include "cli/commands.hpp"
#include "executor/server.hpp"

namespace {
constexpr const char* kUsage =
    "usage: complexchain <command> [options]\n"
    "\n"
    "node:\n"
    "  init       create a node directory: node key and a genesis for a new channel\n"
    "  start      run a node from its directory\n"
    "  localnet   run a local network with funded development accounts\n"
    "  status     a node's height, peers, sync lag and health (exit status for probes)\n"
    "wallet and client:\n"
    "  ks         keystores: gen | show | inspect\n"
    "  tx         transactions: transfer | message | send-raw\n"
    "  query      read the chain: balance | block | tx | result\n"
    "  message    confidential messages sealed to recipients' keys: send | read | encrypt | decrypt\n"
    "  bench      load generator: pre-signed transfers over JSON-RPC\n"
    "contracts:\n"
    "  contract   Lua contracts: deploy | update | call | send | api | status | test\n"
    "  alpha      Alpha Contract templates: template check\n"
    "membership:\n"
    "  ca, cert   the chain as certificate authority: request | issue | revoke | report-pin | suspend | reset |\n"
    "             status | verify\n"
    "\n"
    "Run 'complexchain <command> --help' for a command's options.\n";
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  cx::cli::Argv rest(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::puts("complexchain 0.1.0");
    return 0;
  }
  // Hidden: the ACORE executor a node starts for its Lua contracts (docs/executor.md).
  if (cmd == "executor") {
    if (argc != 4 || std::string_view(argv[2]) != "--fd") {
      std::fprintf(stderr, "usage: complexchain executor --fd N (started by a node)\n");
      return 2;
    }
    char* end = nullptr;
    const long fd = std::strtol(argv[3], &end, 10);
    if (*end != '\0' || fd < 0 || fd > 65535) {
      std::fprintf(stderr, "complexchain executor: bad fd %s\n", argv[3]);
      return 2;
    }
    return cx::executor::run_executor(static_cast<int>(fd));
  }
  if (cmd == "init") return cx::cli::cmd_init(rest);
  if (cmd == "start") return cx::cli::cmd_start(rest);
  if (cmd == "localnet") return cx::cli::cmd_localnet(rest);
  if (cmd == "ks") return cx::cli::cmd_ks(rest);
  if (cmd == "tx") return cx::cli::cmd_tx(rest);
  if (cmd == "query") return cx::cli::cmd_query(rest);
  if (cmd == "bench") return cx::cli::cmd_bench(rest);
  if (cmd == "contract") return cx::cli::cmd_contract(rest);
  if (cmd == "alpha") return cx::cli::cmd_alpha(rest);
  if (cmd == "status") return cx::cli::cmd_status(rest);
  if (cmd == "ca" || cmd == "cert") return cx::cli::cmd_ca(rest);  // `cert`: issue 13's name for it
  if (cmd == "message") return cx::cli::cmd_message(rest);
  std::fprintf(stderr, "complexchain: unknown command '%.*s'\n\n%s", static_cast<int>(cmd.size()), cmd.data(), kUsage);
  return 2;
}
