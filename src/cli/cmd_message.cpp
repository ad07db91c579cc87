// complexchain message send|read|encrypt|decrypt: confidential payloads (docs/confidential.md). The
// message is sealed in a CXEN envelope (crypto/ecies.hpp) to the recipients' public keys and carried
// as the data of an ordinary ICON message tx, which validators check and execute without reading it.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <variant>

#include "cli/args.hpp"
#include "cli/cert_recipient.hpp"
#include "cli/commands.hpp"
#include "cli/message_keys.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"
#include "cli/tx_send.hpp"
#include "crypto/address.hpp"
#include "crypto/ecies.hpp"
#include "node/genesis.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr const char* kMessageUsage =
    "usage: complexchain message <send|read|encrypt|decrypt> [options]\n"
    "\n"
    "  send     seal a message to recipients' public keys and send it as a message tx\n"
    "           --to PUBKEY[,..] | --to-tx TXHASH[,..] | --to-file FILE | --to-cert SERIAL[,..] |\n"
    "           --to-holder hx..[,..] [--verify-genesis FILE], --text TEXT | --file FILE\n"
    "  read     fetch a message tx, open your slot and print the plaintext: --tx TXHASH\n"
    "  encrypt  offline: seal --text/--file to --to/--to-file keys, write the envelope as 0x hex\n"
    "  decrypt  offline: open an envelope (0x hex) from --in FILE with your key\n"
    "\n"
    "Recipients' keys: `complexchain ks inspect` prints yours; --to-tx recovers the signer's key from\n"
    "any tx they signed; --to-cert and --to-holder take the certified key of a good certificate of the\n"
    "chain CA (proven from the chain with --verify-genesis). You get a slot too (you can read what you\n"
    "sent) unless --no-self.\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

// The options of `complexchain tx` that name a key, an endpoint or the output format.
std::vector<OptionSpec> key_options() {
  std::vector<OptionSpec> out;
  for (auto& o : tx_signing_options())
    if (o.name == "rpc" || o.name == "json" || o.name == "keystore" || o.name == "key-file" || o.name == "password-file" ||
        o.name == "password-env")
      out.push_back(o);
  return out;
}

std::vector<OptionSpec> recipient_options() {
  return {{"to", "PUBKEY[,..]", "recipients' public keys, hex (65-byte 04… or 33-byte 02…/03…), comma-separated", ""},
          {"to-tx", "TXHASH[,..]", "recipients named by a tx each signed: the key is recovered from its signature", ""},
          {"to-file", "FILE", "recipients' public keys, one per line ('#' comments)", ""},
          {"to-cert", "SERIAL[,..]", "recipients by certificate of the chain CA: its certified key, if good now", ""},
          {"to-holder", "hx..[,..]", "recipients by address: the key of the newest good certificate each holds", ""},
          {"verify-genesis", "FILE", "prove --to-cert/--to-holder statuses from the chain (as `ca verify`) with this genesis", ""},
          {"no-self", "", "do not give the sender a slot (the sender cannot read the message back)", ""},
          {"text", "TEXT", "the message (its UTF-8 bytes)", ""},
          {"file", "FILE", "the message: the bytes of FILE (- for stdin)", ""}};
}

// The plaintext from --text or --file, bounded before it is read.
Result<Bytes> read_plaintext(const Args& args) {
  auto text = args.get("text");
  auto file = args.get("file");
  if (text.has_value() == file.has_value()) return Result<Bytes>::error("give exactly one of --text TEXT or --file FILE");
  if (text) return Bytes(text->begin(), text->end());
  std::error_code ec;
  if (*file != "-" && std::filesystem::file_size(*file, ec) > crypto::kEnvelopeBytesMax && !ec)
    return Result<Bytes>::error(*file + " is larger than an envelope can carry (" + std::to_string(crypto::kEnvelopeBytesMax) + " bytes)");
  auto content = read_text_file(*file);
  if (!content) return content.status();
  return Bytes(content->begin(), content->end());
}

