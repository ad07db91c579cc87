// The ACORE Store's methods (contracts/store.hpp). Its storage, all in the store contract's own:
//
//   'N'                                   -> names published so far (u32)
//   'n' ‖ index (u32)                     -> the index-th name, in order of first publication
//   'p' ‖ name                            -> Owner: publisher, version count, the highest version
//   'v' ‖ name ‖ 0 ‖ index (u32)          -> the index-th version of the name, in order of publication
//   'e' ‖ name ‖ 0 ‖ version              -> Entry: description, price, code hash, content type, height
//   'c' ‖ name ‖ 0 ‖ version              -> the content (deploy bytes)
//   'l' ‖ name ‖ 0 ‖ version ‖ 0 ‖ buyer  -> a licence (1 byte)
//
// Names and versions never hold a 0 byte, so the keys cannot collide.
#include "contracts/store.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "codec/binary.hpp"
#include "contracts/native.hpp"
#include "crypto/hash.hpp"

namespace cx::contracts {
namespace json = boost::json;
using core::FailureCode;

namespace {

constexpr std::string_view kZip = "application/zip";
constexpr std::string_view kLua = "application/x-lua";
constexpr std::string_view kPublishedSig = "Published(str,str,Address,bytes,int)";
constexpr std::string_view kPurchasedSig = "Purchased(str,str,Address,Address,int)";

struct Owner {
  Address publisher;
  uint32_t versions = 0;
  std::string latest;  // the highest version by semver precedence
};

struct Entry {
  Address publisher;
  std::string description;
  Uint256 price;
  Hash32 code_hash;
  std::string content_type;
  uint64_t height = 0;
  uint32_t content_bytes = 0;
};

Bytes key(char prefix, std::string_view a, std::optional<std::string_view> b = std::nullopt) {
  Bytes k{static_cast<uint8_t>(prefix)};
  k.insert(k.end(), a.begin(), a.end());
  if (b) {
    k.push_back(0);
    k.insert(k.end(), b->begin(), b->end());
  }
  return k;
}

Bytes indexed_key(Bytes k, uint32_t index) {
  codec::Writer w;
  w.raw(k);
  w.u32(index);
  return w.take();
}

// Addresses as their 21 bytes (hx or cx), so a contract may publish too.
void write_address(codec::Writer& w, const Address& a) {
  const auto bytes = a.to_bytes();
  w.raw(BytesView(bytes.data(), bytes.size()));
}

Bytes encode_owner(const Owner& o) {
  codec::Writer w;
  write_address(w, o.publisher);
  w.u32(o.versions);
  w.str(o.latest);
  return w.take();
}

Owner decode_owner(BytesView b) {
  codec::Reader r(b);
  Owner o;
  auto publisher = Address::from_bytes(r.raw(21));
  o.versions = r.u32();
  o.latest = r.str(kStoreVersionBytesMax);
  CX_ASSERT_MSG(r.finish() && publisher, "the store's owner record does not decode");
  o.publisher = *publisher;
  return o;
}

Bytes encode_entry(const Entry& e) {
  codec::Writer w;
  write_address(w, e.publisher);
  w.str(e.description);
  w.uint256(e.price);
  w.fixed(e.code_hash);
  w.str(e.content_type);
  w.u64(e.height);
  w.u32(e.content_bytes);
  return w.take();
}

Entry decode_entry(BytesView b) {
  codec::Reader r(b);
  Entry e;
  auto publisher = Address::from_bytes(r.raw(21));
  e.description = r.str(kStoreDescriptionBytesMax);
  e.price = r.uint256();
  e.code_hash = r.fixed<32>();
  e.content_type = r.str(64);
  e.height = r.u64();
  e.content_bytes = r.u32();
  CX_ASSERT_MSG(r.finish() && publisher, "the store's entry record does not decode");
  e.publisher = *publisher;
  return e;
}

CallResult bad(std::string message) { return CallResult::fail(FailureCode::kInvalidParameter, std::move(message)); }

// A string param, present and of at most `max` bytes.
std::variant<std::string_view, CallResult> string_param(const json::value& params, std::string_view name, size_t max,
                                                       bool optional = false) {
  const json::object* o = params.if_object();
  const json::value* v = o ? o->if_contains(name) : nullptr;
  if (!v || v->is_null()) {
    if (optional) return std::string_view();
    return bad("params." + std::string(name) + " is missing");
  }
  if (!v->is_string()) return bad("params." + std::string(name) + " must be a string");
  if (v->get_string().size() > max)
    return bad("params." + std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  return std::string_view(v->get_string());
}

// name and version params, both well-formed.
struct Ref {
  std::string_view name;
  std::string_view version;
};

std::variant<Ref, CallResult> ref_param(const json::value& params, bool with_version = true) {
  auto name = string_param(params, "name", kStoreNameBytesMax * 4);
  if (auto* r = std::get_if<CallResult>(&name)) return std::move(*r);
  Ref ref{std::get<0>(name), {}};
  if (auto p = store_name_problem(ref.name)) return bad("name '" + core::clip_utf8(ref.name, 64) + "': " + *p);
  if (!with_version) return ref;
  auto version = string_param(params, "version", kStoreVersionBytesMax * 4);
  if (auto* r = std::get_if<CallResult>(&version)) return std::move(*r);
  ref.version = std::get<0>(version);
  if (auto p = store_version_problem(ref.version)) return bad("version '" + core::clip_utf8(ref.version, 64) + "': " + *p);
  return ref;
}

Bytes licence_key(const Ref& r, const Address& buyer) {
  Bytes k = key('l', r.name, r.version);
  k.push_back(0);
  const auto bytes = buyer.to_bytes();
  k.insert(k.end(), bytes.begin(), bytes.end());
  return k;
}

std::string label(const Ref& r) { return std::string(r.name) + " " + std::string(r.version); }

// A read through the host; a failed read (out of step) becomes the call's failure.
#define STORE_GET(var, host, k)                      \
  auto var = (host).storage_get(k);                  \
  if (!var) return CallResult::fail(var.failure())

#define STORE_SET(host, k, v)                                        \
  if (auto s = (host).storage_set((k), (v)); !s) return CallResult::fail(s.failure())

std::variant<Uint256, CallResult> price_param(const json::value& params) {
  auto text = string_param(params, "price", 80);
  if (auto* r = std::get_if<CallResult>(&text)) return std::move(*r);
  auto price = Uint256::from_icon_hex(std::get<0>(text));
  if (!price) return bad("params.price must be an amount in loop as 0x-prefixed hex, e.g. 0xde0b6b3a7640000 for 1 coin");
  return *price;
}

// The deploy content: its type and bytes, within the bounds.
struct Content {
  std::string_view type;
  Bytes bytes;
};

std::variant<Content, CallResult> content_param(const json::value& params) {
  auto type = string_param(params, "contentType", 64);
  if (auto* r = std::get_if<CallResult>(&type)) return std::move(*r);
  Content c{std::get<0>(type), {}};
  if (c.type != kZip && c.type != kLua)
    return bad("contentType '" + core::clip_utf8(c.type, 64) + "' is not application/zip or application/x-lua");
  auto text = string_param(params, "content", 2 + 2 * kStoreContentBytesMax);
  if (auto* r = std::get_if<CallResult>(&text)) {
    if (std::holds_alternative<std::string_view>(string_param(params, "content", SIZE_MAX)))
      return bad("the content is larger than " + std::to_string(kStoreContentBytesMax / 1024) + " KiB");
    return std::move(*r);
  }
  const std::string_view hex = std::get<0>(text);
  auto bytes = hex.starts_with("0x") ? from_hex(hex.substr(2)) : std::nullopt;
  if (!bytes) return bad("params.content must be 0x-prefixed hex");
  if (bytes->empty()) return bad("the content is empty");
  c.bytes = std::move(*bytes);
  return c;
}

// Everything publish checks before it writes anything.
struct Publication {
  Ref ref;
  std::string_view description;
  Uint256 price;
  Content content;
  std::optional<Owner> owner;
};

std::variant<Publication, CallResult> publication(Host& host, const json::value& params) {
  auto ref = ref_param(params);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  auto description = string_param(params, "description", kStoreDescriptionBytesMax, /*optional=*/true);
  if (auto* r = std::get_if<CallResult>(&description)) return std::move(*r);
  auto price = price_param(params);
  if (auto* r = std::get_if<CallResult>(&price)) return std::move(*r);
  auto content = content_param(params);
  if (auto* r = std::get_if<CallResult>(&content)) return std::move(*r);
  Publication p{std::get<Ref>(ref), std::get<0>(description), std::get<Uint256>(price), std::get<Content>(std::move(content)), {}};
  for (unsigned char c : p.description)
    if (c < 0x20 && c != '\n') return bad("the description holds a control character (only line breaks are allowed)");
  const Address& caller = host.frame().caller;
  STORE_GET(owner, host, key('p', p.ref.name));
  if (*owner) {
    p.owner = decode_owner(**owner);
    if (p.owner->publisher != caller)
      return CallResult::fail(FailureCode::kAccessDenied, "the name '" + std::string(p.ref.name) + "' belongs to " +
                                                              p.owner->publisher.to_string() +
                                                              ": only its publisher may publish versions of it");
    if (p.owner->versions >= kStoreVersionsMax)
      return bad("'" + std::string(p.ref.name) + "' has " + std::to_string(kStoreVersionsMax) + " versions, the most a name may have");
  }
  STORE_GET(existing, host, key('e', p.ref.name, p.ref.version));
  if (*existing) return bad(label(p.ref) + " is already published; a version never changes (publish a new version)");
  return p;
}

CallResult publish(Host& host, const json::value& params) {
  auto checked = publication(host, params);
  if (auto* r = std::get_if<CallResult>(&checked)) return std::move(*r);
  const Publication& p = std::get<Publication>(checked);
  // goloop's contractSet per byte, as a deploy pays for its content.
  if (auto s = host.charge_steps(host.params().step_costs.contract_set * p.content.bytes.size()); !s)
    return CallResult::fail(s.failure());
  const Address& caller = host.frame().caller;
  Owner owner = p.owner.value_or(Owner{caller, 0, std::string(p.ref.version)});
  if (!p.owner) {
    STORE_GET(count, host, Bytes{'N'});
    const uint32_t n = *count ? codec::Reader(**count).u32() : 0;
    STORE_SET(host, indexed_key(Bytes{'n'}, n), as_bytes(p.ref.name));
    STORE_SET(host, Bytes{'N'}, indexed_key({}, n + 1));
  }
  STORE_SET(host, indexed_key(key('v', p.ref.name, ""), owner.versions), as_bytes(p.ref.version));
  ++owner.versions;
  if (compare_versions(p.ref.version, owner.latest) > 0) owner.latest = std::string(p.ref.version);
  STORE_SET(host, key('p', p.ref.name), encode_owner(owner));
  const Entry e{caller, std::string(p.description), p.price, crypto::sha3_256(p.content.bytes), std::string(p.content.type),
                host.block().height, static_cast<uint32_t>(p.content.bytes.size())};
  STORE_SET(host, key('e', p.ref.name, p.ref.version), encode_entry(e));
  STORE_SET(host, key('c', p.ref.name, p.ref.version), p.content.bytes);
  core::EventLog log;
  log.indexed = {std::string(kPublishedSig), std::string(p.ref.name)};
  log.data = {std::string(p.ref.version), caller.to_string(), "0x" + e.code_hash.hex(), p.price.to_icon_hex()};
  if (auto s = host.emit(std::move(log)); !s) return CallResult::fail(s.failure());
  return CallResult::success();
}

// The entry of name+version, or a refusal saying it is not there.
std::variant<Entry, CallResult> entry_of(Host& host, const Ref& ref) {
  auto e = host.storage_get(key('e', ref.name, ref.version));
  if (!e) return CallResult::fail(e.failure());
  if (!*e) return bad(label(ref) + " is not in the store");
  return decode_entry(**e);
}

json::object entry_json(const Ref& ref, const Entry& e) {
  return json::object{{"name", ref.name},
                      {"version", ref.version},
                      {"publisher", e.publisher.to_string()},
                      {"description", e.description},
                      {"price", e.price.to_icon_hex()},
                      {"codeHash", "0x" + e.code_hash.hex()},
                      {"contentType", e.content_type},
                      {"contentSize", Uint256(e.content_bytes).to_icon_hex()},
                      {"publishedHeight", Uint256(e.height).to_icon_hex()}};
}

CallResult get(Host& host, const json::value& params) {
  auto ref = ref_param(params);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  auto e = entry_of(host, std::get<Ref>(ref));
  if (auto* r = std::get_if<CallResult>(&e)) return std::move(*r);
  return CallResult::success(entry_json(std::get<Ref>(ref), std::get<Entry>(e)));
}

CallResult get_content(Host& host, const json::value& params) {
  auto ref = ref_param(params);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  const Ref& rf = std::get<Ref>(ref);
  auto e = entry_of(host, rf);
  if (auto* r = std::get_if<CallResult>(&e)) return std::move(*r);
  STORE_GET(content, host, key('c', rf.name, rf.version));
  CX_ASSERT_MSG(content->has_value(), "a store entry without its content");
  return CallResult::success(json::object{{"contentType", std::get<Entry>(e).content_type},
                                          {"content", "0x" + to_hex(**content)},
                                          {"codeHash", "0x" + std::get<Entry>(e).code_hash.hex()}});
}

// The versions of a name, lowest first by semver precedence.
CallResult versions(Host& host, const json::value& params) {
  auto ref = ref_param(params, /*with_version=*/false);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  const std::string_view name = std::get<Ref>(ref).name;
  STORE_GET(owner_bytes, host, key('p', name));
  if (!*owner_bytes) return bad("'" + std::string(name) + "' is not in the store");
  const Owner owner = decode_owner(**owner_bytes);
  std::vector<std::string> list;
  for (uint32_t i = 0; i < owner.versions; ++i) {
    STORE_GET(v, host, indexed_key(key('v', name, ""), i));
    CX_ASSERT_MSG(v->has_value(), "a store version index with a hole");
    list.emplace_back((*v)->begin(), (*v)->end());
  }
  std::sort(list.begin(), list.end(), [](const std::string& a, const std::string& b) { return compare_versions(a, b) < 0; });
  json::array out;
  for (auto& v : list) out.emplace_back(std::move(v));
  return CallResult::success(std::move(out));
}

std::variant<uint64_t, CallResult> count_param(const json::value& params, std::string_view name, uint64_t fallback) {
  auto text = string_param(params, name, 80, /*optional=*/true);
  if (auto* r = std::get_if<CallResult>(&text)) return std::move(*r);
  if (std::get<0>(text).empty()) return fallback;
  auto n = Uint256::from_icon_hex(std::get<0>(text));
  if (!n || !n->fits_u64()) return bad("params." + std::string(name) + " must be a 0x-prefixed hex count");
  return n->low_u64();
}

// The names in order of first publication: {total, items: [{name, publisher, latest, versions}]}.
CallResult list(Host& host, const json::value& params) {
  auto offset = count_param(params, "offset", 0);
  if (auto* r = std::get_if<CallResult>(&offset)) return std::move(*r);
  auto limit = count_param(params, "limit", kStoreListLimitMax);
  if (auto* r = std::get_if<CallResult>(&limit)) return std::move(*r);
  if (std::get<uint64_t>(limit) > kStoreListLimitMax)
    return bad("params.limit is above " + std::to_string(kStoreListLimitMax));
  STORE_GET(count, host, Bytes{'N'});
  const uint32_t total = *count ? codec::Reader(**count).u32() : 0;
  json::array items;
  const uint64_t end = std::min<uint64_t>(total, std::get<uint64_t>(offset) + std::get<uint64_t>(limit));
  for (uint64_t i = std::get<uint64_t>(offset); i < end; ++i) {
    STORE_GET(name, host, indexed_key(Bytes{'n'}, static_cast<uint32_t>(i)));
    CX_ASSERT_MSG(name->has_value(), "a store name index with a hole");
    const std::string n((*name)->begin(), (*name)->end());
    STORE_GET(owner_bytes, host, key('p', n));
    const Owner o = decode_owner(**owner_bytes);
    items.push_back(json::object{{"name", n}, {"publisher", o.publisher.to_string()}, {"latest", o.latest},
                                 {"versions", Uint256(o.versions).to_icon_hex()}});
  }
  return CallResult::success(json::object{{"total", Uint256(total).to_icon_hex()}, {"items", std::move(items)}});
}

// Pays a version's price to its publisher and records a licence for the caller.
CallResult buy(Host& host, const json::value& params) {
  auto ref = ref_param(params);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  const Ref& rf = std::get<Ref>(ref);
  auto e = entry_of(host, rf);
  if (auto* r = std::get_if<CallResult>(&e)) return std::move(*r);
  const Entry& entry = std::get<Entry>(e);
  const Frame& f = host.frame();
  if (f.value != entry.price)
    return bad(label(rf) + " costs " + entry.price.to_icon_hex() + " loop; the call carried " + f.value.to_icon_hex());
  const Bytes k = licence_key(rf, f.caller);
  STORE_GET(held, host, k);
  if (*held) return bad(f.caller.to_string() + " already holds a licence for " + label(rf));
  if (!entry.price.is_zero())
    if (auto s = host.transfer(entry.publisher, entry.price); !s) return CallResult::fail(s.failure());
  STORE_SET(host, k, Bytes{1});
  core::EventLog log;
  log.indexed = {std::string(kPurchasedSig), std::string(rf.name)};
  log.data = {std::string(rf.version), f.caller.to_string(), entry.publisher.to_string(), entry.price.to_icon_hex()};
  if (auto s = host.emit(std::move(log)); !s) return CallResult::fail(s.failure());
  return CallResult::success();
}

CallResult has_licence(Host& host, const json::value& params) {
  auto ref = ref_param(params);
  if (auto* r = std::get_if<CallResult>(&ref)) return std::move(*r);
  auto account = string_param(params, "account", 64);
  if (auto* r = std::get_if<CallResult>(&account)) return std::move(*r);
  auto a = Address::parse(std::get<0>(account));
  if (!a) return bad("params.account is not an address (hx or cx + 40 lower-case hex)");
  STORE_GET(held, host, licence_key(std::get<Ref>(ref), *a));
  return CallResult::success(json::value(held->has_value() ? "0x1" : "0x0"));
}

constexpr Access kRead = Access::kReadOnly;
constexpr Access kWrite = Access::kWrite;

constexpr NativeMethod kStoreMethods[] = {
    {{"publish", kWrite, Payable::kNo, 0,
      "name:str,version:str,description:str,price:int,contentType:str,content:bytes", ""}, publish},
    {{"buy", kWrite, Payable::kYes, 0, "name:str,version:str", ""}, buy},
    {{"list", kRead, Payable::kNo, 0, "offset:int,limit:int", "dict"}, list},
    {{"get", kRead, Payable::kNo, 0, "name:str,version:str", "dict"}, get},
    {{"getContent", kRead, Payable::kNo, 0, "name:str,version:str", "dict"}, get_content},
    {{"versions", kRead, Payable::kNo, 0, "name:str", "list"}, versions},
    {{"hasLicense", kRead, Payable::kNo, 0, "name:str,version:str,account:Address", "bool"}, has_licence},
};

}  // namespace

Address store_contract_address() {
  FixedBytes<20> id{};
  id.data()[19] = 2;
  return Address::contract(id);
}

std::shared_ptr<const Contract> make_store_contract() {
  return std::make_shared<const NativeContract>("store", kStoreMethods);
}

}  // namespace cx::contracts
