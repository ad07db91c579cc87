#include "crypto/keystore.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <boost/json.hpp>
#include <exception>
#include <memory>

#include "base/assert.hpp"
#include "crypto/hash.hpp"

namespace cx::crypto {

namespace json = boost::json;

namespace {

// Web3 Secret Storage (V3) as ICON wallets write it: the derived key is 32 bytes, its first
// half is the AES-128 key and its second half authenticates the ciphertext.
constexpr size_t kDerivedKeyBytes = 32;
constexpr size_t kAesKeyBytes = 16;
constexpr size_t kIvBytes = 16;
constexpr size_t kSaltBytes = 32;
constexpr size_t kMacBytes = 32;

// Limits on what a keystore file may ask of us: a hostile file must not be able to make
// decryption take minutes or gigabytes. The bounds admit every setting real wallets use
// (ICON SDK scrypt n=2^14 r=8 p=1, geth "standard" n=2^18 r=8 p=1, pbkdf2 c=262144).
constexpr size_t kKeystoreBytesMax = 64 * 1024;
constexpr size_t kPasswordBytesMax = 4096;
constexpr size_t kSaltBytesMax = 1024;
constexpr uint64_t kScryptNMax = uint64_t{1} << 20;
constexpr uint64_t kScryptRpMax = 1024;
// Bounds CPU (proportional to n*r*p) and memory (128*n*r bytes, here at most 1 GiB).
constexpr uint64_t kScryptWorkMax = uint64_t{1} << 23;
constexpr uint64_t kPbkdf2IterationsMax = 10'000'000;

struct KdfParams {
  Kdf kdf = Kdf::kScrypt;
  Bytes salt;
  uint64_t n = 0;
  uint64_t r = 0;
  uint64_t p = 0;
  uint64_t c = 0;
};

std::string error_text(std::string_view what) { return "keystore: " + std::string(what); }

Status check_scrypt_params(uint64_t n, uint64_t r, uint64_t p) {
  if (n < 2 || (n & (n - 1)) != 0) return Status::error(error_text("scrypt n must be a power of two >= 2"));
  if (n > kScryptNMax) return Status::error(error_text("scrypt n above the limit of 2^20"));
  if (r == 0 || p == 0) return Status::error(error_text("scrypt r and p must be positive"));
  if (r > kScryptRpMax || p > kScryptRpMax || r * p > kScryptRpMax) {
    return Status::error(error_text("scrypt r*p above the limit of 1024"));
  }
  if (n * r * p > kScryptWorkMax) return Status::error(error_text("scrypt n*r*p above the limit of 2^23"));
  return Status::ok();
}

Status check_pbkdf2_params(uint64_t c) {
  if (c == 0) return Status::error(error_text("pbkdf2 c must be positive"));
  if (c > kPbkdf2IterationsMax) return Status::error(error_text("pbkdf2 c above the limit of 10000000"));
  return Status::ok();
}

// The caller has checked the parameters, so a failure here is the library's, not the input's.
std::array<uint8_t, kDerivedKeyBytes> derive_key(const KdfParams& params, std::string_view password) {
  std::array<uint8_t, kDerivedKeyBytes> out{};
  int ok = 0;
  if (params.kdf == Kdf::kScrypt) {
    // OpenSSL refuses to run past maxmem; this is what it needs for V (128*r*(n+2)) plus B
    // (128*r*p), with headroom for its own bookkeeping.
    const uint64_t maxmem = 128 * params.r * (params.n + 2) + 128 * params.r * params.p + (uint64_t{1} << 20);
    ok = EVP_PBE_scrypt(password.data(), password.size(), params.salt.data(), params.salt.size(), params.n,
                        params.r, params.p, maxmem, out.data(), out.size());
  } else {
    ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), params.salt.data(),
                           static_cast<int>(params.salt.size()), static_cast<int>(params.c), EVP_sha256(),
                           static_cast<int>(out.size()), out.data());
  }
  CX_ASSERT_MSG(ok == 1, "OpenSSL key derivation failed");
  return out;
}

