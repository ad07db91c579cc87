// complexchain alpha propose|sign|fund|…|show and template publish|list: the Alpha system contract
// driven from the command line (docs/alpha.md §10). Each write is one ICON call tx signed with the
// party's key (the options of `contract send`), sent and waited for; the report is the instance as
// it stands after that tx, or the chain's reason for refusing it. Reads are icx_call, at any height.
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <set>

#include "alpha/canonical.hpp"
#include "alpha/simulate.hpp"
#include "alpha/system_contract.hpp"
#include "alpha/time.hpp"
#include "cli/cmd_alpha.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_send.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr uint64_t kListBlocksMax = 100'000;  // template list scans at most this many blocks
constexpr size_t kListBatch = 50;            // blocks per JSON-RPC batch

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

std::string str_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v) return "";
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

// getInstance (or any read of the contract) with icx_call, at `height` when given.
RpcReply alpha_read(RpcClient& client, std::string_view method, json::object params, std::optional<uint64_t> height) {
  json::object req{{"to", alpha::alpha_contract_address().to_string()},
                   {"dataType", "call"},
                   {"data", {{"method", method}, {"params", std::move(params)}}}};
  if (height) req["height"] = Uint256(*height).to_icon_hex();
  return client.call("icx_call", std::move(req));
}

// The AlphaTransition logs of a receipt: {id, seq, status, stage, what}.
json::array transitions_of(const json::object& receipt) {
  json::array out;
  const json::value* logs = receipt.if_contains("eventLogs");
  if (!logs || !logs->is_array()) return out;
  for (const json::value& l : logs->get_array()) {
    const json::object* o = l.if_object();
    const json::value* idx = o ? o->if_contains("indexed") : nullptr;
    const json::value* data = o ? o->if_contains("data") : nullptr;
    if (!idx || !idx->is_array() || idx->get_array().size() < 2 || !data || !data->is_array() || data->get_array().size() < 4)
      continue;
    if (!idx->get_array()[0].is_string() || !idx->get_array()[0].get_string().starts_with("AlphaTransition")) continue;
    const json::array& d = data->get_array();
    out.push_back(json::object{{"id", json_u64(&idx->get_array()[1]).value_or(0)}, {"seq", json_u64(&d[0]).value_or(0)},
                               {"status", d[1]}, {"stage", d[2]}, {"what", d[3]}});
  }
  return out;
}

// The hash of a template's JSON text ("" when it does not parse).
std::string template_hash_of(const std::string& text) {
  auto parsed = alpha::parse_template_json(text);
  if (!std::holds_alternative<alpha::Template>(parsed)) return "";
  return "0x" + alpha::template_hash(std::get<alpha::Template>(parsed)).hex();
}

json::object instance_summary(const json::object& inst) {
  return json::object{{"id", inst.contains("id") ? inst.at("id") : json::value()}, {"status", str_of(inst, "status")},
                      {"stage", str_of(inst, "stage")}, {"seq", inst.contains("seq") ? inst.at("seq") : json::value()},
                      {"hash", "0x" + str_of(inst, "hash")}};
}

// Block time in seconds as ISO 8601 UTC, "2026-01-05T00:00:00Z".
std::string iso_time(const json::value* v) {
  auto t = json_u64(v);
  if (!t || *t > static_cast<uint64_t>(INT64_MAX)) return v ? json::serialize(*v) : "";
  return alpha::format_time(static_cast<int64_t>(*t));
}

void print_instance_line(const json::object& s) {
  std::printf("instance %s: %s, stage %s (seq %s)\n", str_of(s, "id").c_str(), str_of(s, "status").c_str(),
              str_of(s, "stage").c_str(), str_of(s, "seq").c_str());
}

