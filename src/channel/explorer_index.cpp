#include "channel/explorer_index.hpp"

#include <algorithm>
#include <map>

#include "channel/explorer_codec.hpp"

namespace cx::channel {
namespace {

using namespace explorer;

// Reads an index's next-height record; a store that cannot be read at open is corrupt (abort, like the chain store).
uint64_t read_tip(const storage::KvStore& kv, const storage::ColumnDef& column) {
  auto v = kv.get(column, kTipKey);
  CX_ASSERT_MSG(v.is_ok(), "reading an explorer index's next height failed");
  if (!v.value()) return 0;
  auto h = decode_u64(*v.value());
  CX_ASSERT_MSG(h.has_value(), "corrupted explorer index height record");
  return *h;
}

// Every final block's tx, under its sender, its receiver and (a deploy) the contract it created.
class AddressTxsIndex final : public CommitSubscriber {
 public:
  explicit AddressTxsIndex(storage::KvStore& kv) : m_next(read_tip(kv, kAddressTxsColumn)) {}

  void stage(const ExecutedBlock& e, const core::QuorumCertificate&, storage::WriteBatch& batch) override {
    const auto& b = *e.block;
    CX_ASSERT_MSG(b.header.height == m_next, "address_txs index staged out of height order");
    CX_ASSERT(e.receipts->size() == b.txs.size());
    for (uint32_t i = 0; i < b.txs.size(); ++i) {
      const auto& tx = *b.txs[i];
      const auto& receipt = (*e.receipts)[i];
      AddressTx t;
      t.tx_hash = tx.hash;
      t.from = tx.from;
      t.to = tx.to;
      t.data_type = tx.data_type;
      t.value = tx.value;
      t.success = receipt.success;
      t.timestamp_us = b.header.timestamp_us;
      const Bytes value = encode_address_tx(t);
      const PagePosition at{b.header.height, i, 0};
      batch.put(kAddressTxsColumn, position_key(tx.from, at, /*with_log=*/false), value);
      if (tx.to != tx.from) batch.put(kAddressTxsColumn, position_key(tx.to, at, /*with_log=*/false), value);
      const auto& created = receipt.score_address;
      if (created && *created != tx.from && *created != tx.to)
        batch.put(kAddressTxsColumn, position_key(*created, at, /*with_log=*/false), value);
    }
    m_next = b.header.height + 1;
    batch.put(kAddressTxsColumn, kTipKey, encode_u64(m_next));
  }
  std::optional<uint64_t> next_height() const override { return m_next; }

 private:
  uint64_t m_next;  // the commit pipeline's thread (or the opening thread, before it starts)
};

struct ParsedTransfer {
  core::Address from;
  core::Address to;
  Uint256 value;
};

// An IRC2 Transfer log, or nullopt for any other log (or one whose items do not parse).
std::optional<ParsedTransfer> parse_transfer(const core::EventLog& log) {
  if (log.indexed.size() < 3) return std::nullopt;
  const auto& sig = log.indexed[0];
  if (sig != kIrc2TransferSignature && sig != kIrc2TransferSignatureShort) return std::nullopt;
  auto from = core::Address::parse(log.indexed[1]);
  auto to = core::Address::parse(log.indexed[2]);
  const std::string* value_text = log.indexed.size() >= 4 ? &log.indexed[3] : log.data.empty() ? nullptr : &log.data[0];
  if (!from || !to || !value_text) return std::nullopt;
  auto value = Uint256::from_icon_hex(*value_text);
  if (!value) return std::nullopt;
  return ParsedTransfer{*from, *to, *value};
}

// IRC2 transfers of successful txs (their receipts hold nested calls' logs too), by address and by
// token, and each address's tokens.
class TokenTransfersIndex final : public CommitSubscriber {
 public:
  explicit TokenTransfersIndex(storage::KvStore& kv) : m_kv(kv), m_next(read_tip(kv, kTransfersByTokenColumn)) {}

