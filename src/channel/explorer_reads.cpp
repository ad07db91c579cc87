// The explorer's paged reads over its indexes (explorer_index.hpp): a page is one forward scan from
// the address's prefix (or the cursor's key), newest first, stopping after limit + 1 entries.
#include <algorithm>

#include "channel/explorer_codec.hpp"
#include "channel/explorer_index.hpp"

namespace cx::channel {

using namespace explorer;

std::string PagePosition::to_cursor() const {
  codec::Writer w(16);
  w.u64(height);
  w.u32(tx_index);
  w.u32(log_index);
  return to_hex(w.out());
}

std::optional<PagePosition> PagePosition::from_cursor(std::string_view cursor) {
  if (cursor.size() != 32) return std::nullopt;
  auto b = from_hex(cursor);
  if (!b) return std::nullopt;
  codec::Reader r(*b);
  PagePosition p;
  p.height = r.u64();
  p.tx_index = r.u32();
  p.log_index = r.u32();
  return p;
}

namespace {

// Scans `column` from `address`'s newest entry (or `from`), passing each decoded entry of height at
// most `max_height` to `decode` (which adds it to `page`) until it has limit + 1; returns the position
// of the (limit + 1)-th, where the next page starts.
template <typename Page, typename Decode>
Result<std::optional<PagePosition>> scan_page(const storage::KvStore& kv, const storage::ColumnDef& column,
                                              const core::Address& address, bool with_log, size_t limit,
                                              std::optional<PagePosition> from, uint64_t max_height, Decode decode,
                                              Page& page) {
  CX_ASSERT(limit >= 1 && limit <= kExplorerPageMax);
  const auto prefix = address.to_bytes();
  Bytes start = from ? position_key(address, *from, with_log) : Bytes(prefix.begin(), prefix.end());
  size_t taken = 0;
  std::optional<PagePosition> next;
  std::string corrupt;
  auto st = kv.scan(column, start, [&](BytesView key, BytesView value) {
    if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return false;
    auto at = position_of_key(key, with_log);
    if (!at) {
      corrupt = "a key of unexpected length";
      return false;
    }
    if (at->height > max_height) return true;  // durable, but not yet the published head
    if (taken == limit) {
      next = *at;
      return false;
    }
    if (!decode(value, *at, page)) {
      corrupt = "an entry that does not decode at height " + std::to_string(at->height);
      return false;
    }
    ++taken;
    return true;
  });
  if (!st) return st;
  if (!corrupt.empty()) return Status::error(std::string("explorer index ") + std::string(column.name()) + ": " + corrupt);
  return next;
}

}  // namespace

Result<AddressTxsPage> read_address_txs(const storage::KvStore& kv, const core::Address& address, size_t limit,
                                        std::optional<PagePosition> from, uint64_t max_height) {
  AddressTxsPage page;
  page.txs.reserve(limit);
  auto next = scan_page(kv, kAddressTxsColumn, address, /*with_log=*/false, limit, from, max_height,
                        [](BytesView v, const PagePosition& at, AddressTxsPage& out) {
                          auto t = decode_address_tx(v, at);
                          if (t) out.txs.push_back(std::move(*t));
                          return t.has_value();
                        },
                        page);
  if (!next) return next.status();
  page.next = next.value();
  return page;
}

Result<TokenTransfersPage> read_token_transfers(const storage::KvStore& kv, TransfersOf of, const core::Address& address,
                                                size_t limit, std::optional<PagePosition> from, uint64_t max_height) {
  TokenTransfersPage page;
  page.transfers.reserve(limit);
  const auto& column = of == TransfersOf::kToken ? kTransfersByTokenColumn : kTransfersByAddressColumn;
  auto next = scan_page(kv, column, address, /*with_log=*/true, limit, from, max_height,
                        [](BytesView v, const PagePosition& at, TokenTransfersPage& out) {
                          auto t = decode_transfer(v, at);
                          if (t) out.transfers.push_back(std::move(*t));
                          return t.has_value();
                        },
                        page);
  if (!next) return next.status();
  page.next = next.value();
  return page;
}

Result<std::vector<TokenHolding>> read_tokens(const storage::KvStore& kv, const core::Address& address) {
  std::vector<TokenHolding> out;
  const auto prefix = address.to_bytes();
  bool corrupt = false;
  auto st = kv.scan(kAddressTokensColumn, BytesView(prefix.data(), prefix.size()), [&](BytesView key, BytesView value) {
    if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return false;
    if (key.size() == prefix.size()) return true;  // the address's token count
    auto token = core::Address::from_bytes(key.subspan(prefix.size()));
    auto h = token ? decode_holding(value, *token) : std::nullopt;
    if (!h) {
      corrupt = true;
      return false;
    }
    out.push_back(*h);
    return out.size() < kTokensPerAddressMax;
  });
  if (!st) return st;
  if (corrupt) return Status::error("explorer index ex_address_tokens: an entry of " + address.to_string() + " does not decode");
  return out;
}

}  // namespace cx::channel
