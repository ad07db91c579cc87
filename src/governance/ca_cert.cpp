// X.509 through OpenSSL's libcrypto (ca_cert.hpp). Parsing, name comparison and ECDSA verification
// are functions of their inputs only, so execution may run them; the builder uses OpenSSL's signer
// (random nonces), which only the requester's CLI runs.
#include "governance/ca_cert.hpp"

#include <cstring>
#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/base64.hpp"
#include "crypto/hash.hpp"

namespace cx::governance::ca {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// OpenSSL's error queue is per thread; a refusal must not leave entries behind for the next caller.
struct ErrClear {
  ~ErrClear() { ERR_clear_error(); }
};

NamePtr issuer_name(const std::string& ca_name) {
  NamePtr n(X509_NAME_new());
  X509_NAME_add_entry_by_txt(n.get(), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(ca_name.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(n.get(), "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Complexchain"), -1, -1, 0);
  return n;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no libc time zone.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> seconds_of(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday)) * 86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

// The chain extension's value: SEQUENCE { INTEGER nid (positive, minimal), OCTET STRING (32) }.
Bytes chain_ext_value(uint64_t nid, const Hash32& request_id) {
  Bytes n;
  for (int i = 7; i >= 0; --i) n.push_back(static_cast<uint8_t>(nid >> (8 * i)));
  while (n.size() > 1 && n[0] == 0 && !(n[1] & 0x80)) n.erase(n.begin());
  if (n[0] & 0x80) n.insert(n.begin(), 0);
  Bytes body{0x02, static_cast<uint8_t>(n.size())};
  body.insert(body.end(), n.begin(), n.end());
  body.push_back(0x04);
  body.push_back(32);
  body.insert(body.end(), request_id.bytes.begin(), request_id.bytes.end());
  Bytes out{0x30, static_cast<uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

bool parse_chain_ext(BytesView v, uint64_t* nid, Hash32* request_id) {
  // The value is short (< 128 bytes), so every length is one byte.
  if (v.size() < 2 + 3 + 34 || v[0] != 0x30 || v[1] != v.size() - 2 || v[2] != 0x02) return false;
  const size_t n = v[3];
  if (n < 1 || n > 9 || v.size() != 4 + n + 34) return false;
  BytesView num = v.subspan(4, n);
  if (num[0] & 0x80) return false;                                   // negative
  if (n > 1 && num[0] == 0 && !(num[1] & 0x80)) return false;        // not minimal
  if (n == 9 && num[0] != 0) return false;
  uint64_t x = 0;
  for (uint8_t b : num) x = (x << 8) | b;
  if (v[4 + n] != 0x04 || v[5 + n] != 32) return false;
  *nid = x;
  std::memcpy(request_id->bytes.data(), v.data() + 6 + n, 32);
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string name_text(const X509_NAME* n) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), n, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// Extensions a certificate may carry besides the chain extension.
bool allowed_standard_ext(int nid) {
  return nid == NID_basic_constraints || nid == NID_key_usage || nid == NID_ext_key_usage || nid == NID_subject_key_identifier;
}

std::optional<std::string> check_extensions(X509* x, CertFields* f) {
  bool seen = false;
  for (int i = 0; i < X509_get_ext_count(x); ++i) {
    X509_EXTENSION* e = X509_get_ext(x, i);
    ASN1_OBJECT* obj = X509_EXTENSION_get_object(e);
    if (allowed_standard_ext(OBJ_obj2nid(obj))) continue;
    char oid[128];
    OBJ_obj2txt(oid, sizeof oid, obj, 1);
    if (std::strcmp(oid, kChainExtOid) != 0) return std::string("extension ") + oid + " is not allowed";
    if (seen) return std::string("the chain extension appears twice");
    seen = true;
    const ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(e);
    BytesView v(ASN1_STRING_get0_data(d), static_cast<size_t>(ASN1_STRING_length(d)));
    if (!parse_chain_ext(v, &f->nid, &f->request_id))
      return std::string("the chain extension is not SEQUENCE { INTEGER nid, OCTET STRING (32 bytes) requestId }");
  }
  if (!seen) return std::string("the chain extension ") + kChainExtOid + " (nid and request id) is missing";
  if (X509_get_extension_flags(x) & (EXFLAG_CA | EXFLAG_INVALID)) return std::string("a certificate for a CA or with invalid extensions");
  return std::nullopt;
}

std::optional<std::string> check_key(X509* x, CertFields* f) {
  EVP_PKEY* pk = X509_get0_pubkey(x);
  if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC) return std::string("the public key is not an EC key");
  char group[64] = {};
  size_t glen = 0;
  if (EVP_PKEY_get_group_name(pk, group, sizeof group, &glen) != 1 || std::strcmp(group, "secp256k1") != 0)
    return std::string("the public key is on ") + group + ", not secp256k1 (the ICON tx-signing curve)";
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, f->public_key.bytes.data(), 65, &len) != 1 ||
      len != 65 || f->public_key.bytes[0] != 0x04)
    return std::string("the public key must be an uncompressed point (65 bytes)");
  f->holder = crypto::Address::of_public_key(f->public_key);
  if (X509_verify(x, pk) != 1) return std::string("the self-signature does not verify with the certified key");
  return std::nullopt;
}

std::optional<std::string> check_names(X509* x, const Expect& expect, CertFields* f) {
  NamePtr want = issuer_name(expect.ca_name);
  if (X509_NAME_cmp(X509_get_issuer_name(x), want.get()) != 0)
    return "issuer is '" + name_text(X509_get_issuer_name(x)) + "', expected '" + name_text(want.get()) + "'";
  const X509_NAME* subject = X509_get_subject_name(x);
  const unsigned char* der = nullptr;
  size_t der_len = 0;
  if (X509_NAME_get0_der(const_cast<X509_NAME*>(subject), &der, &der_len) != 1 || der_len > kSubjectBytesMax)
    return "the subject is over " + std::to_string(kSubjectBytesMax) + " bytes";
  if (X509_NAME_get_index_by_NID(const_cast<X509_NAME*>(subject), NID_commonName, -1) < 0)
    return std::string("the subject has no CN");
  f->subject = name_text(subject);
  f->subject_hash = crypto::sha3_256(BytesView(der, der_len));
  return std::nullopt;
}

}  // namespace