  void stage(const ExecutedBlock& e, const core::QuorumCertificate&, storage::WriteBatch& batch) override {
    const auto& b = *e.block;
    CX_ASSERT_MSG(b.header.height == m_next, "token_transfers index staged out of height order");
    Holdings holdings;
    for (uint32_t i = 0; i < e.receipts->size(); ++i) {
      const auto& receipt = (*e.receipts)[i];
      if (!receipt.success) continue;
      for (uint32_t j = 0; j < receipt.logs.size(); ++j) {
        const auto& log = receipt.logs[j];
        auto parsed = parse_transfer(log);
        if (!parsed) continue;
        TokenTransfer t{log.score, parsed->from, parsed->to, parsed->value, receipt.tx_hash, b.header.height, i, j,
                        b.header.timestamp_us};
        const PagePosition at{b.header.height, i, j};
        const Bytes value = encode_transfer(t);
        batch.put(kTransfersByTokenColumn, position_key(t.token, at, /*with_log=*/true), value);
        batch.put(kTransfersByAddressColumn, position_key(t.from, at, /*with_log=*/true), value);
        if (t.to != t.from) batch.put(kTransfersByAddressColumn, position_key(t.to, at, /*with_log=*/true), value);
        touch(holdings, t.from, t.token, b.header.height);
        if (t.to != t.from) touch(holdings, t.to, t.token, b.header.height);
      }
    }
    for (const auto& [key, h] : holdings.entries) batch.put(kAddressTokensColumn, key, encode_holding(h));
    for (const auto& [address, count] : holdings.counts) batch.put(kAddressTokensColumn, address, encode_u64(count));
    m_next = b.header.height + 1;
    batch.put(kTransfersByTokenColumn, kTipKey, encode_u64(m_next));
  }
  std::optional<uint64_t> next_height() const override { return m_next; }

 private:
  // This block's updates over what is stored (a block may move one token many times).
  struct Holdings {
    std::map<Bytes, TokenHolding> entries;  // holding_key -> record
    std::map<Bytes, uint64_t> counts;       // address bytes -> tokens recorded
  };

  std::optional<Bytes> stored(BytesView key) const {
    auto v = m_kv.get(kAddressTokensColumn, key);
    CX_ASSERT_MSG(v.is_ok(), "reading an address's tokens failed");
    return std::move(v.value());
  }

  void touch(Holdings& hs, const core::Address& address, const core::Address& token, uint64_t height) {
    Bytes key = holding_key(address, token);
    auto it = hs.entries.find(key);
    if (it == hs.entries.end()) {
      std::optional<TokenHolding> h;
      if (auto v = stored(key)) {
        h = decode_holding(*v, token);
        CX_ASSERT_MSG(h.has_value(), "corrupted token holding record");
      } else {
        // A new token for this address: recorded while it has fewer than the bound.
        Bytes addr(key.begin(), key.begin() + kAddressBytes);
        auto c = hs.counts.find(addr);
        if (c == hs.counts.end()) {
          auto v = stored(addr);
          const auto n = v ? decode_u64(*v) : std::optional<uint64_t>(0);
          CX_ASSERT_MSG(n.has_value(), "corrupted token count record");
          c = hs.counts.emplace(std::move(addr), *n).first;
        }
        if (c->second >= kTokensPerAddressMax) return;
        ++c->second;
        h = TokenHolding{token, height, height, 0};
      }
      it = hs.entries.emplace(std::move(key), *h).first;
    }
    it->second.last_height = height;
    ++it->second.transfers;
  }

  storage::KvStore& m_kv;
  uint64_t m_next;
};

// Per validator: the last height whose committing QC it signed, and how many committed blocks' QCs
// carried its vote or lacked it (counted against the set in force at each height; genesis has no QC).
class ValidatorActivityIndex final : public CommitSubscriber {
 public:
  ValidatorActivityIndex(storage::KvStore& kv, core::ValidatorSchedule schedule)
      : m_kv(kv), m_schedule(std::move(schedule)), m_next(read_tip(kv, kValidatorActivityColumn)) {}

