#pragma once
// One function per top-level subcommand; argv excludes the program and subcommand names.
#include <string>
#include <vector>

namespace cx::cli {

using Argv = std::vector<std::string>;

int cmd_init(const Argv& argv);      // cmd_node.cpp
int cmd_start(const Argv& argv);     // cmd_node.cpp
int cmd_localnet(const Argv& argv);  // cmd_node.cpp
int cmd_ks(const Argv& argv);        // cmd_ks.cpp
int cmd_tx(const Argv& argv);        // cmd_tx.cpp
int cmd_query(const Argv& argv);     // cmd_query.cpp
int cmd_bench(const Argv& argv);     // cmd_bench.cpp
int cmd_contract(const Argv& argv);  // cmd_contract.cpp
int cmd_alpha(const Argv& argv);     // cmd_alpha.cpp
int cmd_status(const Argv& argv);    // cmd_status.cpp
int cmd_ca(const Argv& argv);        // cmd_ca.cpp
int ca_bench(const Argv& argv);      // ca_bench.cpp (`ca bench`)
int cmd_message(const Argv& argv);   // cmd_message.cpp

}  // namespace cx::cli
