// Why a viewer finds no seller, said precisely: the names a wrong one may be
// a slip for, another origin of the name, or a price the budget cannot pay.
#include "peer/watch/no_seller.h"

#include <doctest/doctest.h>

namespace tollstream::test {

TEST_CASE("close names: case, containment and two letters apart, each once") {
  std::vector<std::string> live = {"live", "Live-2", "news", "chess", "live", "lve", "opera"};
  CHECK(CloseNames("Live", live) == std::vector<std::string>{"live", "Live-2", "lve"});
  CHECK(CloseNames("newz", live) == std::vector<std::string>{"news"});
  CHECK(CloseNames("chess-club", live) == std::vector<std::string>{"chess"});
  CHECK(CloseNames("football", live).empty());
  CHECK(CloseNames("news", live).empty());  // the name itself is no suggestion
}

TEST_CASE("the error names the cause: no such stream, another origin, or the price") {
  PublicKey origin = KeyPair::Generate().public_key();
  PublicKey other = KeyPair::Generate().public_key();
  std::vector<StreamEntry> live = {{"live", other, "", "", 2, 1, 0},
                                   {"news", other, "", "", 2, 1, 0}};

  Error missing = NoSellerError("Live", std::nullopt, 100, std::nullopt, {}, live);
  CHECK(missing.code == ErrorCode::kNotFound);
  CHECK(missing.message ==
        "no stream named \"Live\" is live at this tracker; did you mean \"live\"? (`peer "
        "streams --tracker URL` lists what is live)");

  Error nothing = NoSellerError("Live", std::nullopt, 100, std::nullopt, {}, {});
  CHECK(nothing.message.find("is live at this tracker; none is") != std::string::npos);

  Error wrong_origin = NoSellerError("live", origin, 100, std::nullopt, {}, live);
  CHECK(wrong_origin.code == ErrorCode::kNotFound);
  CHECK(wrong_origin.message == "no seller of \"live\" by origin code " + KeyCode(origin) +
                                    " is live; other origins sell that name: code " +
                                    KeyCode(other));

  Listing dear{other, other, "http://127.0.0.1:1", 60, std::string(64, 'a'), 0, {}};
  Listing dearer = dear;
  dearer.price = 90;
  Error price = NoSellerError("live", std::nullopt, 100, std::nullopt, {dearer, dear}, live);
  CHECK(price.code == ErrorCode::kInsufficientFunds);
  CHECK(price.message ==
        "\"live\" sells at 60 a segment at the cheapest; a contract takes 120 to open with its "
        "first segment (an opening charge of one segment's price, and the segment): more than "
        "--budget 100");
  Error capped = NoSellerError("live", std::nullopt, 1000, 50, {dearer, dear}, live);
  CHECK(capped.code == ErrorCode::kInsufficientFunds);
  CHECK(capped.message ==
        "\"live\" sells at 60 a segment at the cheapest: more than --max-price 50");

  // Sold in renditions: what counts is the cheapest rendition, and, within
  // --max-price, the dearest one a contract would buy.
  Listing ladder = dear;
  ladder.renditions = {
      {"720p", 720, 3000000, 60}, {"360p", 360, 800000, 20}, {"144p", 144, 200000, 5}};
  Error below = NoSellerError("live", std::nullopt, 1000, 4, {ladder}, live);
  CHECK(below.message == "\"live\" sells at 5 a segment at the cheapest: more than --max-price 4");
  Error within = NoSellerError("live", std::nullopt, 30, 25, {ladder}, live);
  CHECK(within.message.starts_with(
      "\"live\" sells at 20 a segment at the cheapest; a contract takes 40"));
  CHECK(ladder.DearestWithin(25) == 20u);
  CHECK(ladder.DearestWithin(4) == std::nullopt);
  CHECK(ladder.DearestWithin(1000) == 60u);
  CHECK(dear.DearestWithin(59) == std::nullopt);
  CHECK(dear.DearestWithin(60) == 60u);
}

}  // namespace tollstream::test