std::string serial_of(uint64_t nid, const Hash32& request_id) {
  const BytesView tag = as_bytes("cx-ca-serial");
  Bytes in(tag.begin(), tag.end());
  for (int i = 7; i >= 0; --i) in.push_back(static_cast<uint8_t>(nid >> (8 * i)));
  in.insert(in.end(), request_id.bytes.begin(), request_id.bytes.end());
  Hash32 h = crypto::sha3_256(in);
  h.bytes[0] = static_cast<uint8_t>((h.bytes[0] & 0x3f) | 0x40);
  return to_hex(BytesView(h.bytes.data(), 16));
}

std::variant<CertFields, std::string> check_certificate(BytesView der, const Expect& expect) {
  ErrClear clear;
  if (der.empty() || der.size() > kCertBytesMax) return "a certificate is 1.." + std::to_string(kCertBytesMax) + " bytes of DER";
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return std::string("not a DER X.509 certificate");
  if (p != der.data() + der.size()) return std::string("bytes after the certificate");
  CertFields f;
  if (X509_get_version(x.get()) != X509_VERSION_3) return std::string("not an X.509 version 3 certificate");
  if (X509_get_signature_nid(x.get()) != NID_ecdsa_with_SHA256) return std::string("the signature algorithm is not ecdsa-with-SHA256");
  if (auto e = check_names(x.get(), expect, &f)) return *e;
  if (auto e = check_extensions(x.get(), &f)) return *e;
  if (f.nid != expect.nid) return "the certificate is for network id " + std::to_string(f.nid) + ", this channel's is " + std::to_string(expect.nid);
  BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  char* hex = bn ? BN_bn2hex(bn.get()) : nullptr;
  std::string serial = hex ? lower(hex) : "";
  OPENSSL_free(hex);
  f.serial = serial_of(f.nid, f.request_id);
  if (serial != f.serial) return "serial " + serial + " is not the one its request id gives (" + f.serial + ")";
  auto nb = seconds_of(X509_get0_notBefore(x.get()));
  auto na = seconds_of(X509_get0_notAfter(x.get()));
  if (!nb || !na || *na <= *nb) return std::string("the validity window is unreadable or empty");
  if (*na - *nb > kValidityMaxS) return "the validity is over " + std::to_string(kValidityMaxS / 86400) + " days (3 years)";
  f.not_before_s = *nb;
  f.not_after_s = *na;
  if (auto e = check_key(x.get(), &f)) return *e;
  f.cert_hash = crypto::sha3_256(der);
  return f;
}

