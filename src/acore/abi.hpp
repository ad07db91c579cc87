#pragma once
// Declarations of a Lua contract's functions and events, written as signatures (docs/acore.md):
//   "transfer(Address _to, int _value, bytes _data = nil)"
//   "balanceOf(Address _owner) -> int"
//   "Transfer(Address indexed _from, Address indexed _to, int _value, bytes _data)"
// ICON's ABI types: int, str, bytes, bool, Address, lists ("[]int") and structs ("{str name, int age}");
// outputs may also be the untyped "list" and "dict".
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "acore/acore.hpp"

namespace cx::acore {

struct Field;

struct Type {
  enum class Kind : uint8_t { kInt, kStr, kBytes, kBool, kAddress, kList, kStruct, kDict };
  Kind kind = Kind::kInt;
  std::vector<Type> element;   // kList: its element type; empty for an untyped "list" output
  std::vector<Field> fields;   // kStruct

  bool scalar() const { return kind <= Kind::kAddress; }
  // ICON's name: "int", "[]int", "struct", "[]struct", "list", "dict".
  std::string name() const;
};

struct Field {
  std::string name;
  Type type;
};

struct Param {
  std::string name;
  Type type;
  bool indexed = false;   // event inputs only
  bool optional = false;  // has a default (function inputs only)
  std::optional<std::string> default_value;  // ICON's form ("0x10", "text", "0x1"); nullopt: null
};

enum class SignatureKind { kFunction, kEvent, kInstall };

struct Signature {
  std::string name;  // empty for on_install/on_update
  std::vector<Param> inputs;
  std::optional<Type> output;
};

// Names of functions, events, params and fields: [A-Za-z_][A-Za-z0-9_]*, at most this many bytes.
inline constexpr size_t kNameBytesMax = 64;
inline constexpr size_t kParamsMax = 32;
inline constexpr size_t kEventIndexedMax = 3;  // as ICON: at most 3 indexed event params
inline constexpr size_t kTypeDepthMax = 4;     // nesting of lists and structs

// Parses and checks a signature; the error says what is wrong with it.
std::variant<Signature, std::string> parse_signature(std::string_view text, SignatureKind kind);

// "Transfer(Address,Address,int,bytes)": an event log's first indexed item.
std::string event_signature(const Signature& sig);
// icx_getScoreApi's view of a param.
AbiParam to_abi_param(const Param& p);
// "_to:Address,_value:int": contracts::MethodAbi::inputs.
std::string inputs_text(const std::vector<Param>& inputs);

}  // namespace cx::acore
