// The Alpha system contract's methods (system_contract.hpp). Each instance method loads the instance
// and its template, runs one engine transition, and commits it (contract_store.cpp); a refusal by the
// engine fails the call with code UserReversion+1 and its reason, and the frame's rollback guarantees
// nothing changed (the value of a refused fund goes back to the sender).
#include "alpha/system_contract.hpp"

#include <map>

#include <boost/json.hpp>

#include "alpha/calendar.hpp"
#include "alpha/canonical.hpp"
#include "alpha/checker.hpp"
#include "alpha/contract_store.hpp"
#include "alpha/instance_read.hpp"
#include "alpha/prose.hpp"
#include "crypto/hash.hpp"
#include "alpha/simulate.hpp"
#include "contracts/native.hpp"

namespace cx::alpha {

using contracts::CallResult;
using contracts::Host;
namespace json = boost::json;

namespace {

constexpr core::FailureCode kRefused = core::user_failure(1);     // the engine refused the transition
constexpr core::FailureCode kTemplateRefused = core::user_failure(2);  // parse or checker failure
constexpr size_t kTokenDataMax = 256;  // bytes of a tokenFallback's _data

CallResult bad(std::string m) { return CallResult::fail(core::FailureCode::kInvalidParameter, std::move(m)); }

const json::value* param(const json::value& p, std::string_view k) {
  const json::object* o = p.if_object();
  return o ? o->if_contains(k) : nullptr;
}

std::optional<std::string> str_param(const json::value& p, std::string_view k) {
  const json::value* v = param(p, k);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<uint64_t> id_param(const json::value& p, std::string_view k = "id") {
  const json::value* v = param(p, k);
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (!v || !v->is_string() || v->get_string().size() > 40) return std::nullopt;
  std::string_view s = v->get_string();
  auto u = s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
  if (!u || !u->fits_u64()) return std::nullopt;
  return u->low_u64();
}

// A JSON object given as an object or as JSON text (ICON tools send strings).
std::optional<json::object> object_param(const json::value& p, std::string_view k) {
  const json::value* v = param(p, k);
  if (!v) return json::object();
  if (v->is_object()) return v->get_object();
  if (!v->is_string() || v->get_string().size() > kTemplateBytesMax) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(v->get_string(), ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return parsed.get_object();
}

int64_t now_of(Host& h) { return h.block().timestamp_us / 1'000'000; }
Act act_of(Host& h) { return Act{now_of(h), h.frame().caller.to_string()}; }

// Runs one transition on instance `id` and commits it.
template <typename F>
CallResult transit(Host& h, const json::value& p, F&& step) {
  auto id = id_param(p);
  if (!id) return bad("id: expected an instance id");
  if (auto r = store::reentered(h)) return *r;
  CallResult fail;
  auto loaded = store::load(h, *id, &fail);
  if (!loaded) return fail;
  Result r = step(loaded->t, loaded->inst);
  if (auto* e = std::get_if<EngineError>(&r)) return CallResult::fail(kRefused, e->message);
  auto q = store::load_queue(h, &fail);
  if (!q) return fail;
  const Transition& tr = std::get<Transition>(r);
  if (!store::commit(h, *q, loaded->t, &loaded->inst, tr, &fail) || !store::save_queue(h, *q, &fail)) return fail;
  return CallResult::success(json::object{{"status", status_name(tr.next.status)}, {"stage", tr.next.stage}});
}

std::string prose_key(const Hash32& hash, const std::string& lang) { return "prose/" + hash.hex() + "/" + lang; }

// registerTemplate's optional `prose`: {lang: source text}, each hashing to the template's pin; stored
// so that proposals bind the prose rendered from their params (seal_prose).
bool store_prose(Host& h, const Template& t, const Hash32& hash, const json::value& p, CallResult* fail) {
  if (!param(p, "prose")) return true;
  auto sources = object_param(p, "prose");
  if (!sources) return (*fail = bad("prose: expected a JSON object {lang: source text}"), false);
  for (const auto& kv : *sources) {
    const std::string_view lang = kv.key();  // not a structured binding: clang 14 cannot capture one
    const json::value& text = kv.value();
    auto pin = std::find_if(t.prose.begin(), t.prose.end(), [&](const Prose& x) { return x.lang == lang; });
    if (pin == t.prose.end()) return (*fail = bad("prose." + std::string(lang) + ": the template has no prose in it"), false);
    if (!text.is_string() || text.get_string().size() > kProseBytesMax)
      return (*fail = bad("prose." + std::string(lang) + ": expected the source text, at most " + std::to_string(kProseBytesMax) + " bytes"), false);
    Hash32 got = crypto::sha3_256(as_bytes(text.get_string()));
    if (got != pin->hash)
      return (*fail = CallResult::fail(kTemplateRefused, "prose." + std::string(lang) + ": the source hashes to sha3-256:" +
                                                             got.hex() + ", the template pins sha3-256:" + pin->hash.hex()), false);
    if (!store::put(h, prose_key(hash, pin->lang), std::string(text.get_string()), fail)) return false;
  }
  return true;
}

// The prose sources registered with template `hash`, by language.
std::optional<std::map<std::string, std::string>> load_prose(Host& h, const Template& t, const Hash32& hash, CallResult* fail) {
  std::map<std::string, std::string> sources;
  for (const Prose& pr : t.prose) {
    auto text = store::get(h, prose_key(hash, pr.lang), fail);
    if (!fail->ok) return std::nullopt;
    if (text) sources[pr.lang] = std::move(*text);
  }
  return sources;
}

CallResult register_template(Host& h, const json::value& p) {
  if (auto r = store::reentered(h)) return *r;
  auto text = str_param(p, "template");
  if (!text || text->size() > kTemplateBytesMax) return bad("template: expected the template's JSON text");
  auto parsed = parse_template_json(*text);
  if (auto* e = std::get_if<ParseError>(&parsed)) return CallResult::fail(kTemplateRefused, "[schema] " + e->to_string());
  const Template& t = std::get<Template>(parsed);
  CheckReport report = check_template(t);
  if (!report.ok()) return CallResult::fail(kTemplateRefused, report.failures.front().to_string());
  Hash32 hash = template_hash(t);
  CallResult fail;
  if (!store_prose(h, t, hash, p, &fail)) return fail;
  std::string key = "template/" + hash.hex();
  auto existing = store::get(h, key, &fail);
  if (!fail.ok) return fail;
  if (!existing) {
    if (!store::put(h, key, canonical_json(t), &fail)) return fail;
    auto r = h.emit(core::EventLog{{}, {"TemplateRegistered(bytes,str)", "0x" + hash.hex()}, {t.id + "@" + t.version}});
    if (!r) return CallResult::fail(r.failure());
  }
  return CallResult::success(json::value("0x" + hash.hex()));
}

// Every IRC2 asset's token is a contract of its own, and no party is the Alpha contract itself (its payouts
// would come back into it).
std::optional<CallResult> check_bindings(Host& h, const Template& t, const Instance& inst) {
  std::map<core::Address, std::string> tokens;  // token -> asset: a token pays in one asset only
  for (const Asset& a : t.assets) {
    if (a.kind != AssetKind::kIrc2) continue;
    auto token = store::token_of(a, inst);
    if (!token) return CallResult::fail(kRefused, "asset " + a.id + ": its token '" + a.contract + "' must be a contract address (cx..)");
    if (auto [it, fresh] = tokens.emplace(*token, a.id); !fresh)
      return CallResult::fail(kRefused, "assets " + it->second + " and " + a.id + " are the same token " + token->to_string());
  }
  const std::string self = h.frame().contract.to_string();
  for (const auto& [role, members] : inst.parties)
    if (std::find(members.begin(), members.end(), self) != members.end())
      return CallResult::fail(kRefused, "parties." + role + ": the Alpha contract cannot be a party");
  return std::nullopt;
}

CallResult propose_instance(Host& h, const json::value& p) {
  if (auto r = store::reentered(h)) return *r;
  auto hash_text = str_param(p, "template");
  auto hash = hash_text ? Hash32::from_hex_string(*hash_text) : std::nullopt;
  if (!hash) return bad("template: expected a template hash (0x + 64 hex)");
  auto params = object_param(p, "params");
  auto parties = object_param(p, "parties");
  if (!params || !parties) return bad("params, parties: expected JSON objects");
  std::optional<int64_t> sign_by;
  if (param(p, "signBy")) {
    auto s = id_param(p, "signBy");
    if (!s || *s > static_cast<uint64_t>(kTimeMax)) return bad("signBy: expected a time in seconds");
    sign_by = static_cast<int64_t>(*s);
  }
  CallResult fail;
  auto t = store::load_template(h, *hash, &fail);
  if (!t) return fail;
  auto counter = store::get(h, "next_instance", &fail);
  if (!fail.ok) return fail;
  auto stored = counter ? Uint256::from_dec(*counter) : std::optional<Uint256>(Uint256(1));
  if (!stored || !stored->fits_u64()) return CallResult::fail(core::FailureCode::kInvalidInstance, "alpha instance counter is corrupt");
  uint64_t id = stored->low_u64();
  std::optional<Calendar> cal;  // the instance pins the latest version of the template's calendar
  if (!t->calendar.empty() && !(cal = calendar::pin(h, t->calendar, &fail))) return fail;
  auto inst = propose(*t, *hash, id, *params, *parties, now_of(h), sign_by, cal ? &*cal : nullptr);
  if (auto* e = std::get_if<EngineError>(&inst)) return CallResult::fail(kRefused, e->message);
  if (auto r = check_bindings(h, *t, std::get<Instance>(inst))) return *r;
  auto sources = load_prose(h, *t, *hash, &fail);
  if (!sources) return fail;
  if (auto e = seal_prose(*t, std::get<Instance>(inst), *sources)) return CallResult::fail(kRefused, e->message);
  size_t paths = 0;
  if (auto e = seal_simulation(*t, std::get<Instance>(inst), kProposeSimPathsMax, &paths)) return CallResult::fail(kRefused, e->message);
  if (auto s = h.charge_steps(paths * kSimStepsPerPath); !s) return CallResult::fail(s.failure());
  auto q = store::load_queue(h, &fail);
  if (!q) return fail;
  Transition tr{std::move(std::get<Instance>(inst)), Effects{{}, {"proposed"}}};
  if (!store::put(h, "next_instance", std::to_string(id + 1), &fail) || !store::commit(h, *q, *t, nullptr, tr, &fail) ||
      !store::save_queue(h, *q, &fail))
    return fail;
  return CallResult::success(json::object{{"id", Uint256(id).to_icon_hex()}, {"hash", "0x" + tr.next.hash.hex()}});
}

CallResult sign_instance(Host& h, const json::value& p) {
  auto text = str_param(p, "hash");
  auto hash = text ? Hash32::from_hex_string(*text) : std::nullopt;
  if (!hash) return bad("hash: expected the instance hash (0x + 64 hex)");
  return transit(h, p, [&](const Template& t, const Instance& i) { return sign(t, i, act_of(h), *hash); });
}

// A payable method: the call's value, in the native coin, goes to `step` as the template's native
// asset. IRC2 assets are paid with the token's transfer (token_fallback).
using PaidStep = Result (*)(const Template&, const Instance&, const Act&, const std::string&, const Uint256&);
const Asset* native_asset(const Template& t) {
  for (const Asset& a : t.assets)
    if (a.kind == AssetKind::kNative) return &a;
  return nullptr;
}
CallResult paid_call(Host& h, const json::value& p, PaidStep step, const char* name) {
  Uint256 value = h.frame().value;
  if (value.is_zero()) return bad(std::string(name) + ": send the amount as the call's value");
  return transit(h, p, [&](const Template& t, const Instance& i) -> Result {
    if (const Asset* a = native_asset(t)) return step(t, i, act_of(h), a->id, value);
    return EngineError{"instance " + std::to_string(i.id) + " takes no native coin: pay its IRC2 asset with the token's "
                       "transfer(_to=" + h.frame().contract.to_string() + ", _value, _data={\"method\":\"" + name +
                       "\",\"params\":{\"id\":\"0x..\"}})"};
  });
}

// tokenFallback(_from, _value, _data): an IRC2 token tells the contract it received _value from
// _from. _data (hex of UTF-8 JSON, at most kTokenDataMax bytes) says what for:
// {"method": "fund" | "reserve", "params": {"id": "0x.."}}. The token (the caller) must be the token of
// one of the instance's IRC2 assets. A refusal fails the call, so the token's transfer reverts and
// the tokens stay with _from.
CallResult token_fallback(Host& h, const json::value& p) {
  const core::Address token = h.frame().caller;
  if (!token.is_contract) return bad("tokenFallback is called by a token contract, not by an account");
  auto from_text = str_param(p, "_from");
  auto from = from_text ? core::Address::parse(*from_text) : std::nullopt;
  auto value_text = str_param(p, "_value");
  auto value = value_text ? Uint256::from_icon_hex(*value_text) : std::nullopt;
  if (!from || !value || value->is_zero()) return bad("tokenFallback: expected _from (an address) and _value (0x.., not zero)");
  auto data_text = str_param(p, "_data").value_or("");
  std::string_view hex = data_text;
  if (hex.starts_with("0x")) hex.remove_prefix(2);
  auto data = hex.size() <= 2 * kTokenDataMax ? from_hex(hex) : std::nullopt;
  boost::system::error_code ec;
  json::value d = data ? json::parse(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()), ec)
                       : json::value();
  const json::object* o = !ec && d.is_object() ? &d.get_object() : nullptr;
  auto method = o && o->size() == 2 && o->contains("params") ? str_param(d, "method") : std::nullopt;
  const json::value* params = o ? o->if_contains("params") : nullptr;
  if (!method || (*method != "fund" && *method != "reserve") || !params || !params->is_object() ||
      params->get_object().size() != 1 || !id_param(*params))
    return bad("tokenFallback: _data must be the hex of {\"method\": \"fund\" or \"reserve\", \"params\": {\"id\": \"0x..\"}}, "
               "at most " + std::to_string(kTokenDataMax) + " bytes; the tokens stay with the sender");
  PaidStep step = *method == "fund" ? fund : reserve;
  CallResult fail;
  if (!store::add_held(h, token, *value, &fail)) return fail;
  return transit(h, *params, [&](const Template& t, const Instance& i) -> Result {
    auto asset = store::asset_of_token(t, i, token);
    if (!asset) return EngineError{token.to_string() + " is not the token of an asset of instance " + std::to_string(i.id)};
    return step(t, i, Act{now_of(h), from->to_string()}, *asset, *value);
  });
}

std::optional<core::Address> token_param(const json::value& p) {
  auto text = str_param(p, "token");
  auto a = text ? core::Address::parse(*text) : std::nullopt;
  return a && a->is_contract ? a : std::nullopt;
}

CallResult claim_tokens(Host& h, const json::value& p) {
  if (auto r = store::reentered(h)) return *r;
  auto token = token_param(p);
  if (!token) return bad("token: expected a token contract address (cx..)");
  return store::claim_owed(h, *token);
}

// getTokens({token, account?}): what the contract holds of `token` for all instances and payees, and
// what is owed to `account`.
CallResult get_tokens(Host& h, const json::value& p) {
  auto token = token_param(p);
  if (!token) return bad("token: expected a token contract address (cx..)");
  CallResult fail;
  auto held = store::read_amount(h, "held/" + token->to_string(), &fail);
  if (!held) return fail;
  json::object out{{"held", held->to_icon_hex()}};
  if (auto acc = str_param(p, "account")) {
    auto a = core::Address::parse(*acc);
    if (!a) return bad("account: expected an address");
    auto owed = store::read_amount(h, "owed/" + token->to_string() + "/" + a->to_string(), &fail);
    if (!owed) return fail;
    out["owed"] = owed->to_icon_hex();
  }
  return CallResult::success(std::move(out));
}

CallResult fund_instance(Host& h, const json::value& p) { return paid_call(h, p, fund, "fund"); }
CallResult reserve_payment(Host& h, const json::value& p) { return paid_call(h, p, reserve, "reserve"); }

CallResult attest_event(Host& h, const json::value& p) {
  auto event = str_param(p, "event");
  auto nonce = str_param(p, "nonce");
  if (!event || !nonce) return bad("event, nonce: expected strings");
  json::object payload;
  if (auto r = str_param(p, "result")) payload["result"] = *r;
  if (param(p, "fields")) {
    auto f = object_param(p, "fields");
    if (!f) return bad("fields: expected a JSON object");
    payload["fields"] = std::move(*f);
  }
  return transit(h, p, [&](const Template& t, const Instance& i) { return attest(t, i, act_of(h), *event, *nonce, payload); });
}

CallResult decide_instance(Host& h, const json::value& p) {
  auto d = str_param(p, "decision");
  auto c = str_param(p, "choice");
  if (!d || !c) return bad("decision, choice: expected strings");
  return transit(h, p, [&](const Template& t, const Instance& i) { return decide(t, i, act_of(h), *d, *c); });
}

CallResult delegate_right(Host& h, const json::value& p) {
  auto d = str_param(p, "decision");
  auto to = str_param(p, "to");
  if (!d || !to) return bad("decision, to: expected strings");
  return transit(h, p, [&](const Template& t, const Instance& i) { return delegate(t, i, act_of(h), *d, *to); });
}

CallResult revoke_right(Host& h, const json::value& p) {
  auto d = str_param(p, "decision");
  if (!d) return bad("decision: expected a string");
  return transit(h, p, [&](const Template& t, const Instance& i) { return revoke(t, i, act_of(h), *d); });
}

// Opening a dispute and appealing post the rung's bond as the call's value (none when it has no bond),
// in the native coin: booked as the template's native asset, never as a token the contract did not get.
CallResult bonded_call(Host& h, const json::value& p, PaidStep step) {
  return transit(h, p, [&](const Template& t, const Instance& i) -> Result {
    const Asset* a = native_asset(t);
    if (!a && !h.frame().value.is_zero())
      return EngineError{"instance " + std::to_string(i.id) + " takes no native coin: a bond is paid in the native coin"};
    return step(t, i, act_of(h), a ? a->id : std::string(), h.frame().value);
  });
}
CallResult dispute_instance(Host& h, const json::value& p) { return bonded_call(h, p, open_dispute); }
CallResult appeal_ruling(Host& h, const json::value& p) { return bonded_call(h, p, appeal); }

CallResult rule_dispute(Host& h, const json::value& p) {
  auto o = str_param(p, "outcome");
  if (!o) return bad("outcome: expected a string");
  return transit(h, p, [&](const Template& t, const Instance& i) { return rule(t, i, act_of(h), *o); });
}

CallResult get_template(Host& h, const json::value& p) {
  auto text = str_param(p, "hash");
  auto hash = text ? Hash32::from_hex_string(*text) : std::nullopt;
  if (!hash) return bad("hash: expected a template hash");
  CallResult fail;
  auto t = store::get(h, "template/" + hash->hex(), &fail);
  if (!fail.ok) return fail;
  if (!t) return bad("no template 0x" + hash->hex());
  return CallResult::success(json::parse(*t));
}

CallResult get_instance(Host& h, const json::value& p) {
  auto id = id_param(p);
  if (!id) return bad("id: expected an instance id");
  CallResult fail;
  auto text = store::get(h, "instance/" + std::to_string(*id), &fail);
  if (!fail.ok) return fail;
  if (!text) return bad("no alpha instance " + std::to_string(*id));
  return CallResult::success(json::parse(*text));
}

CallResult get_timers(Host& h, const json::value&) {
  CallResult fail;
  auto q = store::load_queue(h, &fail);
  if (!q) return fail;
  json::array a;
  for (const auto& e : *q) a.push_back(json::array{e.deadline, e.instance, e.timer});
  return CallResult::success(std::move(a));
}

// The instance a party reads before signing: instance `id` as proposed, or — with `template`, `params`,
// `parties` and optionally `signedAt` (default: this block's time) — the instance `propose` would bind
// at that time, checked the same way (a wrong param is refused with the engine's message).
std::optional<store::Loaded> preview(Host& h, const json::value& p, CallResult* fail) {
  if (param(p, "id")) {
    auto id = id_param(p);
    if (!id) return (*fail = bad("id: expected an instance id"), std::nullopt);
    return store::load(h, *id, fail);
  }
  auto hash_text = str_param(p, "template");
  auto hash = hash_text ? Hash32::from_hex_string(*hash_text) : std::nullopt;
  if (!hash) return (*fail = bad("template: expected a template hash (0x + 64 hex), or give id"), std::nullopt);
  auto params = object_param(p, "params");
  auto parties = object_param(p, "parties");
  if (!params || !parties) return (*fail = bad("params, parties: expected JSON objects"), std::nullopt);
  int64_t at = now_of(h);
  if (param(p, "signedAt")) {
    auto s = id_param(p, "signedAt");
    if (!s || *s > static_cast<uint64_t>(kTimeMax)) return (*fail = bad("signedAt: expected a time in seconds"), std::nullopt);
    at = static_cast<int64_t>(*s);
  }
  auto t = store::load_template(h, *hash, fail);
  if (!t) return std::nullopt;
  std::optional<Calendar> cal;
  if (!t->calendar.empty() && !(cal = calendar::pin(h, t->calendar, fail))) return std::nullopt;
  auto inst = propose(*t, *hash, 1, *params, *parties, at, std::nullopt, cal ? &*cal : nullptr);
  if (auto* e = std::get_if<EngineError>(&inst)) return (*fail = CallResult::fail(kRefused, e->message), std::nullopt);
  return store::Loaded{std::move(*t), std::move(std::get<Instance>(inst))};
}

// simulate: the simulation report of preview(p) — the same walk, bounded the same way, as a proposal's
// (at most kProposeSimPathsMax paths), so the digest is the one the instance hash binds.
CallResult simulate_instance(Host& h, const json::value& p) {
  CallResult fail;
  auto loaded = preview(h, p, &fail);
  if (!loaded) return fail;
  auto r = simulation_report(loaded->t, loaded->inst, kProposeSimPathsMax);
  if (auto* e = std::get_if<EngineError>(&r)) return CallResult::fail(kRefused, e->message);
  json::value& report = std::get<json::value>(r);
  if (auto s = h.charge_steps(report.at("paths").as_array().size() * kSimStepsPerPath); !s) return CallResult::fail(s.failure());
  return CallResult::success(std::move(report));
}

// getProse: language `lang` of preview(p)'s template: the text rendered from its params and parties
// when the template's source was registered, else the pinned source hash alone ({text: null}).
CallResult get_prose(Host& h, const json::value& p) {
  auto lang = str_param(p, "lang");
  if (!lang) return bad("lang: expected a language of the template (en, ko, ...)");
  CallResult fail;
  auto loaded = preview(h, p, &fail);
  if (!loaded) return fail;
  const Template& t = loaded->t;
  auto pin = std::find_if(t.prose.begin(), t.prose.end(), [&](const Prose& x) { return x.lang == *lang; });
  if (pin == t.prose.end()) return bad("lang: the template has no prose in '" + *lang + "'");
  auto source = store::get(h, prose_key(loaded->inst.template_hash, *lang), &fail);
  if (!fail.ok) return fail;
  if (!source) return CallResult::success(json::object{{"lang", *lang}, {"text", nullptr}, {"source", "0x" + pin->hash.hex()}});
  auto r = render_instance_prose(t, loaded->inst, *lang, *source);
  if (auto* e = std::get_if<EngineError>(&r)) return CallResult::fail(kRefused, e->message);
  json::object out = std::move(std::get<json::object>(r));
  out["source"] = "0x" + pin->hash.hex();
  return CallResult::success(std::move(out));
}

using contracts::Payable;
constexpr auto kW = contracts::Access::kWrite;
constexpr auto kR = contracts::Access::kReadOnly;

constexpr contracts::NativeMethod kMethods[] = {
    {{"registerTemplate", kW, Payable::kNo, 50'000, "template:str,prose:dict", "str"}, register_template},
    {{"propose", kW, Payable::kNo, 50'000, "template:str,params:dict,parties:dict,signBy:int", "dict"}, propose_instance},
    {{"sign", kW, Payable::kNo, 20'000, "id:int,hash:str", "dict"}, sign_instance},
    {{"fund", kW, Payable::kYes, 20'000, "id:int", "dict"}, fund_instance},
    {{"reserve", kW, Payable::kYes, 20'000, "id:int", "dict"}, reserve_payment},
    {{"attest", kW, Payable::kNo, 30'000, "id:int,event:str,nonce:str,result:str,fields:dict", "dict"}, attest_event},
    {{"decide", kW, Payable::kNo, 20'000, "id:int,decision:str,choice:str", "dict"}, decide_instance},
    {{"delegate", kW, Payable::kNo, 20'000, "id:int,decision:str,to:Address", "dict"}, delegate_right},
    {{"revoke", kW, Payable::kNo, 20'000, "id:int,decision:str", "dict"}, revoke_right},
    {{"dispute", kW, Payable::kYes, 20'000, "id:int", "dict"}, dispute_instance},
    {{"appeal", kW, Payable::kYes, 20'000, "id:int", "dict"}, appeal_ruling},
    {{"rule", kW, Payable::kNo, 20'000, "id:int,outcome:str", "dict"}, rule_dispute},
    {{"tokenFallback", kW, Payable::kNo, 20'000, "_from:Address,_value:int,_data:bytes", ""}, token_fallback},
    {{"claim", kW, Payable::kNo, 20'000, "token:Address", "int"}, claim_tokens},
    {{"getTokens", kR, Payable::kNo, 0, "token:Address,account:Address", "dict"}, get_tokens},
    {{"setCalendar", kW, Payable::kNo, 50'000, "name:str,weekend:list,holidays:list,utcOffset:int", "int"}, calendar::set_calendar},
    {{"getCalendar", kR, Payable::kNo, 0, "name:str,version:int", "dict"}, calendar::get_calendar},
    {{"getTemplate", kR, Payable::kNo, 0, "hash:str", "dict"}, get_template},
    {{"getInstance", kR, Payable::kNo, 0, "id:int", "dict"}, get_instance},
    {{"getTimers", kR, Payable::kNo, 0, "", "list"}, get_timers},
    {{"simulate", kR, Payable::kNo, 50'000, "id:int,template:str,params:dict,parties:dict,signedAt:int", "dict"}, simulate_instance},
    {{"getProse", kR, Payable::kNo, 20'000, "lang:str,id:int,template:str,params:dict,parties:dict,signedAt:int", "dict"}, get_prose},
};

}  // namespace

core::Address alpha_contract_address() {
  FixedBytes<20> id{};
  id.bytes[18] = 0x0a;
  id.bytes[19] = 0x01;
  return core::Address::contract(id);
}

std::shared_ptr<const contracts::Contract> make_alpha_contract() {
  return std::make_shared<const contracts::NativeContract>("alpha", kMethods);
}

contracts::HostResult<uint32_t> fire_due_timers(Host& h, uint32_t max) {
  CallResult fail;
  auto q = store::load_queue(h, &fail);
  if (!q) return fail.failure();
  const int64_t now = now_of(h);
  uint32_t fired = 0;
  std::map<Hash32, Template> templates;  // parsed once per block, however many of its instances fire
  while (fired < max && !q->empty() && q->begin()->deadline <= now) {
    store::QueueEntry e = *q->begin();
    q->erase(q->begin());  // whatever happens below, this timer never fires again
    ++fired;
    auto inst = store::load_instance(h, e.instance, &fail);
    if (!inst) continue;
    auto t = templates.find(inst->template_hash);
    if (t == templates.end()) {
      auto parsed = store::load_template(h, inst->template_hash, &fail);
      if (!parsed) continue;
      t = templates.emplace(inst->template_hash, std::move(*parsed)).first;
    }
    Result r = fire_timer(t->second, *inst, now, e.timer);
    if (auto* tr = std::get_if<Transition>(&r))
      if (!store::commit(h, *q, t->second, &*inst, *tr, &fail, false)) return fail.failure();
  }
  if (fired && !store::save_queue(h, *q, &fail)) return fail.failure();
  return fired;
}

}  // namespace cx::alpha
