#include "codec/icon_serialize.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace {
std::string vectors_path() {
  if (const char* p = std::getenv("CX_VECTORS")) return p;
  return std::string(CX_SOURCE_DIR) + "/../shared/vectors/icon-tx.json";
}
}  // namespace

TEST(IconSerialize, AllVectorsSerializeExactly) {
  std::ifstream f(vectors_path());
  ASSERT_TRUE(f) << "cannot open " << vectors_path();
  std::stringstream ss;
  ss << f.rdbuf();
  auto doc = boost::json::parse(ss.str()).as_object();
  int n = 0;
  for (const auto& t : doc["transactions"].as_array()) {
    const auto& tx = t.as_object();
    std::string got = cx::codec::icon_tx_serialization(tx.at("params").as_object());
    EXPECT_EQ(got, std::string(tx.at("serialized").as_string())) << tx.at("name");
    ++n;
  }
  EXPECT_GE(n, 6);
}

TEST(IconSerialize, NullAndEscapes) {
  auto o = boost::json::parse(R"({"b":null,"a":"x.y","signature":"zz","c":["[",{}]})").as_object();
  EXPECT_EQ(cx::codec::icon_tx_serialization(o), "icx_sendTransaction.a.x\\.y.b.\\0.c.[\\[.{}]");
}
