#include "common/cli/signal_watcher.h"

#include <pthread.h>

namespace tollstream {

SignalWatcher::SignalWatcher() {
  sigemptyset(&m_set);
  sigaddset(&m_set, SIGINT);
  sigaddset(&m_set, SIGTERM);
  sigaddset(&m_set, SIGUSR1);  // wakes the watcher at destruction
  pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a peer closing a socket is an error to handle, not a death
}

void SignalWatcher::Start(std::function<void()> on_signal) {
  m_thread = std::thread([this, on_signal = std::move(on_signal)] {
    int sig = 0;
    sigwait(&m_set, &sig);
    if (sig != SIGUSR1) on_signal();
  });
}

SignalWatcher::~SignalWatcher() {
  if (m_thread.joinable()) {
    pthread_kill(m_thread.native_handle(), SIGUSR1);
    m_thread.join();
  }
}

}  // namespace tollstream
