#pragma once
// SHA3-256 (FIPS 202, padding 0x06) for ICON tx hashes and addresses;
// Keccak-256 (original padding 0x01) for keystore MACs.
#include "base/bytes.hpp"

namespace cx::crypto {

Hash32 sha3_256(BytesView data);
Hash32 keccak256(BytesView data);

// Incremental SHA3-256, for hashing data that arrives in pieces without concatenating it.
class Sha3Hasher {
 public:
  Sha3Hasher();
  void update(BytesView data);
  Hash32 finish();  // may be called once

 private:
  uint64_t m_state[25];
  size_t m_pos = 0;
};

}  // namespace cx::crypto
