// complexchain contract publish|list|deploy-from-store: the ACORE Store (docs/acore-store.md).
#include <cstdio>
#include <memory>

#include <boost/json.hpp>

#include "acore/package.hpp"
#include "cli/contract_common.hpp"
#include "cli/tx_send.hpp"
#include "contracts/native.hpp"
#include "contracts/store.hpp"
#include "crypto/hash.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

// A read of the store (icx_call); the node's refusal as an error.
Result<json::value> store_read(RpcClient& client, std::string_view method, json::object params) {
  json::object data{{"method", method}};
  if (!params.empty()) data["params"] = std::move(params);
  RpcReply r = client.call("icx_call", json::object{{"to", contracts::store_contract_address().to_string()},
                                                    {"dataType", "call"},
                                                    {"data", std::move(data)}});
  if (!r.ok()) return Result<json::value>::error(std::string(method) + ": " + r.error->describe());
  return std::move(r.result);
}

std::string text_of(const json::value& o, std::string_view field) {
  const json::value* v = o.is_object() ? o.get_object().if_contains(field) : nullptr;
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The name and version as the store will judge them, so a typo is caught before a tx is signed.
Status check_ref(std::string_view name, std::string_view version) {
  if (auto p = contracts::store_name_problem(name)) return Status::error("name '" + std::string(name) + "': " + *p);
  if (auto p = contracts::store_version_problem(version)) return Status::error("version '" + std::string(version) + "': " + *p);
  return Status::ok();
}

// Content that the chain would refuse to deploy is refused here too, naming the file, line and cause.
Status check_deployable(const Content& c) {
  auto decoded = acore::decode_content(c.type, c.bytes);
  if (auto* e = std::get_if<acore::CodeError>(&decoded)) return Status::error("the package cannot be deployed: " + e->to_string());
  return Status::ok();
}

}  // namespace

