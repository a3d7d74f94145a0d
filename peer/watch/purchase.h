// One contract bought from one source, in four steps:
//   Deposit  the contract's lock and its opening charge move into the
//            viewer's spend address;
//   Open     the viewer signs the contract and offers it to the source,
//            which answers with the tracker's signed confirmation; the
//            tracker has paid the source the opening charge (one segment's
//            price, never returned);
//   Buy      segment after segment: each is checked against the origin's
//            statement and paid with a cumulative receipt (ReceiptBook), until the
//            contract ends, the source fails or stalls, or `stop`;
//   Settle   the source closes the contract with the last receipt, and the
//            spend address returns what was not paid.
// A segment that fails its check is not paid for. A source that fails while
// another sells leaves the purchase `failed`: the viewer continues with the
// next best source from the next segment.
//
// Not thread-safe: the viewer's buying thread drives it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/client/tracker_client.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/protocol/segment.h"
#include "peer/watch/broadcaster_client.h"
#include "peer/watch/receipt_book.h"
#include "peer/watch/sources.h"

namespace tollstream {

// Checks a source's answer to an offer: the same terms, signed by both, and
// the tracker's signed confirmation that the contract is open. Errors:
// kUpstream, or the signature check's error.
Status CheckOpened(const json& answer, const Contract& offered, const PublicKey& tracker);

// How many segments a contract at `price` buys with `budget_left`: as many
// as its lock and the opening charge (one segment's price) leave whole, at
// most `most`; 0 when the budget does not pay for the charge and one segment.
uint64_t ContractSegments(uint64_t budget_left, uint64_t price, uint64_t most);

// How long a contract of `max_segments` segments of `target_seconds` lives:
// twice their playing time and ten minutes more, within 600 s and `longest`.
int64_t ContractLifetime(uint64_t max_segments, int64_t target_seconds, int64_t longest);

struct PurchaseHooks {
  // A segment bought, checked and paid by `receipt`. An error (the viewer
  // cannot keep it) ends the whole viewer.
  std::function<Status(const SegmentStatement&, const std::string& bytes, const Receipt& receipt)>
      on_bought;
  // Whether another source sells now.
  std::function<bool()> other_source;
  std::function<void(const std::string&)> on_event;  // one line of progress
  // What the source says while nothing new is ready ("waiting for the
  // streamer"), each time it changes; "" once a segment arrives again.
  std::function<void(const std::string&)> on_note;
  // A segment refused (not paid for): why, and that no more is bought here.
  std::function<void(const std::string&)> on_rejected;
  // Under a contract with renditions: a segment bought (its statement, its
  // size) arrived `took` after it was asked for; returns the rendition to
  // ask for next, or "" to end the contract for one that buys another.
  std::function<std::string(const SegmentStatement&, uint64_t bytes,
                            std::chrono::microseconds took)>
      next_rendition;
};

struct PurchaseLimits {
  std::chrono::seconds source_timeout{5};        // no answer this long, and another sells: fail
  std::chrono::seconds broadcaster_timeout{30};  // no answer this long: give the source up
  // Held while settling closes the spend address: shared by viewers of one
  // key that buy side by side (see ViewerConfig::spend_lock); null: none.
  std::mutex* spend_lock = nullptr;
};

// What settling a purchase came to.
struct Settlement {
  uint64_t paid = 0;  // what the tracker says was paid (the receipt's amount if it cannot tell)
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t returned = 0;            // the deposit's rest, back at the ordinary address
  std::optional<uint64_t> balance;  // the ordinary address's balance, when known
};

class Purchase {
 public:
  // All references outlive the purchase. `tracker` has done its handshake;
  // `node` speaks to `source`.
  Purchase(const KeyPair& key, TrackerClient& tracker, BroadcasterClient& node, Source source,
           std::string stream, PurchaseHooks hooks, PurchaseLimits limits = {});

