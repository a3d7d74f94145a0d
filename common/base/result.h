// Result<T> and Status: the return values of every operation that can fail on
// input it does not control. Exceptions never cross a module boundary.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/base/error.h"

namespace tollstream {

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// Holds either a value or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }

  // Preconditions: ok() for value(), !ok() for error().
  T& value() & {
    assert(ok());
    return std::get<T>(m_state);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(m_state);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(m_state));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(m_state);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  std::variant<T, Error> m_state;
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : m_error(std::move(error)) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return !m_error.has_value(); }
  explicit operator bool() const { return ok(); }
  // Precondition: !ok().
  const Error& error() const {
    assert(!ok());
    return *m_error;
  }

 private:
  std::optional<Error> m_error;
};

}  // namespace tollstream
