// UCP 600 art. 14(b) on a pinned calendar: the sight L/C's examination is due 5 banking days after
// the documents are presented, counted over the calendar the instance pinned at proposal; a bank
// silent past that limit honours. A template that names a calendar needs one to be proposed.
#include "alpha/calendar.hpp"
#include "alpha/engine_test_util.hpp"

namespace cx::alpha::test {
namespace {

const std::string kBuyer = addr(1), kSeller = addr(2), kBank = addr(3), kCarrier = addr(4);

Template lc_sight() {
  auto r = parse_template_json(read_source("examples/alpha/terms/lc-sight.json"));
  EXPECT_TRUE(std::holds_alternative<Template>(r));
  return std::get<Template>(r);
}

// Banking calendar: Saturday and Sunday closed, and the given local days.
Calendar bank(std::vector<int64_t> holidays, const std::string& id) {
  Calendar c;
  c.id = id;
  c.holidays = std::move(holidays);
  return c;
}

TEST(AlphaCalendar, ExaminationIsDueFiveBankingDaysAfterPresentationOnThePinnedCalendar) {
  const Template t = lc_sight();
  json::object params{{"price", "1000"}, {"ship_by", kT0 + 30 * kDay}, {"lc_expiry", kT0 + 90 * kDay}};
  json::object parties{{"buyer", kBuyer}, {"seller", kSeller}, {"bank", kBank}, {"carrier", kCarrier}};
  auto refused = propose(t, template_hash(t), 1, params, parties, kT0, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<EngineError>(refused));
  EXPECT_NE(std::get<EngineError>(refused).message.find("calendar BANK-SAT-SUN@1 is not registered"), std::string::npos);

  // Presented Thursday 2026-01-08 (kT0 is Thursday 2026-01-01, day 20454): five banking days are
  // Fri 9, Mon 12, Tue 13, Wed 14, Thu 15 — or, with Monday the 12th a holiday, Fri 16.
  const int64_t day0 = kT0 / kDay;
  for (auto [holidays, due_day] : {std::pair{std::vector<int64_t>{}, 14}, std::pair{std::vector<int64_t>{day0 + 11}, 15}}) {
    Calendar cal = bank(holidays, "BANK-SAT-SUN@" + std::to_string(holidays.size() + 1));
    Sim s(t, params, parties, kT0, &cal);
    EXPECT_EQ(s.inst.calendar.id, cal.id);
    ASSERT_TRUE(s.sign_all()) << s.error;
    ASSERT_TRUE(s.pay(kBuyer, 1000)) << s.error;
    ASSERT_TRUE(s.att(kCarrier, "shipped")) << s.error;
    s.now = kT0 + 7 * kDay;
    ASSERT_TRUE(s.att(kSeller, "docs_presented")) << s.error;
    ASSERT_EQ(s.inst.stage, "examination");
    EXPECT_EQ(s.inst.timers.front().deadline, kT0 + due_day * kDay) << cal.id;
    s.advance(kT0 + due_day * kDay);  // the bank stays silent: deemed complying, the seller is paid
    s.expect_closed("honoured");
    EXPECT_EQ(s.got(kSeller), Uint256(1000));
  }
}

TEST(AlphaCalendar, StoredFormRoundTrips) {
  Calendar c = bank({20'454, 20'465}, "KR-BANK@3");
  c.utc_offset_seconds = 9 * 3600;
  c.weekend_mask = 0x40;
  auto back = calendar::from_json(calendar::to_json(c));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
  EXPECT_FALSE(calendar::from_json(json::object{{"id", "X@1"}}));
}

}  // namespace
}  // namespace cx::alpha::test
