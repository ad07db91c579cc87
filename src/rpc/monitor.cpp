#include "rpc/monitor.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <initializer_list>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include "rpc/json_format.hpp"

namespace cx::rpc {

namespace json = boost::json;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

constexpr size_t kRequestBytesMax = 64 * 1024;  // the client's one request message
constexpr size_t kFiltersMax = 64;
constexpr size_t kFilterArgsMax = 32;
// Blocks are produced only while the send queue is below these, so a client that reads slowly
// slows its own catch-up instead of growing the queue.
constexpr size_t kQueueLowWaterMessages = 64;
constexpr size_t kQueueLowWaterBytes = 256 * 1024;
// Blocks handled per turn on the strand before yielding to other connections.
constexpr size_t kBlocksPerTurn = 256;
// Live blocks kept while catching up; older ones are read back from the channel.
constexpr size_t kLiveBlocksMax = 256;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

Status bad(std::string message) { return Status::error("invalid params: " + std::move(message)); }

Status check_keys(const json::object& o, std::initializer_list<std::string_view> allowed, std::string_view where) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      return bad("unknown field '" + clip(kv.key()) + "'" + std::string(where));
    }
  }
  return Status::ok();
}

// "Name(type,type,...)": returns the number of arguments, or nullopt if it is not a signature.
std::optional<size_t> signature_args(std::string_view sig) {
  size_t open = sig.find('(');
  if (open == 0 || open == std::string_view::npos || sig.back() != ')') return std::nullopt;
  std::string_view inside = sig.substr(open + 1, sig.size() - open - 2);
  if (inside.find_first_of("() ") != std::string_view::npos) return std::nullopt;
  if (inside.empty()) return 0;
  size_t n = static_cast<size_t>(std::count(inside.begin(), inside.end(), ',')) + 1;
  return n;
}

Result<std::vector<std::optional<std::string>>> parse_args(const json::object& o, std::string_view key) {
  std::vector<std::optional<std::string>> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  const json::array* a = it->value().if_array();
  if (!a) return bad("'" + std::string(key) + "' must be an array of strings or nulls");
  if (a->size() > kFilterArgsMax) return bad("'" + std::string(key) + "' has more than " + std::to_string(kFilterArgsMax) + " items");
  for (const auto& item : *a) {
    if (item.is_null()) {
      out.emplace_back(std::nullopt);
    } else if (const json::string* s = item.if_string()) {
      out.emplace_back(std::string(*s));
    } else {
      return bad("'" + std::string(key) + "' must hold only strings or nulls");
    }
  }
  return out;
}

Result<EventFilter> parse_filter(const json::object& o) {
  EventFilter f;
  auto ev = o.find("event");
  if (ev == o.end() || !ev->value().is_string()) return bad("'event' (the event signature, a string) is required");
  f.signature = std::string(ev->value().get_string());
  auto nargs = signature_args(f.signature);
  if (!nargs) return bad("'event' is not an event signature like Transfer(Address,Address,int): " + clip(f.signature));
  auto addr = o.find("addr");
  if (addr != o.end() && !addr->value().is_null()) {
    const json::string* s = addr->value().if_string();
    auto a = s ? core::Address::parse(*s) : std::nullopt;
    if (!a) return bad("'addr' is not an hx/cx address: " + (s ? clip(*s) : json::serialize(addr->value())));
    f.addr = *a;
  }
  auto indexed = parse_args(o, "indexed");
  if (!indexed) return indexed.status();
  auto data = parse_args(o, "data");
  if (!data) return data.status();
  f.indexed = std::move(*indexed);
  f.data = std::move(*data);
  if (f.indexed.size() + f.data.size() > *nargs) {
    return bad("'indexed' and 'data' give " + std::to_string(f.indexed.size() + f.data.size()) +
               " values but the event " + clip(f.signature) + " has " + std::to_string(*nargs) + " arguments");
  }
  return f;
}

Result<bool> parse_bool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return false;
  if (it->value().is_bool()) return it->value().get_bool();
  if (const json::string* s = it->value().if_string()) {
    if (*s == "0x1") return true;
    if (*s == "0x0") return false;
  }
  return bad("'" + std::string(key) + "' must be \"0x1\" or \"0x0\"");
}

