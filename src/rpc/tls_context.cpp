#include "rpc/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/log.hpp"
#include "rpc/tls_client_check.hpp"

namespace cx::rpc {

namespace asio = boost::asio;

namespace {

constexpr uint16_t kGroupSecp256k1 = 22;  // RFC 8422 §5.1.1 NamedCurve secp256k1
constexpr unsigned char kSessionContext[] = "cx-rpc";

// What the handshake's verify callback needs; owned by the SSL_CTX (ex data), freed with it.
struct ClientCertPolicy {
  std::vector<const core::ChainParams*> channels;
};

int policy_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<ClientCertPolicy*>(ptr); });
  return index;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256] = {};
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return e ? std::string(buf) : std::string("unknown OpenSSL error");
}

// Replaces OpenSSL's chain building: a chain-CA certificate is self-signed and trusted only because
// the chain records it, so there is no trust anchor to build to. One certificate, no chain; it must
// pass the profile of a channel that asks for client certificates.
int verify_client_certificate(X509_STORE_CTX* store, void* arg) {
  const auto* policy = static_cast<const ClientCertPolicy*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store);
  if (!leaf || (sent && sk_X509_num(sent) > 1)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    CX_DEBUG("rpc", "TLS client certificate refused: send the chain-CA certificate alone, without a chain");
    return 0;
  }
  unsigned char* der = nullptr;
  const int n = i2d_X509(leaf, &der);
  if (n <= 0) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  const Bytes bytes(der, der + n);
  OPENSSL_free(der);
  std::string why;
  for (const core::ChainParams* p : policy->channels) {
    auto refusal = tls_profile_refusal(*p, bytes);
    if (!refusal) return 1;
    why = *refusal;
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  CX_DEBUG("rpc", "TLS client certificate refused in the handshake: " << why);
  return 0;
}

// A client that lists secp256k1 among its groups may authenticate with a chain-CA key, which only
// TLS 1.2 can sign with: hold that connection to TLS 1.2.
int on_client_hello(SSL* ssl, int*, void*) {
  const unsigned char* ext = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &ext, &len) != 1 || len < 2) return SSL_CLIENT_HELLO_SUCCESS;
  size_t list = (size_t{ext[0]} << 8) | ext[1];
  if (list + 2 > len) return SSL_CLIENT_HELLO_SUCCESS;
  for (size_t i = 2; i + 1 < 2 + list; i += 2) {
    if (((uint16_t{ext[i]} << 8) | ext[i + 1]) == kGroupSecp256k1) {
      SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
      break;
    }
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

Status load_identity(asio::ssl::context& ctx, const TlsOptions& options) {
  boost::system::error_code ec;
  if (ctx.use_certificate_chain_file(options.cert_file, ec))
    return Status::error("rpc tls: cannot load the certificate '" + options.cert_file + "': " + ec.message());
  if (ctx.use_private_key_file(options.key_file, asio::ssl::context::pem, ec))
    return Status::error("rpc tls: cannot load the private key '" + options.key_file + "': " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return Status::error("rpc tls: the key '" + options.key_file + "' is not the certificate's key: " + openssl_error());
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<asio::ssl::context>> make_server_tls(const TlsOptions& options,
                                                            std::vector<const core::ChainParams*> client_cert_channels) {
  using R = Result<std::unique_ptr<asio::ssl::context>>;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                   asio::ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) return R::error("rpc tls: " + openssl_error());
  // TLS 1.2 suites: forward-secret AEAD only.
  if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) return R::error("rpc tls: " + openssl_error());
  if (SSL_CTX_set1_groups_list(native, kTlsGroups) != 1) return R::error("rpc tls: groups: " + openssl_error());
  if (Status s = load_identity(*ctx, options); !s) return R(std::move(s));
  if (client_cert_channels.empty()) return R(std::move(ctx));
  // A session resumed with a ticket keeps the client certificate of its first handshake.
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  auto* policy = new ClientCertPolicy{std::move(client_cert_channels)};
  SSL_CTX_set_ex_data(native, policy_index(), policy);
  SSL_CTX_set_cert_verify_callback(native, verify_client_certificate, policy);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);  // asked for, not required: per channel
  SSL_CTX_set_client_hello_cb(native, on_client_hello, nullptr);
  return R(std::move(ctx));
}

Bytes peer_certificate_der(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace cx::rpc
