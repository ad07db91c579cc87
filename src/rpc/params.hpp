#pragma once
// Reading a JSON-RPC request's params the way goloop does: unknown members are errors, JSON null
// counts as absent, and every error names the param and quotes (clipped) what the client sent.
// Each reader throws RpcError (invalid params, or NotFound for a height not reached yet).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "channel/api.hpp"
#include "core/transaction.hpp"
#include "rpc/dispatcher.hpp"

namespace cx::rpc {

namespace json = boost::json;

[[noreturn]] void fail(int code, std::string message);
[[noreturn]] void bad_param(std::string message);

// `s` as a JSON string literal.
std::string quoted(std::string_view s);
// "a string", "an object", ...: for messages.
const char* kind_of(const json::value& v);

// The params object, with only `allowed` members; nullptr when absent and not required.
const json::object* params_object(const json::value* params, std::initializer_list<std::string_view> allowed,
                                  bool required);
const json::value* member(const json::object* o, std::string_view key);
const json::string* string_param(const json::object* o, std::string_view key, bool required);

enum class AddressKind { kAny, kEoa, kContract };
std::optional<core::Address> address_param(const json::object* o, std::string_view key, AddressKind kind,
                                           bool required);
Hash32 hash_param(const json::object* o, std::string_view key);
std::optional<uint64_t> height_param(const json::object* o, bool required);
// A state or block query at a height the chain has not reached is NotFound.
void require_height_available(channel::ChannelApi& ch, std::optional<uint64_t> height);
// The params of icx_sendTransaction and debug_estimateStep: the transaction object itself.
const json::object& tx_object(const json::value* params);

}  // namespace cx::rpc