// Each of the comma-separated `list` through `one`, at most kEnvelopeRecipientsMax.
template <typename One>
Status add_each(std::string_view list, std::vector<crypto::PublicKey>& keys, One one) {
  size_t n = 0;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (++n > crypto::kEnvelopeRecipientsMax) return Status::error("more recipients than an envelope holds");
    auto key = one(list.substr(0, comma));
    if (!key) return key.status();
    keys.push_back(*key);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return Status::ok();
}

// --to-cert and --to-holder: keys of good certificates of the chain CA (needs `client`).
Status add_cert_recipients(const Args& args, RpcClient* client, std::vector<crypto::PublicKey>& keys) {
  auto certs = args.get("to-cert");
  auto holders = args.get("to-holder");
  if (!certs && !holders) return Status::ok();
  if (!client) return Status::error("--to-cert and --to-holder need a node (--rpc)");
  CertLookup lookup;
  lookup.client = client;
  if (auto file = args.get("verify-genesis"); file && !file->empty()) {
    auto text = read_text_file(*file);
    if (!text) return Status::error("--verify-genesis: " + text.message());
    auto params = node::parse_genesis(*text);
    if (!params) return Status::error("--verify-genesis: " + params.message());
    if (!params->ca) return Status::error("--verify-genesis: the genesis has no \"ca\"");
    lookup.expect = {params->ca->name, params->nid};
    lookup.trust = TrustStart{TrustedSet{0, params->validator_set()}, kSetChangesMaxDefault};
  } else {
    auto expect = fetch_ca_expect(*client);
    if (!expect) return expect.status();
    lookup.expect = *expect;
  }
  auto key_of = [](const Result<CertRecipient>& r) -> Result<crypto::PublicKey> {
    if (!r) return r.status();
    return r->key;
  };
  if (certs) {
    auto s = add_each(*certs, keys, [&](std::string_view serial) { return key_of(recipient_by_serial(lookup, serial)); });
    if (!s) return Status::error("--to-cert: " + s.message());
  }
  if (holders) {
    auto s = add_each(*holders, keys, [&](std::string_view text) -> Result<crypto::PublicKey> {
      auto a = crypto::Address::parse(text);
      if (!a) return Status::error("'" + std::string(text) + "' is not an hx address");
      return key_of(recipient_by_holder(lookup, *a));
    });
    if (!s) return Status::error("--to-holder: " + s.message());
  }
  return Status::ok();
}

// --to, --to-file and --to-tx (the last needs `client`), then the sender's own key unless --no-self.
// Keys are kept in the order given; one that repeats (same address) is kept once.
Result<std::vector<crypto::PublicKey>> gather_recipients(const Args& args, RpcClient* client, const crypto::PrivateKey* self) {
  using R = Result<std::vector<crypto::PublicKey>>;
  std::vector<crypto::PublicKey> keys;
  if (auto to = args.get("to")) {
    auto list = parse_public_key_list(*to);
    if (!list) return R::error("--to: " + list.message());
    keys.insert(keys.end(), list->begin(), list->end());
  }
  if (auto path = args.get("to-file")) {
    auto text = read_text_file(*path);
    if (!text) return text.status();
    auto list = parse_public_key_file(*text);
    if (!list) return R::error(*path + ": " + list.message());
    keys.insert(keys.end(), list->begin(), list->end());
  }
  if (auto hashes = args.get("to-tx")) {
    if (!client) return R::error("--to-tx needs a node (--rpc)");
    std::string_view rest = *hashes;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      auto key = fetch_signer_key(*client, rest.substr(0, comma));
      if (!key) return R::error("--to-tx: " + key.message());
      keys.push_back(*key);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      if (keys.size() > crypto::kEnvelopeRecipientsMax) break;
    }
  }
  if (auto s = add_cert_recipients(args, client, keys); !s) return s;
  if (keys.empty()) return R::error("no recipient: give --to, --to-tx, --to-file, --to-cert or --to-holder");
  if (self && !args.flag("no-self")) keys.push_back(*crypto::public_key_of(*self));
  std::vector<crypto::PublicKey> unique;
  std::set<crypto::Address> seen;
  for (const auto& k : keys)
    if (seen.insert(crypto::Address::of_public_key(k)).second) unique.push_back(k);
  if (unique.size() > crypto::kEnvelopeRecipientsMax)
    return R::error(std::to_string(unique.size()) + " recipients (with you); an envelope holds at most " +
                    std::to_string(crypto::kEnvelopeRecipientsMax));
  return unique;
}

