// What the viewer's page asks of a running receiving node besides its
// figures: the stream to buy, when the node was started without one (a
// click in the directory), and to buy again after buying failed (the retry
// button). The node's main thread waits here for either; the server's
// threads ask. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/fields.h"

namespace tollstream {

class PageChoices {
 public:
  struct Stream {
    std::string name;
    PublicKey origin;
  };

  // Chooses the stream to buy, once. Errors: kInvalidField (not a stream
  // name, or not a key), kConflict (a stream is chosen already).
  Status Choose(const std::string& name, const std::string& origin_hex) {
    auto origin = PublicKey::FromHex(origin_hex);
    if (!IsValidName(name)) return MakeError(ErrorCode::kInvalidField, "not a stream name");
    if (!origin) return MakeError(ErrorCode::kInvalidField, "origin must be a public key");
    std::lock_guard lock(m_mutex);
    if (m_chosen || m_stream) {
      return MakeError(ErrorCode::kConflict, "this node buys one stream; it has one already");
    }
    m_stream = Stream{name, *origin};
    m_cv.notify_all();
    return Status::Ok();
  }
  // The stream chosen, once chosen; nullopt when `stop` comes first.
  std::optional<Stream> WaitForStream(const std::atomic<bool>& stop) {
    std::unique_lock lock(m_mutex);
    while (!m_stream && !stop) m_cv.wait_for(lock, std::chrono::milliseconds(200));
    if (m_stream) m_chosen = true;
    return m_stream;
  }
  // The stream was given at start: none is chosen on the page.
  void Given() {
    std::lock_guard lock(m_mutex);
    m_chosen = true;
  }

  // Buying stopped short: from now a retry may be asked (before the page
  // hears of it).
  void MarkFailed() {
    std::lock_guard lock(m_mutex);
    m_failed = true;
  }
  // The stream chosen on the page could not be bought at all: another may
  // be chosen.
  void Unchoose() {
    std::lock_guard lock(m_mutex);
    m_stream.reset();
    m_chosen = false;
  }

  // While buying has failed, a retry may be asked. Errors: kConflict.
  Status AskRetry() {
    std::lock_guard lock(m_mutex);
    if (!m_failed) return MakeError(ErrorCode::kConflict, "the node is not stopped by a failure");
    m_retry = true;
    m_cv.notify_all();
    return Status::Ok();
  }
  // Buying failed (MarkFailed): waits for a retry (true) or `stop` (false).
  bool WaitForRetry(const std::atomic<bool>& stop) {
    std::unique_lock lock(m_mutex);
    m_failed = true;
    while (!m_retry && !stop) m_cv.wait_for(lock, std::chrono::milliseconds(200));
    bool retry = m_retry && !stop;
    m_failed = m_retry = false;
    return retry;
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::optional<Stream> m_stream;
  bool m_chosen = false;
  bool m_failed = false;
  bool m_retry = false;
};

}  // namespace tollstream
