#include "acore/resolver.hpp"

#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "acore/test_runtime.hpp"

namespace cx::acore {
namespace {

class MapState final : public state::StateReader {
 public:
  std::optional<Bytes> get(BytesView key) const override {
    auto it = m.find(Bytes(key.begin(), key.end()));
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  std::map<Bytes, Bytes> m;
};

Package source(std::string text) {
  Package p;
  p.files = {{"main.lua", std::move(text)}};
  return p;
}

const Address kOwner = *Address::parse("hxbe258ceb872e08851f1f59694dac2558708ece11");
const Address kContract = contract_address(kOwner, 42, std::nullopt);

// Stores `package` as the current version of kContract with `status`.
Hash32 install(MapState& s, const Package& package, VersionStatus status) {
  const Hash32 h = package_hash(package);
  s.m[code_key(h)] = encode_package(package);
  ContractInfo info;
  info.owner = kOwner;
  info.current = CodeVersion{h, Hash32{}, Hash32{}, status, ""};
  s.m[contract_info_key(kContract)] = info.encode();
  return h;
}

std::vector<std::string> names(const contracts::Contract& c) {
  std::vector<std::string> out;
  for (const auto& m : c.abi()) out.emplace_back(m.name);
  return out;
}

TEST(Resolver, FindsTheCurrentActiveVersionAndHidesTheHooks) {
  MapState s;
  Resolver r(test::fake_runtime());
  EXPECT_EQ(r.resolve(s, kContract), nullptr);
  install(s, source("install\nexternal set\nreadonly get\nupdate"), VersionStatus::kActive);
  auto c = r.resolve(s, kContract);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(names(*c), (std::vector<std::string>{"set", "get"}));
  auto compiled = std::get<std::shared_ptr<const Resolver::Compiled>>(r.compile_stored(s, package_hash(source(
      "install\nexternal set\nreadonly get\nupdate"))));
  EXPECT_EQ(names(*compiled->installer), (std::vector<std::string>{"on_install", "on_update"}));
  // The external face holds its program, so an executor backend plans the block's calls to it (its
  // method i is the program's method i); the installer face is never planned.
  const ProgramPtr* held = program_of(*c);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->get(), compiled->contract ? program_of(*compiled->contract)->get() : nullptr);
  for (size_t i = 0; i < c->abi().size(); ++i) EXPECT_EQ((*held)->methods()[i].name, c->abi()[i].name);
  EXPECT_EQ(program_of(*compiled->installer), nullptr);
}

TEST(Resolver, NothingToRunUnlessActiveAndAllowed) {
  MapState s;
  Resolver r(test::fake_runtime());
  install(s, source("external set"), VersionStatus::kPending);
  EXPECT_EQ(r.resolve(s, kContract), nullptr);
  install(s, source("external set"), VersionStatus::kActive);
  auto info = *read_contract_info(s, kContract);
  info.blocked = true;
  s.m[contract_info_key(kContract)] = info.encode();
  EXPECT_EQ(r.resolve(s, kContract), nullptr);
  info.blocked = false;
  info.disabled = true;
  s.m[contract_info_key(kContract)] = info.encode();
  EXPECT_EQ(r.resolve(s, kContract), nullptr);
  EXPECT_EQ(r.resolve(s, kOwner), nullptr);
}

TEST(Resolver, CompilesOncePerCodeHashAndEvictsTheLeastRecentlyUsed) {
  MapState s;
  Resolver r(test::fake_runtime(), ResolverOptions{2});
  const int before = test::g_compiles.load();
  install(s, source("external a"), VersionStatus::kActive);
  for (int i = 0; i < 5; ++i) ASSERT_NE(r.resolve(s, kContract), nullptr);
  EXPECT_EQ(test::g_compiles.load() - before, 1);
  // Two other packages fill the cache; the first one, least recently used, is compiled again.
  (void)r.compile(package_hash(source("external b")), source("external b"));
  (void)r.compile(package_hash(source("external c")), source("external c"));
  ASSERT_NE(r.resolve(s, kContract), nullptr);
  EXPECT_EQ(test::g_compiles.load() - before, 4);
}

TEST(Resolver, CodeErrorsAreNotCached) {
  Resolver r(test::fake_runtime());
  const Package bad = source("external a\nsyntax oops");
  auto first = r.compile(package_hash(bad), bad);
  ASSERT_TRUE(std::holds_alternative<CodeError>(first));
  EXPECT_EQ(std::get<CodeError>(first).to_string(), "main.lua:2: syntax error near 'oops'");
  const int before = test::g_compiles.load();
  (void)r.compile(package_hash(bad), bad);
  EXPECT_EQ(test::g_compiles.load() - before, 1);
  MapState s;
  EXPECT_EQ(std::get<CodeError>(r.compile_stored(s, Hash32{})).message,
            "no code is stored under hash 0x" + Hash32{}.hex());
}

TEST(Resolver, ResolvesFromManyThreadsAtOnce) {
  MapState s;
  Resolver r(test::fake_runtime(), ResolverOptions{1});
  install(s, source("external a"), VersionStatus::kActive);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (r.resolve(s, kContract)) ++found;
        const Package other = source("external x" + std::to_string((t * 1000 + i) % 7));
        (void)r.compile(package_hash(other), other);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(found.load(), 800);
}

}  // namespace
}  // namespace cx::acore
