#pragma once
// The sandboxed Lua 5.4 state behind ACORE (internal to acore; docs/acore.md "Sandbox").
//
// One Vm is one lua_State with the sandbox's libraries, used by one call at a time. A program keeps a
// few idle Vms with its files loaded (program.cpp), so a call pays for neither opening libraries nor
// loading code; everything a call creates (its globals, its closures, the files' top level run again)
// is new for that call and unreachable after it, and what outlives calls (library tables, the string
// metatable, the API) is read-only, so no call can see another's leftovers.
//
// Limits, all deterministic (the same code and host answers give the same outcome everywhere):
// - steps: kStepsPerInstruction per VM instruction, charged to the host kInstructionsPerCharge at a time
//   by a count hook (the first batch when the call starts), plus strings the call creates and the
//   library functions' arguments (lua_stdlib.cpp);
// - long strings: one instruction may compare two strings (==, <, a table lookup) byte by byte, out of
//   the hook's sight: 1 MiB with strcoll takes ~200 µs, some forty thousand plain instructions. So
//   while the call holds a string of n >= kChargedStringBytesMin bytes, or its code has one as a
//   constant, every instruction costs n / kComparedStringBytesPerStep steps more, charged in smaller
//   batches (kInstructionsPerCharge steps' worth);
// - memory: the bytes of the blocks allocated during the call and still held (each block carries the
//   call's epoch), at most kCallMemoryBytesMax; Lua collects garbage before it gives up, so what counts
//   is what the call can still reach;
// - depth: at most kLuaDepthMax Lua/C frames (checked by the count hook), and Lua's own C-stack limit.
// - garbage: the collector never runs by itself (it is stopped once the state is set up). During a
//   call it runs only when an allocation would pass the cap (Lua's emergency collection, as before);
//   between calls, end_call collects once the state holds kGarbageBytesMax more than after the last
//   collection. So what a weak table holds (a __mode given to a metatable after setmetatable, which
//   setmetatable cannot see) never depends on when an incremental step happened to run, i.e. on the
//   state's history, which differs between validators.
// Running out of steps or memory, or too deep a recursion, is fatal: the error is raised again by
// every pcall it crosses, so the call ends at once with its failure.
#include <lua.hpp>

#include <memory>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "base/assert.hpp"
#include "contracts/host.hpp"
#include "core/failure.hpp"
#include "core/receipt.hpp"

namespace cx::acore {
struct ProgramData;
}

namespace cx::acore::lua {

inline constexpr size_t kCallMemoryBytesMax = 16u << 20;
inline constexpr size_t kSetupMemoryBytesMax = 64u << 20;  // libraries and loaded code, outside calls
inline constexpr size_t kGarbageBytesMax = 256u << 10;  // what end_call lets a state hold before collecting
inline constexpr int kInstructionsPerCharge = 1000;
inline constexpr uint64_t kStepsPerInstruction = 1;
inline constexpr int kLuaDepthMax = 200;
// Strings longer than short strings (Lua interns those, so whether one is allocated depends on
// garbage collection) are charged by the bytes they hold.
inline constexpr size_t kChargedStringBytesMin = 128;
inline constexpr size_t kStringBytesPerStep = 32;
inline constexpr size_t kStringChargeChunkBytes = 64u << 10;  // charged from the allocator past this
inline constexpr size_t kComparedStringBytesPerStep = 16;
// The steps a package's top level may use when compile() runs it without a host.
inline constexpr uint64_t kCompileStepsMax = 10'000'000;

enum class Phase : uint8_t {
  kIdle,
  kLoad,  // a file's top level: declarations and globals; no storage or context
  kRun,   // a declared function
};

struct Vm {
  Vm();
  ~Vm();
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  lua_State* L = nullptr;