int contract_publish(const Argv& argv) {
  auto options = tx_signing_options();
  options.insert(options.begin(), {{"name", "NAME", "the template's name: a-z, 0-9, '-', '_', starting with a letter", ""},
                                   {"version", "VERSION", "its semantic version, e.g. 1.0.0 or 1.1.0-rc.1", ""},
                                   {"description", "TEXT", "what it is, at most 1024 bytes", ""},
                                   {"price", "AMOUNT", "paid to you by each buyer (ICX, or 0x hex loop)", "0"}});
  Args args("complexchain contract publish PATH --name NAME --version VERSION [options]",
            "List a contract template in the ACORE Store (" + contracts::store_contract_address().to_string() +
                "): PATH is main.lua, a .zip or a folder, as for deploy. The first publisher of a name owns it; a "
                "version is published once. The store records the code hash (SHA3-256 of the content).",
            options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("publish needs one PATH");
  const std::string name = args.get_or("name", ""), version = args.get_or("version", "");
  if (name.empty() || version.empty()) return fail("publish needs --name and --version");
  if (Status s = check_ref(name, version); !s) return fail(s.message());
  auto content = read_content(args.positionals()[0]);
  if (!content) return fail(content.message());
  if (Status s = check_deployable(*content); !s) return fail(s.message());
  auto price = parse_amount(args.get_or("price", "0"), AmountUnit::kIcx);
  if (!price) return fail("--price: " + price.message());
  TxSpec spec;
  spec.to = contracts::store_contract_address();
  spec.data_type = "call";
  spec.data = json::object{{"method", "publish"},
                           {"params", {{"name", name},
                                       {"version", version},
                                       {"description", args.get_or("description", "")},
                                       {"price", price->to_icon_hex()},
                                       {"contentType", content->type},
                                       {"content", "0x" + to_hex(content->bytes)}}}};
  if (!args.get("step-limit") && !args.flag("estimate")) {
    std::unique_ptr<RpcClient> holder;
    auto client = tx_open_client(args, holder);
    if (!client) return fail(client.message());
    auto limit = content_step_limit(**client, spec, ContentTx::kPublish, content->bytes.size());
    if (!limit) return fail(limit.message());
    spec.step_limit = *limit;
  }
  std::fprintf(stderr, "publishing %s %s: %zu bytes of %s, code hash 0x%s\n", name.c_str(), version.c_str(),
               content->bytes.size(), content->type.c_str(), crypto::sha3_256(content->bytes).hex().c_str());
  return tx_sign_and_send(args, std::move(spec));
}

namespace {

void print_list(const json::value& v) {
  const json::value* items = v.is_object() ? v.get_object().if_contains("items") : nullptr;
  if (!items || !items->is_array()) return (void)std::printf("%s\n", pretty_json(v).c_str());
  std::printf("%-32s %-20s %-9s %s\n", "NAME", "LATEST", "VERSIONS", "PUBLISHER");
  for (const auto& i : items->get_array()) {
    auto n = Uint256::from_icon_hex(text_of(i, "versions"));
    std::printf("%-32s %-20s %-9s %s\n", text_of(i, "name").c_str(), text_of(i, "latest").c_str(),
                n ? n->to_dec().c_str() : "?", text_of(i, "publisher").c_str());
  }
  std::printf("(%s of %s)\n", std::to_string(items->get_array().size()).c_str(), text_of(v, "total").c_str());
}

void print_entry(const json::value& v) {
  for (const char* f : {"name", "version", "publisher", "description", "price", "codeHash", "contentType", "contentSize",
                        "publishedHeight"}) {
    std::string value = text_of(v, f);
    if (std::string_view(f) == "price")
      if (auto p = Uint256::from_icon_hex(value)) value = format_icx(*p) + " ICX (" + value + " loop)";
    std::printf("%-16s %s\n", (std::string(f) + ":").c_str(), value.c_str());
  }
}

}  // namespace

int contract_list(const Argv& argv) {
  Args args("complexchain contract list [NAME [VERSION]] [options]",
            "The ACORE Store's templates (name, latest version, publisher); with NAME, its versions in semver "
            "order; with NAME VERSION, that version's entry (publisher, price, code hash, description).",
            {{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
             {"offset", "N", "skip the first N names", "0"},
             {"limit", "N", "at most N names (at most 100)", "100"},
             {"json", "", "print the store's answer as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  const auto& pos = args.positionals();
  if (pos.size() > 2) return fail("list takes at most NAME and VERSION");
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  Result<json::value> r = Result<json::value>::error("");
  if (pos.empty()) {
    auto offset = parse_height(args.get_or("offset", "0")), limit = parse_height(args.get_or("limit", "100"));
    if (!offset || !limit) return fail("--offset and --limit must be numbers");
    r = store_read(**client, "list", {{"offset", Uint256(*offset).to_icon_hex()}, {"limit", Uint256(*limit).to_icon_hex()}});
  } else if (pos.size() == 1) {
    r = store_read(**client, "versions", {{"name", pos[0]}});
  } else {
    r = store_read(**client, "get", {{"name", pos[0]}, {"version", pos[1]}});
  }
  if (!r) return fail(r.message());
  if (args.flag("json")) std::printf("%s\n", pretty_json(*r).c_str());
  else if (pos.empty()) print_list(*r);
  else if (pos.size() == 2) print_entry(*r);
  else for (const auto& v : r->as_array()) std::printf("%s\n", std::string(v.as_string()).c_str());
  return 0;
}

namespace {

// The version's content, its code hash checked against the store's record and against --code-hash.
Result<Content> fetch_checked(RpcClient& client, const std::string& name, const std::string& version,
                              const std::optional<std::string>& pinned) {
  auto got = store_read(client, "getContent", {{"name", name}, {"version", version}});
  if (!got) return got.status();
  const std::string listed = text_of(*got, "codeHash"), hex = text_of(*got, "content");
  auto bytes = hex.starts_with("0x") ? from_hex(std::string_view(hex).substr(2)) : std::nullopt;
  if (!bytes) return Result<Content>::error("the store returned content that is not 0x hex");
  const std::string actual = "0x" + crypto::sha3_256(*bytes).hex();
  if (actual != listed)
    return Result<Content>::error("code hash mismatch: " + name + " " + version + " is listed with " + listed +
                                  " but its content hashes to " + actual + "; not deploying");
  if (pinned && *pinned != actual)
    return Result<Content>::error("code hash mismatch: --code-hash " + *pinned + " but " + name + " " + version +
                                  " has " + actual + "; not deploying");
  Content c{text_of(*got, "contentType"), std::move(*bytes)};
  if (Status s = check_deployable(c); !s) return s;
  return c;
}

}  // namespace

int contract_deploy_from_store(const Argv& argv) {
  auto options = tx_signing_options();
  options.insert(options.begin(), {{"params", "JSON", "params of on_install, a JSON object", ""},
                                   {"code-hash", "0xHASH", "deploy only if the version's code hash is this one", ""}});
  Args args("complexchain contract deploy-from-store NAME VERSION [options]",
            "Deploy a version published in the ACORE Store: fetches it, checks that its content hashes to the code "
            "hash on record (and to --code-hash if given), buys a licence first if it has a price and the signer "
            "holds none (the price goes to the publisher), then deploys it as 'contract deploy' would.",
            options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 2) return fail("deploy-from-store needs NAME and VERSION");
  const std::string name = args.positionals()[0], version = args.positionals()[1];
  if (Status s = check_ref(name, version); !s) return fail(s.message());
  auto params = params_option(args);
  if (!params) return fail(params.message());
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  auto content = fetch_checked(**client, name, version, args.get("code-hash"));
  if (!content) return fail(content.message());
  auto entry = store_read(**client, "get", {{"name", name}, {"version", version}});
  if (!entry) return fail(entry.message());
  auto price = Uint256::from_icon_hex(text_of(*entry, "price"));
  if (!price) return fail("the store returned no price for " + name + " " + version);
  if (!price->is_zero()) {
    auto held = store_read(**client, "hasLicense", {{"name", name}, {"version", version}, {"account", signer->address.to_string()}});
    if (!held) return fail(held.message());
    if (!held->is_string() || held->get_string() != "0x1") {
      std::fprintf(stderr, "buying a licence for %s %s: %s ICX to %s\n", name.c_str(), version.c_str(),
                   format_icx(*price).c_str(), text_of(*entry, "publisher").c_str());
      TxSpec buy;
      buy.to = contracts::store_contract_address();
      buy.value = *price;
      buy.data_type = "call";
      buy.data = json::object{{"method", "buy"}, {"params", {{"name", name}, {"version", version}}}};
      buy.step_limit = Uint256(kSendStepLimitDefault);
      if (int rc = tx_sign_and_send(args, std::move(buy)); rc != 0) return rc;
    }
  }
  TxSpec spec;
  spec.to = contracts::chain_contract_address();
  json::object data{{"contentType", content->type}, {"content", "0x" + to_hex(content->bytes)}};
  if (!params->is_null()) data["params"] = *params;
  spec.data_type = "deploy";
  spec.data = std::move(data);
  if (!args.get("step-limit") && !args.flag("estimate")) {
    auto limit = content_step_limit(**client, spec, ContentTx::kInstall, content->bytes.size());
    if (!limit) return fail(limit.message());
    spec.step_limit = *limit;
  }
  std::fprintf(stderr, "deploying %s %s (code hash %s, checked)\n", name.c_str(), version.c_str(),
               text_of(*entry, "codeHash").c_str());
  return tx_sign_and_send(args, std::move(spec));
}

}  // namespace cx::cli
