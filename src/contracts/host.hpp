#pragma once
// The only door through which a contract (native or Lua) touches the world. Execution implements
// it over a journaled state view; tests use a recording host.
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "base/bytes.hpp"
#include "base/uint256.hpp"
#include "core/chain_params.hpp"
#include "core/receipt.hpp"

namespace cx::contracts {

using core::Address;

struct BlockInfo {
  uint64_t height = 0;
  int64_t timestamp_us = 0;  // block time from the header; contracts never see the wall clock
};

class Host {
 public:
  virtual ~Host() = default;
  virtual const core::ChainParams& params() const = 0;
  virtual const BlockInfo& block() const = 0;
  // Contract storage, namespaced by contract address.
  virtual std::optional<Bytes> storage_get(const Address& contract, BytesView key) = 0;
  virtual void storage_set(const Address& contract, BytesView key, std::optional<BytesView> value) = 0;
  virtual Uint256 balance(const Address& account) = 0;
  virtual Uint256 total_supply() = 0;
  // Returns false (and changes nothing) if the budget is exhausted.
  virtual bool charge_steps(uint64_t steps) = 0;
  virtual void emit(core::EventLog log) = 0;
};

// ICON/goloop failure codes (receipt failure.code; JSON-RPC error -30000 - code).
enum class FailureCode : uint32_t {
  kUnknown = 1,
  kContractNotFound = 2,
  kMethodNotFound = 3,
  kMethodNotPayable = 4,
  kIllegalFormat = 5,
  kInvalidParameter = 6,
  kAccessDenied = 9,
  kOutOfStep = 10,
  kOutOfBalance = 11,
  kUserBase = 32,
};

struct CallRequest {
  Address caller;
  Address contract;
  Uint256 value;
  std::string method;
  boost::json::value params;  // object or null
  bool read_only = false;     // icx_call: any write is refused
};

struct CallResult {
  bool ok = true;
  FailureCode code = FailureCode::kUnknown;
  std::string message;
  boost::json::value output;  // returned value for icx_call

  static CallResult success(boost::json::value out = nullptr) { CallResult r; r.output = std::move(out); return r; }
  static CallResult fail(FailureCode c, std::string m) { CallResult r; r.ok = false; r.code = c; r.message = std::move(m); return r; }
};

}  // namespace cx::contracts