void append_logs(std::string& out, const std::vector<const core::EventLog*>& logs) {
  out += '[';
  for (size_t i = 0; i < logs.size(); ++i) {
    if (i) out += ',';
    out += json::serialize(event_log_to_json(*logs[i]));
  }
  out += ']';
}

}  // namespace

bool EventFilter::matches(const core::EventLog& log) const {
  if (log.indexed.empty() || log.indexed[0] != signature) return false;
  if (addr && log.score != *addr) return false;
  // goloop server/wsevent.go MatchLog: with argument values given, the log must have them all.
  if (!indexed.empty() || !data.empty()) {
    if (log.indexed.size() <= indexed.size() || log.data.size() < data.size()) return false;
  }
  for (size_t i = 0; i < indexed.size(); ++i) {
    if (indexed[i] && *indexed[i] != log.indexed[i + 1]) return false;
  }
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] && *data[i] != log.data[i]) return false;
  }
  return true;
}

Result<MonitorRequest> parse_monitor_request(MonitorKind kind, const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return bad("the monitor request must be a JSON object");
  Status keys = kind == MonitorKind::kBlock
                    ? check_keys(*o, {"height", "eventFilters", "logs"}, " (allowed: height, eventFilters, logs)")
                    : check_keys(*o, {"height", "addr", "event", "indexed", "data", "eventFilters", "logs", "progressInterval"},
                                 " (allowed: height, addr, event, indexed, data, eventFilters, logs, progressInterval)");
  if (!keys) return keys;
  MonitorRequest req;
  auto h = o->find("height");
  if (h == o->end() || !h->value().is_string()) return bad("'height' (hex string) is required");
  auto height = parse_hex_u64(h->value().get_string());
  if (!height) return bad("'height' is not a hex integer (0x...): " + clip(h->value().get_string()));
  req.height = *height;
  auto logs = parse_bool(*o, "logs");
  if (!logs) return logs.status();
  req.logs = *logs;
  auto pi = o->find("progressInterval");
  if (pi != o->end() && !pi->value().is_null()) {
    auto n = pi->value().is_string() ? parse_hex_u64(pi->value().get_string()) : std::nullopt;
    if (!n) return bad("'progressInterval' is not a hex integer (0x...)");
    req.progress_interval = *n;
  }
  auto fs = o->find("eventFilters");
  bool has_filters = fs != o->end() && !fs->value().is_null();
  if (has_filters) {
    const json::array* a = fs->value().if_array();
    if (!a) return bad("'eventFilters' must be an array of filter objects");
    if (a->size() > kFiltersMax) return bad("'eventFilters' has more than " + std::to_string(kFiltersMax) + " filters");
    for (size_t i = 0; i < a->size(); ++i) {
      const json::object* fo = (*a)[i].if_object();
      if (!fo) return bad("eventFilters[" + std::to_string(i) + "] must be an object");
      Status k = check_keys(*fo, {"addr", "event", "indexed", "data"}, " in eventFilters[" + std::to_string(i) + "]");
      if (!k) return k;
      auto f = parse_filter(*fo);
      if (!f) return Status::error(f.message() + " (eventFilters[" + std::to_string(i) + "])");
      req.filters.push_back(std::move(*f));
    }
  }
  if (kind == MonitorKind::kEvent) {
    bool has_event = o->contains("event");
    if (has_filters && has_event) return bad("give either 'event' or 'eventFilters', not both");
    if (!has_filters || req.filters.empty()) {
      if (has_filters) return bad("'eventFilters' is empty");
      auto f = parse_filter(*o);
      if (!f) return f.status();
      req.filters.push_back(std::move(*f));
    }
  } else if (o->contains("addr") || o->contains("event")) {
    return bad("a block monitor takes filters only in 'eventFilters'");
  }
  return req;
}

