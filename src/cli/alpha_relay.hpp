#pragma once
// The Alpha webhook relay (docs/alpha-relay.md): an outside system (a warehouse, an inspector, a
// carrier) POSTs an event; the relay authenticates it (HMAC-SHA256 with the source's shared secret,
// a timestamp inside the replay window, a delivery id never seen before, a bounded body), turns it
// into the Alpha contract's `attest` call and signs it with the attester's key, which never leaves
// the attester's machine. This file is the part without sockets: config, authentication, replay
// memory and the tx; cmd_alpha_relay.cpp serves HTTP and talks to the node.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli::relay {

inline constexpr const char* kSourceHeader = "X-Cx-Source";
inline constexpr const char* kDeliveryHeader = "X-Cx-Delivery";
inline constexpr const char* kTimestampHeader = "X-Cx-Timestamp";
inline constexpr const char* kSignatureHeader = "X-Cx-Signature";  // "sha256=<64 hex>"

inline constexpr size_t kSecretBytesMin = 16;
inline constexpr size_t kDeliveryBytesMax = 64;  // also the attestation nonce (alpha::kNonceMax)
inline constexpr uint64_t kBodyBytesMaxLimit = 1 << 20;
inline constexpr size_t kSourcesMax = 256;

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9100;
  std::string node_url = "http://127.0.0.1:9000/api/v3";
  std::optional<uint64_t> nid;  // asked of the node when absent
  std::string keystore;         // the attester's keystore file
  std::string password_file;    // else CX_PASSWORD
  uint64_t body_bytes_max = 16 * 1024;
  int64_t window_s = 300;       // a delivery's timestamp may differ from the relay's clock this much
  uint64_t step_limit = 10'000'000;
  bool wait = false;            // answer with the tx's result instead of its hash
  size_t deliveries_max = 100'000;  // delivery ids remembered (each for 2 windows)
  std::map<std::string, std::string> secrets;  // source -> shared secret
};

// Reads the relay's JSON config (docs/alpha-relay.md "Config"). Every field is checked; an error
// names the field. Relative file paths are taken from the config file's directory.
Result<Config> parse_config(std::string_view json_text, const std::string& base_dir);

// HMAC-SHA256(secret, timestamp + "." + delivery + "." + body), lower-case hex.
std::string signature_hex(std::string_view secret, std::string_view timestamp, std::string_view delivery, std::string_view body);

// Why a delivery is refused, and the HTTP status the relay answers with.
enum class Refusal { kNone, kMissingHeader, kUnknownSource, kBadTimestamp, kStale, kBadSignature, kReplay, kFull, kBadBody };
unsigned http_status(Refusal r);

struct Verdict {
  Refusal refusal = Refusal::kNone;
  std::string message;
  bool ok() const { return refusal == Refusal::kNone; }
};

struct Delivery {
  std::string source, id, timestamp, signature;
};

// Authenticates deliveries and remembers their ids: a delivery id of a source is accepted once while
// it can still be inside the window (2 windows), and at most deliveries_max are remembered (when the
// memory is full of live ids, new deliveries are refused rather than an id forgotten early).
class Authenticator {
 public:
  explicit Authenticator(const Config& config) : m_config(config) {}
  // Checks headers, timestamp, signature and replay in that order; records the id when all pass.
  Verdict admit(const Delivery& d, std::string_view body, int64_t now_s);
  // A delivery whose tx never reached the node (transport failure) may be sent again.
  void forget(const Delivery& d);
  size_t remembered() const { return m_seen.size(); }

 private:
  const Config& m_config;
  std::map<std::pair<std::string, std::string>, int64_t> m_seen;  // (source, id) -> forget after
};

// The event of a webhook body: {"instance": id, "event": name, "result"?: str, "fields"?: {...}}.
// The delivery id is the attestation's nonce (so the chain also refuses a replay).
struct Event {
  std::string instance;  // "0x.." as the contract takes ids
  std::string event;
  std::optional<std::string> result;
  std::optional<boost::json::object> fields;
};
Result<Event> parse_event(std::string_view body);

// The `attest` call tx, unsigned (the caller signs with the attester's key).
TxSpec attest_tx(const Event& e, std::string_view nonce, uint64_t nid, uint64_t step_limit, int64_t now_us);

}  // namespace cx::cli::relay
