// The Alpha verbs as calls of the system contract (docs/alpha.md §10): each verb's positionals and
// options, checked and turned into the method and params of one ICON call tx to cx…0a01. Nothing here
// talks to a node; cmd_alpha_tx.cpp signs, sends and reports.
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "alpha/calendar.hpp"
#include "alpha/canonical.hpp"
#include "alpha/checker.hpp"
#include "alpha/instance.hpp"
#include "alpha/system_contract.hpp"
#include "alpha/template.hpp"
#include "alpha/time.hpp"
#include "base/clock.hpp"
#include "cli/cmd_alpha.hpp"
#include "cli/tx_send.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

struct Verb {
  const char* name;
  const char* method;
  std::vector<const char*> positionals;  // names, all required
  const char* summary;
};

const std::vector<Verb>& verbs() {
  static const std::vector<Verb> k = {
      {"publish", "registerTemplate", {"FILE"},
       "Register a template (JSON or YAML) on chain: it is checked here first, then by the chain, and stored under its hash."},
      {"propose", "propose", {"TEMPLATE"},
       "Propose an instance of TEMPLATE (a template hash 0x…, or the template's FILE, whose hash is computed here) "
       "with --params and --parties. Prints the instance id and the hash every signatory signs."},
      {"sign", "sign", {"ID"},
       "Sign instance ID as one of its signatories. Give --hash with the instance hash you were shown (without it, "
       "the hash the chain holds now is read and printed)."},
      {"fund", "fund", {"ID"}, "Pay the current pay or collect stage of instance ID: --value is the payment."},
      {"reserve", "reserve", {"ID"}, "Put money aside for your later pay stages of instance ID (COSSE's reserved payments)."},
      {"attest", "attest", {"ID", "EVENT"},
       "Attest EVENT of instance ID as one of its attesters, with --result and --fields when the event has them."},
      {"decide", "decide", {"ID", "DECISION", "CHOICE"},
       "Exercise the right DECISION of instance ID with CHOICE (a choice value, or a member's address)."},
      {"delegate", "delegate", {"ID", "DECISION", "TO"},
       "Hand the right DECISION of instance ID to TO (an address of a delegable role); you can no longer decide."},
      {"revoke", "revoke", {"ID", "DECISION"}, "Take back a right you handed over, while it is revocable."},
      {"dispute", "dispute", {"ID"}, "Open a dispute on instance ID (a party in the template's dispute.open_by)."},
      {"rule", "rule", {"ID", "OUTCOME"}, "Rule an open dispute of instance ID with OUTCOME (a referee on the ladder)."},
  };
  return k;
}

const Verb* find_verb(std::string_view name) {
  for (const Verb& v : verbs())
    if (name == v.name) return &v;
  return nullptr;
}

Result<AlphaCall> error(std::string m) { return Result<AlphaCall>::error(std::move(m)); }

// A JSON object given inline ('{…}') or as a file, bounded like a template.
Result<json::object> object_option(const Args& args, const char* name) {
  auto text = args.get(name);
  if (!text) return Result<json::object>::error(std::string("--") + name + " is required");
  std::string body = *text, err;
  const bool inline_json = body.starts_with("{") || body.starts_with("[");
  if (!inline_json && !read_alpha_file(body, body, err)) return Result<json::object>::error(std::string("--") + name + ": " + err);
  if (body.size() > alpha::kTemplateBytesMax) return Result<json::object>::error(std::string("--") + name + ": too large");
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const std::string where = std::string("--") + name + (inline_json ? "" : " " + *text);
  if (ec) return Result<json::object>::error(where + ": not JSON (" + ec.message() + ")");
  if (!v.is_object()) return Result<json::object>::error(where + ": expected a JSON object");
  return v.get_object();
}

// TEMPLATE: a hash, or a template file whose hash is computed here (and the template, to check against).
struct TemplateRef {
  std::string hash;
  std::optional<alpha::Template> t;
};

Result<TemplateRef> template_ref(const std::string& text) {
  if (text.starts_with("0x") && text.size() == 66) {
    if (!Hash32::from_hex_string(text)) return Result<TemplateRef>::error("TEMPLATE '" + text + "' is not a hash (0x + 64 hex)");
    return TemplateRef{text, std::nullopt};
  }
  std::string body, err;
  if (!read_template_text(text, body, err)) return Result<TemplateRef>::error("TEMPLATE: " + err);
  auto parsed = alpha::parse_template_json(body);
  if (auto* e = std::get_if<alpha::ParseError>(&parsed)) return Result<TemplateRef>::error(text + ": " + e->to_string());
  alpha::Template& t = std::get<alpha::Template>(parsed);
  return TemplateRef{"0x" + alpha::template_hash(t).hex(), std::move(t)};
}

