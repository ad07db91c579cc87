// The resolver's default runtime: the Lua runtime's compile() and invoke() (acore.hpp). Kept in a
// file of its own so that binaries which never run Lua contracts do not link the runtime.
#include "acore/resolver.hpp"

namespace cx::acore {

Runtime lua_runtime() { return Runtime{&compile, &invoke}; }

}  // namespace cx::acore
