#pragma once
// Where `complexchain message` gets recipients' public keys (docs/confidential.md): hex on the command
// line, a file of them, or recovered from the signature of any tx the recipient signed on the chain.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::cli {

class RpcClient;

// Comma-separated SEC 1 public keys in hex (0x optional, 33 or 65 bytes each). Errors name the key.
Result<std::vector<crypto::PublicKey>> parse_public_key_list(std::string_view text);
// One public key per line; blank lines and lines starting with '#' are skipped. At most
// kEnvelopeRecipientsMax keys and 64 KiB of text.
Result<std::vector<crypto::PublicKey>> parse_public_key_file(std::string_view text);

// The signer's public key of a tx as icx_getTransactionByHash returns it (block fields are dropped):
// the tx is re-parsed and re-hashed, its hash must be `tx_hash` ("0x…"), and the key recovered from
// the signature must be the key of `from` (any recovery id 0..3, as the node accepts).
Result<crypto::PublicKey> signer_key_of_tx(const boost::json::object& tx_json, std::string_view tx_hash);
// icx_getTransactionByHash, then signer_key_of_tx.
Result<crypto::PublicKey> fetch_signer_key(RpcClient& client, std::string_view tx_hash);
// icx_getTransactionByHash's result object, or the node's error.
Result<boost::json::object> fetch_tx(RpcClient& client, std::string_view tx_hash);

}  // namespace cx::cli
