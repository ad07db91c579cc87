// When CX_ACORE_EXECUTOR names the complexchain binary (ctest's acore_via_executor), every test of
// this binary runs its Lua contracts in an executor process (docs/executor.md) instead of in the
// process: the same tests, the same expected steps, failures and state, through the executor.
#include <gtest/gtest.h>

#include <cstdlib>

#include "executor/pool.hpp"

namespace cx::acore {
namespace {

class ExecutorEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* exe = std::getenv("CX_ACORE_EXECUTOR");
    if (!exe) return;
    executor::PoolOptions o;
    o.processes = 1;
    o.executable = exe;
    m_pool = std::make_unique<executor::ExecutorPool>(std::move(o));
    set_invoke_backend(m_pool.get());
  }
  void TearDown() override {
    if (!m_pool) return;
    set_invoke_backend(nullptr);
    // The run proves something only if contracts went through the executor, and none was lost.
    EXPECT_GT(m_pool->stats().invokes, 100u);
    EXPECT_EQ(m_pool->stats().restarts, 0u);
    std::printf("executor: %llu invokes, %llu round trips\n", static_cast<unsigned long long>(m_pool->stats().invokes),
                static_cast<unsigned long long>(m_pool->stats().round_trips));
    m_pool.reset();
  }

 private:
  std::unique_ptr<executor::ExecutorPool> m_pool;
};

[[maybe_unused]] auto* const g_environment = ::testing::AddGlobalTestEnvironment(new ExecutorEnvironment);

}  // namespace
}  // namespace cx::acore