  // Moves `amount` into the spend address (shared: what it lacks of it).
  // Errors: the tracker's.
  Status Deposit(uint64_t amount);
  // Shared: what the spend address held free at the last deposit.
  uint64_t shared_free() const { return m_shared_free; }
  // Offers a contract for up to `max_segments` at the source's price,
  // starting at `from` (unset: where the source says), expiring after
  // `lifetime` seconds; with `renditions` (some of the source's), one that
  // buys those at their prices, the first of them asked for first. Returns
  // whether it is open; when not, why is in stopped_because(), and failed()
  // tells whether another source sells.
  bool Open(uint64_t max_segments, std::optional<uint64_t> from, int64_t lifetime,
            std::vector<RenditionPrice> renditions = {});
  // Under a contract with renditions, the one to ask for from the next
  // segment on (one the contract buys).
  void Ask(std::string rendition) { m_asked = std::move(rendition); }
  const std::string& asked() const { return m_asked; }
  // Buys until the contract ends, the source fails, or `stop`. Segments of
  // `target_seconds` are due that often. Errors: on_bought's.
  Status Buy(const std::atomic<bool>& stop, int64_t target_seconds);
  // Closes the contract through the source (unless it closed it already)
  // and returns the spend address's rest. A note the source left is
  // cleared (on_note("")).
  Settlement Settle();

  bool opened() const { return m_opened; }
  // The opening charge the tracker paid the source from the deposit (one
  // segment's price), once open: never returned.
  uint64_t charged() const { return m_opened ? m_contract.terms.price : 0; }
  // The source failed (refused, stopped answering, stalled or cheated) and
  // another sells.
  bool failed() const { return m_failed; }
  // The source answered that it holds the contract no more: it restarted
  // (and settled it from the receipt it stored) or closed it. A new
  // contract may continue with it from next_seq().
  bool lost() const { return m_lost; }
  // Why a bought segment could not be kept (on_bought's error), which
  // ended the buying; the contract is settled as usual.
  const std::optional<Error>& keep_error() const { return m_keep_error; }
  // Every segment the contract covers was bought: a follow-on may continue.
  bool all_bought() const { return m_all_bought; }
  // Ended for a contract that buys another rendition (next_rendition said so).
  bool rebuying() const { return m_rebuying; }
  bool stream_ended() const { return m_stream_ended; }
  const std::string& stopped_because() const { return m_stopped_because; }
  const std::string& id() const { return m_id; }
  const Contract& contract() const { return m_contract; }
  // The last receipt (a zero one before the contract is offered).
  const Receipt& receipt() const { return m_book ? m_book->receipt() : m_no_receipt; }
  // The segment after the last one bought (where a follow-on starts).
  uint64_t next_seq() const { return m_book ? m_book->next_seq() : 0; }

 private:
  // Whether another source sells, asked at most every 2 s: a source that
  // keeps stalling with none to replace it would be asked about on every
  // poll otherwise.
  bool OtherSourceByNow();
  // One request for the next segment: false when the contract's buying ends.
  Result<bool> BuyNext(const std::atomic<bool>& stop);
  // Checks, pays for and keeps the segment `delivery` carries, which
  // arrived `took` after it was asked for: false when buying ends.
  bool Take(const BroadcasterClient::Delivery& delivery, std::chrono::microseconds took);
  // The source sent what fails the origin's checks (`what`): nothing paid,
  // nothing more bought from it, another source tried if one sells. False.
  bool Misbehaved(const std::string& what);
  void Fail(std::string why, bool failed);
  // Takes the source's note (made one printable line of at most 200 bytes)
  // and tells on_note when it differs from the last.
  void Note(std::string note);

  const KeyPair& m_key;
  TrackerClient& m_tracker;
  BroadcasterClient& m_node;
  Source m_source;
  std::string m_stream;
  PurchaseHooks m_hooks;
  PurchaseLimits m_limits;

  std::string m_spend_address;
  uint64_t m_shared_free = 0;
  Contract m_contract;
  std::string m_id;
  std::optional<ReceiptBook> m_book;  // once the contract is made
  std::string m_asked;                // the rendition asked for ("" without renditions)
  Receipt m_no_receipt;
  bool m_opened = false;
  bool m_failed = false;
  bool m_lost = false;
  std::optional<Error> m_keep_error;
  bool m_all_bought = false;
  bool m_rebuying = false;
  bool m_stream_ended = false;
  bool m_settled = false;  // the source closed the contract itself
  std::string m_stopped_because;

  using Clock = std::chrono::steady_clock;
  Clock::time_point m_last_answer;
  Clock::time_point m_last_segment;
  std::string m_note;  // the source's, while it has nothing new
  Clock::time_point m_next_ask;
  Clock::time_point m_next_word;  // when to say again that the source is silent
  std::chrono::seconds m_stall{8};
};

}  // namespace tollstream
