#pragma once
// The consensus records store (`<dir>/consensus`, docs/architecture.md): write-ahead vote record,
// certified-chain and proposal records, and the genesis mark. Its keys are written in channel.cpp.
#include "storage/kv_store.hpp"

namespace cx::channel {

// The records store's one column. "consensus" is its column family name on disk since format 1.
inline constexpr storage::ColumnDef kRecordsColumn{"consensus"};

}  // namespace cx::channel