// Opens `envelope` with the reader's key and prints the plaintext (raw bytes, or JSON with --json).
int print_opened(const Args& args, BytesView envelope, const crypto::PrivateKey& key, const json::object& context) {
  auto opened = crypto::open_envelope(envelope, key);
  if (auto* rej = std::get_if<crypto::EnvelopeRejection>(&opened))
    return fail(std::string(crypto::to_string(rej->reason)) + ": " + rej->detail);
  const Bytes& plain = std::get<Bytes>(opened);
  if (args.flag("json")) {
    const auto parsed = crypto::parse_envelope(envelope);
    json::array recipients;
    for (const auto& id : std::get<crypto::EnvelopeHeader>(parsed).recipients) recipients.push_back(json::string("hx" + id.hex()));
    json::object out = context;
    out["recipients"] = std::move(recipients);
    out["plaintextHex"] = "0x" + to_hex(plain);
    std::printf("%s\n", pretty_json(out).c_str());
    return 0;
  }
  std::fwrite(plain.data(), 1, plain.size(), stdout);
  if (!plain.empty() && plain.back() != '\n' && args.flag("newline")) std::fputc('\n', stdout);
  return 0;
}

// "0x…" hex of an envelope, as a tx carries it or `message encrypt` writes it.
Result<Bytes> envelope_of_hex(std::string_view text, const std::string& where) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (!text.starts_with("0x")) return Result<Bytes>::error(where + " is not 0x hex: not an envelope");
  if (text.size() > 2 + 2 * crypto::kEnvelopeBytesMax)
    return Result<Bytes>::error(where + " is longer than any envelope (" + std::to_string(crypto::kEnvelopeBytesMax) + " bytes)");
  auto bytes = from_hex(text.substr(2));
  if (!bytes) return Result<Bytes>::error(where + " is not 0x hex: not an envelope");
  return std::move(*bytes);
}

