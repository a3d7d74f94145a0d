// A buying viewer for benchmarks: the same checks and payments as `peer
// watch` (statement signature, bytes against the signed hash, a signed
// cumulative receipt per segment), without writing the segments anywhere.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/base/clock.h"
#include "peer/watch/broadcaster_client.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::bench {

class BenchViewer {
 public:
  // Funds a new key with `deposit`, finds the broadcaster of `stream` and
  // opens a contract for `max_segments` from segment `from` (or the live
  // edge). On failure, says why in `why` (when given).
  static std::optional<BenchViewer> Open(test::TrackerFixture& t, const KeyPair& minter,
                                         const std::string& stream, uint64_t max_segments,
                                         std::optional<uint64_t> from, std::string* why = nullptr) {
    auto fail = [why](const std::string& step,
                      const std::string& reason) -> std::optional<BenchViewer> {
      if (why != nullptr) *why = step + ": " + reason;
      return std::nullopt;
    };
    BenchViewer v;
    v.m_party.client = std::make_unique<TrackerClient>(t.url(), v.m_party.key);
    if (auto h = v.m_party.client->Handshake(); !h) return fail("handshake", h.error().message);
    PublicKey tk = *v.m_party.client->tracker();
    TrackerClient op(t.url(), minter);
    if (auto h = op.Handshake(); !h) return fail("handshake", h.error().message);
    auto found = v.m_party.client->Call("lookup", {{"stream", stream}});
    if (!found) return fail("lookup", found.error().message);
    if ((*found)["broadcasters"].empty()) return fail("lookup", "no broadcaster");
    const json& b = (*found)["broadcasters"][0];
    uint64_t price = b["price"];
    uint64_t deposit = price * (max_segments + 1);  // the lock and the opening charge
    if (deposit > 0) {
      auto minted = op.Call("mint", {{"to", v.m_party.address()}, {"amount", deposit}});
      if (!minted) return fail("mint", minted.error().message);
    }
    auto spend = v.m_party.client->Call("getSpendAddress", {{"deposit", deposit}});
    if (!spend) return fail("getSpendAddress", spend.error().message);
    auto key = PublicKey::FromHex(b["broadcaster"].get<std::string>());
    v.m_node = std::make_unique<BroadcasterClient>(b["url"], v.m_party.key, tk, *key,
                                                   v.m_party.client->clock_offset());
    v.m_contract.terms = ContractTerms{tk,
                                       v.m_party.key.public_key(),
                                       *key,
                                       (*spend)["address"],
                                       b["income_address"],
                                       stream,
                                       price,
                                       max_segments,
                                       UnixNow() + 3600,
                                       RandomHex(16),
                                       {}};
    SignAsViewer(v.m_contract, v.m_party.key);
    auto opened = v.m_node->Offer(v.m_contract, from);
    if (!opened) return fail("offer", opened.error().message);
    v.m_next = (*opened)["from"];
    v.m_first = v.m_next;
    v.m_receipt.contract = v.m_contract.id;
    v.m_receipt.viewer = v.m_party.key.public_key();
    v.m_receipt.chain = v.m_contract.id;
    SignReceipt(v.m_receipt, v.m_party.key);
    return v;
  }

  enum class Step { kSegment, kWait, kEnd, kError };
  // Asks for the next segment, checks it, and pays for it.
  Step Next(size_t* bytes, int64_t* retry_ms) {
    auto d = m_node->NextSegment(ToHex(m_contract.id), m_receipt);
    if (!d) {
      m_error = d.error().message;
      return Step::kError;
    }
    if (d->kind == BroadcasterClient::Delivery::Kind::kWait) {
      *retry_ms = d->result.value("retry_ms", int64_t{250});
      return Step::kWait;
    }
    if (d->kind == BroadcasterClient::Delivery::Kind::kEnd) return Step::kEnd;
    if (!CheckSegmentBytes(d->statement, d->bytes) || d->statement.seq < m_next) {
      m_error = "segment " + std::to_string(d->statement.seq) + " does not check";
      return Step::kError;
    }
    m_next = d->statement.seq + 1;
    m_last_seq = d->statement.seq;
    m_receipt.segments += 1;
    m_receipt.bytes += d->bytes.size();
    m_receipt.amount = m_receipt.segments * m_contract.terms.price;
    m_receipt.chain = ExtendChain(m_receipt.chain, d->statement.sha256);
    SignReceipt(m_receipt, m_party.key);
    *bytes = d->bytes.size();
    return Step::kSegment;
  }
  void Close() { (void)m_node->Close(ToHex(m_contract.id), m_receipt); }
  uint64_t first_seq() const { return m_first; }  // where the contract starts
  uint64_t last_seq() const { return m_last_seq; }
  uint64_t segments() const { return m_receipt.segments; }
  const std::string& error() const { return m_error; }

 private:
  test::Party m_party;
  std::unique_ptr<BroadcasterClient> m_node;
  Contract m_contract;
  Receipt m_receipt;
  uint64_t m_first = 0;
  uint64_t m_next = 0;
  uint64_t m_last_seq = 0;
  std::string m_error;  // why the last step failed
};

}  // namespace tollstream::bench
