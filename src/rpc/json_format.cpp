#include "rpc/json_format.hpp"

#include <charconv>

#include <charconv>

#include <boost/json.hpp>

#include "crypto/base64.hpp"

namespace cx::rpc {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_hex_u64(std::string& out, uint64_t v) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto [end, ec] = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  out.append(buf, end);
}

void append_hex_bytes(std::string& out, BytesView b) {
  size_t at = out.size();
  out.resize(at + 2 * b.size());
  for (uint8_t c : b) {
    out[at++] = kHexDigits[c >> 4];
    out[at++] = kHexDigits[c & 15];
  }
}

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_i64(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return static_cast<unsigned char>(s[k]); };
  unsigned c = at(i);
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (at(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    unsigned c1 = at(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned c1 = at(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

std::string_view string_or_empty_if_zero(const crypto::Signature& sig, std::string& scratch) {
  if (sig.is_zero()) return {};
  scratch = crypto::base64_encode(sig.view());
  return scratch;
}

}  // namespace

std::optional<uint64_t> parse_hex_u64(std::string_view s) {
  if (!s.starts_with("0x") || s.size() == 2) return std::nullopt;
  uint64_t v = 0;
  auto [end, err] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (err != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string clip(std::string_view s) {
  constexpr size_t kMax = 80;
  return s.size() <= kMax ? std::string(s) : std::string(s.substr(0, kMax)) + "...";
}

std::string hex_u64(uint64_t v) {
  std::string out;
  append_hex_u64(out, v);
  return out;
}

std::string hash_hex(const Hash32& h) {
  std::string out;
  out.reserve(66);
  out += "0x";
  append_hex_bytes(out, h.view());
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHexDigits[c >> 4];
          out += kHexDigits[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_tx_json(std::string& out, const core::Transaction& tx, const TxLocation* where) {
  // params_json is the compact object the client sent; splice our fields in before its closing
  // brace instead of re-parsing it.
  std::string_view params = tx.params_json;
  size_t close = params.find_last_of('}');
  if (close == std::string_view::npos) {
    out += '{';  // cannot happen for a parsed tx; still produce valid JSON
    close = 0;
    params = {};
  } else {
    out.append(params.data(), close);
  }
  size_t open_end = out.find_last_not_of(" \t\r\n");
  bool empty_object = open_end != std::string::npos && out[open_end] == '{';
  if (!empty_object) out += ',';
  out += "\"txHash\":\"0x";
  append_hex_bytes(out, tx.hash.view());
  out += '"';
  if (where) {
    out += ",\"txIndex\":\"";
    append_hex_u64(out, where->index);
    out += "\",\"blockHeight\":\"";
    append_hex_u64(out, where->height);
    out += "\",\"blockHash\":\"0x";
    append_hex_bytes(out, where->block_hash.view());
    out += '"';
  }
  out += '}';
}

boost::json::object tx_to_json(const core::Transaction& tx, const TxLocation* where) {
  std::string text;
  append_tx_json(text, tx, where);
  return boost::json::parse(text).as_object();
}

void append_block_json(std::string& out, const core::Block& block) {
  const core::Header& h = block.header;
  out.reserve(out.size() + 512 + block.txs.size() * 512);
  out += "{\"version\":\"0.1a\",\"prev_block_hash\":\"";
  // The genesis block has no parent; loopchain and goloop report an empty prev_block_hash.
  if (!(h.height == 0 && h.prev_hash.is_zero())) append_hex_bytes(out, h.prev_hash.view());
  out += "\",\"merkle_tree_root_hash\":\"";
  append_hex_bytes(out, h.tx_root.view());
  out += "\",\"time_stamp\":";
  append_i64(out, h.timestamp_us);
  out += ",\"confirmed_transaction_list\":[";
  bool first = true;
  for (const auto& tx : block.txs) {
    if (!first) out += ',';
    first = false;
    append_tx_json(out, *tx);
  }
  out += "],\"block_hash\":\"";
  append_hex_bytes(out, block.hash().view());
  out += "\",\"height\":";
  append_u64(out, h.height);
  out += ",\"peer_id\":";
  append_json_string(out, h.proposer.to_string());
  out += ",\"signature\":";
  std::string scratch;
  append_json_string(out, string_or_empty_if_zero(block.proposer_signature, scratch));
  out += '}';
}

std::string block_to_json_text(const core::Block& block) {
  std::string out;
  append_block_json(out, block);
  return out;
}

boost::json::object block_to_json(const core::Block& block) {
  return boost::json::parse(block_to_json_text(block)).as_object();
}

boost::json::object event_log_to_json(const core::EventLog& log) {
  boost::json::object o;
  o["scoreAddress"] = log.score.to_string();
  boost::json::array indexed;
  indexed.reserve(log.indexed.size());
  for (const auto& s : log.indexed) indexed.emplace_back(s);
  boost::json::array data;
  data.reserve(log.data.size());
  for (const auto& s : log.data) data.emplace_back(s);
  o["indexed"] = std::move(indexed);
  o["data"] = std::move(data);
  return o;
}

boost::json::object receipt_to_json(const core::Receipt& r, const TxLocation& where) {
  boost::json::object o;
  o.reserve(14);
  o["status"] = r.success ? "0x1" : "0x0";
  o["to"] = r.to.to_string();
  o["txHash"] = hash_hex(r.tx_hash);
  o["txIndex"] = hex_u64(where.index);
  o["blockHeight"] = hex_u64(where.height);
  o["blockHash"] = hash_hex(where.block_hash);
  o["cumulativeStepUsed"] = r.cumulative_step_used.to_icon_hex();
  o["stepUsed"] = r.step_used.to_icon_hex();
  o["stepPrice"] = r.step_price.to_icon_hex();
  if (r.score_address) o["scoreAddress"] = r.score_address->to_string();
  boost::json::array logs;
  logs.reserve(r.logs.size());
  for (const auto& log : r.logs) logs.emplace_back(event_log_to_json(log));
  o["eventLogs"] = std::move(logs);
  std::string bloom = "0x";
  append_hex_bytes(bloom, r.logs_bloom.view());
  o["logsBloom"] = std::move(bloom);
  if (!r.success) {
    // icon-sdk-js rejects a 0x0 result without `failure`; a receipt without one is still reported.
    boost::json::object failure;
    const uint32_t code = core::code_value(r.failure ? r.failure->code : core::FailureCode::kUnknown);
    failure["code"] = hex_u64(code);
    failure["message"] = r.failure ? r.failure->message : std::string("unknown failure");
    o["failure"] = std::move(failure);
  }
  return o;
}

boost::json::object network_info_to_json(const channel::NetworkInfo& info) {
  boost::json::object o;
  o["platform"] = info.platform;
  o["nid"] = hex_u64(info.nid);
  o["channel"] = info.channel;
  o["earliest"] = hex_u64(info.earliest);
  o["latest"] = hex_u64(info.latest);
  o["stepPrice"] = info.step_price.to_icon_hex();
  return o;
}

}  // namespace cx::rpc