// --sign-by: seconds since 1970, or an ISO duration from now ("P3D").
Result<int64_t> sign_by_option(const std::string& text) {
  if (text.starts_with("P")) {
    auto d = alpha::parse_iso_duration(text);
    if (!d) return Result<int64_t>::error("--sign-by '" + text + "': not an ISO duration");
    return system_clock().now_us() / 1'000'000 + static_cast<int64_t>(*d);
  }
  auto s = parse_height(text);
  if (!s || *s > static_cast<uint64_t>(alpha::kTimeMax))
    return Result<int64_t>::error("--sign-by '" + text + "': expected seconds since 1970 or a duration such as P3D");
  return static_cast<int64_t>(*s);
}

Result<AlphaCall> publish_call(const std::string& path) {
  std::string text, err;
  if (!read_template_text(path, text, err)) return error(err);
  auto parsed = alpha::parse_template_json(text);
  if (auto* e = std::get_if<alpha::ParseError>(&parsed)) return error(path + ": " + e->to_string());
  alpha::CheckReport report = alpha::check_template(std::get<alpha::Template>(parsed));
  if (!report.ok()) return error(path + " is refused: " + report.failures.front().to_string());
  return AlphaCall{"registerTemplate", json::object{{"template", text}}, Uint256()};
}

Result<AlphaCall> propose_call(const Args& args, const std::string& ref) {
  auto tref = template_ref(ref);
  if (!tref) return tref.status();
  auto params = object_option(args, "params");
  if (!params) return params.status();
  auto parties = object_option(args, "parties");
  if (!parties) return parties.status();
  json::object p{{"template", tref->hash}, {"params", json::serialize(*params)}, {"parties", json::serialize(*parties)}};
  std::optional<int64_t> sign_by;
  if (auto s = args.get("sign-by")) {
    auto t = sign_by_option(*s);
    if (!t) return t.status();
    sign_by = *t;
    p["signBy"] = Uint256(static_cast<uint64_t>(*t)).to_icon_hex();
  }
  std::string file;
  // The engine's own binding of params and parties, before a fee is spent on a refusal (a template with
  // a calendar is bound on chain only: the calendar's governed version is pinned there).
  if (tref->t && tref->t->calendar.empty()) {
    auto local = alpha::propose(*tref->t, *Hash32::from_hex_string(tref->hash), 1, *params, *parties,
                                system_clock().now_us() / 1'000'000, sign_by);
    if (auto* e = std::get_if<alpha::EngineError>(&local)) return error("the instance does not fit " + ref + ": " + e->message);
  }
  if (tref->t) file = ref;
  return AlphaCall{"propose", std::move(p), Uint256(), file};
}

Status check_name(const char* what, const std::string& v) {
  if (v.empty() || v.size() > 128) return Status::error(std::string(what) + " '" + v + "': expected 1..128 characters");
  return Status::ok();
}

// The verbs that name an instance, after ID is checked.
Result<AlphaCall> instance_call(const Verb& verb, const Args& args, uint64_t id) {
  const auto& pos = args.positionals();
  json::object p{{"id", Uint256(id).to_icon_hex()}};
  for (size_t k = 1; k < pos.size(); ++k)
    if (Status s = check_name(verb.positionals[k], pos[k]); !s) return s;
  AlphaCall call{verb.method, {}, Uint256()};
  const std::string v = verb.name;
  if (v == "sign") {
    if (auto h = args.get("hash")) {
      if (!Hash32::from_hex_string(*h)) return error("--hash '" + *h + "': expected the instance hash (0x + 64 hex)");
      p["hash"] = h->starts_with("0x") ? *h : "0x" + *h;
    }
  } else if (v == "fund" || v == "reserve") {
    auto text = args.get("value");
    if (!text) return error("--value AMOUNT is required");
    const std::string unit = args.get_or("unit", "icx");
    if (unit != "icx" && unit != "loop") return error("--unit '" + unit + "': expected icx or loop");
    auto value = parse_amount(*text, unit == "icx" ? AmountUnit::kIcx : AmountUnit::kLoop);
    if (!value) return value.status();
    if (value->is_zero()) return error("--value: a payment must be more than zero");
    call.value = *value;
  } else if (v == "attest") {
    p["event"] = pos[1];
    const std::string nonce = args.get_or("attest-nonce", "n" + std::to_string(system_clock().now_us()));
    if (Status s = check_name("--attest-nonce", nonce); !s) return s;
    p["nonce"] = nonce;
    if (auto r = args.get("result")) p["result"] = *r;
    if (args.get("fields")) {
      auto f = object_option(args, "fields");
      if (!f) return f.status();
      p["fields"] = json::serialize(*f);
    }
  } else if (v == "decide" || v == "delegate" || v == "revoke") {
    p["decision"] = pos[1];
    if (v == "decide") p["choice"] = pos[2];
    if (v == "delegate") {
      auto to = crypto::Address::parse(pos[2]);
      if (!to) return error("TO '" + pos[2] + "' is not an address (hx + 40 lower-case hex)");
      p["to"] = to->to_string();
    }
  } else if (v == "rule") {
    p["outcome"] = pos[1];
  }
  call.params = std::move(p);
  return call;
}

}  // namespace

