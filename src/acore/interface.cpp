// A program's declarations checked and turned into its ABI (icx_getScoreApi) and methods (the registry).
#include <map>

#include "acore/program.hpp"

namespace cx::acore {

namespace {

using Kind = Declaration::Kind;

bool is_external(Kind k) { return k == Kind::kExternal || k == Kind::kReadonly || k == Kind::kPayable || k == Kind::kFallback; }

CodeError error_at(const Declaration& d, std::string message) { return CodeError{d.file, d.line, std::move(message)}; }

}  // namespace

std::optional<CodeError> check_declarations(const std::vector<Declaration>& decls) {
  std::map<std::string, const Declaration*> names;
  size_t fallbacks = 0, installs = 0, updates = 0;
  for (const Declaration& d : decls) {
    if (d.kind == Kind::kExternal || d.kind == Kind::kReadonly || d.kind == Kind::kPayable || d.kind == Kind::kEvent) {
      if (d.sig.name == "fallback" || d.sig.name == "on_install" || d.sig.name == "on_update")
        return error_at(d, "'" + d.sig.name + "' is reserved: declare it with " + d.sig.name + "(function ... end)");
    }
    fallbacks += d.kind == Kind::kFallback;
    installs += d.kind == Kind::kInstall;
    updates += d.kind == Kind::kUpdate;
    if (fallbacks > 1 || installs > 1 || updates > 1) return error_at(d, "declared twice: " + d.sig.name);
    auto [it, added] = names.emplace(d.sig.name, &d);
    if (!added)
      return error_at(d, "'" + d.sig.name + "' is declared twice (first at " + it->second->file + ":" +
                             std::to_string(it->second->line) + ")");
    if (d.kind == Kind::kReadonly && d.sig.output == std::nullopt)
      return error_at(d, "readonly '" + d.sig.name + "' declares no output: add '-> type' to its signature");
  }
  return std::nullopt;
}

void build_interface(ProgramData& data, Interface& out) {
  const auto& decls = data.decls;
  out.texts.reserve(2 * decls.size());  // inputs and output of each method: no reallocation below
  std::vector<size_t> externals, deploy_only;
  for (size_t i = 0; i < decls.size(); ++i) {
    const Declaration& d = decls[i];
    if (is_external(d.kind)) externals.push_back(i);
    if (d.kind == Kind::kInstall || d.kind == Kind::kUpdate) deploy_only.push_back(i);
    AbiEntry e;
    e.name = d.sig.name;
    if (d.kind == Kind::kEvent) e.kind = AbiEntry::Kind::kEventLog;
    else if (d.kind == Kind::kFallback) e.kind = AbiEntry::Kind::kFallback;
    else if (!is_external(d.kind)) continue;
    for (const Param& p : d.sig.inputs) e.inputs.push_back(to_abi_param(p));
    if (d.sig.output) {
      Param out_param;
      out_param.type = *d.sig.output;
      e.outputs.push_back(to_abi_param(out_param));
    }
    e.readonly = d.kind == Kind::kReadonly;
    e.payable = d.kind == Kind::kPayable || d.kind == Kind::kFallback;
    out.abi.push_back(std::move(e));
  }
  out.external_count = externals.size();
  externals.insert(externals.end(), deploy_only.begin(), deploy_only.end());
  for (size_t i : externals) {
    const Declaration& d = decls[i];
    const std::string& inputs = out.texts.emplace_back(inputs_text(d.sig.inputs));
    const std::string& output = out.texts.emplace_back(d.sig.output ? d.sig.output->name() : "");
    contracts::MethodAbi m{d.sig.name,
                           d.kind == Kind::kReadonly ? contracts::Access::kReadOnly : contracts::Access::kWrite,
                           d.kind == Kind::kPayable || d.kind == Kind::kFallback ? contracts::Payable::kYes
                                                                                  : contracts::Payable::kNo,
                           /*step_cost=*/0, inputs, output};
    if (d.kind == Kind::kInstall) out.install_index = out.methods.size();
    if (d.kind == Kind::kUpdate) out.update_index = out.methods.size();
    out.methods.push_back(m);
    data.method_decls.push_back(i);
  }
}

}  // namespace cx::acore
