#include "acore/code_store.hpp"

#include "acore/package.hpp"
#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::acore {

namespace {

constexpr uint8_t kInfoPrefix = 'i';
constexpr uint8_t kCodePrefix = 'h';
constexpr uint8_t kDeployTxPrefix = 't';
constexpr uint8_t kRecordFormat = 1;

Bytes prefixed(uint8_t prefix, BytesView body) {
  Bytes k;
  k.reserve(1 + body.size() + 4);
  k.push_back(prefix);
  k.insert(k.end(), body.begin(), body.end());
  return k;
}

void write_version(codec::Writer& w, const CodeVersion& v) {
  w.fixed(v.code_hash);
  w.fixed(v.deploy_tx_hash);
  w.fixed(v.audit_tx_hash);
  w.u8(static_cast<uint8_t>(v.status));
  w.str(v.params_json);
}

std::optional<CodeVersion> read_version(codec::Reader& r) {
  CodeVersion v;
  v.code_hash = r.fixed<32>();
  v.deploy_tx_hash = r.fixed<32>();
  v.audit_tx_hash = r.fixed<32>();
  const uint8_t status = r.u8();
  if (status > static_cast<uint8_t>(VersionStatus::kRejected)) return std::nullopt;
  v.status = static_cast<VersionStatus>(status);
  v.params_json = r.str(kDeployParamsBytesMax);
  if (r.failed()) return std::nullopt;
  return v;
}

void write_optional_version(codec::Writer& w, const std::optional<CodeVersion>& v) {
  w.boolean(v.has_value());
  if (v) write_version(w, *v);
}

bool read_optional_version(codec::Reader& r, std::optional<CodeVersion>& out) {
  if (!r.boolean()) return !r.failed();
  out = read_version(r);
  return out.has_value();
}

}  // namespace

const char* to_string(VersionStatus s) {
  switch (s) {
    case VersionStatus::kInactive: return "inactive";
    case VersionStatus::kActive: return "active";
    case VersionStatus::kPending: return "pending";
    case VersionStatus::kRejected: return "rejected";
  }
  return "unknown";
}

Bytes ContractInfo::encode() const {
  codec::Writer w(256);
  w.u8(kRecordFormat);
  w.raw(owner.to_bytes());
  write_optional_version(w, current);
  write_optional_version(w, next);
  w.u32(earlier_versions);
  w.boolean(blocked);
  w.boolean(disabled);
  return w.take();
}

std::optional<ContractInfo> ContractInfo::decode(BytesView b) {
  codec::Reader r(b);
  if (r.u8() != kRecordFormat) return std::nullopt;
  ContractInfo info;
  auto owner = Address::from_bytes(r.raw(21));
  if (!owner) return std::nullopt;
  info.owner = *owner;
  if (!read_optional_version(r, info.current) || !read_optional_version(r, info.next)) return std::nullopt;
  info.earlier_versions = r.u32();
  info.blocked = r.boolean();
  info.disabled = r.boolean();
  if (!r.finish()) return std::nullopt;
  return info;
}

Bytes encode_version(const CodeVersion& v) {
  codec::Writer w(128 + v.params_json.size());
  w.u8(kRecordFormat);
  write_version(w, v);
  return w.take();
}

std::optional<CodeVersion> decode_version(BytesView b) {
  codec::Reader r(b);
  if (r.u8() != kRecordFormat) return std::nullopt;
  auto v = read_version(r);
  if (!v || !r.finish()) return std::nullopt;
  return v;
}

Bytes contract_info_key(const Address& contract) { return prefixed(kInfoPrefix, contract.to_bytes()); }

Bytes earlier_version_key(const Address& contract, uint32_t n) {
  Bytes k = contract_info_key(contract);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<uint8_t>(n >> shift));
  return k;
}

Bytes code_key(const Hash32& code_hash) { return prefixed(kCodePrefix, code_hash.view()); }
Bytes deploy_tx_key(const Hash32& deploy_tx_hash) { return prefixed(kDeployTxPrefix, deploy_tx_hash.view()); }

std::optional<ContractInfo> read_contract_info(const state::StateReader& state, const Address& contract) {
  if (!contract.is_contract) return std::nullopt;
  auto v = state.get(contract_info_key(contract));
  if (!v) return std::nullopt;
  auto info = ContractInfo::decode(*v);
  CX_ASSERT_MSG(info.has_value(), "corrupted contract record in state");
  return info;
}

std::optional<CodeVersion> read_earlier_version(const state::StateReader& state, const Address& contract, uint32_t n) {
  auto v = state.get(earlier_version_key(contract, n));
  if (!v) return std::nullopt;
  auto version = decode_version(*v);
  CX_ASSERT_MSG(version.has_value(), "corrupted contract version record in state");
  return version;
}

std::optional<Package> read_code(const state::StateReader& state, const Hash32& code_hash) {
  auto v = state.get(code_key(code_hash));
  if (!v) return std::nullopt;
  auto package = decode_package(*v);
  CX_ASSERT_MSG(package.has_value(), "corrupted contract code in state");
  return package;
}

std::optional<Address> read_deploy_tx(const state::StateReader& state, const Hash32& deploy_tx_hash) {
  auto v = state.get(deploy_tx_key(deploy_tx_hash));
  if (!v) return std::nullopt;
  auto a = Address::from_bytes(*v);
  CX_ASSERT_MSG(a.has_value(), "corrupted deploy record in state");
  return a;
}

Address contract_address(const Address& from, int64_t timestamp_us, const std::optional<Uint256>& nonce) {
  crypto::Sha3Hasher h;
  h.update(from.id.view());
  std::array<uint8_t, 32> ts{};
  const auto t = static_cast<uint64_t>(timestamp_us);  // two's complement, as Go's binary.Write of an int64
  for (int i = 0; i < 8; ++i) ts[24 + i] = static_cast<uint8_t>(t >> (56 - 8 * i));
  h.update(ts);
  if (nonce && !nonce->is_zero()) {
    // Go's intconv.BigIntToBytes: minimal two's complement, so a 0x00 leads a high first bit.
    Bytes n = nonce->to_be_bytes_trimmed();
    if (n.front() & 0x80) n.insert(n.begin(), 0);
    std::array<uint8_t, 32> padded{};
    if (n.size() >= padded.size()) {
      std::copy(n.begin(), n.begin() + padded.size(), padded.begin());
    } else {
      std::copy(n.begin(), n.end(), padded.end() - static_cast<std::ptrdiff_t>(n.size()));
    }
    h.update(padded);
  }
  const Hash32 digest = h.finish();
  FixedBytes<20> id;
  std::copy(digest.bytes.end() - 20, digest.bytes.end(), id.bytes.begin());
  return Address::contract(id);
}

}  // namespace cx::acore