bool is_alpha_tx_verb(std::string_view verb) { return find_verb(verb) != nullptr; }

namespace {

// The prose sources of the languages the chain rendered ("rendered:<hash>" in the instance's prose):
// each read from its repo:// uri under `root`. A language bound by its pinned source hash needs none.
Result<std::map<std::string, std::string>> rendered_prose_sources(const alpha::Template& t, const json::object& inst,
                                                                  const std::string& root) {
  std::map<std::string, std::string> sources;
  const json::value* prose = inst.if_contains("prose");
  if (!prose || !prose->is_object()) return sources;
  for (const alpha::Prose& p : t.prose) {
    const json::value* entry = prose->get_object().if_contains(p.lang);
    if (!entry || !entry->is_string() || !entry->get_string().starts_with("rendered:")) continue;
    if (!p.uri.starts_with("repo://"))
      return Result<std::map<std::string, std::string>>::error("prose '" + p.lang + "' was rendered on chain, and its uri " + p.uri +
                                                               " is not a repo:// path to read the source from");
    std::string text, err;
    if (!read_alpha_file(root + "/" + p.uri.substr(7), text, err))
      return Result<std::map<std::string, std::string>>::error("prose '" + p.lang + "' was rendered on chain: " + err + " (give --root)");
    sources[p.lang] = std::move(text);
  }
  return sources;
}

}  // namespace

Result<std::string> instance_hash_from(const std::string& template_file, const json::object& inst, const std::string& root) {
  using R = Result<std::string>;
  auto tref = template_ref(template_file);
  if (!tref) return tref.status();
  if (!tref->t) return R::error("--template: expected the template's file, not a hash");
  const json::value* th = inst.if_contains("template_hash");
  if (!th || !th->is_string() || "0x" + std::string(th->get_string()) != tref->hash)
    return R::error("the instance is of template 0x" + (th && th->is_string() ? std::string(th->get_string()) : "?") +
                    ", not of " + template_file + " (" + tref->hash + ")");
  const json::value* params = inst.if_contains("params");
  const json::value* parties = inst.if_contains("parties");
  const json::value* proposed_at = inst.if_contains("proposed_at");
  const json::value* sign_by = inst.if_contains("sign_by");
  if (!params || !params->is_object() || !parties || !parties->is_object())
    return R::error("the instance has no params or parties");
  if (!proposed_at || !proposed_at->is_int64() || !sign_by || !sign_by->is_int64())
    return R::error("the instance has no proposed_at or sign_by");
  // A pinned calendar is named (NAME@version) in the hash; its table is the chain's (getCalendar).
  std::optional<alpha::Calendar> calendar;
  if (const json::value* c = inst.if_contains("calendar")) {
    calendar = alpha::calendar::from_json(*c);
    if (!calendar) return R::error("the instance's calendar is not a calendar: " + json::serialize(*c));
  }
  auto local = alpha::propose(*tref->t, *Hash32::from_hex_string(tref->hash), 1, params->get_object(), parties->get_object(),
                              proposed_at->get_int64(), sign_by->get_int64(), calendar ? &*calendar : nullptr);
  if (auto* e = std::get_if<alpha::EngineError>(&local)) return R::error("the instance does not fit " + template_file + ": " + e->message);
  alpha::Instance& mine = std::get<alpha::Instance>(local);
  // What the chain seals at propose, done here the same way: the prose rendered from these params
  // and the digest of simulate() over the instance as proposed.
  auto sources = rendered_prose_sources(*tref->t, inst, root);
  if (!sources) return sources.status();
  if (auto e = alpha::seal_prose(*tref->t, mine, *sources)) return R::error("prose: " + e->message);
  if (auto e = alpha::seal_simulation(*tref->t, mine, alpha::kProposeSimPathsMax)) return R::error("simulation: " + e->message);
  return "0x" + mine.hash.hex();
}

