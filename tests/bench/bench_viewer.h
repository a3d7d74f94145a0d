// A buying viewer for benchmarks: the same checks and payments as `peer
// watch` (statement signature, bytes against the signed hash, a signed
// cumulative receipt per segment: its ReceiptBook), without writing the
// segments anywhere. Of a stream sold in several renditions, its contract
// buys them all, and each segment asked for names the rendition wanted.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/base/clock.h"
#include "peer/watch/broadcaster_client.h"
#include "peer/watch/receipt_book.h"
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
    v.m_party = std::make_unique<test::Party>();  // its key stays put when the viewer moves
    test::Party& party = *v.m_party;
    party.client = std::make_unique<TrackerClient>(t.url(), party.key);
    if (auto h = party.client->Handshake(); !h) return fail("handshake", h.error().message);
    PublicKey tk = *party.client->tracker();
    TrackerClient op(t.url(), minter);
    if (auto h = op.Handshake(); !h) return fail("handshake", h.error().message);
    auto found = party.client->Call("lookup", {{"stream", stream}});
    if (!found) return fail("lookup", found.error().message);
    if ((*found)["broadcasters"].empty()) return fail("lookup", "no broadcaster");
    const json& b = (*found)["broadcasters"][0];
    uint64_t price = b["price"];
    std::vector<RenditionPrice> renditions;
    for (const json& r : b.value("renditions", json::array())) {
      renditions.push_back({r["name"], r["price"]});
    }
    uint64_t deposit = price * (max_segments + 1);  // the lock and the opening charge
    if (deposit > 0) {
      auto minted = op.Call("mint", {{"to", party.address()}, {"amount", deposit}});
      if (!minted) return fail("mint", minted.error().message);
    }
    auto spend = party.client->Call("getSpendAddress", {{"deposit", deposit}});
    if (!spend) return fail("getSpendAddress", spend.error().message);
    auto key = PublicKey::FromHex(b["broadcaster"].get<std::string>());
    v.m_node = std::make_unique<BroadcasterClient>(b["url"], party.key, tk, *key,
                                                   party.client->clock_offset());
    v.m_contract.terms = ContractTerms{tk,
                                       party.key.public_key(),
                                       *key,
                                       (*spend)["address"],
                                       b["income_address"],
                                       stream,
                                       price,
                                       max_segments,
                                       UnixNow() + 3600,
                                       RandomHex(16),
                                       renditions};
    SignAsViewer(v.m_contract, party.key);
    auto opened = v.m_node->Offer(v.m_contract, from);
    if (!opened) return fail("offer", opened.error().message);
    v.m_first = (*opened)["from"];
    v.m_book = std::make_unique<ReceiptBook>(v.m_contract, party.key);
    v.m_book->StartAt(v.m_first);
    for (const RenditionPrice& r : renditions) v.m_renditions.push_back(r.name);
    return v;
  }

  enum class Step { kSegment, kWait, kEnd, kError };
  // Asks for the next segment (of `rendition`, under renditions: "" the
  // top one), checks it, and pays for it.
  Step Next(size_t* bytes, int64_t* retry_ms, const std::string& rendition = "") {
    auto d = m_node->NextSegment(ToHex(m_contract.id), m_book->receipt(), rendition);
    if (!d) {
      m_error = d.error().message;
      return Step::kError;
    }
    if (d->kind == BroadcasterClient::Delivery::Kind::kWait) {
      *retry_ms = d->result.value("retry_ms", int64_t{250});
      return Step::kWait;
    }
    if (d->kind == BroadcasterClient::Delivery::Kind::kEnd) return Step::kEnd;
    if (Status paid = m_book->Pay(d->statement, d->bytes, rendition); !paid) {
      m_error = "segment " + std::to_string(d->statement.seq) + ": " + paid.error().message;
      return Step::kError;
    }
    m_last_seq = d->statement.seq;
    *bytes = d->bytes.size();
    return Step::kSegment;
  }
  void Close() { (void)m_node->Close(ToHex(m_contract.id), m_book->receipt()); }
  uint64_t first_seq() const { return m_first; }  // where the contract starts
  uint64_t last_seq() const { return m_last_seq; }
  uint64_t next_seq() const { return m_book->next_seq(); }  // the segment it asks for next
  uint64_t segments() const { return m_book->receipt().segments; }
  // The renditions its contract buys, the top one first (none: one quality).
  const std::vector<std::string>& renditions() const { return m_renditions; }
  const std::string& error() const { return m_error; }

 private:
  std::unique_ptr<test::Party> m_party;
  std::unique_ptr<BroadcasterClient> m_node;
  Contract m_contract;
  std::unique_ptr<ReceiptBook> m_book;
  std::vector<std::string> m_renditions;
  uint64_t m_first = 0;
  uint64_t m_last_seq = 0;
  std::string m_error;  // why the last step failed
};

}  // namespace tollstream::bench