int message_send(const Argv& argv) {
  auto options = tx_signing_options();
  auto r = recipient_options();
  options.insert(options.begin(), r.begin(), r.end());
  options.push_back({"address", "ADDR", "the tx's `to` (default: the first recipient's hx address)", ""});
  Args args("complexchain message send (--to PUBKEY[,..] | --to-tx TXHASH[,..] | --to-file FILE | --to-cert SERIAL[,..] | "
            "--to-holder hx..[,..]) (--text TEXT | --file FILE) [options]",
            "Seal a message to the recipients' public keys and send it as an ICON message tx; prints the tx hash.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  auto plaintext = read_plaintext(args);
  if (!plaintext) return fail(plaintext.message());
  auto keys = gather_recipients(args, *client, &signer->key);
  if (!keys) return fail(keys.message());
  auto envelope = crypto::seal_envelope(*plaintext, *keys, os_random());
  if (!envelope) return fail(envelope.message());
  TxSpec spec;
  spec.to = crypto::Address::of_public_key(keys->front());
  if (auto a = args.get("address")) {
    auto addr = crypto::Address::parse(*a);
    if (!addr) return fail("--address '" + *a + "' is not an hx/cx address");
    spec.to = *addr;
  }
  spec.data_type = "message";
  spec.data = json::string("0x" + to_hex(*envelope));
  return tx_sign_and_send(args, std::move(spec));
}

int message_read(const Argv& argv) {
  auto options = key_options();
  options.insert(options.begin(), {{"tx", "TXHASH", "the message tx", ""},
                                   {"newline", "", "end the output with a newline if the message has none", ""}});
  Args args("complexchain message read --tx TXHASH (--keystore FILE | --key-file FILE) [options]",
            "Fetch a message tx, open the recipient slot of your key and print the message (raw bytes; --json: hex).",
            options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto hash = args.get("tx");
  if (!hash) return fail("--tx TXHASH is required");
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::unique_ptr<RpcClient> holder;
  auto client = tx_open_client(args, holder);
  if (!client) return fail(client.message());
  auto tx = fetch_tx(**client, *hash);
  if (!tx) return fail(tx.message());
  const json::value* type = tx->if_contains("dataType");
  const json::value* data = tx->if_contains("data");
  if (!type || !type->is_string() || type->get_string() != "message" || !data || !data->is_string())
    return fail("not an envelope: tx " + *hash + " is not a message tx");
  auto envelope = envelope_of_hex(data->get_string(), "tx " + *hash + "'s data");
  if (!envelope) return fail(envelope.message());
  json::object context{{"txHash", *hash}};
  if (const json::value* from = tx->if_contains("from")) context["from"] = *from;
  return print_opened(args, *envelope, signer->key, context);
}

int message_encrypt(const Argv& argv) {
  auto options = recipient_options();
  options.erase(options.begin() + 1);  // --to-tx needs a node; offline takes keys (or certificates, with --rpc)
  options.push_back({"rpc", "URL", "node JSON-RPC endpoint, for --to-cert/--to-holder only", ""});
  options.push_back({"key-file", "FILE", "your hex private key: gives you a slot too (else you get none)", ""});
  options.push_back({"keystore", "FILE", "your keystore: gives you a slot too (else you get none)", ""});
  options.push_back({"password-file", "FILE", "keystore password file", ""});
  options.push_back({"password-env", "VAR", "environment variable holding the keystore password", "CX_PASSWORD"});
  options.push_back({"out", "FILE", "write the envelope (0x hex) here instead of stdout", ""});
  Args args("complexchain message encrypt (--to PUBKEY[,..] | --to-file FILE) (--text TEXT | --file FILE) [--out FILE]",
            "Seal a message offline; the 0x hex output is what `tx message --data` sends.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  std::optional<Signer> self;
  if (args.get("key-file") || args.get("keystore")) {
    auto s = load_signer(args);
    if (!s) return fail(s.message());
    self = *s;
  }
  auto plaintext = read_plaintext(args);
  if (!plaintext) return fail(plaintext.message());
  std::unique_ptr<RpcClient> holder;
  RpcClient* client = nullptr;
  if (args.get("to-cert") || args.get("to-holder")) {
    if (!args.get("rpc") || args.get("rpc")->empty()) return fail("--to-cert and --to-holder need a node (--rpc URL)");
    auto c = tx_open_client(args, holder);
    if (!c) return fail(c.message());
    client = *c;
  }
  auto keys = gather_recipients(args, client, self ? &self->key : nullptr);
  if (!keys) return fail(keys.message());
  auto envelope = crypto::seal_envelope(*plaintext, *keys, os_random());
  if (!envelope) return fail(envelope.message());
  const std::string hex = "0x" + to_hex(*envelope) + "\n";
  if (auto out = args.get("out")) {
    std::ofstream f(*out, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(hex.data(), static_cast<std::streamsize>(hex.size()))) return fail("cannot write " + *out);
    return 0;
  }
  std::fwrite(hex.data(), 1, hex.size(), stdout);
  return 0;
}

int message_decrypt(const Argv& argv) {
  auto options = key_options();
  options.erase(options.begin());  // no --rpc
  options.insert(options.begin(), {{"in", "FILE", "the envelope as 0x hex (- for stdin)", ""},
                                   {"newline", "", "end the output with a newline if the message has none", ""}});
  Args args("complexchain message decrypt --in FILE (--keystore FILE | --key-file FILE)",
            "Open an envelope offline with your key and print the message.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto in = args.get("in");
  if (!in) return fail("--in FILE is required");
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  std::error_code ec;
  if (*in != "-" && std::filesystem::file_size(*in, ec) > 2 * crypto::kEnvelopeBytesMax + 16 && !ec)
    return fail(*in + " is longer than any envelope");
  auto text = read_text_file(*in);
  if (!text) return fail(text.message());
  auto envelope = envelope_of_hex(*text, *in);
  if (!envelope) return fail(envelope.message());
  return print_opened(args, *envelope, signer->key, json::object{});
}

}  // namespace

int cmd_message(const Argv& argv) {
  return run_subcommand("message", kMessageUsage, argv, {
      {"send", message_send},
      {"read", message_read},
      {"encrypt", message_encrypt},
      {"decrypt", message_decrypt},
  });
}

}  // namespace cx::cli