// Before a tx on instance `id`: the instance must exist (no fee is spent on an unknown id).
Result<json::object> existing_instance(RpcClient& client, const json::value& id) {
  RpcReply r = alpha_read(client, "getInstance", json::object{{"id", id}}, std::nullopt);
  if (!r.ok()) {
    if (r.error->is_transport()) return Result<json::object>::error(r.error->describe());
    return Result<json::object>::error("unknown instance " + json::serialize(id) + ": " + r.error->message);
  }
  if (!r.result.is_object()) return Result<json::object>::error("getInstance returned " + json::serialize(r.result));
  return r.result.get_object();
}

// Prints what the tx did (or why it was refused); returns the exit status.
int report(RpcClient& client, const Args& args, const AlphaCall& call, const std::string& tx_hash, const json::object& receipt) {
  const bool accepted = str_of(receipt, "status") == "0x1";
  bool ok = accepted;
  const auto height = json_u64(receipt.if_contains("blockHeight"));
  json::array moves = transitions_of(receipt);
  std::string expected;  // the instance hash computed here from call.template_file, once the chain has it
  json::object out{{"txHash", tx_hash}, {"method", call.method}, {"ok", ok},
                   {"blockHeight", height.value_or(0)}, {"stepUsed", json_u64(receipt.if_contains("stepUsed")).value_or(0)}};
  if (!ok) {
    const json::value* f = receipt.if_contains("failure");
    const json::object* fo = f ? f->if_object() : nullptr;
    out["failure"] = fo ? json::value(*fo) : json::value(json::object{{"message", "no failure in the receipt"}});
  }
  std::optional<json::value> id;
  if (call.params.contains("id")) id = call.params.at("id");
  if (!moves.empty()) id = Uint256(moves.front().at("id").as_uint64()).to_icon_hex();
  if (ok && call.method == "registerTemplate") out["template"] = template_hash_of(str_of(call.params, "template"));
  if (ok && id) {
    RpcReply r = alpha_read(client, "getInstance", json::object{{"id", *id}}, height);
    if (r.ok() && r.result.is_object()) {
      out["instance"] = instance_summary(r.result.get_object());
      if (!call.template_file.empty()) {
        auto mine = instance_hash_from(call.template_file, r.result.get_object(), args.get_or("root", "."));
        if (mine) expected = *mine;
        else out["hash_error"] = mine.message();
      }
    }
  }
  out["transitions"] = moves;
  // The hash every signatory signs, computed here from the template file, params and parties: a chain
  // that answers with another one is not to be signed.
  bool hash_differs = false;
  if (const json::value* s = out.if_contains("instance"); s && !expected.empty()) {
    hash_differs = str_of(s->as_object(), "hash") != expected;
    out["hash_checked"] = !hash_differs;
    if (hash_differs) out["expected_hash"] = expected;
  }
  if (hash_differs) ok = false;
  out["ok"] = ok;
  if (args.flag("json")) {
    std::printf("%s\n", pretty_json(out).c_str());
    return ok ? 0 : 1;
  }
  std::printf("tx %s in block %llu: %s (%llu steps)\n", tx_hash.c_str(), static_cast<unsigned long long>(height.value_or(0)),
              accepted ? "ok" : "refused", static_cast<unsigned long long>(out["stepUsed"].as_uint64()));
  if (!accepted) std::printf("refused: %s\n", str_of(out["failure"].as_object(), "message").c_str());
  if (ok && call.method == "registerTemplate") std::printf("template %s registered\n", str_of(out, "template").c_str());
  for (const json::value& m : moves) std::printf("  %s\n", str_of(m.as_object(), "what").c_str());
  if (const json::value* s = out.if_contains("instance")) {
    print_instance_line(s->as_object());
    if (call.method == "propose") std::printf("hash %s  (every signatory signs it: alpha sign ID --hash HASH)%s\n", str_of(s->as_object(), "hash").c_str(),
                                              out.contains("hash_checked") && !hash_differs ? "; the same hash computed here" : "");
    if (hash_differs) std::printf("MISMATCH: the hash computed here from the template, params and parties is %s: do not sign\n", expected.c_str());
  }
  return ok ? 0 : 1;
}

