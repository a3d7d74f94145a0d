#include "peer/node/console.h"

#include <iostream>
#include <mutex>

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
  std::cerr << "peer: " << message << "\n";
  return 2;
}

}  // namespace tollstream
