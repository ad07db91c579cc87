// complexchain ca bench: certificate-status queries per second from one node (issue 13 "How fast":
// at least 20,000). C client threads, each with one keep-alive connection, send icx_call getStatus
// for the given serials round-robin, one request per HTTP exchange or B per JSON-RPC batch, for T
// seconds; every answer is checked to carry a status. scripts/bench_ca_status.sh sets up the channel
// and takes the median of runs.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"
#include "governance/ca_contract.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

// The JSON-RPC body of `batch` getStatus calls starting at serial index `first` (a single object for 1).
std::string status_body(const std::vector<std::string>& serials, size_t first, size_t batch) {
  std::string body = batch > 1 ? "[" : "";
  for (size_t i = 0; i < batch; ++i) {
    json::object params{{"to", governance::ca::ca_contract_address().to_string()},
                        {"dataType", "call"},
                        {"data", {{"method", "getStatus"}, {"params", {{"serial", serials[(first + i) % serials.size()]}}}}}};
    body += (i ? "," : "") + rpc_request_json(i + 1, "icx_call", params);
  }
  return body + (batch > 1 ? "]" : "");
}

// Answers in `body` that carry a status ("status":"good" etc.); errors carry none.
size_t answers_in(std::string_view body) {
  size_t n = 0;
  for (size_t at = body.find("\"status\":\""); at != std::string_view::npos; at = body.find("\"status\":\"", at + 1)) ++n;
  return n;
}

struct Totals {
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> failed{0};
};

struct ClientSetup {
  Url url;
  RpcClientOptions options;
  bool reconnect = false;  // a new connection (with https, a full TLS handshake) for every exchange
};

void client_loop(const ClientSetup& setup, const std::vector<std::string>& bodies, size_t batch,
                 std::chrono::steady_clock::time_point until, Totals* totals) {
  RpcClient client(setup.url, setup.options);
  uint64_t answered = 0, failed = 0;
  for (size_t i = 0; std::chrono::steady_clock::now() < until; ++i) {
    if (setup.reconnect) client.close();
    auto r = client.post(bodies[i % bodies.size()]);
    const size_t got = r && r->status == 200 ? std::min(answers_in(r->body), batch) : 0;
    answered += got;
    failed += batch - got;
  }
  totals->answered += answered;
  totals->failed += failed;
}

}  // namespace

int ca_bench(const Argv& argv) {
  std::vector<OptionSpec> options{
      {"rpc", "URL", "node JSON-RPC endpoint", kDefaultRpcUrl},
      {"serials", "S,S,...", "serials of recorded certificates (at most 1000)", ""},
      {"clients", "C", "concurrent keep-alive connections (1..256)", "8"},
      {"batch", "B", "getStatus calls per JSON-RPC batch (1 = one per HTTP exchange; at most 1000)", "1"},
      {"seconds", "T", "how long to run (1..600)", "5"},
      {"reconnect", "", "a new connection for every exchange (measures TCP/TLS handshakes)", ""}};
  for (auto& a : client_auth_options()) options.push_back(std::move(a));
  Args args("complexchain ca bench --serials S[,S...] [options]",
            "Certificate-status queries per second from one node: C keep-alive clients send icx_call getStatus for "
            "the serials round-robin (B per JSON-RPC batch) for T seconds. Prints one JSON line.",
            std::move(options));
  int code = 0;
  if (!args.parse(argv, code)) return code;
  std::vector<std::string> serials;
  const std::string list = args.get_or("serials", "");
  for (size_t at = 0; at < list.size();) {
    const size_t end = std::min(list.find(',', at), list.size());
    if (end > at) serials.push_back(list.substr(at, end - at));
    at = end + 1;
  }
  auto clients = parse_height(args.get_or("clients", "8"));
  auto batch = parse_height(args.get_or("batch", "1"));
  auto seconds = parse_height(args.get_or("seconds", "5"));
  if (serials.empty() || serials.size() > 1000) return std::fprintf(stderr, "error: --serials: 1..1000 serials\n"), 1;
  if (!clients || *clients == 0 || *clients > 256) return std::fprintf(stderr, "error: --clients: expected 1..256\n"), 1;
  if (!batch || *batch == 0 || *batch > 1000) return std::fprintf(stderr, "error: --batch: expected 1..1000\n"), 1;
  if (!seconds || *seconds == 0 || *seconds > 600) return std::fprintf(stderr, "error: --seconds: expected 1..600\n"), 1;
  auto url = Url::parse(args.get_or("rpc", kDefaultRpcUrl));
  if (!url) return std::fprintf(stderr, "error: --rpc: %s\n", url.message().c_str()), 1;
  ClientSetup setup{*url, {}, args.flag("reconnect")};
  if (Status st = apply_client_auth_options(args, setup.options); !st)
    return std::fprintf(stderr, "error: %s\n", st.message().c_str()), 1;
  std::vector<std::string> bodies;  // prepared once: the loop measures the node, not JSON building
  for (size_t first = 0; first < serials.size(); first += *batch) bodies.push_back(status_body(serials, first, *batch));
  Totals totals;
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::seconds(*seconds);
  std::vector<std::thread> threads;
  for (uint64_t c = 0; c < *clients; ++c) threads.emplace_back(client_loop, std::cref(setup), std::cref(bodies), *batch, until, &totals);
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t answered = totals.answered.load(), failed = totals.failed.load();
  json::object o;
  o["queries_per_s"] = static_cast<uint64_t>(static_cast<double>(answered) / elapsed);
  o["answered"] = answered;
  o["failed"] = failed;
  o["clients"] = *clients;
  o["batch"] = *batch;
  o["reconnect"] = setup.reconnect;
  o["tls"] = setup.url.tls;
  o["seconds"] = elapsed;
  std::printf("%s\n", json::serialize(o).c_str());
  return failed == 0 && answered > 0 ? 0 : 1;
}

}  // namespace cx::cli