// sign: the hash to sign — --hash, else the chain's — checked against --template's recomputation.
Status fill_sign_hash(const Args& args, const json::object& inst, AlphaCall& call) {
  const std::string chain = "0x" + str_of(inst, "hash");
  if (auto file = args.get("template")) {
    auto mine = instance_hash_from(*file, inst, args.get_or("root", "."));
    if (!mine) return mine.status();
    if (*mine != chain) return Status::error("the chain's instance hash " + chain + " is not " + *mine + ", the hash of " + *file + " with the instance's params and parties: not signed");
    if (call.params.contains("hash") && str_of(call.params, "hash") != *mine)
      return Status::error("--hash " + str_of(call.params, "hash") + " is not " + *mine + ", the hash of " + *file + " with the instance's params and parties: not signed");
  }
  if (!call.params.contains("hash")) {
    call.params["hash"] = chain;
    if (!args.flag("json")) std::fprintf(stderr, "signing the instance hash the chain holds: %s%s\n", chain.c_str(), args.get("template") ? " (recomputed here from the template)" : "");
  }
  return Status::ok();
}

}  // namespace

int alpha_send(std::string_view verb, const Argv& argv) {
  Args args(alpha_verb_usage(verb), alpha_verb_summary(verb), alpha_verb_options(verb));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto call = alpha_call_of(verb, args);
  if (!call) return fail(call.message());
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  if (call->params.contains("id")) {
    auto inst = existing_instance(**client, call->params.at("id"));
    if (!inst) return fail(inst.message());
    if (call->method == "sign") {
      if (Status s = fill_sign_hash(args, *inst, *call); !s) return fail(s.message());
    }
  }
  auto timeout = tx_wait_timeout(args);
  if (!timeout) return fail(timeout.message());
  auto tx = tx_sign(args, **client, *signer, alpha_tx_spec(*call));
  if (!tx) return fail(tx.message());
  RpcReply reply = send_tx(**client, tx->params, tx->hash_hex(), /*wait=*/true, *timeout);
  if (!reply.ok()) return fail("the node did not take the tx " + tx->hash_hex() + ": " + reply.error->describe());
  if (!reply.result.is_object()) return fail("the node returned a receipt that is not an object");
  return report(**client, args, *call, tx->hash_hex(), reply.result.get_object());
}

