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
#include "contracts/native.hpp"

namespace cx::alpha {

using contracts::CallResult;
using contracts::Host;
namespace json = boost::json;

namespace {

constexpr core::FailureCode kRefused = core::user_failure(1);     // the engine refused the transition
constexpr core::FailureCode kTemplateRefused = core::user_failure(2);  // parse or checker failure

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
  CallResult fail;
  auto loaded = store::load(h, *id, &fail);
  if (!loaded) return fail;
  Result r = step(loaded->t, loaded->inst);
  if (auto* e = std::get_if<EngineError>(&r)) return CallResult::fail(kRefused, e->message);
  auto q = store::load_queue(h, &fail);
  if (!q) return fail;
  const Transition& tr = std::get<Transition>(r);
  if (!store::commit(h, *q, &loaded->inst, tr, &fail) || !store::save_queue(h, *q, &fail)) return fail;
  return CallResult::success(json::object{{"status", status_name(tr.next.status)}, {"stage", tr.next.stage}});
}

CallResult register_template(Host& h, const json::value& p) {
  auto text = str_param(p, "template");
  if (!text || text->size() > kTemplateBytesMax) return bad("template: expected the template's JSON text");
  auto parsed = parse_template_json(*text);
  if (auto* e = std::get_if<ParseError>(&parsed)) return CallResult::fail(kTemplateRefused, "[schema] " + e->to_string());
  const Template& t = std::get<Template>(parsed);
  CheckReport report = check_template(t);
  if (!report.ok()) return CallResult::fail(kTemplateRefused, report.failures.front().to_string());
  Hash32 hash = template_hash(t);
  CallResult fail;
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

CallResult propose_instance(Host& h, const json::value& p) {
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
  for (const Asset& a : t->assets)
    if (a.kind != AssetKind::kNative)
      return CallResult::fail(kRefused, "asset " + a.id + " is an IRC2 token; the system contract escrows the native coin only (IRC2 escrow is not built yet)");
  auto counter = store::get(h, "next_instance", &fail);
  if (!fail.ok) return fail;
  auto stored = counter ? Uint256::from_dec(*counter) : std::optional<Uint256>(Uint256(1));
  if (!stored || !stored->fits_u64()) return CallResult::fail(core::FailureCode::kInvalidInstance, "alpha instance counter is corrupt");
  uint64_t id = stored->low_u64();
  std::optional<Calendar> cal;  // the instance pins the latest version of the template's calendar
  if (!t->calendar.empty() && !(cal = calendar::pin(h, t->calendar, &fail))) return fail;
  auto inst = propose(*t, *hash, id, *params, *parties, now_of(h), sign_by, cal ? &*cal : nullptr);
  if (auto* e = std::get_if<EngineError>(&inst)) return CallResult::fail(kRefused, e->message);
  auto q = store::load_queue(h, &fail);
  if (!q) return fail;
  Transition tr{std::move(std::get<Instance>(inst)), Effects{{}, {"proposed"}}};
  if (!store::put(h, "next_instance", std::to_string(id + 1), &fail) || !store::commit(h, *q, nullptr, tr, &fail) ||
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

// A payable method: the call's value, in the native coin (the template's only asset here, since
// propose refuses IRC2 assets), goes to `step`.
using PaidStep = Result (*)(const Template&, const Instance&, const Act&, const std::string&, const Uint256&);
CallResult paid_call(Host& h, const json::value& p, PaidStep step, const char* name) {
  Uint256 value = h.frame().value;
  if (value.is_zero()) return bad(std::string(name) + ": send the amount as the call's value");
  return transit(h, p, [&](const Template& t, const Instance& i) {
    return step(t, i, act_of(h), t.assets.empty() ? "" : t.assets.front().id, value);
  });
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

// Opening a dispute and appealing post the rung's bond as the call's value (none when it has no bond).
CallResult bonded_call(Host& h, const json::value& p, PaidStep step) {
  return transit(h, p, [&](const Template& t, const Instance& i) {
    return step(t, i, act_of(h), t.assets.empty() ? "" : t.assets.front().id, h.frame().value);
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

using contracts::Payable;
constexpr auto kW = contracts::Access::kWrite;
constexpr auto kR = contracts::Access::kReadOnly;

constexpr contracts::NativeMethod kMethods[] = {
    {{"registerTemplate", kW, Payable::kNo, 50'000, "template:str", "str"}, register_template},
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
    {{"setCalendar", kW, Payable::kNo, 50'000, "name:str,weekend:list,holidays:list,utcOffset:int", "int"}, calendar::set_calendar},
    {{"getCalendar", kR, Payable::kNo, 0, "name:str,version:int", "dict"}, calendar::get_calendar},
    {{"getTemplate", kR, Payable::kNo, 0, "hash:str", "dict"}, get_template},
    {{"getInstance", kR, Payable::kNo, 0, "id:int", "dict"}, get_instance},
    {{"getTimers", kR, Payable::kNo, 0, "", "list"}, get_timers},
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
      if (!store::commit(h, *q, &*inst, *tr, &fail, false)) return fail.failure();
  }
  if (fired && !store::save_queue(h, *q, &fail)) return fail.failure();
  return fired;
}

}  // namespace cx::alpha
