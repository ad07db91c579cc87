#pragma once
// Environment failures (I/O, config, sockets) travel as Status / Result<T>.
// Expected rejections of txs/blocks/messages use typed enum reasons instead (core/reject.hpp).
#include <string>
#include <utility>
#include <variant>

#include "base/assert.hpp"

namespace cx {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string message) { Status s; s.m_ok = false; s.m_message = std::move(message); return s; }
  bool is_ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const std::string& message() const { return m_message; }

 private:
  bool m_ok = true;
  std::string m_message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}
  Result(Status error) : m_v(std::move(error)) { CX_ASSERT(!std::get<Status>(m_v).is_ok()); }
  static Result error(std::string message) { return Result(Status::error(std::move(message))); }

  bool is_ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { CX_ASSERT(is_ok()); return std::get<0>(m_v); }
  const T& value() const& { CX_ASSERT(is_ok()); return std::get<0>(m_v); }
  T&& value() && { CX_ASSERT(is_ok()); return std::get<0>(std::move(m_v)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Status& status() const { CX_ASSERT(!is_ok()); return std::get<1>(m_v); }
  const std::string& message() const { return status().message(); }

 private:
  std::variant<T, Status> m_v;
};

}  // namespace cx
