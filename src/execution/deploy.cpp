#include "execution/deploy.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "acore/package.hpp"
#include "acore/resolver.hpp"
#include "alpha/system_contract.hpp"
#include "governance/governance.hpp"
#include "governance/ca_contract.hpp"
#include "execution/accounts.hpp"
#include "execution/exec_host.hpp"

namespace cx::execution {

namespace json = boost::json;
using acore::CodeVersion;
using acore::ContractInfo;
using acore::VersionStatus;
using core::Failure;
using core::FailureCode;

namespace {

constexpr std::string_view kAcceptMethod = "acceptScore";
constexpr std::string_view kRejectMethod = "rejectScore";
constexpr size_t kRejectReasonBytesMax = 1024;

Failure failure(FailureCode code, std::string message) { return core::make_failure(code, std::move(message)); }

const acore::Resolver* acore_of(const contracts::Registry& registry) {
  return dynamic_cast<const acore::Resolver*>(registry.resolver());
}

bool listed(const std::vector<Address>& list, const Address& a) { return std::find(list.begin(), list.end(), a) != list.end(); }

struct DeployData {
  std::string content_type;
  Bytes content;
  json::value params;       // an object, or null
  std::string params_json;  // its compact JSON, "" for null
};

// parse_transaction checked the shape: an object with a string contentType and 0x-hex content.
std::variant<DeployData, Failure> deploy_data(const core::Transaction& tx) {
  const json::object& o = tx.data.get_object();
  DeployData d;
  for (const auto& kv : o) {
    if (kv.key() == "contentType") d.content_type = std::string(kv.value().get_string());
    else if (kv.key() == "content") d.content = *from_hex(std::string_view(kv.value().get_string()).substr(2));
    else if (kv.key() == "params") d.params = kv.value();
    else return failure(FailureCode::kInvalidParameter, "deploy data has unexpected field '" + core::clip_utf8(kv.key(), 64) + "'");
  }
  if (!d.params.is_null() && !d.params.is_object())
    return failure(FailureCode::kInvalidParameter, "deploy data.params must be an object (the params of on_install/on_update)");
  if (d.params.is_object()) d.params_json = json::serialize(d.params);
  if (d.params_json.size() > acore::kDeployParamsBytesMax)
    return failure(FailureCode::kInvalidParameter, "deploy data.params is larger than 64 KiB");
  return d;
}

// Where a deploy goes: a new contract, or an update of the sender's contract.
struct Target {
  Address address;
  bool update = false;
  ContractInfo info;  // the contract's record as it is (an update), or a new record with its owner
};

std::variant<Target, Failure> deploy_target(const state::StateReader& state, const core::ChainParams& params,
                                            const contracts::Registry& registry, const core::Transaction& tx) {
  if (!tx.value.is_zero()) return failure(FailureCode::kInvalidParameter, "a deploy cannot carry value");
  if (params.deployer_allow_list && !listed(params.deployers, tx.from))
    return failure(FailureCode::kAccessDenied, tx.from.to_string() + " is not on this channel's list of deployers");
  Target t;
  if (tx.to == contracts::chain_contract_address()) {
    t.address = acore::contract_address(tx.from, tx.timestamp_us, tx.nonce);
    if (acore::read_contract_info(state, t.address) || registry.has_native(t.address))
      return failure(FailureCode::kAccessDenied, "a contract already exists at " + t.address.to_string() +
                                                     " (deployed by the same sender with the same timestamp and nonce)");
    t.info.owner = tx.from;
    return t;
  }
  if (!tx.to.is_contract || registry.has_native(tx.to))
    return failure(FailureCode::kInvalidParameter, "a deploy goes to " + contracts::chain_contract_address().to_string() +
                                                       " (install) or to the Lua contract it updates, not to " + tx.to.to_string());
  auto info = acore::read_contract_info(state, tx.to);
  if (!info) return failure(FailureCode::kContractNotFound, "no deployed contract at " + tx.to.to_string() + " to update");
  if (info->owner != tx.from)
    return failure(FailureCode::kAccessDenied, "only the owner " + info->owner.to_string() + " may update " +
                                                   tx.to.to_string() + ", not " + tx.from.to_string());
  t.address = tx.to;
  t.update = true;
  t.info = std::move(*info);
  return t;
}

struct Prepared {
  acore::Package package;
  Hash32 code_hash;
  std::shared_ptr<const acore::Resolver::Compiled> compiled;
};

// Decodes and compiles the content: a CodeError names the file, line and cause.
std::variant<Prepared, Failure> prepare(const acore::Resolver& resolver, const DeployData& d) {
  auto decoded = acore::decode_content(d.content_type, d.content);
  if (auto* e = std::get_if<acore::CodeError>(&decoded)) return failure(FailureCode::kIllegalFormat, "deploy refused: " + e->to_string());
  Prepared p;
  p.package = std::get<acore::Package>(std::move(decoded));
  p.code_hash = acore::package_hash(p.package);
  auto compiled = resolver.compile(p.code_hash, p.package);
  if (auto* e = std::get_if<acore::CodeError>(&compiled)) return failure(FailureCode::kIllegalFormat, "deploy refused: " + e->to_string());
  p.compiled = std::get<0>(std::move(compiled));
  return p;
}

// goloop: contractCreate (or contractUpdate) once, plus contractSet per byte of content.
Uint256 deploy_steps(const core::StepCosts& c, bool update, size_t content_bytes) {
  const Uint256 flat(update ? c.contract_update : c.contract_create);
  return *flat.checked_add(*Uint256(c.contract_set).checked_mul(Uint256(content_bytes)));
}

bool charge(TxRun& run, const Uint256& steps) {
  auto total = run.steps.checked_add(steps);
  if (!total || *total > run.tx.step_limit) {
    run.failure = failure(FailureCode::kOutOfStep, "out of step: this deploy needs " +
                                                      (total ? total->to_icon_hex() : std::string("more")) + " steps");
    run.steps = run.tx.step_limit;
    return false;
  }
  run.steps = *total;
  return true;
}

// The version `info.current` was, moved to the versions on record.
void retire_current(Journal& j, const Address& contract, ContractInfo& info) {
  if (!info.current) return;
  CodeVersion old = *info.current;
  old.status = VersionStatus::kInactive;
  j.set(acore::earlier_version_key(contract, info.earlier_versions), acore::encode_version(old));
  ++info.earlier_versions;
}

bool has_method(const contracts::Contract& c, std::string_view name) {
  const auto abi = c.abi();
  return std::any_of(abi.begin(), abi.end(), [&](const auto& m) { return m.name == name; });
}

// Runs on_install or on_update (when the program has it) in a frame of `contract`, `caller` calling.
bool run_hook(TxRun& run, const Address& contract, const contracts::Contract& installer, std::string_view hook,
              const json::value& params, const Address& caller) {
  if (!has_method(installer, hook)) return true;
  const Uint256 room = *run.tx.step_limit.checked_sub(run.steps);
  ExecHost host(run.journal, run.ctx, run.registry, room.fits_u64() ? room.low_u64() : UINT64_MAX,
                contracts::TxInfo{run.tx.hash, run.tx.timestamp_us, run.tx.nonce.value_or(Uint256())});
  const contracts::Frame frame{contract, caller, run.tx.from, Uint256(), 0, contracts::Access::kWrite};
  contracts::CallResult r = host.run(frame, installer, hook, params);
  run.steps = *run.steps.checked_add(Uint256(host.steps_used()));
  if (!r.ok) {
    run.failure = failure(r.code, std::string(hook) + " of " + contract.to_string() + " failed: " + r.message);
    return false;
  }
  auto logs = host.take_logs();
  run.logs.insert(run.logs.end(), std::make_move_iterator(logs.begin()), std::make_move_iterator(logs.end()));
  return true;
}

core::TxRejection rejection(core::TxReject reason, const Failure& f) { return core::TxRejection{reason, f.message}; }

}  // namespace

const contracts::Registry& default_registry() {
  static const contracts::Registry registry = [] {
    contracts::Registry r = contracts::make_native_registry();
    r.add_native(alpha::alpha_contract_address(), alpha::make_alpha_contract());
    r.add_native(governance::governance_contract_address(), governance::make_governance_contract());
    r.add_native(governance::ca::ca_contract_address(), governance::ca::make_ca_contract());
    r.set_resolver(std::make_shared<const acore::Resolver>(acore::lua_runtime()));
    return r;
  }();
  return registry;
}

std::optional<core::TxRejection> admit_deploy(const state::StateReader& view, const core::ChainParams& params,
                                              const contracts::Registry& registry, const core::Transaction& tx) {
  const acore::Resolver* resolver = acore_of(registry);
  if (!resolver)
    return core::TxRejection{core::TxReject::kUnsupportedDataType, "deploy is not supported: this node runs no Lua contracts"};
  auto data = deploy_data(tx);
  if (auto* f = std::get_if<Failure>(&data)) return rejection(core::TxReject::kBadData, *f);
  auto target = deploy_target(view, params, registry, tx);
  if (auto* f = std::get_if<Failure>(&target)) return rejection(core::TxReject::kBadData, *f);
  const DeployData& d = std::get<DeployData>(data);
  const Uint256 need = *intrinsic_steps(params, tx).checked_add(
      deploy_steps(params.step_costs, std::get<Target>(target).update, d.content.size()));
  if (tx.step_limit < need)
    return core::TxRejection{core::TxReject::kStepLimitTooLow,
                             "stepLimit " + tx.step_limit.to_icon_hex() + " is below the " + need.to_icon_hex() +
                                 " steps this deploy needs (contractCreate or contractUpdate, and contractSet for each of its " +
                                 std::to_string(d.content.size()) + " bytes), before on_install runs"};
  auto prepared = prepare(*resolver, d);
  if (auto* f = std::get_if<Failure>(&prepared)) return rejection(core::TxReject::kBadData, *f);
  return std::nullopt;
}

void apply_deploy(TxRun& run) {
  const acore::Resolver* resolver = acore_of(run.registry);
  auto data = deploy_data(run.tx);
  auto target = deploy_target(run.journal, *run.ctx.params, run.registry, run.tx);
  if (!resolver) run.failure = failure(FailureCode::kIllegalFormat, "deploy is not supported: this node runs no Lua contracts");
  else if (auto* f = std::get_if<Failure>(&data)) run.failure = std::move(*f);
  else if (auto* g = std::get_if<Failure>(&target)) run.failure = std::move(*g);
  if (run.failure) return;
  const DeployData& d = std::get<DeployData>(data);
  Target& t = std::get<Target>(target);
  if (!charge(run, deploy_steps(run.ctx.params->step_costs, t.update, d.content.size())) || !pay_value(run)) return;
  auto prepared = prepare(*resolver, d);
  if (auto* f = std::get_if<Failure>(&prepared)) {
    run.failure = std::move(*f);
    return;
  }
  const Prepared& p = std::get<Prepared>(prepared);
  const Bytes code_key = acore::code_key(p.code_hash);
  if (!run.journal.get(code_key)) run.journal.set(code_key, acore::encode_package(p.package));
  const bool audit = run.ctx.params->audit_enabled;
  CodeVersion v{p.code_hash, run.tx.hash, audit ? Hash32{} : run.tx.hash,
                audit ? VersionStatus::kPending : VersionStatus::kActive, d.params_json};
  if (audit) {
    t.info.next = std::move(v);
  } else {
    retire_current(run.journal, t.address, t.info);
    t.info.current = std::move(v);
    t.info.next.reset();
  }
  run.journal.set(acore::contract_info_key(t.address), t.info.encode());
  const auto address_bytes = t.address.to_bytes();
  run.journal.set(acore::deploy_tx_key(run.tx.hash), Bytes(address_bytes.begin(), address_bytes.end()));
  run.score_address = t.address;
  if (audit) return;
  run_hook(run, t.address, *p.compiled->installer, t.update ? acore::kUpdateMethod : acore::kInstallMethod, d.params,
           run.tx.from);
}

}  // namespace cx::execution