void monitor_notifications(MonitorKind kind, const MonitorRequest& req, const core::Block& block,
                           const std::vector<core::Receipt>* receipts, std::vector<std::string>& out) {
  std::string hash = hash_hex(block.hash());
  std::string height = hex_u64(block.header.height);
  static const std::vector<core::Receipt> kNone;
  const std::vector<core::Receipt>& rs = receipts ? *receipts : kNone;

  if (kind == MonitorKind::kBlock) {
    std::string n = "{\"hash\":\"" + hash + "\",\"height\":\"" + height + "\"";
    if (!req.filters.empty()) {
      // goloop server/wsblock.go: per filter, the matching result indexes and, per result, the
      // matching event indexes; omitted when nothing matched.
      size_t nf = req.filters.size();
      std::vector<std::vector<uint32_t>> indexes(nf);
      std::vector<std::vector<std::vector<uint32_t>>> events(nf);
      std::vector<std::vector<std::vector<const core::EventLog*>>> logs(nf);
      bool any = false;
      for (size_t fi = 0; fi < nf; ++fi) {
        for (size_t ri = 0; ri < rs.size(); ++ri) {
          std::vector<uint32_t> hit;
          std::vector<const core::EventLog*> hit_logs;
          for (size_t li = 0; li < rs[ri].logs.size(); ++li) {
            if (req.filters[fi].matches(rs[ri].logs[li])) {
              hit.push_back(static_cast<uint32_t>(li));
              hit_logs.push_back(&rs[ri].logs[li]);
            }
          }
          if (hit.empty()) continue;
          any = true;
          indexes[fi].push_back(static_cast<uint32_t>(ri));
          events[fi].push_back(std::move(hit));
          logs[fi].push_back(std::move(hit_logs));
        }
      }
      if (any) {
        n += ",\"indexes\":[";
        for (size_t fi = 0; fi < nf; ++fi) {
          if (fi) n += ',';
          n += '[';
          for (size_t k = 0; k < indexes[fi].size(); ++k) {
            if (k) n += ',';
            n += '"' + hex_u64(indexes[fi][k]) + '"';
          }
          n += ']';
        }
        n += "],\"events\":[";
        for (size_t fi = 0; fi < nf; ++fi) {
          if (fi) n += ',';
          n += '[';
          for (size_t k = 0; k < events[fi].size(); ++k) {
            if (k) n += ',';
            n += '[';
            for (size_t e = 0; e < events[fi][k].size(); ++e) {
              if (e) n += ',';
              n += '"' + hex_u64(events[fi][k][e]) + '"';
            }
            n += ']';
          }
          n += ']';
        }
        n += ']';
        if (req.logs) {
          n += ",\"logs\":[";
          for (size_t fi = 0; fi < nf; ++fi) {
            if (fi) n += ',';
            n += '[';
            for (size_t k = 0; k < logs[fi].size(); ++k) {
              if (k) n += ',';
              append_logs(n, logs[fi][k]);
            }
            n += ']';
          }
          n += ']';
        }
      }
    }
    n += '}';
    out.push_back(std::move(n));
    return;
  }

  // Event monitor: one notification per result with at least one log matching any filter
  // (goloop server/wsevent.go; a log counts once even if several filters match it).
  for (size_t ri = 0; ri < rs.size(); ++ri) {
    std::vector<uint32_t> hit;
    std::vector<const core::EventLog*> hit_logs;
    for (size_t li = 0; li < rs[ri].logs.size(); ++li) {
      const core::EventLog& log = rs[ri].logs[li];
      for (const auto& f : req.filters) {
        if (f.matches(log)) {
          hit.push_back(static_cast<uint32_t>(li));
          hit_logs.push_back(&log);
          break;
        }
      }
    }
    if (hit.empty()) continue;
    std::string n = "{\"hash\":\"" + hash + "\",\"height\":\"" + height + "\",\"index\":\"" +
                    hex_u64(static_cast<uint32_t>(ri)) + "\",\"events\":[";
    for (size_t k = 0; k < hit.size(); ++k) {
      if (k) n += ',';
      n += '"' + hex_u64(hit[k]) + '"';
    }
    n += ']';
    if (req.logs) {
      n += ",\"logs\":";
      append_logs(n, hit_logs);
    }
    n += '}';
    out.push_back(std::move(n));
  }
}

namespace {

// Over a plain TCP stream (ws://) or TLS (wss://, the stream after the HTTP session's handshake).
template <typename Stream>
class MonitorSession : public std::enable_shared_from_this<MonitorSession<Stream>> {
 public:
  MonitorSession(Stream stream, MonitorKind kind, channel::ChannelApi* channel,
                 std::shared_ptr<LifeGuard> guard, MonitorLimits limits,
                 std::shared_ptr<void> slot)
      : m_ws(std::move(stream)), m_kind(kind), m_channel(channel), m_guard(std::move(guard)), m_limits(limits),
        m_slot(std::move(slot)) {}

