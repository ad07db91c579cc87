// complexchain query: read balances, blocks, txs and receipts over JSON-RPC v3.
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"
#include "node/config.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr const char* kQueryUsage =
    "usage: complexchain query <balance|block|tx|result> [options]\n"
    "\n"
    "  balance ADDR [--height N]         balance of an address\n"
    "  block [HEIGHT|0xHASH|latest]      a block (default: latest)\n"
    "  tx 0xHASH                         a transaction\n"
    "  result 0xHASH                     a transaction's result (receipt)\n"
    "\n"
    "Add --json for the node's JSON; run 'complexchain query <sub> --help' for options.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

std::vector<OptionSpec> with_common(std::vector<OptionSpec> o) {
  o.push_back({"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl});
  o.push_back({"json", "", "print the node's JSON result", ""});
  for (auto& a : client_auth_options()) o.push_back(std::move(a));
  return o;
}

bool is_tx_hash(std::string_view s) { return s.size() == 66 && Hash32::from_hex_string(s).has_value(); }

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return "";
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

// ICON timestamps are µs since the epoch; show them as UTC for people.
std::string utc_time(std::optional<uint64_t> us) {
  if (!us) return "?";
  std::time_t secs = static_cast<std::time_t>(*us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06llu UTC", static_cast<unsigned long long>(*us % 1'000'000));
  return std::string(buf) + frac;
}

std::string value_text(const std::string& hex) {
  auto v = Uint256::from_icon_hex(hex);
  if (!v) return hex;
  return format_icx(*v) + " ICX (" + v->to_dec() + " loop)";
}

// Runs one call and prints either the raw JSON (--json) or what `print_text` makes of it.
template <typename PrintText>
int run(const Args& args, std::string_view method, json::value params, PrintText print_text) {
  auto url = Url::parse(args.get_or("rpc", kDefaultRpcUrl));
  if (!url) return fail(url.message());
  RpcClientOptions options;
  if (Status st = apply_client_auth_options(args, options); !st) return fail(st.message());
  RpcClient client(*url, options);
  RpcReply r = client.call(method, std::move(params));
  if (!r.ok()) return fail(r.error->describe());
  if (args.flag("json")) {
    std::printf("%s\n", pretty_json(r.result).c_str());
    return 0;
  }
  return print_text(r.result);
}

int query_balance(const Argv& argv) {
  Args args("complexchain query balance ADDR [--height N]", "Print the balance of an address.",
            with_common({{"height", "N", "balance at this height (decimal or 0x hex; default: latest)", ""}}));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("query balance needs exactly one ADDR");
  const std::string& addr = args.positionals().front();
  if (!crypto::Address::parse(addr)) return fail("'" + addr + "' is not an hx/cx address");
  json::object params{{"address", addr}};
  if (auto h = args.get("height")) {
    auto height = parse_height(*h);
    if (!height) return fail("--height '" + *h + "' is not a height");
    params["height"] = Uint256(*height).to_icon_hex();
  }
  return run(args, "icx_getBalance", params, [](const json::value& result) {
    if (!result.is_string()) return fail("unexpected balance " + json::serialize(result));
    std::printf("%s\n", value_text(std::string(result.get_string())).c_str());
    return 0;
  });
}

int print_block(const json::value& result) {
  const json::object* b = result.if_object();
  if (!b) return fail("unexpected block " + json::serialize(result));
  std::printf("height:     %s\n", str(*b, "height").c_str());
  std::printf("hash:       0x%s\n", str(*b, "block_hash").c_str());
  std::printf("parent:     0x%s\n", str(*b, "prev_block_hash").c_str());
  std::printf("time:       %s\n", utc_time(json_u64(b->if_contains("time_stamp"))).c_str());
  std::printf("proposer:   %s\n", str(*b, "peer_id").c_str());
  std::printf("tx root:    0x%s\n", str(*b, "merkle_tree_root_hash").c_str());
  const json::value* txs = b->if_contains("confirmed_transaction_list");
  size_t n = txs && txs->is_array() ? txs->get_array().size() : 0;
  std::printf("txs:        %zu\n", n);
  if (n == 0) return 0;
  for (const json::value& t : txs->get_array()) {
    const json::object* o = t.if_object();
    if (!o) continue;
    std::string hash = str(*o, "txHash");
    if (hash.empty()) hash = str(*o, "tx_hash");
    std::string line = "  " + hash;
    if (o->contains("from")) line += "  " + str(*o, "from") + " -> " + str(*o, "to");
    if (o->contains("value")) line += "  " + format_icx(Uint256::from_icon_hex(str(*o, "value")).value_or(0)) + " ICX";
    if (o->contains("dataType")) line += "  [" + str(*o, "dataType") + "]";
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

int query_block(const Argv& argv) {
  Args args("complexchain query block [HEIGHT|0xHASH|latest]", "Print a block (default: the latest).", with_common({}));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() > 1) return fail("query block takes at most one HEIGHT, 0xHASH or latest");
  std::string which = args.positionals().empty() ? "latest" : args.positionals().front();
  if (which == "latest") return run(args, "icx_getLastBlock", nullptr, print_block);
  if (is_tx_hash(which)) return run(args, "icx_getBlockByHash", json::object{{"hash", which}}, print_block);
  auto height = parse_height(which);
  if (!height) return fail("'" + which + "' is neither a height, a 0x block hash (64 hex digits), nor latest");
  return run(args, "icx_getBlockByHeight", json::object{{"height", Uint256(*height).to_icon_hex()}}, print_block);
}

int query_tx(const Argv& argv) {
  Args args("complexchain query tx 0xHASH", "Print a transaction.", with_common({}));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1 || !is_tx_hash(args.positionals().front()))
    return fail("query tx needs one tx hash: 0x followed by 64 hex digits");
  return run(args, "icx_getTransactionByHash", json::object{{"txHash", args.positionals().front()}},
             [](const json::value& result) {
               const json::object* t = result.if_object();
               if (!t) return fail("unexpected tx " + json::serialize(result));
               std::printf("hash:       %s\n", str(*t, "txHash").c_str());
               std::printf("from:       %s\n", str(*t, "from").c_str());
               std::printf("to:         %s\n", str(*t, "to").c_str());
               std::printf("value:      %s\n", value_text(t->contains("value") ? str(*t, "value") : "0x0").c_str());
               std::printf("step limit: %s\n", str(*t, "stepLimit").c_str());
               std::printf("nid:        %s\n", str(*t, "nid").c_str());
               std::printf("time:       %s\n", utc_time(json_u64(t->if_contains("timestamp"))).c_str());
               if (t->contains("nonce")) std::printf("nonce:      %s\n", str(*t, "nonce").c_str());
               if (t->contains("dataType")) std::printf("data type:  %s\n", str(*t, "dataType").c_str());
               if (t->contains("data")) std::printf("data:       %s\n", str(*t, "data").c_str());
               if (t->contains("blockHeight"))
                 std::printf("block:      %llu (%s), index %s\n",
                             static_cast<unsigned long long>(json_u64(t->if_contains("blockHeight")).value_or(0)),
                             str(*t, "blockHash").c_str(), str(*t, "txIndex").c_str());
               else
                 std::printf("block:      (not in a block yet)\n");
               return 0;
             });
}

int query_result(const Argv& argv) {
  Args args("complexchain query result 0xHASH", "Print a transaction's result (receipt).", with_common({}));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1 || !is_tx_hash(args.positionals().front()))
    return fail("query result needs one tx hash: 0x followed by 64 hex digits");
  return run(args, "icx_getTransactionResult", json::object{{"txHash", args.positionals().front()}},
             [](const json::value& result) {
               const json::object* r = result.if_object();
               if (!r) return fail("unexpected result " + json::serialize(result));
               bool success = str(*r, "status") == "0x1";
               std::printf("tx:         %s\n", str(*r, "txHash").c_str());
               std::printf("status:     %s (%s)\n", str(*r, "status").c_str(), success ? "success" : "failure");
               std::printf("block:      %llu (%s)\n",
                           static_cast<unsigned long long>(json_u64(r->if_contains("blockHeight")).value_or(0)),
                           str(*r, "blockHash").c_str());
               std::printf("step used:  %llu\n",
                           static_cast<unsigned long long>(json_u64(r->if_contains("stepUsed")).value_or(0)));
               if (r->contains("stepPrice")) std::printf("step price: %s\n", value_text(str(*r, "stepPrice")).c_str());
               if (r->contains("scoreAddress") && !r->at("scoreAddress").is_null())
                 std::printf("contract:   %s\n", str(*r, "scoreAddress").c_str());
               if (const json::value* logs = r->if_contains("eventLogs"); logs && logs->is_array()) {
                 std::printf("events:     %zu\n", logs->get_array().size());
                 for (const json::value& e : logs->get_array()) std::printf("  %s\n", json::serialize(e).c_str());
               }
               if (const json::value* f = r->if_contains("failure"); f && f->is_object())
                 std::printf("failure:    %s\n", json::serialize(*f).c_str());
               // The query itself succeeded; a failed tx is data, not an error of this command.
               return 0;
             });
}

}  // namespace

int cmd_query(const Argv& argv) {
  return run_subcommand("query", kQueryUsage, argv, {
      {"balance", query_balance},
      {"block", query_block},
      {"tx", query_tx},
      {"result", query_result},
  });
}

}  // namespace cx::cli
