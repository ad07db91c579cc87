// Stand-ins for the Lua runtime until branch wt-acore-vm lands (it defines compile() and invoke()
// in its own files; delete this file when merging it). A node built with them refuses every deploy
// with a message that says why, and links.
#include "acore/acore.hpp"

namespace cx::acore {

std::variant<ProgramPtr, CodeError> compile(const Package&) {
  return CodeError{"", 0, "this node is built without the Lua runtime: deploys are not accepted yet"};
}

contracts::CallResult invoke(const Program&, contracts::Host&, size_t, const boost::json::value&) {
  return contracts::CallResult::fail(core::FailureCode::kContractNotFound, "this node is built without the Lua runtime");
}

}  // namespace cx::acore