  ~MonitorSession() {
    if (m_subscribed) m_channel->unsubscribe_blocks(m_sub);
  }

  void run(beast::http::request<beast::http::string_body> upgrade) {
    m_upgrade = std::move(upgrade);
    beast::get_lowest_layer(m_ws).expires_never();
    websocket::stream_base::timeout t;
    t.handshake_timeout = kHandshakeTimeout;
    // Pings at half the idle time; a client that neither answers nor reads is dropped.
    t.idle_timeout = std::chrono::milliseconds(m_limits.idle_timeout_ms);
    t.keep_alive_pings = true;
    m_ws.set_option(t);
    m_ws.read_message_max(kRequestBytesMax);
    m_ws.async_accept(m_upgrade, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    m_ws.async_read(m_in, [self = this->shared_from_this()](beast::error_code e, size_t) { self->on_request(e); });
  }

  void on_request(beast::error_code ec) {
    if (ec) return;
    std::string text = beast::buffers_to_string(m_in.data());
    m_in.consume(m_in.size());
    boost::system::error_code perr;
    json::value v = json::parse(text, perr);
    Result<MonitorRequest> req = perr ? Result<MonitorRequest>::error("parse error: the request is not valid JSON")
                                      : parse_monitor_request(m_kind, v);
    if (!req) {
      int code = perr ? error_code::kParse : error_code::kInvalidParams;
      std::string reply = "{\"code\":" + std::to_string(code) + ",\"message\":";
      append_json_string(reply, req.message());
      reply += '}';
      m_close_when_flushed = true;
      enqueue(std::move(reply));
      flush();
      return;
    }
    m_request = std::move(*req);
    m_next_height = m_request.height;
    enqueue("{\"code\":0}");
    subscribe();
    m_started = true;
    read_more();
    pump();
  }

  void subscribe() {
    std::weak_ptr<MonitorSession> weak = this->weak_from_this();
    std::shared_ptr<LifeGuard> g = m_guard;
    // Runs on a channel thread: only hop away from it (to an I/O thread, then to our strand).
    m_sub = m_channel->subscribe_blocks([g, weak](const channel::BlockEvent& ev) {
      MutexLock lock(g->mutex);
      if (!g->alive) return;
      asio::post(*g->io, [weak, ev]() {
        auto self = weak.lock();
        if (!self) return;
        asio::post(self->m_ws.get_executor(), [self, ev]() { self->on_block(ev); });
      });
    });
    m_subscribed = true;
  }

  // Reads only to see pongs and the close frame; later messages from the client are ignored.
  void read_more() {
    m_ws.async_read(m_in, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->m_closed = true;
        return;
      }
      self->m_in.consume(self->m_in.size());
      self->read_more();
    });
  }

  void on_block(const channel::BlockEvent& ev) {
    if (m_closed || !ev.block || ev.block->header.height < m_next_height) return;
    m_live.push_back(ev);
    if (m_live.size() > kLiveBlocksMax) m_live.pop_front();  // will be read back from the channel
    pump();
  }

  bool needs_receipts() const { return m_kind == MonitorKind::kEvent || !m_request.filters.empty(); }

  // The block at m_next_height, from the live queue or the channel; false if not there yet.
  bool next_block(channel::BlockEvent& ev) {
    while (!m_live.empty() && m_live.front().block->header.height < m_next_height) m_live.pop_front();
    if (!m_live.empty() && m_live.front().block->header.height == m_next_height) {
      ev = std::move(m_live.front());
      m_live.pop_front();
    } else {
      if (m_next_height > m_channel->last_height()) return false;
      ev.block = m_channel->block_by_height(m_next_height);
      if (!ev.block) return false;
      ev.receipts = nullptr;
    }
    if (needs_receipts() && !ev.receipts) {
      ev.receipts = m_channel->receipts_of(m_next_height);
      if (!ev.receipts) return false;
    }
    return true;
  }

