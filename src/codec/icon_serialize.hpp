#pragma once
// ICON v3 transaction serialization for hashing (goloop doc/jsonrpc_v3.md "Transaction hash"):
//   "icx_sendTransaction." + params without signature/txHash, keys sorted by bytes,
//   "key.value" pairs joined by ".", objects as {…}, arrays as […], null as \0,
//   and the characters \ . { } [ ] in strings escaped with a backslash.
// The params are hashed as the client sent them: string values are used verbatim.
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace cx::codec {

// Appends the serialization of `params` (top level: signature and txHash skipped) to `out`.
void icon_serialize_params(const boost::json::object& params, std::string& out);
std::string icon_tx_serialization(const boost::json::object& params,
                                  std::string_view method = "icx_sendTransaction");

}  // namespace cx::codec
