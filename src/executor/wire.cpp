#include "executor/wire.hpp"

namespace cx::executor {

namespace {

constexpr uint8_t kOpCharge = 1, kOpSet = 2, kOpEmit = 3, kOpRead = 4;

void strings(Writer& w, const std::vector<std::string>& v) {
  w.u32(static_cast<uint32_t>(v.size()));
  for (const auto& s : v) w.str(s);
}

std::vector<std::string> strings(Reader& r, size_t max) {
  const uint32_t n = r.u32();
  if (n > max) throw ProtocolError("too many items");
  std::vector<std::string> v;
  v.reserve(n);
  for (uint32_t i = 0; i < n; ++i) v.push_back(r.str());
  return v;
}

void frame(Writer& w, const contracts::Frame& f) {
  w.address(f.contract);
  w.address(f.caller);
  w.address(f.origin);
  w.u256(f.value);
  w.u32(f.depth);
  w.u8(f.access == contracts::Access::kReadOnly ? 1 : 0);
}

contracts::Access access(uint8_t v) {
  if (v > 1) throw ProtocolError("bad access");
  return v ? contracts::Access::kReadOnly : contracts::Access::kWrite;
}

contracts::Frame frame(Reader& r) {
  contracts::Frame f;
  f.contract = r.address();
  f.caller = r.address();
  f.origin = r.address();
  f.value = r.u256();
  f.depth = r.u32();
  f.access = access(r.u8());
  return f;
}

}  // namespace

void Writer::u32(uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) m_out.push_back(static_cast<uint8_t>(v >> s));
}

void Writer::u64(uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) m_out.push_back(static_cast<uint8_t>(v >> s));
}

void Writer::bytes(BytesView b) {
  CX_ASSERT(b.size() <= kMessageBytesMax);
  u32(static_cast<uint32_t>(b.size()));
  m_out.insert(m_out.end(), b.begin(), b.end());
}

void Writer::address(const Address& a) {
  auto b = a.to_bytes();
  m_out.insert(m_out.end(), b.begin(), b.end());
}

void Writer::u256(const Uint256& v) {
  auto b = v.to_be_bytes();
  m_out.insert(m_out.end(), b.begin(), b.end());
}

void Writer::status(const Status& s) {
  u8(s.failure ? 1 : 0);
  if (s.failure) {
    u32(static_cast<uint32_t>(s.failure->code));
    str(s.failure->message);
  }
  u64(s.steps_left);
}

void Writer::call_result(const contracts::CallResult& r) {
  u8(r.ok ? 1 : 0);
  u32(static_cast<uint32_t>(r.code));
  str(r.message);
  str(boost::json::serialize(r.output));
}

void Writer::key_value(BytesView key, const std::optional<Bytes>& value) {
  bytes(key);
  u8(value ? 1 : 0);
  if (value) bytes(*value);
}

void Writer::ops(const std::vector<Op>& ops) {
  u32(static_cast<uint32_t>(ops.size()));
  for (const Op& op : ops) {
    if (auto* c = std::get_if<OpCharge>(&op)) {
      u8(kOpCharge);
      u64(c->steps);
    } else if (auto* s = std::get_if<OpSet>(&op)) {
      u8(kOpSet);
      key_value(s->key, s->value);
    } else if (auto* rd = std::get_if<OpRead>(&op)) {
      u8(kOpRead);
      key_value(rd->key, rd->value);
    } else {
      const auto& e = std::get<OpEmit>(op);
      u8(kOpEmit);
      strings(*this, e.log.indexed);
      strings(*this, e.log.data);
    }
  }
}

BytesView Reader::take(size_t n) {
  if (n > m_in.size() - m_pos) throw ProtocolError("message too short");
  BytesView v = m_in.subspan(m_pos, n);
  m_pos += n;
  return v;
}

MsgType Reader::type() { return static_cast<MsgType>(u8()); }
uint8_t Reader::u8() { return take(1)[0]; }

uint32_t Reader::u32() {
  uint32_t v = 0;
  for (uint8_t b : take(4)) v = (v << 8) | b;
  return v;
}

uint64_t Reader::u64() {
  uint64_t v = 0;
  for (uint8_t b : take(8)) v = (v << 8) | b;
  return v;
}

BytesView Reader::bytes() { return take(u32()); }