  void pump() {
    if (!m_started || m_closed || m_pump_posted) return;
    size_t turns = 0;
    std::vector<std::string> notes;
    while (m_queue.size() < kQueueLowWaterMessages && m_queue_bytes < kQueueLowWaterBytes) {
      if (turns++ == kBlocksPerTurn) {
        // Long catch-up without matches: yield the thread, continue in a fresh handler.
        m_pump_posted = true;
        asio::post(m_ws.get_executor(), [self = this->shared_from_this()]() {
          self->m_pump_posted = false;
          self->pump();
        });
        break;
      }
      channel::BlockEvent ev;
      if (!next_block(ev)) break;
      notes.clear();
      monitor_notifications(m_kind, m_request, *ev.block, ev.receipts.get(), notes);
      uint64_t h = m_next_height++;
      for (auto& n : notes) enqueue(std::move(n));
      // goloop server/wsevent.go: progress every `progressInterval` blocks and after any block
      // that produced notifications, so the client knows the block is complete.
      if (m_kind == MonitorKind::kEvent && m_request.progress_interval > 0) {
        if (!m_progress_sent || h - m_last_progress >= m_request.progress_interval || !notes.empty()) {
          m_progress_sent = true;
          m_last_progress = h;
          enqueue("{\"progress\":\"" + hex_u64(h) + "\"}");
        }
      }
      if (m_queue_bytes > m_limits.queue_bytes_max) {
        close_now();  // one block's worth of notifications above the bound: give up on this client
        return;
      }
    }
    flush();
  }

  void enqueue(std::string s) {
    m_queue_bytes += s.size();
    m_queue.push_back(std::move(s));
  }

  void flush() {
    if (m_writing || m_queue.empty() || m_closed) return;
    m_writing = true;
    m_ws.text(true);
    m_ws.async_write(asio::buffer(m_queue.front()), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    m_writing = false;
    if (ec) {
      close_now();
      return;
    }
    m_queue_bytes -= m_queue.front().size();
    m_queue.pop_front();
    if (m_queue.empty() && m_close_when_flushed) {
      m_closed = true;
      m_ws.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {});
      return;
    }
    if (m_queue.size() < kQueueLowWaterMessages) pump();
    flush();
  }

  void close_now() {
    m_closed = true;
    beast::error_code ignored;
    beast::get_lowest_layer(m_ws).socket().close(ignored);
  }

  websocket::stream<Stream> m_ws;
  MonitorKind m_kind;
  channel::ChannelApi* m_channel;
  std::shared_ptr<LifeGuard> m_guard;
  MonitorLimits m_limits;
  std::shared_ptr<void> m_slot;
  beast::http::request<beast::http::string_body> m_upgrade;
  beast::flat_buffer m_in;
  MonitorRequest m_request;

  // All below are touched only on the connection's strand.
  channel::SubscriptionId m_sub = 0;
  bool m_subscribed = false;
  bool m_started = false;
  bool m_closed = false;
  bool m_close_when_flushed = false;
  bool m_writing = false;
  bool m_pump_posted = false;
  bool m_progress_sent = false;
  uint64_t m_last_progress = 0;
  uint64_t m_next_height = 0;
  std::deque<channel::BlockEvent> m_live;
  std::deque<std::string> m_queue;
  size_t m_queue_bytes = 0;
};

}  // namespace

void start_monitor_session(asio::ip::tcp::socket socket, beast::http::request<beast::http::string_body> upgrade_request,
                           MonitorKind kind, channel::ChannelApi* channel, std::shared_ptr<LifeGuard> guard,
                           MonitorLimits limits, std::shared_ptr<void> slot) {
  auto session = std::make_shared<MonitorSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), kind, channel,
                                                                     std::move(guard), limits, std::move(slot));
  session->run(std::move(upgrade_request));
}

void start_monitor_session(beast::ssl_stream<beast::tcp_stream> stream,
                           beast::http::request<beast::http::string_body> upgrade_request, MonitorKind kind,
                           channel::ChannelApi* channel, std::shared_ptr<LifeGuard> guard, MonitorLimits limits,
                           std::shared_ptr<void> slot) {
  using Tls = beast::ssl_stream<beast::tcp_stream>;
  auto session = std::make_shared<MonitorSession<Tls>>(std::move(stream), kind, channel, std::move(guard), limits,
                                                       std::move(slot));
  session->run(std::move(upgrade_request));
}

}  // namespace cx::rpc
