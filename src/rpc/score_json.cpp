// icx_getScoreApi and icx_getScoreStatus in goloop's shapes (doc/jsonrpc_v3.md; goloop's scoreapi
// method JSON and chain score's getScoreStatus).
#include "rpc/json_format.hpp"

namespace cx::rpc {

namespace json = boost::json;

namespace {

const char* kind_name(acore::AbiEntry::Kind k) {
  switch (k) {
    case acore::AbiEntry::Kind::kFunction: return "function";
    case acore::AbiEntry::Kind::kFallback: return "fallback";
    case acore::AbiEntry::Kind::kEventLog: return "eventlog";
  }
  return "function";
}

json::object param_to_json(const acore::AbiParam& p, bool with_name) {
  json::object o;
  if (with_name) o["name"] = p.name;
  o["type"] = p.type;
  if (p.indexed) o["indexed"] = "0x1";
  // An optional input: goloop writes its default, null when the default is null.
  if (p.optional) o["default"] = p.default_value ? json::value(*p.default_value) : json::value(nullptr);
  if (!p.fields.empty()) {
    json::array fields;
    for (const auto& f : p.fields) fields.push_back(param_to_json(f, /*with_name=*/true));
    o["fields"] = std::move(fields);
  }
  return o;
}

json::object version_to_json(const acore::CodeVersion& v) {
  json::object o;
  o["type"] = "lua";
  o["status"] = acore::to_string(v.status);
  o["deployTxHash"] = hash_hex(v.deploy_tx_hash);
  if (!v.audit_tx_hash.is_zero()) o["auditTxHash"] = hash_hex(v.audit_tx_hash);
  o["codeHash"] = hash_hex(v.code_hash);
  return o;
}

}  // namespace

json::array score_api_to_json(const std::vector<acore::AbiEntry>& api) {
  json::array out;
  out.reserve(api.size());
  for (const auto& e : api) {
    json::object o;
    o["type"] = kind_name(e.kind);
    o["name"] = e.name;
    json::array inputs;
    for (const auto& p : e.inputs) inputs.push_back(param_to_json(p, /*with_name=*/true));
    o["inputs"] = std::move(inputs);
    if (e.kind == acore::AbiEntry::Kind::kFunction) {
      json::array outputs;
      for (const auto& p : e.outputs) outputs.push_back(param_to_json(p, /*with_name=*/false));
      o["outputs"] = std::move(outputs);
    }
    if (e.readonly) o["readonly"] = "0x1";
    if (e.payable) o["payable"] = "0x1";
    out.push_back(std::move(o));
  }
  return out;
}

json::object score_status_to_json(const acore::ContractInfo& info) {
  json::object o;
  o["owner"] = info.owner.to_string();
  if (info.current) o["current"] = version_to_json(*info.current);
  if (info.next) o["next"] = version_to_json(*info.next);
  o["blocked"] = info.blocked ? "0x1" : "0x0";
  o["disabled"] = info.disabled ? "0x1" : "0x0";
  return o;
}

}  // namespace cx::rpc
