// complexchain ca request|issue|revoke|status|verify: the chain as certificate authority from the
// command line (docs/ca.md). `request` is the person's side (a self-signed certificate over their
// ICON key), `issue` and `revoke` are the RA's txs, `status` asks the node, `verify` trusts only the
// validator set it is given.
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>

#include "cli/args.hpp"
#include "cli/ca_verify.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_send.hpp"
#include "crypto/base64.hpp"
#include "node/genesis.hpp"

namespace cx::cli {

namespace json = boost::json;
namespace ca = governance::ca;

namespace {

constexpr const char* kCaUsage =
    "usage: complexchain ca <request|issue|revoke|report-pin|suspend|reset|status|verify> [options]\n"
    "       (complexchain cert … is the same command)\n"
    "\n"
    "  request --keystore KS --subject \"CN=..,O=..\" --days N --out cert.pem\n"
    "                                 make the self-signed certificate an RA submits (your ICON key)\n"
    "  issue cert.pem --keystore RA_KS [--bid HEX [--verified-by SERIAL]]\n"
    "                                 the RA records the certificate on the chain (requestIssue)\n"
    "  revoke --serial S --reason R --keystore RA_KS   the issuing RA revokes it\n"
    "  report-pin --serial S --keystore KS [--attempt N]   a wrong PIN (the 5th consecutive suspends)\n"
    "  suspend|reset --serial S --reason R --keystore RA_KS   an RA suspends it, or resets PIN count and suspension\n"
    "  status SERIAL [--height H]     the status the node reports (good, suspended, revoked, expired, unknown)\n"
    "  verify cert.pem --genesis FILE [--height H]   check the certificate and its status against\n"
    "                                 the validators in force (followed from genesis or --checkpoint\n"
    "                                 across set changes), with a Merkle proof and the block's QC\n"
    "  bench --serials S,S [--clients C --batch B --seconds T]   getStatus queries per second\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

RpcReply ca_read(RpcClient& client, std::string_view method, json::object params, std::optional<uint64_t> height = std::nullopt) {
  json::object req{{"to", ca::ca_contract_address().to_string()},
                   {"dataType", "call"},
                   {"data", {{"method", method}, {"params", std::move(params)}}}};
  if (height) req["height"] = Uint256(*height).to_icon_hex();
  return client.call("icx_call", std::move(req));
}

Result<RpcClient*> client_of(const Args& args, std::unique_ptr<RpcClient>& holder) { return tx_open_client(args, holder); }

// The CA's issuer name and network id: --ca-name and --nid, or asked from the node (getCa).
Result<ca::Expect> expect_of(const Args& args) {
  auto name = args.get("ca-name");
  auto nid = args.get("nid");
  if (name && !name->empty() && nid && !nid->empty()) {
    auto n = parse_height(*nid);
    if (!n) return Result<ca::Expect>::error("--nid: expected a number");
    return ca::Expect{*name, *n};
  }
  std::unique_ptr<RpcClient> holder;
  auto client = client_of(args, holder);
  if (!client) return client.status();
  RpcReply r = ca_read(**client, "getCa", {});
  if (!r.ok()) return Result<ca::Expect>::error("getCa: " + r.error->describe());
  const json::object& o = r.result.as_object();
  return ca::Expect{std::string(o.at("name").as_string()), o.at("nid").to_number<uint64_t>()};
}

std::vector<OptionSpec> with_ca(std::vector<OptionSpec> o) {
  o.push_back({"ca-name", "NAME", "the CA's name (default: asked from the node)", ""});
  return o;
}

int ca_request(const Argv& argv) {
  auto options = with_ca(tx_signing_options());
  options.insert(options.begin(), {{"subject", "DN", "the subject, e.g. \"CN=Kim Minsu,O=Bank A\" (CN, O, OU, C, L, ST)", ""},
                                   {"days", "N", "validity in days, at most 1096 (3 years)", "365"},
                                   {"out", "FILE", "where to write the certificate (PEM)", "cert.pem"}});
  Args args("complexchain ca request --keystore KS --subject DN [options]",
            "Make the certificate request: an X.509 certificate over your ICON key, signed by that key, with the "
            "chain CA's issuer name and a fresh request id. Give it to a registration authority.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto signer = load_signer(args);
  if (!signer) return fail(signer.message());
  auto expect = expect_of(args);
  if (!expect) return fail(expect.message());
  auto days = parse_height(args.get_or("days", "365"));
  if (!days || *days == 0 || *days > 1096) return fail("--days: expected 1..1096");
  Hash32 request_id;
  os_random().fill(request_id.bytes);
  // The start a minute back, so that a chain whose clock is a little behind still finds it started.
  const int64_t now = static_cast<int64_t>(std::time(nullptr)) - 60;
  auto der = ca::make_certificate(ca::Request{signer->key, args.get_or("subject", ""), now, static_cast<uint32_t>(*days), *expect, request_id});
  if (!der) return fail(der.message());
  const std::string out = args.get_or("out", "cert.pem");
  std::ofstream(out) << ca::to_pem(*der);
  std::printf("wrote %s: serial %s, holder %s\n", out.c_str(), ca::serial_of(expect->nid, request_id).c_str(),
              signer->address.to_string().c_str());
  return 0;
}

Result<Bytes> read_cert(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  return ca::der_of(*text);
}

int ca_issue(const Argv& argv) {
  auto options = tx_signing_options();
  options.insert(options.begin(), {{"bid", "HEX", "the person's de-identified id (32 bytes, a keyed hash the RA computes; never personal data)", ""},
                                   {"verified-by", "SERIAL", "a good certificate of the same person (registration at another member)", ""}});
  Args args("complexchain ca issue CERT.pem --keystore RA_KS [--bid HEX [--verified-by SERIAL]] [options]",
            "As a registration authority, record a certificate request on the chain (the CA contract's requestIssue). "
            "Verify the person first: the chain checks the certificate, not who holds it.", options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("issue needs the certificate file");
  auto der = read_cert(args.positionals()[0]);
  if (!der) return fail(der.message());
  TxSpec spec;
  spec.to = ca::ca_contract_address();
  spec.data_type = "call";
  json::object params{{"cert", crypto::base64_encode(*der)}};
  if (auto bid = args.get("bid"); bid && !bid->empty()) params["bid"] = *bid;
  if (auto by = args.get("verified-by"); by && !by->empty()) params["verifiedBy"] = *by;
  spec.data = json::object{{"method", "requestIssue"}, {"params", std::move(params)}};
  if (!args.get("step-limit") && !args.flag("estimate")) spec.step_limit = Uint256(10'000'000);
  return tx_sign_and_send(args, std::move(spec));
}

// A tx to the CA contract about one certificate: `method` with {serial} and the named text options
// (revoke, suspend, reset: reason; report-pin: attempt).
struct SerialTx {
  const char* method;
  const char* usage;
  const char* about;
  std::vector<OptionSpec> options;  // each becomes a param of the same name when given
};

int ca_serial_tx(const Argv& argv, const SerialTx& t) {
  auto options = tx_signing_options();
  std::vector<OptionSpec> own{{"serial", "HEX", "the certificate's serial (32 hex digits)", ""}};
  own.insert(own.end(), t.options.begin(), t.options.end());
  options.insert(options.begin(), own.begin(), own.end());
  Args args(t.usage, t.about, options);
  int code = 0;
  if (!args.parse(argv, code)) return code;
  json::object params{{"serial", args.get_or("serial", "")}};
  for (const auto& o : t.options)
    if (auto v = args.get(o.name); v && !v->empty()) params[o.name] = *v;
    else if (!o.default_value.empty()) params[o.name] = o.default_value;
  TxSpec spec;
  spec.to = ca::ca_contract_address();
  spec.data_type = "call";
  spec.data = json::object{{"method", t.method}, {"params", std::move(params)}};
  if (!args.get("step-limit") && !args.flag("estimate")) spec.step_limit = Uint256(10'000'000);
  return tx_sign_and_send(args, std::move(spec));
}

int ca_revoke(const Argv& argv) {
  return ca_serial_tx(argv, {"revoke", "complexchain ca revoke --serial S --keystore RA_KS [options]", "As the issuing RA, revoke a certificate.",
                             {{"reason", "TEXT", "why (e.g. keyCompromise, affiliationChanged)", "unspecified"}}});
}

int ca_report_pin(const Argv& argv) {
  return ca_serial_tx(argv, {"reportPinFailure", "complexchain ca report-pin --serial S --keystore DEVICE_KS [--attempt N]",
                             "Report a wrong PIN, signed with the certified key (the holder's app) or by the issuing RA. The 5th "
                             "consecutive failure suspends the certificate; --attempt is the app's consecutive count (1 starts a new run).",
                             {{"attempt", "N", "the app's count of consecutive wrong PINs, 1..5 (default: the chain's count + 1)", ""}}});
}

int ca_suspend(const Argv& argv) {
  return ca_serial_tx(argv, {"suspend", "complexchain ca suspend --serial S --reason R --keystore RA_KS",
                             "As an RA, suspend a certificate (e.g. a lost device) until an RA resets it.",
                             {{"reason", "TEXT", "why (e.g. deviceLost)", "unspecified"}}});
}

int ca_reset(const Argv& argv) {
  return ca_serial_tx(argv, {"reset", "complexchain ca reset --serial S --reason R --keystore RA_KS",
                             "As an RA, after authenticating the person off chain, clear the PIN count and end the suspension.",
                             {{"reason", "TEXT", "how the person was authenticated (e.g. branchVisit)", "unspecified"}}});
}

int ca_status(const Argv& argv) {
  Args args("complexchain ca status SERIAL [--height H]", "The status of a certificate as the node reports it (icx_call getStatus).",
            {{"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl}, {"height", "H", "read at this height", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("status needs the serial");
  std::optional<uint64_t> height;
  if (auto h = args.get("height"); h && !h->empty()) {
    height = parse_height(*h);
    if (!height) return fail("--height: expected a number");
  }
  std::unique_ptr<RpcClient> holder;
  auto client = client_of(args, holder);
  if (!client) return fail(client.message());
  RpcReply r = ca_read(**client, "getStatus", {{"serial", args.positionals()[0]}}, height);
  if (!r.ok()) return fail(r.error->describe());
  std::printf("%s\n", json::serialize(r.result).c_str());
  return 0;
}

// The cx_getProof answer for the certificate's status entry: a saved file (--proof) or the node's.
Result<json::object> load_proof(const Args& args, BytesView der, const ca::Expect& expect) {
  using R = Result<json::object>;
  if (auto file = args.get("proof"); file && !file->empty()) {
    auto text = read_text_file(*file);
    if (!text) return text.status();
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) return R::error("--proof: not a JSON object");
    return std::move(v.get_object());
  }
  auto checked = ca::check_certificate(der, expect);
  if (auto* e = std::get_if<std::string>(&checked)) return R::error("certificate: " + *e);
  json::object req{{"address", ca::ca_contract_address().to_string()},
                   {"key", ca::status_key(std::get<ca::CertFields>(checked).serial)}};
  if (auto h = args.get("height"); h && !h->empty()) {
    auto height = parse_height(*h);
    if (!height) return R::error("--height: expected a number");
    req["height"] = Uint256(*height).to_icon_hex();
  }
  std::unique_ptr<RpcClient> holder;
  auto client = client_of(args, holder);
  if (!client) return client.status();
  RpcReply r = (*client)->call("cx_getProof", std::move(req));
  if (!r.ok()) return R::error("cx_getProof: " + r.error->describe());
  if (!r.result.is_object()) return R::error("cx_getProof: not an object");
  return std::move(r.result.get_object());
}

// The genesis set from height 0, or --checkpoint's; --max-changes.
Result<TrustStart> trust_start_of(const Args& args, const core::ChainParams& params) {
  using R = Result<TrustStart>;
  TrustStart start{TrustedSet{0, params.validator_set()}, kSetChangesMaxDefault};
  auto trust_height = args.get("trust-height"), trust_hash = args.get("trust-hash");
  if (trust_height.has_value() != trust_hash.has_value()) return R::error("give --trust-height and --trust-hash together");
  if (trust_height && args.get("checkpoint")) return R::error("give a --checkpoint or a trust anchor, not both");
  if (auto file = args.get("checkpoint"); file && !file->empty()) {
    auto text = read_text_file(*file);
    if (!text) return R::error("--checkpoint: " + text.message());
    auto cp = parse_checkpoint(*text);
    if (!cp) return R::error("--checkpoint: " + cp.message());
    start.set = std::move(*cp);
  }
  if (trust_height) {
    auto height = parse_height(*trust_height);
    if (!height) return R::error("--trust-height: expected a number");
    auto hash = Hash32::from_hex_string(*trust_hash);
    if (!hash) return R::error("--trust-hash: expected a block hash (64 hex digits)");
    std::unique_ptr<RpcClient> holder;
    auto client = client_of(args, holder);
    if (!client) return client.status();
    auto anchor = fetch_anchor(**client, *height, *hash);
    if (!anchor) return anchor.status();
    start.set = std::move(*anchor);
  }
  auto max_changes = parse_height(args.get_or("max-changes", "1000"));
  if (!max_changes || *max_changes > kSetChangesMaxLimit)
    return R::error("--max-changes: expected a number up to " + std::to_string(kSetChangesMaxLimit));
  start.changes_max = *max_changes;
  return start;
}

void print_verified(const Args& args, const VerifiedAcross& across) {
  const VerifiedStatus& v = across.status;
  const std::string status(ca::to_string(v.status));
  if (args.flag("json")) {
    json::object o{{"serial", v.cert.serial}, {"status", status}, {"height", v.height},
                   {"holder", v.cert.holder.to_string()}, {"subject", v.cert.subject},
                   {"issuedHeight", v.record.issued_height}, {"certifiedBlock", v.certified_block.hex()},
                   {"setChanges", across.changes}, {"setFrom", across.set.from_height},
                   {"setHash", "0x" + across.set.set.hash().hex()}};
    if (v.record.revoked_height) o["revokedHeight"] = *v.record.revoked_height;
    if (v.record.suspended_height) o["suspendedHeight"] = *v.record.suspended_height;
    std::printf("%s\n", json::serialize(o).c_str());
    return;
  }
  const std::string revoked =
      v.record.revoked_height ? ", revoked at " + std::to_string(*v.record.revoked_height) + " (" + v.record.reason + ")" : "";
  std::printf("certificate %s (%s, holder %s): %s at height %llu, issued at %llu%s; proven by block %s certified by a "
              "quorum of the validators in force from height %llu (%zu set changes followed from %s)\n",
              v.cert.serial.c_str(), v.cert.subject.c_str(), v.cert.holder.to_string().c_str(), status.c_str(),
              static_cast<unsigned long long>(v.height), static_cast<unsigned long long>(v.record.issued_height),
              revoked.c_str(), v.certified_block.hex().c_str(), static_cast<unsigned long long>(across.set.from_height),
              across.changes, args.get("checkpoint") ? "a checkpoint" : args.get("trust-height") ? "the trust anchor" : "genesis");
}

int ca_verify(const Argv& argv) {
  Args args("complexchain ca verify CERT.pem --genesis FILE [options]",
            "Check a certificate and its status from the chain alone: the status entry's Merkle proof against the state "
            "root of a block, and that block's QC against the validators in force there, followed from the genesis set (or a "
            "checkpoint) through every set change, each certified by the set before. The node is not trusted. Exit 0 only "
            "if the certificate is good at that height.",
            {{"rpc", "URL", "node JSON-RPC endpoint (cx_getProof, cx_getValidatorChanges)", kDefaultRpcUrl},
             {"genesis", "FILE", "the channel's genesis: the trusted validators, CA name and nid", ""},
             {"height", "H", "the state after this block (default: the latest with a certified successor)", ""},
             {"proof", "FILE", "check this saved cx_getProof result instead of asking the node", ""},
             {"offline", "", "with --proof: ask no node (set changes only from the proof's \"validatorChanges\")", ""},
             {"checkpoint", "FILE", "start from this saved validator set instead of the genesis one", ""},
             {"save-checkpoint", "FILE", "after a success, save the set that certified the block", ""},
             {"trust-height", "H", "start from block H, trusted by its hash (--trust-hash), instead of genesis", ""},
             {"trust-hash", "HASH", "the hash of block --trust-height (e.g. from an explorer you trust)", ""},
             {"max-changes", "N", "refuse to follow more validator-set changes than this", "1000"},
             {"json", "", "print the result as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("verify needs the certificate file");
  auto der = read_cert(args.positionals()[0]);
  if (!der) return fail(der.message());
  auto genesis_text = read_text_file(args.get_or("genesis", ""));
  if (!genesis_text) return fail("--genesis: " + genesis_text.message());
  auto params = node::parse_genesis(*genesis_text);
  if (!params) return fail(params.message());
  if (!params->ca) return fail("the genesis has no \"ca\": this channel has no certificate authority");
  const ca::Expect expect{params->ca->name, params->nid};
  auto proof = load_proof(args, *der, expect);
  if (!proof) return fail(proof.message());
  auto start = trust_start_of(args, *params);
  if (!start) return fail(start.message());
  if (args.flag("offline") && (!args.get("proof") || args.get("trust-height")))
    return fail("--offline needs a saved --proof, and cannot fetch a trust anchor");
  std::unique_ptr<RpcClient> holder;
  auto client = client_of(args, holder);
  RpcClient* node = client && !args.flag("offline") ? *client : nullptr;
  auto across = verify_certificate_across(*der, *proof, expect, *start, node);
  if (!across) return fail("not verified: " + across.message());
  if (auto file = args.get("save-checkpoint"); file && !file->empty()) {
    std::ofstream out(*file, std::ios::trunc);
    if (!(out << checkpoint_json(across->set))) return fail("--save-checkpoint: cannot write " + *file);
  }
  print_verified(args, *across);
  const auto status = across->status.status;
  return status == ca::CertStatus::kGood ? 0 : status == ca::CertStatus::kSuspended ? 4 : 3;
}

}  // namespace

int cmd_ca(const Argv& argv) {
  return run_subcommand("ca", kCaUsage, argv, {
      {"request", ca_request},
      {"issue", ca_issue},
      {"revoke", ca_revoke},
      {"report-pin", ca_report_pin},
      {"suspend", ca_suspend},
      {"reset", ca_reset},
      {"status", ca_status},
      {"verify", ca_verify},
      {"bench", ca_bench},
  });
}

}  // namespace cx::cli
