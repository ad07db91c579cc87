// complexchain contract: deploy, update and drive Lua contracts (docs/acore.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <boost/json.hpp>
#include <zip.h>

#include "cli/commands.hpp"
#include "cli/contract_common.hpp"
#include "cli/tx_send.hpp"
#include "contracts/native.hpp"

namespace cx::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

constexpr const char* kContractUsage =
    "usage: complexchain contract <deploy|update|call|send|api|status|publish|list|deploy-from-store|test> [options]\n"
    "\n"
    "  deploy  install a contract: deploy PATH (main.lua, a .zip, or a folder with main.lua)\n"
    "  update  replace a contract's code, keeping its address and state: update ADDR PATH\n"
    "  call    read-only call (icx_call): call ADDR METHOD [--params JSON]\n"
    "  send    call in a tx: send ADDR METHOD [--params JSON] [--value AMOUNT]\n"
    "  api     the contract's API (icx_getScoreApi): api ADDR\n"
    "  status  owner, current and next version (icx_getScoreStatus): status ADDR\n"
    "  publish            list a contract in the ACORE Store: publish PATH --name N --version V\n"
    "  list               the store's templates, or the versions of one: list [NAME [VERSION]]\n"
    "  deploy-from-store  deploy a published version, its code hash checked: deploy-from-store NAME VERSION\n"
    "  test    run a contract's Lua tests on a private chain in memory: test DIR [--filter NAME] [--json]\n"
    "\n"
    "Run 'complexchain contract <sub> --help' for options.\n";

// Steps on top of the code's own cost that a deploy's step limit leaves for on_install/on_update.
constexpr uint64_t kHookStepsAllowance = 50'000'000;


struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};

// A contract's test scripts (`complexchain contract test`): tests/… and *_test.lua, left out of its package.
bool is_test_file(const fs::path& relative) {
  return relative.begin()->string() == "tests" || relative.filename().string().ends_with("_test.lua");
}

// The .lua files under `dir` but its tests, zipped in memory with paths relative to it.
Result<Bytes> zip_folder(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".lua") continue;
    const fs::path relative = fs::relative(it->path(), dir);
    if (is_test_file(relative)) continue;
    auto text = read_text_file(it->path().string());
    if (!text) return text.status();
    files.emplace_back(relative.generic_string(), std::move(*text));
  }
  if (ec) return Result<Bytes>::error(dir.string() + ": " + ec.message());
  auto zip = zip_sources(std::move(files));
  if (!zip) return Result<Bytes>::error("cannot zip " + dir.string() + ": " + zip.message());
  return zip;
}

}  // namespace

