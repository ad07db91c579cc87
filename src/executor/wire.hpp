#pragma once
// The protocol between a node and its ACORE executor processes (docs/executor.md): length-prefixed
// binary messages over a Unix stream socket. Deterministic and self-contained, like any codec here:
// what the executor computes depends only on what these messages carry.
//
// A session is one top-level invoke: the node sends kInvoke, the executor runs the contract and
// answers kResult. In between, the executor may ask the node for what it cannot know itself (a
// storage read it has not cached, a balance, a transfer, a call to another contract); each such
// request carries the frame's buffered operations (step charges, writes, events) first, so the
// node's host sees them in the order the contract made them. A call from the executor may bring a
// nested kInvoke back (the callee is a Lua contract too): both sides serve requests while they wait.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include <boost/json.hpp>

#include "contracts/host.hpp"

namespace cx::executor {

using contracts::Address;

// A message that cannot be decoded, or breaks the protocol: the peer is not trusted any more.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr size_t kMessageBytesMax = 32u << 20;
// The executor sends its buffered operations (kOps) before they pass this many bytes.
inline constexpr size_t kOpsFlushBytes = 1u << 20;
inline constexpr size_t kPackageFilesMax = 64;

enum class MsgType : uint8_t {
  // node -> executor
  kInvoke = 1,
  kReadReply = 2,
  kValueReply = 3,  // balance, total supply, transfer
  kCallReply = 4,
  kPlan = 5,           // the block's planned calls (acore::BlockPlan): run them all ahead, in order
  kPlanReadReply = 6,  // a storage value of the block's starting state
  kPlanPrefetchReply = 7,  // the values of the keys asked for, in the block's starting state
  // executor -> node
  kResult = 10,
  kNeedProgram = 11,  // the executor has no program for the code hash: send kInvoke again with it
  kRead = 12,
  kBalance = 13,
  kTotalSupply = 14,
  kTransfer = 15,
  kCall = 16,
  kOps = 17,  // buffered operations alone, no answer
  kPlanRead = 18,     // a key of a planned call's contract that no earlier planned call read or wrote
  kPlanResults = 19,  // the outcomes of the next planned calls, in order, no answer
  kPlanDone = 20,     // every planned call has its outcome: the plan's session ends
  kPlanPrefetch = 21,  // before the calls: the keys the last plan used, read in one round trip
};

// One buffered operation of a frame, replayed by the node on its host in this order.
struct OpCharge {
  uint64_t steps = 0;
};
struct OpSet {
  Bytes key;
  std::optional<Bytes> value;  // nullopt deletes
};
struct OpEmit {
  core::EventLog log;  // score is set by the node's host
};
// A read in a planned call, with the value the plan saw: the node's replay reads the key on its host
// (charging what a read charges) and uses the call's outcome only if the value is the same.
struct OpRead {
  Bytes key;
  std::optional<Bytes> value;
};
using Op = std::variant<OpCharge, OpSet, OpEmit, OpRead>;

// What a planned call did when the executor ran it ahead: usable only if `available` (it asked the
// node for nothing a plan cannot answer, and did not run out of step).
struct PlannedOutcome {
  bool available = false;
  uint64_t steps_used = 0;
  std::vector<Op> ops;
  contracts::CallResult result;
};
inline constexpr size_t kPlanCallsMax = 100'000;
// All the outcomes of one plan: past this the executor plans no more calls, and the node refuses more.
inline constexpr size_t kPlanOutcomeBytesMax = 64u << 20;
inline constexpr size_t kPrefetchKeysMax = 16'384;
// A prefetched key's answer: absent, present (a value follows), or not sent (the answer was full).
inline constexpr uint8_t kPrefetchAbsent = 0, kPrefetchPresent = 1, kPrefetchNotSent = 2;

// A host operation's outcome on the node, and what the frame may still spend after it.
struct Status {
  std::optional<core::Failure> failure;
  uint64_t steps_left = 0;
};

struct InvokeMsg {
  Hash32 code_hash;
  std::optional<std::vector<std::pair<std::string, std::string>>> package;  // path, text
  uint32_t method = 0;
  std::string params_json;
  contracts::Frame frame;
  contracts::BlockInfo block;
  contracts::TxInfo tx;
  core::StepCosts step_costs;
  uint64_t steps_left = 0;
  uint64_t state_version = 0;  // contracts::Host::state_version: whether the read cache still holds
  // The node's word that another executor may have written since this one last saw state_version
  // (its session ran elsewhere): the read cache goes whatever the version says.
  bool drop_cache = false;
};

class Writer {
 public:
  explicit Writer(MsgType type) {
    m_out.reserve(256);
    m_out.push_back(static_cast<uint8_t>(type));
  }
  void u8(uint8_t v) { m_out.push_back(v); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void bytes(BytesView b);
  void str(std::string_view s) { bytes(as_bytes(s)); }
  void hash(const Hash32& h) { m_out.insert(m_out.end(), h.bytes.begin(), h.bytes.end()); }
  void address(const Address& a);
  void u256(const Uint256& v);
  void status(const Status& s);
  void call_result(const contracts::CallResult& r);
  void ops(const std::vector<Op>& ops);
  void key_value(BytesView key, const std::optional<Bytes>& value);
  const Bytes& data() const { return m_out; }
  size_t size() const { return m_out.size(); }

 private:
  Bytes m_out;
};

class Reader {
 public:
  explicit Reader(BytesView in) : m_in(in) {}
  MsgType type();  // the first byte
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  BytesView bytes();
  std::string str();
  Hash32 hash();
  Address address();
  Uint256 u256();
  Status status();
  contracts::CallResult call_result();
  std::vector<Op> ops();
  void key_value(Bytes& key, std::optional<Bytes>& value);
  void end() const;  // throws unless everything was read
  bool at_end() const { return m_pos == m_in.size(); }

 private:
  BytesView take(size_t n);
  BytesView m_in;
  size_t m_pos = 0;
};

void write_invoke(Writer& w, const InvokeMsg& m);
InvokeMsg read_invoke(Reader& r);
void write_call_args(Writer& w, const contracts::CallArgs& a);
contracts::CallArgs read_call_args(Reader& r);

void write_outcome(Writer& w, const PlannedOutcome& o);
PlannedOutcome read_outcome(Reader& r);

// Approximate wire size of an op, for kOpsFlushBytes.
size_t op_bytes(const Op& op);

}  // namespace cx::executor
