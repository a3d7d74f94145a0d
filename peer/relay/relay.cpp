#include "peer/relay/relay.h"

#include <chrono>

#include "common/observe/log.h"
#include "peer/node/console.h"

namespace tollstream {

Result<std::unique_ptr<Relay>> Relay::Open(const KeyPair& key, RelayOptions options,
                                           EventFeed& feed, Metrics& metrics) {
  auto account = SellerAccount::Open(options.tracker_url, key, options.state_dir);
  if (!account) return account.error();
  std::unique_ptr<Relay> relay(new Relay(std::move(options), std::move(*account)));
  BroadcasterConfig terms;
  terms.stream = relay->m_options.stream;
  terms.price = relay->m_options.price;
  terms.income_address = relay->m_account.income_address;
  terms.on_event = SayAndShow(feed, "relay: ");
  terms.metrics = &metrics;
  relay->m_seller = std::make_unique<Broadcaster>(key, std::move(relay->m_account.tracker),
                                                  relay->m_supply, *relay->m_account.store, terms);
  relay->m_seller->CloseStored();
  return relay;
}

Relay::~Relay() {
  m_done = true;
  if (m_thread.joinable()) m_thread.join();
}

void Relay::Start(std::string url) {
  m_thread = std::thread([this, url = std::move(url)] { Loop(url); });
}

void Relay::Loop(const std::string& url) {
  bool announced = false;
  while (!m_done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    m_seller->CloseQuiet();
    if (!m_supply.Info().available) continue;
    if (!m_announcer) {
      m_announcer.emplace(*m_seller, AnnounceParams{m_options.stream,
                                                    url,
                                                    m_options.price,
                                                    m_options.ttl,
                                                    m_supply.origin(),
                                                    "",
                                                    "",
                                                    {}});
    }
    auto tried = m_announcer->RenewIfDue();
    if (!tried) continue;
    if (!*tried) {
      LogWarn("relay announce: " + tried->error().message);
    } else if (!announced) {
      announced = true;
      Say("relaying " + m_options.stream + " of origin " + m_supply.origin().ToHex() + " at " +
          url + " price " + std::to_string(m_options.price));
    }
  }
}

bool Relay::Stop() {
  if (m_stopped) return m_settled;
  m_stopped = true;
  m_done = true;
  if (m_thread.joinable()) m_thread.join();
  m_settled = m_account.Settle(*m_seller, "relay ", [this] {
    if (m_announcer) m_announcer->Withdraw();
  });
  return m_settled;
}

}  // namespace tollstream
