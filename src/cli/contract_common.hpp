#pragma once
// What the `complexchain contract` subcommands share (cmd_contract.cpp, cmd_contract_store.cpp).
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli {

// The step limit `contract send` (and the store's buy) uses without --step-limit or --estimate.
inline constexpr uint64_t kSendStepLimitDefault = 10'000'000;

// Deploy content: ICON's contentType and the bytes.
struct Content {
  std::string type;
  Bytes bytes;
};

// PATH as deploy content: a folder is zipped, a .zip is sent as it is, anything else is one source.
Result<Content> read_content(const std::string& path);
// Sources (path, text) zipped in memory, sorted by path, so the same files give the same zip.
Result<Bytes> zip_sources(std::vector<std::pair<std::string, std::string>> files);
// --params JSON (an object), or null without it.
Result<boost::json::value> params_option(const Args& args);
// A tx that carries contract content: a deploy (install or update), or a publish to the ACORE Store.
enum class ContentTx { kInstall, kUpdate, kPublish };
// The steps such a tx needs, from the chain's own step costs (the chain contract's getStepCosts):
// the intrinsic cost, contractCreate or contractUpdate for a deploy, contractSet per content byte,
// plus room for on_install/on_update (or the store's writes), within the chain's maximum.
Result<Uint256> content_step_limit(RpcClient& client, const TxSpec& spec, ContentTx kind, size_t content_bytes);

// The ACORE Store's subcommands (cmd_contract_store.cpp).
int contract_publish(const Argv& argv);
int contract_list(const Argv& argv);
int contract_deploy_from_store(const Argv& argv);
// complexchain contract test DIR (cmd_contract_testing.cpp).
int contract_test(const Argv& argv);

}  // namespace cx::cli
