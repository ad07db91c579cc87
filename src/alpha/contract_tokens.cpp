// IRC2 escrow of the Alpha system contract (contract_store.hpp, docs/alpha-engine.md §4): which token
// an asset is, the tokens held per token contract, payouts through the token's transfer(), and the
// payouts a token refused, owed to their payee until it claims them.
#include <boost/json.hpp>

#include "alpha/contract_store.hpp"

namespace cx::alpha::store {

namespace json = boost::json;

namespace {

bool failed(core::FailureCode code, std::string m, CallResult* fail) {
  *fail = CallResult::fail(code, std::move(m));
  return false;
}

std::string held_key(const core::Address& token) { return "held/" + token.to_string(); }
std::string owed_key(const core::Address& token, const core::Address& to) {
  return "owed/" + token.to_string() + "/" + to.to_string();
}

bool write_amount(Host& h, const std::string& key, const Uint256& v, CallResult* fail) {
  return v.is_zero() ? erase(h, key, fail) : put(h, key, v.to_dec(), fail);
}

// held -= amount, after the token moved it out.
bool sub_held(Host& h, const core::Address& token, const Uint256& amount, CallResult* fail) {
  auto held = read_amount(h, held_key(token), fail);
  if (!held) return false;
  auto rest = held->checked_sub(amount);
  if (!rest)
    return failed(core::FailureCode::kInvalidInstance,
                  "alpha holds " + held->to_dec() + " of " + token.to_string() + ", less than a payout of " + amount.to_dec(), fail);
  return write_amount(h, held_key(token), *rest, fail);
}

CallResult token_transfer(Host& h, const core::Address& token, const core::Address& to, const Uint256& amount,
                          uint64_t steps) {
  contracts::CallArgs a;
  a.contract = token;
  a.method = "transfer";
  a.params = json::object{{"_to", to.to_string()}, {"_value", amount.to_icon_hex()}};
  a.step_limit = steps;
  return h.call(a);
}

}  // namespace

std::optional<Uint256> read_amount(Host& h, const std::string& key, CallResult* fail) {
  auto text = get(h, key, fail);
  if (!fail->ok) return std::nullopt;
  if (!text) return Uint256();
  auto v = Uint256::from_dec(*text);
  if (!v) failed(core::FailureCode::kInvalidInstance, "alpha storage '" + key + "' is corrupt", fail);
  return v;
}

std::optional<core::Address> token_of(const Asset& a, const Instance& inst) {
  std::string text = a.contract;
  if (const json::value* v = inst.params.if_contains(a.contract)) text = v->is_string() ? std::string(v->get_string()) : "";
  auto addr = core::Address::parse(text);
  if (!addr || !addr->is_contract) return std::nullopt;
  return addr;
}

std::optional<std::string> asset_of_token(const Template& t, const Instance& inst, const core::Address& token) {
  for (const Asset& a : t.assets)
    if (a.kind == AssetKind::kIrc2 && token_of(a, inst) == token) return a.id;
  return std::nullopt;
}

bool add_held(Host& h, const core::Address& token, const Uint256& amount, CallResult* fail) {
  auto held = read_amount(h, held_key(token), fail);
  if (!held) return false;
  auto sum = held->checked_add(amount);
  if (!sum) return failed(core::FailureCode::kInvalidParameter, "the tokens held of " + token.to_string() + " would overflow", fail);
  return write_amount(h, held_key(token), *sum, fail);
}

std::optional<CallResult> reentered(Host& h) {
  CallResult fail;
  auto lock = get(h, "lock", &fail);
  if (!fail.ok) return fail;
  if (!lock) return std::nullopt;
  return CallResult::fail(core::user_failure(1),
                          "the Alpha contract is paying out tokens; it cannot be called back in the middle of it");
}

bool pay_token(Host& h, const core::Address& token, const core::Address& to, const Uint256& amount, CallResult* fail) {
  if (amount.is_zero()) return true;
  CallResult r = token_transfer(h, token, to, amount, kTokenCallSteps);
  if (r.ok) return sub_held(h, token, amount, fail);
  // Refused by the token or the payee (a contract whose tokenFallback reverts): the tokens stay with
  // the contract, owed to the payee, and the transition goes on.
  auto owed = read_amount(h, owed_key(token, to), fail);
  if (!owed) return false;
  if (!write_amount(h, owed_key(token, to), owed->checked_add(amount).value_or(Uint256::max()), fail)) return false;
  std::string why = r.message.substr(0, 200);
  auto e = h.emit(core::EventLog{{}, {"PayoutDeferred(Address,Address,int,str)", token.to_string(), to.to_string()},
                                 {amount.to_icon_hex(), why}});
  if (!e) return failed(e.failure().code, e.failure().message, fail);
  return true;
}

CallResult claim_owed(Host& h, const core::Address& token) {
  const core::Address to = h.frame().caller;
  CallResult fail;
  auto owed = read_amount(h, owed_key(token, to), &fail);
  if (!owed) return fail;
  if (owed->is_zero()) return CallResult::fail(core::user_failure(1), "no tokens of " + token.to_string() + " are owed to " + to.to_string());
  if (!erase(h, owed_key(token, to), &fail) || !put(h, "lock", "1", &fail)) return fail;
  CallResult r = token_transfer(h, token, to, *owed, contracts::kAllSteps);
  if (!r.ok) return CallResult::fail(core::user_failure(3), "token " + token.to_string() + " refused the transfer: " + r.message);
  if (!sub_held(h, token, *owed, &fail) || !erase(h, "lock", &fail)) return fail;
  return CallResult::success(json::value(owed->to_icon_hex()));
}

}  // namespace cx::alpha::store