Result<Bytes> zip_sources(std::vector<std::pair<std::string, std::string>> files) {
  std::sort(files.begin(), files.end());
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(out);
  std::unique_ptr<zip_t, ZipDiscard> zip(zip_open_from_source(out, ZIP_TRUNCATE, &error));
  if (!zip) return Result<Bytes>::error("cannot create a zip in memory");
  for (const auto& [name, text] : files) {
    zip_source_t* src = zip_source_buffer(zip.get(), text.data(), text.size(), 0);
    if (!src || zip_file_add(zip.get(), name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      zip_source_free(src);
      return Result<Bytes>::error("cannot add " + name + " to the zip");
    }
  }
  const bool closed = zip_close(zip.get()) == 0;
  if (closed) (void)zip.release();
  Bytes bytes;
  zip_stat_t st;
  if (closed && zip_source_stat(out, &st) == 0 && zip_source_open(out) == 0) {
    bytes.resize(st.size);
    const zip_int64_t n = zip_source_read(out, bytes.data(), bytes.size());
    zip_source_close(out);
    if (n != static_cast<zip_int64_t>(st.size)) bytes.clear();
  }
  zip_source_free(out);
  if (bytes.empty()) return Result<Bytes>::error("the zip came out empty");
  return bytes;
}

// PATH as deploy content: a folder is zipped, a .zip is sent as it is, anything else is one source.
Result<Content> read_content(const std::string& path) {
  if (fs::is_directory(path)) {
    auto zip = zip_folder(path);
    if (!zip) return zip.status();
    return Content{"application/zip", std::move(*zip)};
  }
  auto text = read_text_file(path);
  if (!text) return text.status();
  const bool is_zip = fs::path(path).extension() == ".zip";
  return Content{is_zip ? "application/zip" : "application/x-lua", Bytes(text->begin(), text->end())};
}

Result<json::value> params_option(const Args& args) {
  auto text = args.get("params");
  if (!text) return json::value(nullptr);
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return Result<json::value>::error("--params must be a JSON object, e.g. '{\"name\":\"0x1\"}'");
  return v;
}

namespace {

Result<crypto::Address> address_arg(const std::string& text) {
  auto a = crypto::Address::parse(text);
  if (!a || !a->is_contract) return Result<crypto::Address>::error("'" + text + "' is not a contract address (cx + 40 lower-case hex)");
  return *a;
}

uint64_t cost_of(const json::object& costs, std::string_view name) {
  const json::value* v = costs.if_contains(name);
  auto n = v && v->is_string() ? Uint256::from_icon_hex(v->get_string()) : std::nullopt;
  return n && n->fits_u64() ? n->low_u64() : 0;
}

}  // namespace

Result<Uint256> content_step_limit(RpcClient& client, const TxSpec& spec, ContentTx kind, size_t content_bytes) {
  auto ask = [&](std::string_view method) {
    return client.call("icx_call", json::object{{"to", contracts::chain_contract_address().to_string()},
                                                {"dataType", "call"},
                                                {"data", {{"method", method}}}});
  };
  RpcReply costs = ask("getStepCosts"), max = ask("getMaxStepLimit");
  if (!costs.ok() || !costs.result.is_object()) return Result<Uint256>::error("getStepCosts: " + (costs.ok() ? "not an object" : costs.error->describe()));
  const json::object& c = costs.result.get_object();
  const Uint256 intrinsic = intrinsic_step_limit(unsigned_tx_params(spec, crypto::Address{}));
  const char* flat = kind == ContentTx::kInstall ? "contractCreate" : kind == ContentTx::kUpdate ? "contractUpdate" : nullptr;
  Uint256 need = *intrinsic.checked_add(Uint256(flat ? cost_of(c, flat) : 0));
  need = *need.checked_add(*Uint256(cost_of(c, "contractSet")).checked_mul(Uint256(content_bytes)));
  need = *need.checked_add(Uint256(kHookStepsAllowance));
  auto cap = max.ok() && max.result.is_string() ? Uint256::from_icon_hex(max.result.get_string()) : std::nullopt;
  return cap && *cap < need ? *cap : need;
}

namespace {

std::vector<OptionSpec> deploy_options() {
  auto o = tx_signing_options();
  o.insert(o.begin(), {"params", "JSON", "params of on_install / on_update, a JSON object", ""});
  return o;
}

// deploy PATH, update ADDR PATH.
int deploy_or_update(const Argv& argv, bool update) {
  const std::string usage = update ? "complexchain contract update ADDR PATH [options]" : "complexchain contract deploy PATH [options]";
  const std::string summary = update ? "Update a contract you own: new code at the same address, with the same state; on_update(params) runs."
                                     : "Deploy a Lua contract: PATH is main.lua (one file), a .zip, or a folder holding main.lua; "
                                       "on_install(params) runs. With --wait, prints the contract's address.";
  Args args(usage, summary, deploy_options());
  int code = 0;
  if (!args.parse(argv, code)) return code;
  const size_t want = update ? 2 : 1;
  if (args.positionals().size() != want) return fail(update ? "update needs ADDR and PATH" : "deploy needs one PATH");
  TxSpec spec;
  spec.to = contracts::chain_contract_address();
  if (update) {
    auto to = address_arg(args.positionals()[0]);
    if (!to) return fail(to.message());
    spec.to = *to;
  }
  auto content = read_content(args.positionals().back());
  if (!content) return fail(content.message());
  auto params = params_option(args);
  if (!params) return fail(params.message());
  json::object data{{"contentType", content->type}, {"content", "0x" + to_hex(content->bytes)}};
  if (!params->is_null()) data["params"] = *params;
  spec.data_type = "deploy";
  spec.data = std::move(data);
  if (!args.get("step-limit") && !args.flag("estimate")) {
    std::unique_ptr<RpcClient> holder;
    auto client = tx_open_client(args, holder);
    if (!client) return fail(client.message());
    auto limit = content_step_limit(**client, spec, update ? ContentTx::kUpdate : ContentTx::kInstall, content->bytes.size());
    if (!limit) return fail(limit.message());
    spec.step_limit = *limit;
  }
  return tx_sign_and_send(args, std::move(spec));
}

int contract_send(const Argv& argv) {
  auto options = tx_signing_options();
  options.insert(options.begin(), {{"params", "JSON", "the method's params, a JSON object", ""},
                                   {"value", "AMOUNT", "coin sent with the call (ICX, or 0x hex loop), for payable methods", "0"}});
  Args args("complexchain contract send ADDR METHOD [options]",
            "Call a contract's method in a transaction (dataType call). Without --step-limit or --estimate the "
            "step limit is 10,000,000.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 2) return fail("send needs ADDR and METHOD");
  TxSpec spec;
  auto to = address_arg(args.positionals()[0]);
  if (!to) return fail(to.message());
  spec.to = *to;
  auto value = parse_amount(args.get_or("value", "0"), AmountUnit::kIcx);
  if (!value) return fail(value.message());
  spec.value = *value;
  auto params = params_option(args);
  if (!params) return fail(params.message());
  json::object data{{"method", args.positionals()[1]}};
  if (!params->is_null()) data["params"] = *params;
  spec.data_type = "call";
  spec.data = std::move(data);
  if (!args.get("step-limit") && !args.flag("estimate")) spec.step_limit = Uint256(kSendStepLimitDefault);
  return tx_sign_and_send(args, std::move(spec));
}

std::vector<OptionSpec> read_options() {
  return {{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
          {"height", "H", "read at this height (decimal or 0x hex; default: latest)", ""},
          {"json", "", "print the node's answer as JSON", ""}};
}

// Runs one read and prints its result: JSON with --json, else `print` for people.
int read_and_print(const Args& args, std::string_view method, json::object params, void (*print)(const json::value&)) {
  if (auto h = args.get("height")) {
    auto height = parse_height(*h);
    if (!height) return fail("--height '" + *h + "' is not a height");
    params["height"] = Uint256(*height).to_icon_hex();
  }
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  RpcReply r = (*client)->call(method, std::move(params));
  if (!r.ok()) return fail(r.error->describe());
  if (args.flag("json") || !print) std::printf("%s\n", pretty_json(r.result).c_str());
  else print(r.result);
  return 0;
}

void print_api(const json::value& v) {
  if (!v.is_array()) return (void)std::printf("%s\n", pretty_json(v).c_str());
  for (const auto& e : v.get_array()) {
    const json::object& o = e.as_object();
    std::string line = std::string(o.at("type").as_string()) + " " + std::string(o.at("name").as_string()) + "(";
    bool first = true;
    for (const auto& in : o.at("inputs").as_array()) {
      line += (first ? "" : ", ") + std::string(in.at("name").as_string()) + ": " + std::string(in.at("type").as_string());
      if (in.as_object().contains("indexed")) line += " indexed";
      if (in.as_object().contains("default")) line += " = " + json::serialize(in.at("default"));
      first = false;
    }
    line += ")";
    if (const json::value* outs = o.if_contains("outputs"); outs && !outs->as_array().empty())
      line += " -> " + std::string(outs->as_array()[0].at("type").as_string());
    if (o.contains("readonly")) line += " readonly";
    if (o.contains("payable")) line += " payable";
    std::printf("%s\n", line.c_str());
  }
}

void print_status(const json::value& v) {
  const json::object& o = v.as_object();
  std::printf("owner:    %s\n", std::string(o.at("owner").as_string()).c_str());
  for (const char* which : {"current", "next"}) {
    const json::value* ver = o.if_contains(which);
    if (!ver) continue;
    std::printf("%-9s %s, code %s, deploy tx %s", (std::string(which) + ":").c_str(),
                std::string(ver->at("status").as_string()).c_str(), std::string(ver->at("codeHash").as_string()).c_str(),
                std::string(ver->at("deployTxHash").as_string()).c_str());
    if (const json::value* a = ver->as_object().if_contains("auditTxHash")) std::printf(", audit tx %s", std::string(a->as_string()).c_str());
    std::printf("\n");
  }
  std::printf("blocked:  %s\ndisabled: %s\n", o.at("blocked").as_string().c_str(), o.at("disabled").as_string().c_str());
}

int contract_read(const Argv& argv, std::string_view sub) {
  auto options = read_options();
  if (sub == "call") options.insert(options.begin(), {{"params", "JSON", "the method's params, a JSON object", ""},
                                                      {"from", "ADDR", "the caller (hx…), optional", ""}});
  const std::string usage = "complexchain contract " + std::string(sub) + (sub == "call" ? " ADDR METHOD [options]" : " ADDR [options]");
  const char* summary = sub == "call" ? "Call a read-only method (icx_call) and print what it returns."
                        : sub == "api" ? "Print the contract's API (icx_getScoreApi): functions, fallback and event logs."
                                       : "Print the contract's owner, current and next version (icx_getScoreStatus).";
  Args args(usage, summary, options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != (sub == "call" ? 2u : 1u)) return fail(usage);
  auto to = address_arg(args.positionals()[0]);
  if (!to) return fail(to.message());
  if (sub == "api") return read_and_print(args, "icx_getScoreApi", {{"address", to->to_string()}}, print_api);
  if (sub == "status") return read_and_print(args, "icx_getScoreStatus", {{"address", to->to_string()}}, print_status);
  auto params = params_option(args);
  if (!params) return fail(params.message());
  json::object data{{"method", args.positionals()[1]}};
  if (!params->is_null()) data["params"] = *params;
  json::object req{{"to", to->to_string()}, {"dataType", "call"}, {"data", std::move(data)}};
  if (auto from = args.get("from")) req["from"] = *from;
  return read_and_print(args, "icx_call", std::move(req), nullptr);
}

}  // namespace

int cmd_contract(const Argv& argv) {
  return run_subcommand("contract", kContractUsage, argv, {
      {"deploy", [](const Argv& a) { return deploy_or_update(a, /*update=*/false); }},
      {"test", contract_test},
      {"update", [](const Argv& a) { return deploy_or_update(a, /*update=*/true); }},
      {"send", contract_send},
      {"call", [](const Argv& a) { return contract_read(a, "call"); }},
      {"api", [](const Argv& a) { return contract_read(a, "api"); }},
      {"status", [](const Argv& a) { return contract_read(a, "status"); }},
      {"publish", contract_publish},
      {"list", contract_list},
      {"deploy-from-store", contract_deploy_from_store},
  });
}

}  // namespace cx::cli
