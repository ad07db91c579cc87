// The escrow of an instance (docs/alpha-engine.md "Money"): payments in become stakes of their payers;
// settlements pay claims in their written order (seniority: a claim is capped by what is left, so
// when funds are short the earlier obligations are paid first), then sweep the rest. Every payout
// draws on stakes, so sum(stakes) == escrow per asset at every step.
#include "alpha/engine_impl.hpp"

namespace cx::alpha::detail {
namespace {

Uint256 add(const Uint256& a, const Uint256& b) { return a.checked_add(b).value_or(Uint256::max()); }

// Takes up to `want` out of the stakes selected by `who` ("" = any payer, "role" = its members,
// "role#i" = one member), in stake-key order. Returns what was taken.
Uint256 draw(Run& r, const std::string& asset, const std::string& who, const Uint256& want) {
  Ledger& stakes = r.inst.stakes[asset];
  Uint256 taken;
  for (auto it = stakes.begin(); it != stakes.end() && taken < want;) {
    const std::string& key = it->first;
    bool match = who.empty() || key == who || (key.starts_with(who + "#") && who.find('#') == std::string::npos);
    if (!match) {
      ++it;
      continue;
    }
    Uint256 need = *want.checked_sub(taken);
    Uint256 take = it->second < need ? it->second : need;
    it->second = *it->second.checked_sub(take);
    taken = add(taken, take);
    it = it->second.is_zero() ? stakes.erase(it) : std::next(it);
  }
  if (stakes.empty()) r.inst.stakes.erase(asset);
  Uint256& e = r.inst.escrow[asset];
  e = *e.checked_sub(taken);
  if (e.is_zero()) r.inst.escrow.erase(asset);
  return taken;
}

// Pays `amount` (already drawn from the escrow) to `address`, less the fees that the template levies
// on `stage` from the payee's role.
void payout(Run& r, const std::string& role, const std::string& address, const std::string& asset, Uint256 amount,
            const std::string& why, const std::string& stage) {
  if (amount.is_zero()) return;
  for (const Fee& f : r.t.fees) {
    if (stage.empty() || f.payer != role || std::find(f.on.begin(), f.on.end(), stage) == f.on.end()) continue;
    auto to = r.inst.parties.find(f.to);
    if (to == r.inst.parties.end() || to->second.empty()) continue;
    auto scaled = amount.checked_mul(Uint256(f.bps));
    if (!scaled) continue;
    Uint256 rem;
    Uint256 q = scaled->div(Uint256(10'000), &rem);
    Uint256 fee = f.rounding == Rounding::kCeil && !rem.is_zero() ? add(q, Uint256(1)) : q;
    if (fee > amount) fee = amount;
    amount = *amount.checked_sub(fee);
    if (!fee.is_zero()) r.fx.payouts.push_back({to->second[0], asset, fee, "fee " + f.id});
  }
  if (!amount.is_zero()) r.fx.payouts.push_back({address, asset, amount, why});
}

std::string role_of(const std::string& key) { return key.substr(0, key.find('#')); }

// The rest of a settlement: back to each payer, or all of it to one role.
void sweep(Run& r, const Settle& s, const std::string& place, const std::string& stage) {
  std::vector<std::string> assets;
  for (const auto& [asset, _] : r.inst.escrow) assets.push_back(asset);
  for (const std::string& asset : assets) {
    if (s.rest == Rest::kRefund) {
      Ledger stakes = r.inst.stakes[asset];
      for (const auto& [key, amount] : stakes) {
        Uint256 got = draw(r, asset, key, amount);
        payout(r, role_of(key), address_of(r.inst, key), asset, got, "refund " + place, "");
      }
    } else {
      Uint256 all = r.inst.escrow[asset];
      Uint256 got = draw(r, asset, "", all);
      payout(r, s.rest_to, r.inst.parties.at(s.rest_to).at(0), asset, got, "release " + place, stage);
    }
  }
}

}  // namespace

void pay_in(Run& r, const std::string& asset, const std::string& key, const Uint256& amount) {
  r.inst.escrow[asset] = add(r.inst.escrow[asset], amount);
  r.inst.stakes[asset][key] = add(r.inst.stakes[asset][key], amount);
  r.inst.paid[asset][key] = add(r.inst.paid[asset][key], amount);
}

bool settle(Run& r, const Settle& s, const std::string& place, const std::string& stage) {
  for (size_t i = 0; i < s.claims.size(); ++i) {
    const Claim& c = s.claims[i];
    std::string cp = place + ".claims[" + std::to_string(i) + "]";
    auto amount = eval_amount(r, c.amount, cp + ".amount");
    auto asset = amount_asset(r.t, c.amount);
    if (!amount) return false;
    if (!asset) {
      r.fault = cp + ": the amount's asset is unknown";
      return false;
    }
    std::string from;
    if (c.from) {
      auto v = eval(r, *c.from, cp + ".from");
      if (!v) return false;
      from = v->sym;
    }
    auto to = r.inst.parties.find(c.to);
    if (to == r.inst.parties.end() || to->second.size() != 1) {
      r.fault = cp + ".to: role '" + c.to + "' is not bound to exactly one address";
      return false;
    }
    Uint256 got = draw(r, *asset, from, *amount);  // capped by what is left: seniority by order
    payout(r, c.to, to->second[0], *asset, got, "claim " + cp, stage);
  }
  if (s.sweeps()) sweep(r, s, place, stage);
  return true;
}

bool pay_from_reserve(Run& r, const Stage& s, const std::string& asset, const Uint256& amount) {
  auto res = r.inst.reserved.find(asset);
  if (res == r.inst.reserved.end()) return false;
  for (const std::string& member : r.inst.parties.at(s.from)) {
    std::string key = member_key(r.inst, s.from, member);
    auto it = res->second.find(key);
    if (it == res->second.end() || it->second < amount) continue;
    it->second = *it->second.checked_sub(amount);
    if (it->second.is_zero()) res->second.erase(it);
    if (res->second.empty()) r.inst.reserved.erase(res);
    if (s.to == "escrow") {
      pay_in(r, asset, key, amount);
    } else {
      r.inst.paid[asset][key] = add(r.inst.paid[asset][key], amount);
      r.fx.payouts.push_back({r.inst.parties.at(s.to).at(0), asset, amount, "pay " + s.id});
    }
    r.fx.log.push_back("paid " + s.id + " from the reservation of " + key);
    return true;
  }
  return false;
}

void refund_reserved(Run& r) {
  for (const auto& [asset, ledger] : r.inst.reserved)
    for (const auto& [key, amount] : ledger) r.fx.payouts.push_back({address_of(r.inst, key), asset, amount, "reservation back"});
  r.inst.reserved.clear();
}

void refund_all(Run& r, const std::string& why) {
  Settle s;
  s.rest = Rest::kRefund;
  sweep(r, s, why, "");
}

}  // namespace cx::alpha::detail
