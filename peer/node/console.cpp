#include "peer/node/console.h"

#include <iostream>
#include <mutex>

#include "common/cli/command_table.h"

namespace tollstream {

void Say(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cout << line << std::endl;
}

std::function<void(const std::string&)> SayAndShow(EventFeed& feed, std::string prefix) {
  return [&feed, prefix = std::move(prefix)](const std::string& line) {
    Say(prefix + line);
    feed.Publish("log", prefix + line);
  };
}

int Fail(const std::string& message) {
  return CommandFailed("peer", message);
}

int Fail(const Error& e) {
  return Fail(e.message);
}

}  // namespace tollstream
