#include "core/failure.hpp"

#include <gtest/gtest.h>

#include "core/receipt.hpp"

namespace cx::core {
namespace {

TEST(Failure, CodesAreGoloops) {
  EXPECT_EQ(code_value(FailureCode::kOutOfStep), 10u);
  EXPECT_EQ(code_value(FailureCode::kStackOverflow), 13u);
  EXPECT_EQ(code_value(user_failure(5)), 37u);
  EXPECT_EQ(code_value(user_failure(UINT32_MAX)), UINT32_MAX);
}

TEST(Failure, LongMessagesAreCutOnACharacterBoundary) {
  EXPECT_EQ(make_failure(FailureCode::kUnknown, "short").message, "short");
  // "é" is two bytes; a cut in the middle of one must step back before it.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xc3\xa9";
  const auto f = make_failure(FailureCode::kUnknown, text);
  EXPECT_LE(f.message.size(), kFailureMessageBytesMax);
  EXPECT_GT(f.message.size(), kFailureMessageBytesMax - 8);
  EXPECT_EQ(f.message.substr(f.message.size() - 3), "\xe2\x80\xa6");
  const std::string body = f.message.substr(0, f.message.size() - 3);
  EXPECT_EQ(body.size() % 2, 0u);
  EXPECT_EQ(clip_utf8("abcdef", 5), "ab\xe2\x80\xa6");
  EXPECT_EQ(clip_utf8("abcdef", 6), "abcdef");
  EXPECT_EQ(clip_utf8("abcdef", 2), "");
}

TEST(Failure, ReceiptKeepsAnyCodeAndTheLongestMessage) {
  Receipt r;
  r.failure = make_failure(user_failure(123456), std::string(10000, 'x'));
  auto d = Receipt::decode(r.encode());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->failure->code, user_failure(123456));
  EXPECT_EQ(d->failure->message, r.failure->message);
  // A message longer than the bound (not made by make_failure) does not decode.
  r.failure->message = std::string(kFailureMessageBytesMax + 1, 'x');
  EXPECT_FALSE(Receipt::decode(r.encode()).has_value());
}

}  // namespace
}  // namespace cx::core
