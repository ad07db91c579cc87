// icx_getScoreApi and icx_getScoreStatus shapes (goloop doc/jsonrpc_v3.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "rpc/json_format.hpp"

namespace cx::rpc {
namespace {

namespace json = boost::json;
using acore::AbiEntry;
using acore::AbiParam;

TEST(ScoreJson, ApiEntriesHaveGoloopsShape) {
  AbiEntry balance_of;
  balance_of.name = "balanceOf";
  balance_of.inputs = {AbiParam{"_owner", "Address", false, false, std::nullopt, {}}};
  balance_of.outputs = {AbiParam{"", "int", false, false, std::nullopt, {}}};
  balance_of.readonly = true;
  AbiEntry transfer;
  transfer.name = "transfer";
  transfer.inputs = {AbiParam{"_to", "Address", false, false, std::nullopt, {}},
                     AbiParam{"_data", "bytes", false, true, std::string("0x"), {}}};
  transfer.payable = true;
  AbiEntry fallback;
  fallback.kind = AbiEntry::Kind::kFallback;
  fallback.name = "fallback";
  fallback.payable = true;
  AbiEntry event;
  event.kind = AbiEntry::Kind::kEventLog;
  event.name = "Transfer";
  event.inputs = {AbiParam{"_from", "Address", true, false, std::nullopt, {}}, AbiParam{"_value", "int", false, false, std::nullopt, {}}};
  AbiEntry with_struct;
  with_struct.name = "setPerson";
  with_struct.inputs = {AbiParam{"p", "struct", false, false, std::nullopt, {AbiParam{"name", "str", false, false, std::nullopt, {}}}}};

  const json::value got = score_api_to_json({balance_of, transfer, fallback, event, with_struct});
  const json::value want = json::parse(R"([
    {"type":"function","name":"balanceOf","inputs":[{"name":"_owner","type":"Address"}],"outputs":[{"type":"int"}],"readonly":"0x1"},
    {"type":"function","name":"transfer","inputs":[{"name":"_to","type":"Address"},{"name":"_data","type":"bytes","default":"0x"}],"outputs":[],"payable":"0x1"},
    {"type":"fallback","name":"fallback","inputs":[],"payable":"0x1"},
    {"type":"eventlog","name":"Transfer","inputs":[{"name":"_from","type":"Address","indexed":"0x1"},{"name":"_value","type":"int"}]},
    {"type":"function","name":"setPerson","inputs":[{"name":"p","type":"struct","fields":[{"name":"name","type":"str"}]}],"outputs":[]}
  ])");
  EXPECT_EQ(got, want) << json::serialize(got);
}

TEST(ScoreJson, StatusHasOwnerCurrentNextAndFlags) {
  acore::ContractInfo info;
  info.owner = *core::Address::parse("hxbe258ceb872e08851f1f59694dac2558708ece11");
  Hash32 a, b, c;
  a.bytes.fill(0xaa);
  b.bytes.fill(0xbb);
  c.bytes.fill(0xcc);
  info.current = acore::CodeVersion{c, a, a, acore::VersionStatus::kActive, ""};
  info.next = acore::CodeVersion{c, b, Hash32{}, acore::VersionStatus::kPending, "{}"};
  info.blocked = true;
  const json::object got = score_status_to_json(info);
  const std::string ha = "0x" + a.hex(), hb = "0x" + b.hex(), hc = "0x" + c.hex();
  const json::value want = json::object{
      {"owner", "hxbe258ceb872e08851f1f59694dac2558708ece11"},
      {"current", {{"type", "lua"}, {"status", "active"}, {"deployTxHash", ha}, {"auditTxHash", ha}, {"codeHash", hc}}},
      {"next", {{"type", "lua"}, {"status", "pending"}, {"deployTxHash", hb}, {"codeHash", hc}}},
      {"blocked", "0x1"},
      {"disabled", "0x0"}};
  EXPECT_EQ(json::value(got), want) << json::serialize(got);
}

}  // namespace
}  // namespace cx::rpc
