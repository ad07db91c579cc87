// complexchain tx: build, sign and send ICON v3 transactions.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <variant>

#include "base/clock.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"
#include "cli/tx_send.hpp"
#include "codec/icon_serialize.hpp"
#include "core/transaction.hpp"
#include "crypto/hash.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr const char* kTxUsage =
    "usage: complexchain tx <transfer|message|send-raw> [options]\n"
    "\n"
    "  transfer  send coin: --to ADDR --value AMOUNT [--unit icx|loop]\n"
    "  message   send a message tx: --to ADDR --data TEXT|0xHEX\n"
    "  send-raw  send a signed params JSON from FILE or - (stdin)\n"
    "\n"
    "Run 'complexchain tx <sub> --help' for options.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

std::vector<OptionSpec> send_options() {
  std::vector<OptionSpec> o{{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
                            {"wait", "", "wait until the tx is committed and print its result", ""},
                            {"wait-timeout", "SECONDS", "how long --wait waits", "60"},
                            {"json", "", "print JSON (the tx hash, and the result with --wait)", ""}};
  for (auto& a : client_auth_options()) o.push_back(std::move(a));
  return o;
}

std::vector<OptionSpec> signing_options() {
  auto o = send_options();
  o.insert(o.end(), {{"keystore", "FILE", "sign with this V3 keystore", ""},
                     {"key-file", "FILE", "sign with the hex private key in FILE (development only)", ""},
                     {"password-file", "FILE", "keystore password file", ""},
                     {"password-env", "VAR", "environment variable holding the keystore password", "CX_PASSWORD"},
                     {"nid", "NID", "network id (default: asked from the node with icx_getNetworkInfo)", ""},
                     {"step-limit", "STEPS", "step limit, decimal or 0x hex (default: 0x186a0 + input cost)", ""},
                     {"estimate", "", "ask the node's debug_estimateStep (on /api/v3d) for the step limit", ""},
                     {"nonce", "N", "optional nonce, decimal or 0x hex", ""}});
  return o;
}

std::optional<Uint256> parse_number(std::string_view s) {
  return s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
}

Result<std::chrono::milliseconds> wait_timeout(const Args& args) {
  auto s = parse_height(args.get_or("wait-timeout", "60"));
  if (!s || *s == 0 || *s > 24 * 3600) return Result<std::chrono::milliseconds>::error("--wait-timeout: expected 1..86400 seconds");
  return std::chrono::milliseconds(*s * 1000);
}

Result<RpcClient*> open_client(const Args& args, std::unique_ptr<RpcClient>& holder) {
  auto url = Url::parse(args.get_or("rpc", kDefaultRpcUrl));
  if (!url) return url.status();
  RpcClientOptions options;
  if (Status st = apply_client_auth_options(args, options); !st) return st;
  holder = std::make_unique<RpcClient>(*url, options);
  return holder.get();
}

// Sends and reports. Exit status 0 only when the node accepted the tx and, with --wait, it succeeded.
int send_and_report(RpcClient& client, const Args& args, const json::object& params, const std::string& hash) {
  auto timeout = wait_timeout(args);
  if (!timeout) return fail(timeout.message());
  bool wait = args.flag("wait");
  bool as_json = args.flag("json");
  RpcReply reply = send_tx(client, params, hash, wait, *timeout);
  if (!reply.ok()) {
    if (as_json) {
      std::printf("%s\n", pretty_json(json::object{{"txHash", hash},
                                                   {"error", {{"code", reply.error->code}, {"message", reply.error->message}}}})
                              .c_str());
    }
    return fail(reply.error->describe());
  }
  if (!wait) {
    // The node computes the hash from the same params; a different answer means the two disagree on
    // ICON serialization, which would make every later lookup by our hash fail.
    if (reply.result.is_string() && reply.result.get_string() != hash) {
      std::fprintf(stderr, "warning: node returned tx hash %s, we computed %s\n",
                   std::string(reply.result.get_string()).c_str(), hash.c_str());
    }
    if (as_json) std::printf("%s\n", pretty_json(json::object{{"txHash", hash}}).c_str());
    else std::printf("%s\n", hash.c_str());
    return 0;
  }
  const json::object* result = reply.result.if_object();
  if (!result) return fail("node returned a result that is not an object: " + json::serialize(reply.result));
  const json::value* status = result->if_contains("status");
  bool success = status && status->is_string() && status->get_string() == "0x1";
  if (as_json) {
    std::printf("%s\n", pretty_json(json::object{{"txHash", hash}, {"result", *result}}).c_str());
  } else {
    std::printf("tx:      %s\n", hash.c_str());
    std::printf("status:  %s\n", success ? "success" : "failure");
    if (auto h = json_u64(result->if_contains("blockHeight"))) std::printf("height:  %llu\n", static_cast<unsigned long long>(*h));
    if (auto s = json_u64(result->if_contains("stepUsed"))) std::printf("steps:   %llu\n", static_cast<unsigned long long>(*s));
    if (const json::value* a = result->if_contains("scoreAddress"); a && a->is_string())
      std::printf("score:   %s\n", std::string(a->get_string()).c_str());
    if (const json::value* f = result->if_contains("failure"); f && f->is_object()) {
      std::printf("failure: %s\n", json::serialize(*f).c_str());
    }
  }
  return success ? 0 : 1;
}

// The params debug_estimateStep expects: the tx without stepLimit and signature (goloop).
Result<Uint256> estimate_steps(const Url& api_url, json::object params) {
  params.erase("stepLimit");
  params.erase("signature");
  RpcClient debug(debug_url(api_url));
  RpcReply r = debug.call("debug_estimateStep", params);
  if (!r.ok()) return Result<Uint256>::error("debug_estimateStep at " + debug.url().to_string() + ": " + r.error->describe());
  auto steps = r.result.is_string() ? Uint256::from_icon_hex(r.result.get_string()) : std::nullopt;
  if (!steps) return Result<Uint256>::error("debug_estimateStep returned " + json::serialize(r.result));
  return *steps;
}

// Fills nid, nonce and step limit from the options and signs; `client` answers --nid and --estimate.
Result<SignedTx> sign_with_options(const Args& args, RpcClient& client, const Signer& signer, TxSpec spec) {
  if (auto nid = args.get("nid")) {
    auto v = parse_number(*nid);
    if (!v || !v->fits_u64()) return Result<SignedTx>::error("--nid '" + *nid + "' is not a number");
    spec.nid = v->low_u64();
  } else {
    auto fetched = fetch_nid(client);
    if (!fetched) return fetched.status();
    spec.nid = *fetched;
  }
  if (auto n = args.get("nonce")) {
    auto v = parse_number(*n);
    if (!v) return Result<SignedTx>::error("--nonce '" + *n + "' is not a number");
    spec.nonce = *v;
  }
  if (auto s = args.get("step-limit")) {
    if (args.flag("estimate")) return Result<SignedTx>::error("give --step-limit or --estimate, not both");
    auto v = parse_number(*s);
    if (!v || v->is_zero()) return Result<SignedTx>::error("--step-limit '" + *s + "' is not a positive number");
    spec.step_limit = *v;
  }
  spec.timestamp_us = cx::system_clock().now_us();
  if (args.flag("estimate")) {
    auto steps = estimate_steps(client.url(), unsigned_tx_params(spec, signer.address));
    if (!steps) return steps.status();
    spec.step_limit = *steps;
  }
  SignedTx tx = build_signed_tx(spec, signer.key);
  // Catch a disagreement with the node's parser here, where it can be reported as our bug.
  auto parsed = core::parse_transaction(tx.params);
  if (auto* rej = std::get_if<core::TxRejection>(&parsed)) return Result<SignedTx>::error("built an invalid tx: " + rej->detail);
  return tx;
}

// Shared by transfer and message: everything after the command-specific fields are known.
int sign_and_send(const Args& args, TxSpec spec) {
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::unique_ptr<RpcClient> holder;
  auto client = open_client(args, holder);
  if (!client) return fail(client.message());
  auto tx = sign_with_options(args, **client, *signer, std::move(spec));
  if (!tx) return fail(tx.message());
  return send_and_report(**client, args, tx->params, tx->hash_hex());
}

Result<crypto::Address> parse_to(const Args& args) {
  auto to = args.get("to");
  if (!to) return Result<crypto::Address>::error("--to ADDR is required");
  auto addr = crypto::Address::parse(*to);
  if (!addr) return Result<crypto::Address>::error("--to '" + *to + "' is not an hx/cx address (hx + 40 lower-case hex)");
  return *addr;
}

int tx_transfer(const Argv& argv) {
  auto options = signing_options();
  options.insert(options.begin(), {{"to", "ADDR", "recipient (hx… or cx…)", ""},
                                   {"value", "AMOUNT", "amount: ICX with up to 18 decimals, or loop with --unit loop, or 0x hex loop", ""},
                                   {"unit", "UNIT", "unit of --value: icx or loop", "icx"}});
  Args args("complexchain tx transfer --to ADDR --value AMOUNT [options]", "Transfer coin to an address.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");
  TxSpec spec;
  auto to = parse_to(args);
  if (!to) return fail(to.message());
  spec.to = *to;
  auto value_text = args.get("value");
  if (!value_text) return fail("--value AMOUNT is required");
  std::string unit = args.get_or("unit", "icx");
  if (unit != "icx" && unit != "loop") return fail("--unit '" + unit + "': expected icx or loop");
  auto value = parse_amount(*value_text, unit == "icx" ? AmountUnit::kIcx : AmountUnit::kLoop);
  if (!value) return fail(value.message());
  spec.value = *value;
  return sign_and_send(args, std::move(spec));
}

int tx_message(const Argv& argv) {
  auto options = signing_options();
  options.insert(options.begin(), {{"to", "ADDR", "recipient (hx… or cx…)", ""},
                                   {"data", "TEXT|0xHEX", "the message: text (sent as its UTF-8 bytes) or 0x hex bytes", ""}});
  Args args("complexchain tx message --to ADDR --data TEXT|0xHEX [options]",
            "Send a message transaction (dataType \"message\").", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");
  TxSpec spec;
  auto to = parse_to(args);
  if (!to) return fail(to.message());
  spec.to = *to;
  auto text = args.get("data");
  if (!text) return fail("--data TEXT|0xHEX is required");
  auto data = message_data(*text);
  if (!data) return fail(data.message());
  spec.data_type = "message";
  spec.data = json::string(*data);
  return sign_and_send(args, std::move(spec));
}

int tx_send_raw(const Argv& argv) {
  auto options = send_options();
  options.push_back({"no-check", "", "send even if the tx fails the local shape/signature check", ""});
  Args args("complexchain tx send-raw FILE|- [options]",
            "Send an already signed tx: the icx_sendTransaction params object (or a whole JSON-RPC request) "
            "from FILE, or from stdin with -.",
            options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("tx send-raw needs exactly one FILE (or - for stdin)");
  auto text = read_text_file(args.positionals().front());
  if (!text) return fail(text.message());
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return fail(args.positionals().front() + ": invalid JSON: " + ec.message());
  if (v.is_object() && v.get_object().contains("method") && v.get_object().contains("params")) v = v.at("params");
  if (!v.is_object()) return fail(args.positionals().front() + ": expected a JSON object of tx params");
  const json::object& params = v.get_object();
  std::string hash;
  if (args.flag("no-check")) {
    hash = "0x" + crypto::sha3_256(as_bytes(codec::icon_tx_serialization(params))).hex();
  } else {
    auto parsed = core::parse_transaction(params);
    if (auto* rej = std::get_if<core::TxRejection>(&parsed)) {
      return fail(std::string(core::to_string(rej->reason)) + ": " + rej->detail + " (send anyway with --no-check)");
    }
    const auto& tx = std::get<core::Transaction>(parsed);
    if (auto rej = core::verify_signature(tx)) {
      return fail(std::string(core::to_string(rej->reason)) + ": " + rej->detail + " (send anyway with --no-check)");
    }
    hash = "0x" + tx.hash.hex();
  }
  std::unique_ptr<RpcClient> holder;
  auto client = open_client(args, holder);
  if (!client) return fail(client.message());
  return send_and_report(**client, args, params, hash);
}

}  // namespace

std::vector<OptionSpec> tx_signing_options() { return signing_options(); }
int tx_sign_and_send(const Args& args, TxSpec spec) { return sign_and_send(args, std::move(spec)); }
Result<RpcClient*> tx_open_client(const Args& args, std::unique_ptr<RpcClient>& holder) { return open_client(args, holder); }
Result<SignedTx> tx_sign(const Args& args, RpcClient& client, const Signer& signer, TxSpec spec) {
  return sign_with_options(args, client, signer, std::move(spec));
}
Result<std::chrono::milliseconds> tx_wait_timeout(const Args& args) { return wait_timeout(args); }

int cmd_tx(const Argv& argv) {
  return run_subcommand("tx", kTxUsage, argv, {
      {"transfer", tx_transfer},
      {"message", tx_message},
      {"send-raw", tx_send_raw},
  });
}

}  // namespace cx::cli