// AES-128-CTR is its own inverse, so this both encrypts and decrypts.
Bytes aes_128_ctr(BytesView key, BytesView iv, BytesView data) {
  CX_ASSERT(key.size() == kAesKeyBytes && iv.size() == kIvBytes);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  CX_ASSERT(ctx != nullptr);
  Bytes out(data.size());
  int len = 0;
  int total = 0;
  int ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data());
  CX_ASSERT(ok == 1);
  ok = EVP_EncryptUpdate(ctx.get(), out.data(), &len, data.data(), static_cast<int>(data.size()));
  CX_ASSERT(ok == 1);
  total = len;
  ok = EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &len);
  CX_ASSERT(ok == 1);
  total += len;
  CX_ASSERT(static_cast<size_t>(total) == data.size());
  return out;
}

Hash32 compute_mac(const std::array<uint8_t, kDerivedKeyBytes>& derived, BytesView ciphertext) {
  Bytes buf(derived.begin() + kAesKeyBytes, derived.end());
  buf.insert(buf.end(), ciphertext.begin(), ciphertext.end());
  return keccak256(buf);
}

// RFC 4122 version 4: random except for the version nibble and the variant bits.
std::string uuid_v4(Random& random) {
  std::array<uint8_t, 16> b{};
  random.fill(b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// ---- Reading fields, each failure naming the field. ----

Result<const json::value*> get_field(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return Result<const json::value*>::error(error_text("missing field '" + std::string(key) + "'"));
  return v;
}

Result<const json::object*> get_object(const json::object& obj, std::string_view key) {
  auto v = get_field(obj, key);
  if (!v) return v.status();
  const json::object* o = (*v)->if_object();
  if (o == nullptr) return Result<const json::object*>::error(error_text("field '" + std::string(key) + "' is not an object"));
  return o;
}

Result<std::string_view> get_string(const json::object& obj, std::string_view key) {
  auto v = get_field(obj, key);
  if (!v) return v.status();
  const json::string* s = (*v)->if_string();
  if (s == nullptr) return Result<std::string_view>::error(error_text("field '" + std::string(key) + "' is not a string"));
  return std::string_view(*s);
}

Result<uint64_t> get_uint(const json::object& obj, std::string_view key) {
  auto v = get_field(obj, key);
  if (!v) return v.status();
  if (const uint64_t* u = (*v)->if_uint64()) return *u;
  if (const int64_t* i = (*v)->if_int64(); i != nullptr && *i >= 0) return static_cast<uint64_t>(*i);
  return Result<uint64_t>::error(error_text("field '" + std::string(key) + "' is not a non-negative integer"));
}

// Hex as wallets write it: lower or upper case, an optional 0x prefix tolerated.
Result<Bytes> get_hex(const json::object& obj, std::string_view key, size_t min_bytes, size_t max_bytes) {
  auto s = get_string(obj, key);
  if (!s) return s.status();
  std::string_view text = *s;
  if (text.starts_with("0x")) text.remove_prefix(2);
  auto bytes = from_hex(text);
  if (!bytes) return Result<Bytes>::error(error_text("field '" + std::string(key) + "' is not hex"));
  if (bytes->size() < min_bytes || bytes->size() > max_bytes) {
    return Result<Bytes>::error(error_text("field '" + std::string(key) + "' has the wrong length"));
  }
  return std::move(*bytes);
}

Result<KdfParams> read_kdf_params(const json::object& crypto_obj) {
  auto kdf_name = get_string(crypto_obj, "kdf");
  if (!kdf_name) return kdf_name.status();
  auto params = get_object(crypto_obj, "kdfparams");
  if (!params) return params.status();
  const json::object& kp = **params;

  KdfParams out;
  auto dklen = get_uint(kp, "dklen");
  if (!dklen) return dklen.status();
  if (*dklen != kDerivedKeyBytes) return Result<KdfParams>::error(error_text("kdfparams dklen must be 32"));
  auto salt = get_hex(kp, "salt", 1, kSaltBytesMax);
  if (!salt) return salt.status();
  out.salt = std::move(*salt);

  if (*kdf_name == "scrypt") {
    out.kdf = Kdf::kScrypt;
    auto n = get_uint(kp, "n");
    if (!n) return n.status();
    auto r = get_uint(kp, "r");
    if (!r) return r.status();
    auto p = get_uint(kp, "p");
    if (!p) return p.status();
    if (Status st = check_scrypt_params(*n, *r, *p); !st) return st;
    out.n = *n;
    out.r = *r;
    out.p = *p;
  } else if (*kdf_name == "pbkdf2") {
    out.kdf = Kdf::kPbkdf2;
    auto prf = get_string(kp, "prf");
    if (!prf) return prf.status();
    if (*prf != "hmac-sha256") return Result<KdfParams>::error(error_text("unsupported pbkdf2 prf '" + std::string(*prf) + "'"));
    auto c = get_uint(kp, "c");
    if (!c) return c.status();
    if (Status st = check_pbkdf2_params(*c); !st) return st;
    out.c = *c;
  } else {
    return Result<KdfParams>::error(error_text("unsupported kdf '" + std::string(*kdf_name) + "'"));
  }
  return out;
}

Result<DecryptedKey> decrypt_impl(std::string_view text, std::string_view password) {
  using R = Result<DecryptedKey>;
  if (text.size() > kKeystoreBytesMax) return R::error(error_text("file larger than 64 KiB"));
  if (password.size() > kPasswordBytesMax) return R::error(error_text("password longer than 4096 bytes"));

  boost::system::error_code ec;
  const json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return R::error(error_text("malformed JSON: " + ec.message()));
  const json::object* top = root.if_object();
  if (top == nullptr) return R::error(error_text("malformed JSON: top level is not an object"));

  auto version = get_uint(*top, "version");
  if (!version) return version.status();
  if (*version != 3) return R::error(error_text("unsupported version " + std::to_string(*version)));

  // Some wallets (older MyEtherWallet exports among them) capitalise the key.
  const json::value* crypto_value = top->if_contains("crypto");
  if (crypto_value == nullptr) crypto_value = top->if_contains("Crypto");
  if (crypto_value == nullptr) return R::error(error_text("missing field 'crypto'"));
  const json::object* crypto_obj = crypto_value->if_object();
  if (crypto_obj == nullptr) return R::error(error_text("field 'crypto' is not an object"));

  auto cipher = get_string(*crypto_obj, "cipher");
  if (!cipher) return cipher.status();
  if (*cipher != "aes-128-ctr") return R::error(error_text("unsupported cipher '" + std::string(*cipher) + "'"));
  auto cipherparams = get_object(*crypto_obj, "cipherparams");
  if (!cipherparams) return cipherparams.status();
  auto iv = get_hex(**cipherparams, "iv", kIvBytes, kIvBytes);
  if (!iv) return iv.status();
  auto ciphertext = get_hex(*crypto_obj, "ciphertext", PrivateKey::size(), PrivateKey::size());
  if (!ciphertext) return ciphertext.status();
  auto mac = get_hex(*crypto_obj, "mac", kMacBytes, kMacBytes);
  if (!mac) return mac.status();
  auto kdf = read_kdf_params(*crypto_obj);
  if (!kdf) return kdf.status();

  auto address_text = get_string(*top, "address");
  if (!address_text) return address_text.status();
  auto address = Address::parse(*address_text);
  if (!address || address->is_contract) return R::error(error_text("field 'address' is not an hx address"));

  const auto derived = derive_key(*kdf, password);
  const Hash32 expected_mac = compute_mac(derived, *ciphertext);
  if (CRYPTO_memcmp(expected_mac.data(), mac->data(), kMacBytes) != 0) {
    return R::error(error_text("wrong password (MAC mismatch)"));
  }

  const Bytes plain = aes_128_ctr(BytesView(derived).first(kAesKeyBytes), *iv, *ciphertext);
  auto key = PrivateKey::from_view(plain);
  CX_ASSERT(key.has_value());
  auto pub = public_key_of(*key);
  if (!pub) return R::error(error_text("decrypted key is not a valid secp256k1 private key"));
  const Address derived_address = Address::of_public_key(*pub);
  if (derived_address != *address) {
    return R::error(error_text("address mismatch: file says " + address->to_string() + ", key belongs to " +
                               derived_address.to_string()));
  }
  return DecryptedKey{*key, derived_address};
}

}  // namespace

std::string keystore_encrypt(const PrivateKey& key, std::string_view password, Random& random,
                             const KeystoreOptions& options) {
  // Options come from our own code, not from a file: writing a keystore we would then refuse
  // to read back is a bug.
  CX_ASSERT(password.size() <= kPasswordBytesMax);
  const auto pub = public_key_of(key);
  CX_ASSERT_MSG(pub.has_value(), "keystore_encrypt with an invalid private key");

  KdfParams params;
  params.kdf = options.kdf;
  params.salt.resize(kSaltBytes);
  random.fill(params.salt);
  if (options.kdf == Kdf::kScrypt) {
    CX_ASSERT(check_scrypt_params(options.scrypt_n, options.scrypt_r, options.scrypt_p).is_ok());
    params.n = options.scrypt_n;
    params.r = options.scrypt_r;
    params.p = options.scrypt_p;
  } else {
    CX_ASSERT(check_pbkdf2_params(options.pbkdf2_iterations).is_ok());
    params.c = options.pbkdf2_iterations;
  }
  std::array<uint8_t, kIvBytes> iv{};
  random.fill(iv);

  const auto derived = derive_key(params, password);
  const Bytes ciphertext = aes_128_ctr(BytesView(derived).first(kAesKeyBytes), iv, key.view());
  const Hash32 mac = compute_mac(derived, ciphertext);

  // Field order follows icon-sdk-js so files look the same as those ICON wallets produce.
  json::object kdfparams;
  kdfparams["dklen"] = kDerivedKeyBytes;
  kdfparams["salt"] = to_hex(params.salt);
  if (params.kdf == Kdf::kScrypt) {
    kdfparams["n"] = params.n;
    kdfparams["r"] = params.r;
    kdfparams["p"] = params.p;
  } else {
    kdfparams["c"] = params.c;
    kdfparams["prf"] = "hmac-sha256";
  }
  json::object cipherparams;
  cipherparams["iv"] = to_hex(iv);
  json::object crypto_obj;
  crypto_obj["ciphertext"] = to_hex(ciphertext);
  crypto_obj["cipherparams"] = std::move(cipherparams);
  crypto_obj["cipher"] = "aes-128-ctr";
  crypto_obj["kdf"] = params.kdf == Kdf::kScrypt ? "scrypt" : "pbkdf2";
  crypto_obj["kdfparams"] = std::move(kdfparams);
  crypto_obj["mac"] = mac.hex();
  json::object top;
  top["version"] = 3;
  top["id"] = uuid_v4(random);
  top["address"] = Address::of_public_key(*pub).to_string();
  top["crypto"] = std::move(crypto_obj);
  top["coinType"] = "icx";
  return json::serialize(top);
}

Result<DecryptedKey> keystore_decrypt(std::string_view json_text, std::string_view password) {
  // Boost.JSON throws on allocation failure and on misuse of its accessors; this is the edge
  // of the module, so any such exception becomes an error value here.
  try {
    return decrypt_impl(json_text, password);
  } catch (const std::exception& e) {
    return Result<DecryptedKey>::error(error_text(std::string("unexpected error: ") + e.what()));
  }
}

}  // namespace cx::crypto
