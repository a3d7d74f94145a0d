#include "common/cli/passphrase.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

namespace tollstream {
namespace {

// One line typed on the terminal `fd` after `prompt`, not echoed. The
// signals that end or stop a program wait until the terminal echoes again
// (Ctrl-C then takes effect once the line is ended).
std::optional<std::string> AskOnce(int fd, const std::string& prompt) {
  if (::write(fd, prompt.data(), prompt.size()) < 0) return std::nullopt;
  sigset_t held, before_mask;
  sigemptyset(&held);
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGHUP}) sigaddset(&held, sig);
  pthread_sigmask(SIG_BLOCK, &held, &before_mask);
  termios before{};
  bool quiet = ::tcgetattr(fd, &before) == 0;
  if (quiet) {
    termios silent = before;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &silent);
  }
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (quiet) ::tcsetattr(fd, TCSAFLUSH, &before);
  pthread_sigmask(SIG_SETMASK, &before_mask, nullptr);
  if (::write(fd, "\n", 1) < 0) {
    OPENSSL_cleanse(line.data(), line.size());
    return std::nullopt;
  }
  return line;
}

}  // namespace

Result<std::string> ReadPassphrase(const std::string& what, bool confirm) {
  if (const char* given = std::getenv(kPassphraseVariable)) {
    // Taken out of the environment: no program this one starts (ffmpeg)
    // inherits it.
    std::string passphrase = given;
    ::unsetenv(kPassphraseVariable);
    if (confirm && passphrase.empty()) {
      return MakeError(ErrorCode::kInvalidField, std::string(kPassphraseVariable) + " is empty");
    }
    return passphrase;
  }
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return MakeError(ErrorCode::kInvalidField, what + " is protected by a passphrase: set " +
                                                   kPassphraseVariable +
                                                   ", or run this from a terminal to be asked");
  }
  auto first = AskOnce(fd, "passphrase for " + what + ": ");
  std::optional<std::string> again;
  if (first && confirm) again = AskOnce(fd, "the same passphrase again: ");
  ::close(fd);
  if (!first || (confirm && !again)) {
    return MakeError(ErrorCode::kInvalidField, "no passphrase was typed");
  }
  bool differ = confirm && *again != *first;
  if (again) OPENSSL_cleanse(again->data(), again->size());
  if (differ) return MakeError(ErrorCode::kInvalidField, "the two passphrases differ");
  if (confirm && first->empty()) return MakeError(ErrorCode::kInvalidField, "an empty passphrase");
  return std::move(*first);
}

}  // namespace tollstream