  // Allocator accounting (vm.cpp): blocks carry the epoch they were allocated in.
  uint64_t epoch = 1;
  size_t call_bytes = 0;   // bytes of this epoch's blocks still held
  size_t cap_bytes = kSetupMemoryBytesMax;
  size_t total_bytes = 0;  // everything the state holds
  size_t collected_bytes = 0;  // total_bytes after the last full collection (end_call)
  size_t uncharged_string_bytes = 0;
  // What an instruction costs in this call (vm.cpp price_instructions), and the longest string it is
  // priced by: the call's own, or a constant of the program's code.
  bool metering = false;  // between begin_call and end_call
  size_t longest_string = 0;
  uint64_t instruction_steps = kStepsPerInstruction;
  int hook_count = kInstructionsPerCharge;

  // The call in progress.
  contracts::Host* host = nullptr;  // null while compiling: steps come from local_steps
  uint64_t local_steps = 0;
  uint64_t local_steps_used = 0;
  Phase phase = Phase::kIdle;
  std::optional<core::Failure> fatal;  // set once; the call ends with it
  const ProgramData* program = nullptr;  // the program whose call runs (invoke)
  ProgramData* compiling = nullptr;      // the program being built (compile)
  size_t declared = 0;                   // declarations seen by this run of the top level
  size_t json_bytes = 0;                 // of the value to_json is converting (lua_values.cpp)

  // Scratch owned here rather than on a C stack frame that a Lua error may longjmp over.
  std::string text;
  Bytes bytes;
  boost::json::value json;
  std::optional<Bytes> stored;
  core::EventLog event;
  contracts::CallResult call_result;
  contracts::CallArgs call_args;
};

// The Vm of a state (kept in the state's extra space).
inline Vm& vm_of(lua_State* L) { return **static_cast<Vm**>(lua_getextraspace(L)); }

// A state with the sandbox's libraries and the contract API; null if Lua could not set it up.
std::unique_ptr<Vm> new_vm();

// nan_format.cpp: Lua writes every NaN as "nan" (whatever its sign bit, i.e. whichever processor made
// it). nan_format_interposed links it in; nan_format_is_canonical checks the state really does.
bool nan_format_interposed();
bool nan_format_is_canonical(lua_State* L);

// Starts and ends a call: a new memory epoch with the call's cap, the step meter reset, instructions
// priced by `code_string_bytes`, the longest string constant of the program's code.
void begin_call(Vm& vm, contracts::Host* host, uint64_t local_steps, size_t code_string_bytes = 0);
void end_call(Vm& vm);

// Charges steps to the host (or the local budget); false with vm.fatal set if they ran out.
bool charge(Vm& vm, uint64_t steps);
// Charges the strings created since the last charge.
bool charge_strings(Vm& vm);

// Ends the call with `failure` (unless it already has one); no pcall catches it.
[[noreturn]] void raise_fatal(lua_State* L, core::Failure failure);
// Raises the call's fatal failure again (vm.fatal must be set).
[[noreturn]] void raise_fatal(lua_State* L);
// A catchable error with `message` (prefixed with the Lua position of level 1 when `where`).
[[noreturn]] void raise_error(lua_State* L, std::string_view message, bool where = true);

// A read-only view of the table at `index`: pushes an empty table whose protected metatable reads
// through to it and refuses writes (and setmetatable, and rawset, see lua_stdlib.cpp).
void push_readonly(lua_State* L, int index);
// Sets the protected marker on the metatable at the top of the stack: getmetatable() returns
// "protected", setmetatable() refuses to replace it, rawset() refuses its tables.
void protect_metatable(lua_State* L);
bool is_protected(lua_State* L, int index);

// The message of the error value at the top of the stack (a string, a number, or via __tostring
// from a revert object), without touching the stack.
std::string error_text(lua_State* L, int index);

// Installed by new_vm (lua_stdlib.cpp, lua_int.cpp, lua_api.cpp).
void open_stdlib(lua_State* L);
void open_int(lua_State* L);
void open_api(lua_State* L);

// Registry keys for the per-call objects.
inline const char kEnvKey = 0;       // the call's global environment
inline const char kFunctionsKey = 0; // the call's declared functions, by declaration index
inline const char kLoadedKey = 0;    // require's cache for the call
inline const char kFilesKey = 0;     // path -> the file's loaded main function (per state)
inline const char kEnvMetaKey = 0;   // the metatable of every call's environment

}  // namespace cx::acore::lua