namespace {

PkeyPtr pkey_of(const crypto::PrivateKey& key) {
  auto pub = crypto::public_key_of(key);
  if (!pub) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
  BnPtr priv(BN_bin2bn(key.bytes.data(), 32, nullptr));
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "secp256k1", 0);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get());
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub->bytes.data(), 65);
  std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pk = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pk, EVP_PKEY_KEYPAIR, params.get()) != 1)
    return nullptr;
  return PkeyPtr(pk);
}

Result<NamePtr> subject_name(std::string_view text) {
  if (text.empty() || text.size() > 256) return Result<NamePtr>::error("subject: expected \"CN=..,O=..\", at most 256 characters");
  NamePtr n(X509_NAME_new());
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string part(text.substr(start, end - start));
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    size_t eq = part.find('=');
    if (eq == std::string::npos || eq + 1 == part.size())
      return Result<NamePtr>::error("subject: '" + part + "' is not KEY=value");
    std::string k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k != "CN" && k != "O" && k != "OU" && k != "C" && k != "L" && k != "ST")
      return Result<NamePtr>::error("subject: attribute '" + k + "' is not one of CN, O, OU, C, L, ST");
    if (X509_NAME_add_entry_by_txt(n.get(), k.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0) != 1)
      return Result<NamePtr>::error("subject: OpenSSL refused " + k + "=" + v);
    start = end + 1;
  }
  return n;
}

}  // namespace

Result<Bytes> make_certificate(const Request& r) {
  ErrClear clear;
  PkeyPtr pk = pkey_of(r.key);
  if (!pk) return Result<Bytes>::error("the key is not a valid secp256k1 private key");
  auto subject = subject_name(r.subject);
  if (!subject) return subject.status();
  if (r.days == 0 || static_cast<int64_t>(r.days) * 86400 > kValidityMaxS)
    return Result<Bytes>::error("days: 1.." + std::to_string(kValidityMaxS / 86400));
  X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  BIGNUM* sn = nullptr;
  BN_hex2bn(&sn, serial_of(r.ca.nid, r.request_id).c_str());
  BnPtr serial(sn);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get()));
  X509_set_issuer_name(x.get(), issuer_name(r.ca.ca_name).get());
  X509_set_subject_name(x.get(), subject->get());
  ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(r.not_before_s));
  ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(r.not_before_s + int64_t{r.days} * 86400));
  X509_set_pubkey(x.get(), pk.get());
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"}, std::pair{NID_key_usage, "critical,digitalSignature"}}) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value);
    X509_add_ext(x.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  Bytes ext = chain_ext_value(r.ca.nid, r.request_id);
  std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>> obj(OBJ_txt2obj(kChainExtOid, 1));
  std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>> os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), ext.data(), static_cast<int>(ext.size()));
  X509_EXTENSION* e = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os.get());
  X509_add_ext(x.get(), e, -1);
  X509_EXTENSION_free(e);
  if (X509_sign(x.get(), pk.get(), EVP_sha256()) <= 0) return Result<Bytes>::error("OpenSSL could not sign the certificate");
  unsigned char* out = nullptr;
  int n = i2d_X509(x.get(), &out);
  if (n <= 0) return Result<Bytes>::error("OpenSSL could not encode the certificate");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

std::string to_pem(BytesView der) {
  std::string b64 = crypto::base64_encode(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

Result<Bytes> der_of(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----", kEnd = "-----END CERTIFICATE-----";
  size_t b = text.find(kBegin);
  if (b == std::string_view::npos) {
    if (!text.empty() && static_cast<uint8_t>(text[0]) == 0x30) return Bytes(text.begin(), text.end());
    return Result<Bytes>::error("not a PEM certificate (-----BEGIN CERTIFICATE-----) nor DER");
  }
  size_t e = text.find(kEnd, b);
  if (e == std::string_view::npos) return Result<Bytes>::error("PEM certificate without its END line");
  std::string b64;
  for (char c : text.substr(b + kBegin.size(), e - b - kBegin.size()))
    if (!std::isspace(static_cast<unsigned char>(c))) b64 += c;
  auto der = crypto::base64_decode(b64);
  if (!der) return Result<Bytes>::error("PEM certificate: the body is not base64");
  return *der;
}

}  // namespace cx::governance::ca
