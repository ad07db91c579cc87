#include "governance/store.hpp"

namespace cx::governance::store {

std::optional<CallResult> get(Host& h, std::string_view key, std::optional<json::value>& out) {
  auto r = h.storage_get(as_bytes(key));
  if (!r) return CallResult::fail(r.failure());
  out.reset();
  if (!r->has_value()) return std::nullopt;
  out = model::parse(*r);
  if (!out) return CallResult::fail(core::FailureCode::kUnknown, "governance storage '" + std::string(key) + "' is corrupt");
  return std::nullopt;
}

std::optional<CallResult> put(Host& h, std::string_view key, const json::value& value) {
  const std::string text = json::serialize(value);
  auto r = h.storage_set(as_bytes(key), as_bytes(text));
  if (!r) return CallResult::fail(r.failure());
  return std::nullopt;
}

namespace {
CallResult corrupt(std::string_view what) {
  return CallResult::fail(core::FailureCode::kUnknown, "governance storage '" + std::string(what) + "' is missing or corrupt");
}
}  // namespace

std::optional<CallResult> load_params(Host& h, Params& out) {
  std::optional<json::value> v;
  if (auto f = get(h, "params", v)) return f;
  auto p = v ? model::params_from(*v) : std::nullopt;
  if (!p) return corrupt("params");
  out = *p;
  return std::nullopt;
}

std::optional<CallResult> load_rules(Host& h, std::map<std::string, Rule>& out) {
  std::optional<json::value> v;
  if (auto f = get(h, "rules", v)) return f;
  if (!v || !v->is_object()) return corrupt("rules");
  out.clear();
  for (const auto& kv : v->get_object()) {
    auto r = model::rule_from(kv.value());
    if (!r) return corrupt("rules");
    out[std::string(kv.key())] = *r;
  }
  const auto defaults = default_rules();
  for (const char* a : kLaterActions) out.emplace(a, defaults.at(a));
  return std::nullopt;
}

std::optional<CallResult> load_member(Host& h, const core::Address& a, std::optional<Member>& out) {
  std::optional<json::value> v;
  if (auto f = get(h, model::member_key(a), v)) return f;
  out.reset();
  if (!v) return std::nullopt;
  out = model::member_from(*v);
  if (!out) return corrupt(model::member_key(a));
  return std::nullopt;
}

std::optional<CallResult> save_member(Host& h, const Member& m) { return put(h, model::member_key(m.address), model::member_json(m)); }

std::optional<CallResult> load_addresses(Host& h, std::vector<core::Address>& out) {
  std::optional<json::value> v;
  if (auto f = get(h, "members", v)) return f;
  if (!v || !v->is_array()) return corrupt("members");
  out.clear();
  for (const auto& e : v->get_array()) {
    auto a = e.is_string() ? core::Address::parse(e.get_string()) : std::nullopt;
    if (!a) return corrupt("members");
    out.push_back(*a);
  }
  return std::nullopt;
}

std::optional<CallResult> load_epochs(Host& h, std::vector<core::ValidatorEpoch>& out) {
  std::optional<json::value> count;
  if (auto f = get(h, "epochs", count)) return f;
  auto n = count ? model::u64_of(&*count) : std::nullopt;
  if (!n || *n == 0 || *n > kEpochsMax) return corrupt("epochs");
  out.clear();
  for (uint64_t i = 0; i < *n; ++i) {
    std::optional<json::value> v;
    if (auto f = get(h, model::epoch_key(i), v)) return f;
    auto e = v ? model::epoch_from(*v) : std::nullopt;
    if (!e) return corrupt(model::epoch_key(i));
    out.push_back(std::move(*e));
  }
  return std::nullopt;
}

std::optional<CallResult> append_epoch(Host& h, uint64_t index, const core::ValidatorEpoch& e) {
  if (auto f = put(h, model::epoch_key(index), model::epoch_json(e))) return f;
  return put(h, "epochs", json::value(index + 1));
}

}  // namespace cx::governance::store
