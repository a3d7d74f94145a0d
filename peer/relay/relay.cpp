#include "peer/relay/relay.h"

#include <chrono>

#include "common/observe/log.h"
#include "peer/node/console.h"

namespace tollstream {

Relay::Relay(RelayOptions options, SellerAccount account)
    : m_options(std::move(options)), m_supply(m_options.origin), m_account(std::move(account)) {
  for (size_t i = 1; i < m_options.renditions.size(); ++i) {
    m_lower.push_back(std::make_unique<RelaySupply>(m_options.origin));
  }
}

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
  for (size_t i = 0; i < relay->m_options.renditions.size(); ++i) {
    terms.renditions.push_back(
        {relay->m_options.renditions[i], i == 0 ? &relay->m_supply : relay->m_lower[i - 1].get()});
  }
  relay->m_seller = std::make_unique<Broadcaster>(key, std::move(relay->m_account.tracker),
                                                  relay->m_supply, *relay->m_account.store, terms);
  relay->m_seller->CloseStored();
  return relay;
}

void Relay::Add(const SegmentStatement& statement, const std::string& bytes) {
  for (size_t i = 1; i < m_options.renditions.size(); ++i) {
    if (m_options.renditions[i].name == statement.rendition) {
      m_lower[i - 1]->Add(statement, bytes);
      return;
    }
  }
  if (m_options.renditions.empty() || m_options.renditions[0].name == statement.rendition) {
    m_supply.Add(statement, bytes);
  }
}

void Relay::SetFinished() {
  m_supply.SetFinished();
  for (auto& lower : m_lower) lower->SetFinished();
}

void Relay::End() {
  m_supply.End();
  for (auto& lower : m_lower) lower->End();
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
      m_announcer.emplace(*m_seller, AnnounceParams{m_options.stream, url, m_options.price,
                                                    m_options.ttl, m_supply.origin(), "", "",
                                                    RenditionsJson(m_options.renditions)});
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