namespace cx::execution {

namespace {

struct AuditRequest {
  bool accept = false;
  Hash32 deploy_tx;
  std::string reason;
  Address contract;
  ContractInfo info;
};

std::variant<AuditRequest, Failure> audit_params(const core::Transaction& tx) {
  const json::object& data = tx.data.get_object();
  AuditRequest req;
  req.accept = data.at("method").get_string() == kAcceptMethod;
  const json::value* params = data.if_contains("params");
  const json::object* o = params ? params->if_object() : nullptr;
  const json::value* hash = o ? o->if_contains("txHash") : nullptr;
  std::optional<Hash32> h;
  if (hash && hash->is_string() && hash->get_string().starts_with("0x")) h = Hash32::from_hex_string(hash->get_string());
  if (!h) return failure(FailureCode::kInvalidParameter, "params.txHash must be the 0x-prefixed hash of the deploy tx");
  req.deploy_tx = *h;
  if (const json::value* reason = o->if_contains("reason")) {
    if (!reason->is_string() || reason->get_string().size() > kRejectReasonBytesMax)
      return failure(FailureCode::kInvalidParameter, "params.reason must be a string of at most 1024 bytes");
    req.reason = std::string(reason->get_string());
  }
  return req;
}

// Who may audit what: the sender is an auditor, and the deploy is the one waiting.
std::variant<AuditRequest, Failure> audit_request(const state::StateReader& state, const core::ChainParams& params,
                                                  const core::Transaction& tx) {
  if (!params.audit_enabled) return failure(FailureCode::kAccessDenied, "audit is not enabled on this channel");
  if (!listed(params.auditors, tx.from))
    return failure(FailureCode::kAccessDenied, tx.from.to_string() + " is not an auditor of this channel");
  auto parsed = audit_params(tx);
  if (auto* f = std::get_if<Failure>(&parsed)) return std::move(*f);
  AuditRequest req = std::get<AuditRequest>(std::move(parsed));
  const std::string tx_text = "0x" + req.deploy_tx.hex();
  auto contract = acore::read_deploy_tx(state, req.deploy_tx);
  if (!contract) return failure(FailureCode::kContractNotFound, "no deploy with tx hash " + tx_text);
  req.contract = *contract;
  auto info = acore::read_contract_info(state, req.contract);
  CX_ASSERT_MSG(info.has_value(), "a deploy tx names a contract without a record");
  if (!info->next || info->next->status != VersionStatus::kPending || info->next->deploy_tx_hash != req.deploy_tx)
    return failure(FailureCode::kInvalidParameter, "deploy " + tx_text + " of " + req.contract.to_string() +
                                                       " is not waiting for audit (accepted, rejected or replaced since)");
  req.info = std::move(*info);
  return req;
}

core::EventLog audit_event(const AuditRequest& req) {
  core::EventLog log;
  log.score = contracts::chain_contract_address();
  // ICON governance's events: Accepted(str txHash) and Rejected(str txHash, str reason), txHash indexed.
  log.indexed = {req.accept ? "Accepted(str)" : "Rejected(str,str)", "0x" + req.deploy_tx.hex()};
  if (!req.accept) log.data = {req.reason};
  return log;
}

// Makes the pending version current and runs its hook with the params it was deployed with.
void accept(TxRun& run, AuditRequest& req) {
  const acore::Resolver* resolver = acore_of(run.registry);
  CodeVersion v = *req.info.next;
  auto compiled = resolver ? resolver->compile_stored(run.journal, v.code_hash)
                           : acore::Resolver::CompileResult(acore::CodeError{"", 0, "this node runs no Lua contracts"});
  if (auto* e = std::get_if<acore::CodeError>(&compiled)) {
    run.failure = failure(FailureCode::kIllegalFormat, "cannot accept: " + e->to_string());
    return;
  }
  const bool update = req.info.current.has_value();
  v.status = VersionStatus::kActive;
  v.audit_tx_hash = run.tx.hash;
  retire_current(run.journal, req.contract, req.info);
  req.info.current = v;
  req.info.next.reset();
  run.journal.set(acore::contract_info_key(req.contract), req.info.encode());
  const json::value params = v.params_json.empty() ? json::value(nullptr) : json::parse(v.params_json);
  run_hook(run, req.contract, *std::get<0>(compiled)->installer, update ? acore::kUpdateMethod : acore::kInstallMethod,
           params, req.info.owner);
}

}  // namespace

bool is_audit_call(const core::Transaction& tx) {
  if (tx.data_type != core::DataType::kCall || tx.to != contracts::chain_contract_address()) return false;
  const json::value* method = tx.data.get_object().if_contains("method");
  return method && method->is_string() && (method->get_string() == kAcceptMethod || method->get_string() == kRejectMethod);
}

std::optional<core::TxRejection> admit_audit(const state::StateReader& view, const core::ChainParams& params,
                                             const core::Transaction& tx) {
  auto req = audit_request(view, params, tx);
  if (auto* f = std::get_if<Failure>(&req)) return rejection(core::TxReject::kBadData, *f);
  return std::nullopt;
}

void apply_audit(TxRun& run) {
  if (!pay_value(run)) return;
  auto parsed = audit_request(run.journal, *run.ctx.params, run.tx);
  if (auto* f = std::get_if<Failure>(&parsed)) {
    run.failure = std::move(*f);
    return;
  }
  AuditRequest& req = std::get<AuditRequest>(parsed);
  if (req.accept) {
    accept(run, req);
  } else {
    req.info.next->status = VersionStatus::kRejected;
    req.info.next->audit_tx_hash = run.tx.hash;
    run.journal.set(acore::contract_info_key(req.contract), req.info.encode());
  }
  if (!run.failure) run.logs.push_back(audit_event(req));
}

}  // namespace cx::execution