  void stage(const ExecutedBlock& e, const core::QuorumCertificate& qc, storage::WriteBatch& batch) override {
    const uint64_t height = e.block->header.height;
    CX_ASSERT_MSG(height == m_next, "validator_activity index staged out of height order");
    if (height > 0) {
      // qc.votes are sorted by voter (block.hpp).
      std::vector<core::Address> voters;
      voters.reserve(qc.votes.size());
      for (const auto& v : qc.votes) voters.push_back(v.voter);
      // The set the core checked this block's QC against; the schedule given at construction (the
      // genesis set on a node) only for a block that comes without it.
      const core::ValidatorSet& set = e.schedule ? e.schedule->at(height) : m_schedule.at(height);
      for (const auto& val : set.validators()) {
        ActivityRecord& rec = record(val.address);
        if (std::binary_search(voters.begin(), voters.end(), val.address)) {
          rec.last_signed_height = height;
          ++rec.signed_blocks;
        } else {
          ++rec.missed_blocks;
        }
        const auto key = val.address.to_bytes();
        batch.put(kValidatorActivityColumn, BytesView(key.data(), key.size()), encode(rec));
      }
    }
    m_next = height + 1;
    batch.put(kValidatorActivityColumn, kTipKey, encode_u64(m_next));
  }
  std::optional<uint64_t> next_height() const override { return m_next; }

  static Bytes encode(const ActivityRecord& r) {
    codec::Writer w(25);
    w.boolean(r.last_signed_height.has_value());
    w.u64(r.last_signed_height.value_or(0));
    w.u64(r.signed_blocks);
    w.u64(r.missed_blocks);
    return w.take();
  }

 private:
  // Validators are few (at most kValidatorSetMax a set): their records stay in memory once read.
  ActivityRecord& record(const core::Address& a) {
    auto it = m_cache.find(a);
    if (it != m_cache.end()) return it->second;
    auto r = read_validator_activity(m_kv, a);
    CX_ASSERT_MSG(r.is_ok(), "reading a validator's activity record failed");
    return m_cache.emplace(a, r.value()).first->second;
  }

  storage::KvStore& m_kv;
  core::ValidatorSchedule m_schedule;
  uint64_t m_next;
  std::map<core::Address, ActivityRecord> m_cache;
};

}  // namespace

std::vector<IndexSpec> explorer_indexes(const core::ValidatorSchedule& schedule) {
  std::vector<IndexSpec> out;
  out.push_back({"address_txs", [](storage::Schema& s) { s.add(kAddressTxsColumn); },
                 [](storage::KvStore& kv) { return std::make_unique<AddressTxsIndex>(kv); }});
  out.push_back({"token_transfers",
                 [](storage::Schema& s) {
                   s.add(kTransfersByAddressColumn);
                   s.add(kTransfersByTokenColumn);
                   s.add(kAddressTokensColumn);
                 },
                 [](storage::KvStore& kv) { return std::make_unique<TokenTransfersIndex>(kv); }});
  out.push_back({"validator_activity", [](storage::Schema& s) { s.add(kValidatorActivityColumn); },
                 [schedule](storage::KvStore& kv) { return std::make_unique<ValidatorActivityIndex>(kv, schedule); }});
  return out;
}

bool has_explorer_columns(const storage::KvStore& kv) {
  const auto& s = kv.schema();
  return s.contains(kAddressTxsColumn) && s.contains(kTransfersByTokenColumn) && s.contains(kValidatorActivityColumn);
}

Result<ActivityRecord> read_validator_activity(const storage::KvStore& kv, const core::Address& validator) {
  const auto key = validator.to_bytes();
  auto v = kv.get(kValidatorActivityColumn, BytesView(key.data(), key.size()));
  if (!v) return v.status();
  ActivityRecord r;
  if (!v.value()) return r;
  codec::Reader rd(*v.value());
  const bool has = rd.boolean();
  const uint64_t last = rd.u64();
  r.signed_blocks = rd.u64();
  r.missed_blocks = rd.u64();
  if (rd.failed() || rd.remaining() != 0) return Status::error("corrupted validator activity record of " + validator.to_string());
  if (has) r.last_signed_height = last;
  return r;
}

}  // namespace cx::channel