std::string alpha_verb_usage(std::string_view verb) {
  const Verb* v = find_verb(verb);
  if (!v) return "";
  std::string u = std::string("complexchain alpha ") + (verb == "publish" ? "template publish" : v->name);
  for (const char* p : v->positionals) u += std::string(" ") + p;
  return u + " [options]";
}

std::string alpha_verb_summary(std::string_view verb) {
  const Verb* v = find_verb(verb);
  return v ? std::string(v->summary) + " Waits for the receipt; a refusal prints the chain's reason and exits 1." : "";
}

std::vector<OptionSpec> alpha_verb_options(std::string_view verb) {
  std::vector<OptionSpec> o;
  if (verb == "propose")
    o = {{"params", "JSON|FILE", "the template's params: a JSON object, inline or in a file", ""},
         {"parties", "JSON|FILE", "every role bound to an address (a group to a list of addresses)", ""},
         {"sign-by", "TIME", "signing deadline: seconds since 1970, or a duration from now (P3D); chain default 7 days", ""},
         {"root", "DIR", "where the template's repo:// prose sources are found, to check the hash", "."}};
  if (verb == "sign")
    o = {{"hash", "0xHASH", "the instance hash you sign (what propose printed)", ""},
         {"template", "FILE", "recompute the hash here from this template and the instance's params and parties; "
                              "nothing is sent if the chain's differs", ""},
         {"root", "DIR", "where the template's repo:// prose sources are found", "."}};
  if (verb == "fund" || verb == "reserve")
    o = {{"value", "AMOUNT", "the payment: ICX with up to 18 decimals, loop with --unit loop, or 0x hex loop", ""},
         {"unit", "UNIT", "unit of --value: icx or loop", "icx"}};
  if (verb == "attest")
    o = {{"result", "VALUE", "the event's result, when it declares results", ""},
         {"fields", "JSON|FILE", "the event's typed fields, a JSON object", ""},
         {"attest-nonce", "TEXT", "the attestation's replay nonce (default: from the clock)", ""}};
  auto signing = tx_signing_options();
  for (OptionSpec& s : signing) {
    if (s.name == "wait") continue;  // always waits
    if (s.name == "step-limit") s.help = "step limit, decimal or 0x hex (default " + std::to_string(kAlphaStepLimit) + ")";
    if (s.name == "wait-timeout") s.help = "how long to wait for the receipt";
    if (s.name == "json") s.help = "print the report as JSON: tx, ok, failure, the instance after the tx, its transitions";
    o.push_back(std::move(s));
  }
  return o;
}

Result<AlphaCall> alpha_call_of(std::string_view verb, const Args& args) {
  const Verb* v = find_verb(verb);
  if (!v) return error("unknown alpha verb '" + std::string(verb) + "'");
  const auto& pos = args.positionals();
  if (pos.size() != v->positionals.size()) {
    std::string want;
    for (const char* p : v->positionals) want += std::string(want.empty() ? "" : " ") + p;
    return error(std::string("alpha ") + v->name + " expects " + want + " (got " + std::to_string(pos.size()) + " arguments)");
  }
  if (verb == "publish") return publish_call(pos[0]);
  if (verb == "propose") return propose_call(args, pos[0]);
  auto id = parse_height(pos[0]);
  if (!id || *id == 0) return error("ID '" + pos[0] + "' is not an instance id (a positive number, decimal or 0x hex)");
  return instance_call(*v, args, *id);
}

TxSpec alpha_tx_spec(const AlphaCall& call) {
  TxSpec spec;
  spec.to = alpha::alpha_contract_address();
  spec.value = call.value;
  spec.data_type = "call";
  spec.data = json::object{{"method", call.method}, {"params", call.params}};
  spec.step_limit = Uint256(kAlphaStepLimit);
  return spec;
}

}  // namespace cx::cli