namespace {

void print_ledgers(const char* title, const json::value* v) {
  if (!v || !v->is_object() || v->get_object().empty()) return;
  std::printf("%s\n", title);
  for (const auto& [asset, per] : v->get_object()) {
    if (!per.is_object()) {
      std::printf("  %-10s %s\n", std::string(asset).c_str(), json::serialize(per).c_str());
      continue;
    }
    for (const auto& [who, amount] : per.get_object())
      std::printf("  %-10s %-12s %s\n", std::string(asset).c_str(), std::string(who).c_str(),
                  amount.is_string() ? std::string(amount.get_string()).c_str() : json::serialize(amount).c_str());
  }
}

void print_instance(const json::object& o) {
  std::printf("instance  %s\nstatus    %s\nstage     %s\nseq       %s\n", str_of(o, "id").c_str(), str_of(o, "status").c_str(),
              str_of(o, "stage").c_str(), str_of(o, "seq").c_str());
  std::printf("template  0x%s\nhash      0x%s\n", str_of(o, "template_hash").c_str(), str_of(o, "hash").c_str());
  std::printf("signed by %s\n", str_of(o, "signed_by").c_str());
  if (const json::value* t = o.if_contains("signed_at"); t && json_u64(t).value_or(0) > 0) std::printf("signed at %s\n", iso_time(t).c_str());
  if (const json::value* p = o.if_contains("parties"); p && p->is_object()) {
    std::printf("parties\n");
    for (const auto& [role, who] : p->get_object()) std::printf("  %-10s %s\n", std::string(role).c_str(), json::serialize(who).c_str());
  }
  if (const json::value* e = o.if_contains("escrow"); e && e->is_object() && !e->get_object().empty()) {
    std::printf("escrow\n");
    for (const auto& [asset, amount] : e->get_object())
      std::printf("  %-10s %s\n", std::string(asset).c_str(), amount.is_string() ? std::string(amount.get_string()).c_str() : json::serialize(amount).c_str());
  } else {
    std::printf("escrow    empty\n");
  }
  print_ledgers("stakes", o.if_contains("stakes"));
  print_ledgers("paid", o.if_contains("paid"));
  if (const json::value* ev = o.if_contains("events"); ev && ev->is_object())
    for (const auto& [name, e] : ev->get_object())
      std::printf("event     %s %s\n", std::string(name).c_str(), json::serialize(e.as_object().contains("payload") ? e.at("payload") : e).c_str());
  if (const json::value* d = o.if_contains("decisions"); d && d->is_object())
    for (const auto& [name, s] : d->get_object())
      std::printf("decision  %s holder %s%s%s\n", std::string(name).c_str(), str_of(s.as_object(), "holder").c_str(),
                  s.as_object().contains("exercised") && s.at("exercised") == true ? ", chose " : "",
                  s.as_object().contains("exercised") && s.at("exercised") == true ? str_of(s.as_object(), "choice").c_str() : "");
  if (const json::value* t = o.if_contains("timers"); t && t->is_array())
    for (const json::value& tm : t->get_array())
      std::printf("timer     %s at %s (stage %s)\n", str_of(tm.as_object(), "id").c_str(), iso_time(tm.as_object().if_contains("deadline")).c_str(),
                  str_of(tm.as_object(), "stage").c_str());
  if (!str_of(o, "fault").empty()) std::printf("fault     %s\n", str_of(o, "fault").c_str());
}

}  // namespace