std::string Reader::str() {
  BytesView b = bytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Hash32 Reader::hash() { return *Hash32::from_view(take(32)); }

Address Reader::address() {
  auto a = Address::from_bytes(take(21));
  if (!a) throw ProtocolError("bad address");
  return *a;
}

Uint256 Reader::u256() { return *Uint256::from_be_bytes(take(32)); }

Status Reader::status() {
  Status s;
  if (u8()) {
    const uint32_t code = u32();
    s.failure = core::make_failure(static_cast<core::FailureCode>(code), str());
  }
  s.steps_left = u64();
  return s;
}

contracts::CallResult Reader::call_result() {
  contracts::CallResult r;
  r.ok = u8() != 0;
  r.code = static_cast<core::FailureCode>(u32());
  r.message = str();
  boost::system::error_code ec;
  r.output = boost::json::parse(str(), ec);
  if (ec) throw ProtocolError("bad result json");
  return r;
}

void Reader::key_value(Bytes& key, std::optional<Bytes>& value) {
  BytesView k = bytes();
  key.assign(k.begin(), k.end());
  value.reset();
  if (u8()) {
    BytesView v = bytes();
    value = Bytes(v.begin(), v.end());
  }
}

std::vector<Op> Reader::ops() {
  const uint32_t n = u32();
  if (n > kMessageBytesMax / 9) throw ProtocolError("too many ops");
  std::vector<Op> ops;
  ops.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    switch (u8()) {
      case kOpCharge: ops.push_back(OpCharge{u64()}); break;
      case kOpSet: {
        OpSet s;
        key_value(s.key, s.value);
        ops.push_back(std::move(s));
        break;
      }
      case kOpRead: {
        OpRead rd;
        key_value(rd.key, rd.value);
        ops.push_back(std::move(rd));
        break;
      }
      case kOpEmit: {
        OpEmit e;
        e.log.indexed = strings(*this, core::kLogItemsMax + 1);
        e.log.data = strings(*this, core::kLogItemsMax + 1);
        ops.push_back(std::move(e));
        break;
      }
      default: throw ProtocolError("bad op");
    }
  }
  return ops;
}

void Reader::end() const {
  if (m_pos != m_in.size()) throw ProtocolError("trailing bytes in a message");
}

void write_invoke(Writer& w, const InvokeMsg& m) {
  w.hash(m.code_hash);
  w.u8(m.package ? 1 : 0);
  if (m.package) {
    w.u32(static_cast<uint32_t>(m.package->size()));
    for (const auto& [path, text] : *m.package) {
      w.str(path);
      w.str(text);
    }
  }
  w.u32(m.method);
  w.str(m.params_json);
  frame(w, m.frame);
  w.u64(m.block.height);
  w.u64(static_cast<uint64_t>(m.block.timestamp_us));
  w.hash(m.tx.hash);
  w.u64(static_cast<uint64_t>(m.tx.timestamp_us));
  w.u256(m.tx.nonce);
  for (uint64_t c : {m.step_costs.get, m.step_costs.set, m.step_costs.event_log, m.step_costs.contract_call}) w.u64(c);
  w.u64(m.steps_left);
  w.u64(m.state_version);
  w.u8(m.drop_cache ? 1 : 0);
}

InvokeMsg read_invoke(Reader& r) {
  InvokeMsg m;
  m.code_hash = r.hash();
  if (r.u8()) {
    const uint32_t n = r.u32();
    if (n == 0 || n > kPackageFilesMax) throw ProtocolError("bad package");
    m.package.emplace();
    for (uint32_t i = 0; i < n; ++i) {
      std::string path = r.str();
      m.package->emplace_back(std::move(path), r.str());
    }
  }
  m.method = r.u32();
  m.params_json = r.str();
  m.frame = frame(r);
  m.block.height = r.u64();
  m.block.timestamp_us = static_cast<int64_t>(r.u64());
  m.tx.hash = r.hash();
  m.tx.timestamp_us = static_cast<int64_t>(r.u64());
  m.tx.nonce = r.u256();
  m.step_costs.get = r.u64();
  m.step_costs.set = r.u64();
  m.step_costs.event_log = r.u64();
  m.step_costs.contract_call = r.u64();
  m.steps_left = r.u64();
  m.state_version = r.u64();
  m.drop_cache = r.u8() != 0;
  return m;
}

void write_call_args(Writer& w, const contracts::CallArgs& a) {
  w.address(a.contract);
  w.str(a.method);
  w.str(boost::json::serialize(a.params));
  w.u256(a.value);
  w.u8(a.access == contracts::Access::kReadOnly ? 1 : 0);
  w.u64(a.step_limit);
}

contracts::CallArgs read_call_args(Reader& r) {
  contracts::CallArgs a;
  a.contract = r.address();
  a.method = r.str();
  boost::system::error_code ec;
  a.params = boost::json::parse(r.str(), ec);
  if (ec) throw ProtocolError("bad call params json");
  a.value = r.u256();
  a.access = access(r.u8());
  a.step_limit = r.u64();
  return a;
}

void write_outcome(Writer& w, const PlannedOutcome& o) {
  w.u8(o.available ? 1 : 0);
  if (!o.available) return;
  w.u64(o.steps_used);
  w.ops(o.ops);
  w.call_result(o.result);
}

PlannedOutcome read_outcome(Reader& r) {
  PlannedOutcome o;
  o.available = r.u8() != 0;
  if (!o.available) return o;
  o.steps_used = r.u64();
  o.ops = r.ops();
  o.result = r.call_result();
  return o;
}

size_t op_bytes(const Op& op) {
  if (std::holds_alternative<OpCharge>(op)) return 9;
  if (auto* s = std::get_if<OpSet>(&op)) return 10 + s->key.size() + (s->value ? s->value->size() : 0);
  if (auto* rd = std::get_if<OpRead>(&op)) return 10 + rd->key.size() + (rd->value ? rd->value->size() : 0);
  size_t n = 9;
  for (const auto& v : std::get<OpEmit>(op).log.indexed) n += 4 + v.size();
  for (const auto& v : std::get<OpEmit>(op).log.data) n += 4 + v.size();
  return n;
}

}  // namespace cx::executor
