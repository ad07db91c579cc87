#pragma once
// The chain CA (docs/ca.md): a native system contract at cx0000000000000000000000000000000000000a03.
// It holds no key. A registration authority (RA) submits a certificate the subject signed itself
// (ca_cert.hpp); the contract checks it and records it as issued at this height; the RA that issued
// it may revoke it. A certificate is valid only while the chain's state says so, and that state is
// provable against a block the validators certified (cx_getProof, `complexchain ca verify`).
//
// Methods: requestIssue(cert, bid?, verifiedBy?) [RA] · revoke(serial, reason) [the issuing RA] ·
// reportPinFailure(serial, attempt?) [the holder or the issuing RA] · suspend(serial, reason) and
// reset(serial, reason) [an RA] · getCertificate(serial) · getStatus(serial) · certificatesOf(address) ·
// personOf(address) · certificatesOfPerson(bid) · getCa() [readonly, at any height with icx_call's
// `height`]. CHAIN ID's policy (docs/ca.md §5): 5 consecutive wrong PINs suspend a certificate, an RA
// resets it; a person (BID) holds at most 5 live certificates, a device (holder) belongs to one person.
//
// Storage (contract storage keys, text):
//   "status/<serial>"    the status record (encode_status): what proofs show and txPki reads
//   "cert/<serial>"      the DER
//   "holder/<hx>"        JSON list of the serials issued to that key's address (pruned of dead ones)
//   "subject/<sha3>"     the serial of the live certificate with that subject DN (subject unique)
//   "person/<bid hex>"   JSON list of the serials issued with that BID (pruned of dead ones)
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"
#include "core/chain_params.hpp"
#include "core/transaction.hpp"

namespace cx::governance::ca {

// Live certificates one address may hold at a time (CHAIN ID: up to 5 devices per person).
inline constexpr size_t kLivePerHolderMax = 5;
inline constexpr size_t kReasonMax = 64;
// Live certificates one person (BID) may hold at a time (CHAIN ID: 5 devices per person).
inline constexpr size_t kLivePerPersonMax = 5;
// Consecutive wrong PINs that suspend a certificate (CHAIN ID).
inline constexpr uint32_t kPinFailuresMax = 5;
// Ended suspensions a status record keeps (the oldest is dropped first): bounds the record's size.
inline constexpr size_t kSuspensionHistoryMax = 8;
// A height no read reaches: status_at with it judges the record as it stands.
inline constexpr uint64_t kLatest = UINT64_MAX;

core::Address ca_contract_address();
std::shared_ptr<const contracts::Contract> make_ca_contract();

// Whether `a` is a registration authority named by the genesis "ca.ras" (these alone may send their
// issuance txs without a certificate of their own under txPki: someone must be first).
bool is_ra(const core::ChainParams& params, const core::Address& a);
// Whether `a` may issue now: a genesis RA, or an active member whose governance roles include "ra"
// (docs/governance.md; read through the governance contract at cx…0a02).
bool is_ra_now(contracts::Host& h, const core::Address& a);

struct StatusRecord {
  Hash32 cert_hash;
  core::Address holder;
  core::Address ra;
  uint64_t issued_height = 0;
  int64_t not_before_s = 0;
  int64_t not_after_s = 0;
  Hash32 subject_hash;
  // CHAIN ID's policy (all optional: records written before it carry none of these).
  std::optional<Hash32> bid;          // the de-identified person id the RA computed (never personal data)
  std::string verified_by;            // serial of the live certificate the person was verified by, or ""
  uint32_t pin_failures = 0;          // consecutive wrong PINs reported since the last reset
  std::optional<uint64_t> suspended_height;  // suspended since this height (until an RA resets it)
  std::string suspend_reason;
  std::vector<std::pair<uint64_t, uint64_t>> suspensions;  // ended ones [from, to), oldest first, bounded
  std::optional<uint64_t> revoked_height;
  std::string reason;
};
// Canonical JSON text (fixed key order); decode refuses anything else.
std::string encode_status(const StatusRecord& r);
std::optional<StatusRecord> decode_status(std::string_view text);

enum class CertStatus { kGood, kRevoked, kExpired, kNotYetValid, kSuspended };
// The status of a recorded certificate at block `height` whose time is `time_s`, judged from a record
// read at that height or later (revocation and suspension heights, the kept suspension ranges). Order:
// revoked, expired, suspended, notYetValid, good.
CertStatus status_at(const StatusRecord& r, int64_t time_s, uint64_t height = kLatest);
// Whether it still takes a place (per holder, per person, per subject): good, suspended or not yet valid.
bool is_live(CertStatus s);
// The JSON list of serials kept under "holder/…" and "person/…".
std::vector<std::string> serial_list(std::string_view text);
std::string_view to_string(CertStatus s);

std::string status_key(std::string_view serial);
std::string cert_key(std::string_view serial);
std::string holder_key(const core::Address& a);
std::string person_key(const Hash32& bid);

// Reads a key of the CA contract's storage in some state.
using StorageGet = std::function<std::optional<Bytes>(std::string_view key)>;

// Per-transaction PKI: nullopt if `tx` may run, else why not. With txPki off (or no CA) every tx may;
// with it on, the sender must hold a certificate good at `time_s` (issued, not revoked, inside its
// validity) whose key is the sender's key (the holder address is the hash of the certified key, and
// the tx's signature recovers to its sender). Bootstrapping: an RA's txs to the CA contract need none.
std::optional<std::string> tx_pki_refusal(const core::ChainParams& params, const StorageGet& get,
                                          const core::Transaction& tx, int64_t time_s);

}  // namespace cx::governance::ca