int alpha_show(const Argv& argv) {
  Args args("complexchain alpha show ID [options]",
            "Print an Alpha instance as the chain holds it (getInstance with icx_call): status, stage, parties, escrow, "
            "stakes, events, decisions, timers. --height reads it as it was at a past height.",
            {{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
             {"height", "H", "read at this height (decimal or 0x hex; default: latest)", ""},
             {"json", "", "print the whole instance as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("alpha show expects one ID");
  auto id = parse_height(args.positionals()[0]);
  if (!id || *id == 0) return fail("ID '" + args.positionals()[0] + "' is not an instance id (a positive number, decimal or 0x hex)");
  std::optional<uint64_t> height;
  if (auto h = args.get("height")) {
    height = parse_height(*h);
    if (!height) return fail("--height '" + *h + "' is not a height");
  }
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  RpcReply r = alpha_read(**client, "getInstance", json::object{{"id", Uint256(*id).to_icon_hex()}}, height);
  if (!r.ok()) return fail(r.error->is_transport() ? r.error->describe() : "unknown instance " + std::to_string(*id) + ": " + r.error->message);
  if (!r.result.is_object()) return fail("getInstance returned " + json::serialize(r.result));
  if (args.flag("json")) std::printf("%s\n", pretty_json(r.result).c_str());
  else print_instance(r.result.get_object());
  return 0;
}

namespace {

struct Listed {
  std::string hash, id, version;
  uint64_t height = 0;
};

// The registerTemplate txs of one block whose template parses: the template as the tx carried it.
void scan_block(const json::value& block, uint64_t height, std::vector<Listed>& out) {
  const json::object* b = block.if_object();
  const json::value* list = b ? b->if_contains("confirmed_transaction_list") : nullptr;
  if (!list || !list->is_array()) return;
  const std::string alpha_addr = alpha::alpha_contract_address().to_string();
  for (const json::value& t : list->get_array()) {
    const json::object* o = t.if_object();
    if (!o || str_of(*o, "to") != alpha_addr) continue;
    const json::value* data = o->if_contains("data");
    const json::object* d = data ? data->if_object() : nullptr;
    if (!d || str_of(*d, "method") != "registerTemplate") continue;
    const json::value* p = d->if_contains("params");
    if (!p || !p->is_object()) continue;
    auto parsed = alpha::parse_template_json(str_of(p->get_object(), "template"));
    if (const auto* tp = std::get_if<alpha::Template>(&parsed))
      out.push_back({"0x" + alpha::template_hash(*tp).hex(), tp->id, tp->version, height});
  }
}

Result<uint64_t> latest_height(RpcClient& client) {
  RpcReply r = client.call("icx_getLastBlock");
  if (!r.ok()) return Result<uint64_t>::error("icx_getLastBlock: " + r.error->describe());
  auto h = r.result.is_object() ? json_u64(r.result.get_object().if_contains("height")) : std::nullopt;
  if (!h) return Result<uint64_t>::error("icx_getLastBlock returned no height");
  return *h;
}

}  // namespace

int alpha_template_list(const Argv& argv) {
  Args args("complexchain alpha template list [options]",
            "List the templates registered on chain: the registerTemplate txs of the blocks --from..--to (at most " +
                std::to_string(kListBlocksMax) + " blocks), each kept only if the chain holds its template (getTemplate).",
            {{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
             {"from", "H", "first height scanned", "0"},
             {"to", "H", "last height scanned (default: the latest)", ""},
             {"json", "", "print the list as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  auto from = parse_height(args.get_or("from", "0"));
  if (!from) return fail("--from is not a height");
  uint64_t to = 0;
  if (auto t = args.get("to")) {
    auto v = parse_height(*t);
    if (!v) return fail("--to '" + *t + "' is not a height");
    to = *v;
  } else {
    auto latest = latest_height(**client);
    if (!latest) return fail(latest.message());
    to = *latest;
  }
  if (to < *from) return fail("--to is below --from");
  if (to - *from >= kListBlocksMax) return fail("at most " + std::to_string(kListBlocksMax) + " blocks per listing: narrow --from/--to");
  std::vector<Listed> found;
  for (uint64_t h = *from; h <= to; h += kListBatch) {
    std::vector<RpcRequest> reqs;
    for (uint64_t k = h; k <= std::min(to, h + kListBatch - 1); ++k)
      reqs.push_back({"icx_getBlockByHeight", json::object{{"height", Uint256(k).to_icon_hex()}}});
    auto replies = (*client)->call_batch(reqs);
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok()) return fail("icx_getBlockByHeight " + std::to_string(h + k) + ": " + replies[k].error->describe());
      scan_block(replies[k].result, h + k, found);
    }
  }
  json::array out;
  std::set<std::string> seen;
  for (const Listed& l : found) {
    if (!seen.insert(l.hash).second) continue;
    RpcReply r = alpha_read(**client, "getTemplate", json::object{{"hash", l.hash}}, std::nullopt);
    if (!r.ok()) continue;  // the registration was refused: the chain holds no such template
    out.push_back(json::object{{"hash", l.hash}, {"id", l.id}, {"version", l.version}, {"height", l.height}});
  }
  if (args.flag("json")) {
    std::printf("%s\n", pretty_json(out).c_str());
    return 0;
  }
  for (const json::value& v : out)
    std::printf("%s  %s@%s  (height %s)\n", str_of(v.as_object(), "hash").c_str(), str_of(v.as_object(), "id").c_str(),
                str_of(v.as_object(), "version").c_str(), str_of(v.as_object(), "height").c_str());
  std::printf("%zu template(s) in blocks %llu..%llu\n", out.size(), static_cast<unsigned long long>(*from),
              static_cast<unsigned long long>(to));
  return 0;
}

}  // namespace cx::cli
