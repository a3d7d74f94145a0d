#!/usr/bin/python3
"""End-to-end test of a tracker client written from api-spec/ alone.

Usage: spec_client_test.py TRACKER_BINARY SCRATCH_DIR

What it promises (exit 0 only if all hold; otherwise a message and exit 1):
1. bip340.py passes every official BIP-340 vector (tests/vectors/) and
   reproduces the worked example of api-spec/vectors/signing.json byte for
   byte (canonical forms, digests, signatures), and the derivations of
   signing.md (addresses, special addresses, key codes) give the values the
   examples of openapi.yaml show.
2. Against a tracker it starts itself (in a fresh directory under
   SCRATCH_DIR, killed at the end whatever happens, and within a global
   time limit), a whole contract cycle behaves as openapi.yaml says: every
   balance, lock, counter and the audit; the documented refusals carry the
   documented status, code and request id; a retried changing request is
   answered with its first answer and applied once; and every answer is
   signed by the pinned tracker key.
"""

import csv
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree

import bip340  # noqa: E402
import tracker_client as tc  # noqa: E402
import tracker_process  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
BIP340_VECTORS = os.path.join(REPO, "tests", "vectors", "bip340-test-vectors.csv")
SIGNING_VECTOR = os.path.join(REPO, "api-spec", "vectors", "signing.json")
GLOBAL_TIMEOUT = 120  # seconds for the whole test
STARTUP_TIMEOUT = 20  # seconds for the tracker to print "listening on"


class Failure(Exception):
    """A check failed; the message says which and why."""


class Checks:
    """Counts passed checks; raises Failure on the first failed one."""

    def __init__(self):
        self.passed = 0

    def that(self, condition, what):
        if not condition:
            raise Failure(what)
        self.passed += 1

    def equal(self, actual, expected, what):
        if actual != expected:
            raise Failure("%s: got %r, expected %r" % (what, actual, expected))
        self.passed += 1

    def refused(self, answer, status, code, what):
        """answer (already verified by the client) is a refusal status/code."""
        got = (answer["status"], answer.get("error", {}).get("code"))
        if got != (status, code):
            raise Failure("%s: got %r (%s), expected %d %s" % (what, got, answer.get("error") or answer.get("result"), status, code))
        self.passed += 1


check = Checks()


# ----- 1. offline: BIP-340 and the signing vectors ------------------------------


def test_bip340_vectors():
    count = 0
    with open(BIP340_VECTORS, newline="") as f:
        for row in csv.DictReader(f):
            index = row["index"]
            pub = bytes.fromhex(row["public key"])
            msg = bytes.fromhex(row["message"])
            sig = bytes.fromhex(row["signature"])
            expected = row["verification result"] == "TRUE"
            if row["secret key"]:
                secret = bytes.fromhex(row["secret key"])
                check.equal(bip340.public_key(secret), pub, "BIP-340 vector %s: public key" % index)
                check.equal(bip340.sign(secret, msg, bytes.fromhex(row["aux_rand"])), sig, "BIP-340 vector %s: signature" % index)
            check.equal(bip340.verify(pub, msg, sig), expected, "BIP-340 vector %s (%s): verification" % (index, row["comment"]))
            count += 1
    check.that(count >= 15, "BIP-340 vectors: only %d rows read" % count)
    return count


def test_signing_vector():
    with open(SIGNING_VECTOR) as f:
        vector = json.load(f)
    for part in ("request", "response"):
        v = vector[part]
        body = v["body"]
        key = tc.Key(v["secret_key"])
        check.equal(key.pubkey, body["pubkey"], "signing.json %s: pubkey of secret_key" % part)
        check.equal(tc.canonical(tc.without_sig(body)).decode("utf-8"), v["canonical"], "signing.json %s: canonical form" % part)
        check.equal(tc.digest(v["tag"], body).hex(), v["digest"], "signing.json %s: digest" % part)
        signed = key.sign(v["tag"], body, aux_rand=bytes.fromhex(v["aux_rand"]))
        check.equal(signed["sig"], v["sig"], "signing.json %s: signature" % part)
        check.equal(body["sig"], v["sig"], "signing.json %s: body's sig" % part)
        check.that(tc.verify_message(v["tag"], body, body["pubkey"]), "signing.json %s: signature verifies" % part)
        tampered = dict(body, ts=body["ts"] + 1)
        check.that(not tc.verify_message(v["tag"], tampered, body["pubkey"]), "signing.json %s: tampered body must not verify" % part)
    check.equal(tc.TrackerClient.request_id(vector["request"]["body"]), vector["request"]["request_id"], "signing.json: request id")
    check.equal(vector["response"]["body"]["request"], vector["request"]["request_id"], "signing.json: response echoes request id")
    check.equal(vector["request"]["tag"], tc.TAG_REQUEST, "signing.json: request tag")
    check.equal(vector["response"]["tag"], tc.TAG_RESPONSE, "signing.json: response tag")


def test_canonical_json():
    # signing.md: sorted members, no whitespace, only " \ and controls escaped.
    value = {"b": [1, True, None, "x"], "a": {"z": "\"\\\b\t\n\f\r\x01\x1f/é\u2028", "y": 0}}
    expected = '{"a":{"y":0,"z":"\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001f/é\u2028"},"b":[1,true,null,"x"]}'
    check.equal(tc.canonical(value), expected.encode("utf-8"), "canonical JSON escaping and order")
    try:
        tc.canonical({"a": 1.0})
        raise Failure("canonical JSON must refuse a fraction")
    except TypeError:
        check.passed += 1


def test_derivations():
    # The examples of openapi.yaml use the test keys of api-spec/README.md.
    tracker = tc.Key("c90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b14e5c9")
    viewer = tc.Key("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef")
    broadcaster = tc.Key("0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710")
    check.equal(tracker.pubkey, "dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8", "README tracker key")
    check.equal(broadcaster.pubkey, "25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517", "README broadcaster key")
    check.equal(tracker.address, "d623e6eaad7c949f8d18fd43ca3281b43ab5f294eb6671cbd918d23da494eace", "tracker ordinary address")
    check.equal(viewer.address, "4e9613970115ec1aaffede63398d8a2c8ac33b38710e0db017289c2f54c82381", "viewer ordinary address")
    check.equal(broadcaster.address, "08d291620c02f9ddbf6e890b4f8994ff339908f457eeedc585db463c31c2b16b", "broadcaster ordinary address")
    check.equal(tc.key_code(tracker.pubkey), "382360", "tracker key code")
    # signing.md: the human forms of the test keys and their addresses.
    forms = {
        tracker: ("tollpub1m5cg4lk9walpxysl5u4eesdhesqnju2npxcgdjtqux8aj6thf6uqpld7gy",
                  "toll16c37d64d0j2flrgcl4pu5v5pksattu55adn8rj7errfrmfy5at8qs8w0u3"),
        viewer: ("tollpub1mlcawle2vuw97dscxundkg6phev0atsa5t0vakzrys8hk5pt5evsem58jl",
                 "toll1f6tp89cpzhkp4tl7me3nnrv29j9vxwecwy8qmvqh9zwz74xgywqsqqwkwm"),
        broadcaster: ("tollpub1yhgal723qh6j20zqytmz32vk45aqm90m7gw5dzsmx0uvzcxc75tsrknd09",
                      "toll1prffzcsvqtuam0mw3y95lzv5lueejz852lhwm3v9mdrrcvwzk94sxl2mlr"),
    }
    for key, (key_form, address_form) in forms.items():
        check.equal(tc.human_form("tollpub", key.pubkey), key_form, "human form of a key")
        check.equal(tc.human_form("toll", key.address), address_form, "human form of an address")
    check.equal(tc.key_code(broadcaster.pubkey), "983108", "broadcaster key code")
    check.equal(tc.special_address("spend", tracker.pubkey, viewer.pubkey, 0),
                "b0a4769617ba9e3657a86e883a51f36c79b0a7f513fae1a9e7f1ca5836c161ee", "viewer's spend address 0")
    check.equal(tc.special_address("income", tracker.pubkey, broadcaster.pubkey, 0),
                "9336e98c8e7a6a8556aa180c04c9870a7284bd13b7e8691786bb3373846817c8", "broadcaster's income address 0")
    # The example contract of openContract: its id and both signatures.
    terms = tc.make_terms(tracker.pubkey, viewer.pubkey, broadcaster.pubkey,
                          "b0a4769617ba9e3657a86e883a51f36c79b0a7f513fae1a9e7f1ca5836c161ee",
                          "9336e98c8e7a6a8556aa180c04c9870a7284bd13b7e8691786bb3373846817c8",
                          "news.en", 3, 100, 1795433048, "9f9ca2dde49ac6bb4db22523edb41ebd")
    cid = tc.contract_id(terms)
    check.equal(cid, "84587900fe6ff479182a965948dec7cda61cd28851d8d0684afc3e12c497fb1e", "example contract id")
    check.that(bip340.verify(bytes.fromhex(viewer.pubkey), bytes.fromhex(cid), bytes.fromhex(
        "c102bf11dee937761c7a6f261a21a1401eee7a20a06b66d04cf656b9598d43b874fb4aa8b7e23dda795449e7b4efe7fc2c469c0068e240ec2626dfa7d4a913d5")),
        "example viewer_sig verifies")
    check.that(bip340.verify(bytes.fromhex(broadcaster.pubkey), bytes.fromhex(cid), bytes.fromhex(
        "fd3bbaf93d7933eebd6074428f6878c1baac8c2795ddc232e6e33c6fa18a5a1b930064f2202c3069b871fa412df9aebe46870a85d857e895ca0d6bd9168532a1")),
        "example broadcaster_sig verifies")
    # The example receipt of closeContract.
    receipt = {"contract": cid, "viewer": viewer.pubkey, "segments": 40, "bytes": 40960, "amount": 120,
               "chain": "7133fce8b3ab54d3fba95f1c1b649b52624f6ec9c6a3900d9c0a21c8e6623c2b",
               "sig": "267982dc6fe7528e6ef8950d7f86cc9d83e66234889fe1c7c0635ec3b36c559ca21e7dbe5d1b0386f02da6123ed42874f00d90806335cd3fbbd15c3c05368fb0"}
    check.that(tc.verify_message(tc.TAG_RECEIPT, receipt, viewer.pubkey), "example receipt signature verifies")
    # The examples with renditions (openContract, closeContract).
    terms = tc.with_renditions(tc.make_terms(tracker.pubkey, viewer.pubkey, broadcaster.pubkey,
                                             "b0a4769617ba9e3657a86e883a51f36c79b0a7f513fae1a9e7f1ca5836c161ee",
                                             "9336e98c8e7a6a8556aa180c04c9870a7284bd13b7e8691786bb3373846817c8",
                                             "news.en", 0, 100, 1795433048, "5b7a0c3e4f2d1a69887766554433221f"),
                               [("1080p", 6), ("720p", 3), ("360p", 1)])
    cid = tc.contract_id(terms)
    check.equal(cid, "60910e7c6b89dbef761501b9d3cfbc3fbaecbdfc2605bccf3ec347a28d5a930c", "example contract id with renditions")
    signed = {"terms": terms,
              "viewer_sig": "2769fb95c189e3ad104f03cfb78c33dfd7405f2228562cca3b4ed20abc53be3a999c91f1898f313f9443c2cb5ebd18f227b8e15139a0f57726293d801c78d9bd",
              "broadcaster_sig": "3feee64aa994f2c08ca9458f6bf568f6a5481a216334209a0a4193f749698bdff9716b27c313c4680e58a56b407bc5448349f2081646d173eb631826bf53ad75"}
    for key, field in ((viewer, "viewer_sig"), (broadcaster, "broadcaster_sig")):
        check.that(bip340.verify(bytes.fromhex(key.pubkey), bytes.fromhex(cid), bytes.fromhex(signed[field])),
                   "example %s with renditions verifies" % field)
    opening = {"v": 1, "method": "openContract", "tracker": tracker.pubkey, "pubkey": broadcaster.pubkey,
               "nonce": "77aa1fcd0e2b4c5d8e9f00112233aabb", "ts": 1795429450, "params": {"contract": signed},
               "sig": "e4cdfe54b0da128830220f1ed4b1b55e41235df00958a3580224782cf2cb4fc9ab71e7115cef5725a0895ac73f13b8bc6298f08a8201772f7df2f860123bf7e9"}
    check.that(tc.verify_message(tc.TAG_REQUEST, opening, broadcaster.pubkey), "example openContract with renditions verifies")
    # Segment i is the bytes "segment i"; 25 of 1080p, 10 of 720p, 5 of 360p.
    chain = tc.receipt_chain(cid, [("segment %d" % i).encode() for i in range(40)], [0] * 25 + [1] * 10 + [2] * 5)
    receipt = {"contract": cid, "viewer": viewer.pubkey, "segments": 40, "bytes": 40960, "amount": 25 * 6 + 10 * 3 + 5 * 1,
               "chain": chain, "counts": [25, 10, 5],
               "sig": "6e99a6a84b038d8867e5702b14136ba84cf6f036525438147e7388b02d72acfd1a9abfc0d2004fc0d9d856db693f25e6fec4dd57bf4c5e3583f298331fe31c33"}
    check.equal(chain, "dfd9377147ea3aaabc28b6c77fce45dff874f7b94dbfb652a32600debf8b5996", "example chain with renditions")
    check.that(tc.verify_message(tc.TAG_RECEIPT, receipt, viewer.pubkey), "example receipt with renditions verifies")
    closing = {"v": 1, "method": "closeContract", "tracker": tracker.pubkey, "pubkey": broadcaster.pubkey,
               "nonce": "88bb2fde1f3c5d6e9fa011223344bbcc", "ts": 1795429456, "params": {"contract": cid, "receipt": receipt},
               "sig": "1f6717d16bcb061225529707d5ad0aca1e27ca8901528be03afda7c7c476df36419beea517b378b24ff3d7d94e01c37625210391d274dee4f94840135c22fc08"}
    check.that(tc.verify_message(tc.TAG_REQUEST, closing, broadcaster.pubkey), "example closeContract with renditions verifies")


# ----- 2. live: a tracker started here ------------------------------------------


class Tracker(tracker_process.TrackerProcess):
    """A tracker process started by this test; stop() ends it for sure."""

    def wait_url(self):
        try:
            return super().wait_url(STARTUP_TIMEOUT)
        except tracker_process.StartupError as err:
            raise Failure(str(err))


def expect_refusal(client, request, status, code, what, route=None, body=None, request_id="auto"):
    answer = client.send(request, route=route, body=body, expected_request=request_id)
    check.refused(answer, status, code, what)
    return answer


def same_answer(first, second, what):
    """A retry's answer: same everything, signature aside (a fresh aux_rand may change it)."""
    check.equal(tc.without_sig(second), tc.without_sig(first), what)


def test_live(binary, work_dir):
    data_dir = os.path.join(work_dir, "tracker")
    tracker_proc = Tracker(binary, data_dir, os.path.join(work_dir, "tracker.log"))
    clients = []
    try:
        url = tracker_proc.wait_url()
        tracker_key = tc.Key(tracker_process.read_tracker_key(data_dir))
        viewer_key = tc.Key.generate()
        broadcaster_key = tc.Key.generate()
        T = tc.TrackerClient(url, tracker_key)
        V = tc.TrackerClient(url, viewer_key)
        B = tc.TrackerClient(url, broadcaster_key)
        clients = [T, V, B]
        live_cycle(T, V, B, tracker_key)
        V2 = tc.TrackerClient(url, tc.Key.generate())
        B2 = tc.TrackerClient(url, tc.Key.generate())
        clients += [V2, B2]
        live_renditions(T, V2, B2)
    finally:
        tracker_proc.stop()
    return sum(c.answers_verified for c in clients)


def live_cycle(T, V, B, tracker_key):
    tpk = tracker_key.pubkey

    # -- handshake: every party pins the tracker key -----------------------------
    for who, client in (("tracker", T), ("viewer", V), ("broadcaster", B)):
        hs = client.handshake()
        check.equal(hs["tracker"], tpk, "%s handshake: tracker key is the one in tracker.key" % who)
        check.equal(hs["address"], tracker_key.address, "%s handshake: tracker address" % who)
        check.equal(hs["code"], tc.key_code(tpk), "%s handshake: tracker key code" % who)
        check.equal(hs["you"], client.key.address, "%s handshake: you" % who)
        check.that(abs(hs["time"] - time.time()) < 60, "%s handshake: tracker clock near ours" % who)
    grace = V.handshake_result["grace_seconds"]

    # handshake is exempt from the clock check (signing.md, Requests).
    saved, V.tracker = V.tracker, None
    old = V.build_request("handshake", {}, ts=1000)
    V.tracker = saved
    answer = V.send(old)
    check.equal(answer["status"], 200, "handshake with ts 1000 is answered")

    # -- mint: tracker key only --------------------------------------------------
    minted = T.mint(V.key.address, 1000)
    check.equal(minted, {"to": V.key.address, "amount": 1000, "balance": 1000, "minted": 1000}, "mint result")
    expect_refusal(V, V.build_request("mint", {"to": V.key.address, "amount": 5}), 403, "forbidden", "mint by a viewer")

    # -- transfer, retried: applied once, same answer ------------------------------
    transfer = V.build_request("transfer", {"to": B.key.address, "amount": 100})
    first = V.send(transfer)
    check.equal(first["status"], 200, "transfer 100 to the broadcaster")
    check.equal(first["result"], {"from": V.key.address, "to": B.key.address, "amount": 100, "balance": 900}, "transfer result")
    again = V.send(transfer)  # the same bytes again
    same_answer(first, again, "identical retry of transfer")
    # The same request in another spelling (order, whitespace) has the same id.
    respelled = json.dumps(dict(reversed(list(transfer.items()))), indent=2).encode("utf-8")
    third = V.send(transfer, body=respelled)
    same_answer(first, third, "retry of transfer with other whitespace and member order")
    check.equal(V.account(V.key.address)["balance"], 900, "viewer balance after a transfer sent three times")
    check.equal(B.account(B.key.address)["balance"], 100, "broadcaster balance after a transfer sent three times")
    # Same key and nonce, another body: duplicate.
    reuse = V.build_request("transfer", {"to": B.key.address, "amount": 1}, nonce=transfer["nonce"])
    expect_refusal(V, reuse, 409, "duplicate", "reused nonce on another transfer")

    # -- refusals of the envelope ------------------------------------------------
    tampered = V.build_request("transfer", {"to": B.key.address, "amount": 1})
    tampered["params"] = dict(tampered["params"], amount=2)  # changed after signing
    expect_refusal(V, tampered, 400, "bad_signature", "transfer changed after signing", request_id=None)
    stale = V.build_request("transfer", {"to": B.key.address, "amount": 1}, ts=V.now() - 1000)
    expect_refusal(V, stale, 400, "stale_request", "transfer with ts 1000 s old")
    wrong = V.build_request("account", {"address": V.key.address})
    wrong = V.key.sign(tc.TAG_REQUEST, dict(wrong, tracker=B.key.pubkey))
    expect_refusal(V, wrong, 400, "wrong_tracker", "request for another tracker")
    extra = V.key.sign(tc.TAG_REQUEST, dict(V.build_request("account", {"address": V.key.address}), extra=1))
    expect_refusal(V, extra, 400, "invalid_field", "envelope with an unknown member", request_id=None)
    mismatch = V.build_request("account", {"address": V.key.address})
    expect_refusal(V, mismatch, 400, "invalid_field", "method differs from the route", route="summary")
    expect_refusal(V, V.build_request("transfer", {"to": V.key.address, "amount": 1}), 400, "invalid_field", "transfer to oneself")
    expect_refusal(V, V.build_request("account", {"address": V.key.address}), 400, "malformed_json", "truncated body",
                   body=b'{"v":1,', request_id=None)
    expect_refusal(V, V.build_request("account", {"address": V.key.address}), 404, "not_found", "unknown route",
                   route="noSuchMethod", request_id=None)
    # `v` is read first: 1.0 is another version, not a malformed number.
    v10 = V.build_request("account", {"address": V.key.address})
    expect_refusal(V, v10, 400, "unsupported_version", "v 1.0",
                   body=json.dumps(dict(v10, v=1.0)).encode("utf-8"), request_id=None)
    # 2^64 is a whole number, out of range: the message says so.
    big = V.build_request("transfer", {"to": B.key.address, "amount": 1})
    big_body = json.dumps(dict(big, params=dict(big["params"], amount=2 ** 64))).encode("utf-8")
    refusal = expect_refusal(V, big, 400, "invalid_field", "amount 2^64", body=big_body, request_id=None)
    check.that("params.amount is out of range" in refusal["error"]["message"],
               "2^64 is refused as out of range: %r" % refusal["error"]["message"])
    # The request's Content-Type is not checked (any is accepted).
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/octet-stream"):
        answer = V.send(V.build_request("account", {"address": V.key.address}), content_type=content_type)
        check.equal(answer["status"], 200, "a request sent as %s" % content_type)

    # -- overdraft: a stored ledger refusal ---------------------------------------
    overdraft = V.build_request("transfer", {"to": B.key.address, "amount": 100000})
    refusal = expect_refusal(V, overdraft, 409, "insufficient_funds", "overdraft")
    same_answer(refusal, V.send(overdraft), "retried overdraft gets the stored refusal")

    # -- the viewer's spend address, with a deposit --------------------------------
    spend_address = tc.special_address("spend", tpk, V.key.pubkey, 0)
    expect_refusal(V, V.build_request("getSpendAddress", {"deposit": 100000}), 409, "insufficient_funds", "deposit over the balance")
    get_spend = V.build_request("getSpendAddress", {"deposit": 400})
    first = V.send(get_spend)
    check.equal(first["status"], 200, "getSpendAddress")
    spend = first["result"]
    check.equal(spend["address"], spend_address, "spend address is number 0 (signing.md derivation)")
    check.equal((spend["kind"], spend["owner"], spend["created_now"], spend["deposited"]), ("spend", V.key.pubkey, True, 400), "spend address fields")
    check.equal((spend["balance"], spend["locked"], spend["available"], spend["open"], spend["closed"]), (400, 0, 400, True, 0), "spend address balance")
    same_answer(first, V.send(get_spend), "identical retry of getSpendAddress")
    check.equal(V.account(V.key.address)["balance"], 500, "viewer ordinary balance after deposit (applied once)")
    check.equal(V.account(spend_address)["balance"], 400, "spend balance after deposit (applied once)")
    expect_refusal(T, T.build_request("mint", {"to": spend_address, "amount": 1}), 409, "conflict", "mint into a special address")

    # -- the broadcaster's income address ---------------------------------------
    income_address = tc.special_address("income", tpk, B.key.pubkey, 0)
    income = B.get_income_address()
    check.equal(income["address"], income_address, "income address is number 0 (signing.md derivation)")
    check.equal((income["kind"], income["owner"], income["created_now"], income["balance"]), ("income", B.key.pubkey, True, 0), "income address fields")
    check.equal(B.get_income_address()["created_now"], False, "second getIncomeAddress returns the same address")

    # -- announce and lookup ------------------------------------------------------
    ann = B.announce("news.spec", "http://127.0.0.1:9/", 3, 60)
    check.equal((ann["broadcaster"], ann["income_address"], ann["code"], ann["price"]),
                (B.key.pubkey, income_address, tc.key_code(B.key.pubkey), 3), "announce result")
    found = V.lookup("news.spec")["broadcasters"]
    check.equal([a["broadcaster"] for a in found], [B.key.pubkey], "lookup lists the broadcaster")
    expect_refusal(V, V.build_request("announce", {"stream": "news.spec", "url": "http://v.example", "price": 1, "ttl": 60}),
                   409, "conflict", "announce without an income address")

    # -- the contract: viewer signs, broadcaster countersigns and opens -----------
    expires = V.now() + 3600
    terms = tc.make_terms(tpk, V.key.pubkey, B.key.pubkey, spend_address, income_address, "news.spec", 3, 100, expires)
    cid = tc.contract_id(terms)
    viewer_sig = tc.sign_contract_id(V.key, terms)
    # The broadcaster checks the viewer's signature before countersigning.
    check.that(bip340.verify(bytes.fromhex(V.key.pubkey), bytes.fromhex(cid), bytes.fromhex(viewer_sig)), "viewer_sig verifies")
    signed = {"terms": terms, "viewer_sig": viewer_sig, "broadcaster_sig": tc.sign_contract_id(B.key, terms)}
    expect_refusal(V, V.build_request("openContract", {"contract": signed}), 403, "forbidden", "openContract sent by the viewer")
    forged = dict(signed, viewer_sig=tc.sign_contract_id(B.key, terms))
    expect_refusal(B, B.build_request("openContract", {"contract": forged}), 400, "bad_signature", "contract with a forged viewer_sig")
    too_big = dict(terms, max_segments=1000, nonce=os.urandom(16).hex())  # lock 3000 > 400 available
    expect_refusal(B, B.build_request("openContract", {"contract": {
        "terms": too_big, "viewer_sig": tc.sign_contract_id(V.key, too_big), "broadcaster_sig": tc.sign_contract_id(B.key, too_big)}}),
        409, "insufficient_funds", "contract locking more than is available")
    opened = B.open_contract(signed)
    # The opening charge, one segment's price, goes to the income address at once.
    check.equal(opened, {"contract": cid, "state": "open", "lock": 300, "charged": 3, "expires": expires,
                         "release_at": expires + grace,
                         "spend": {"address": spend_address, "balance": 397, "locked": 300}}, "openContract result")
    expect_refusal(B, B.build_request("openContract", {"contract": signed}), 409, "duplicate", "the same contract opened again")
    spend = V.account(spend_address)
    check.equal((spend["balance"], spend["locked"], spend["available"], spend["open_contracts"]), (397, 300, 97, 1), "spend address while the contract is open")
    check.equal((B.account(income_address)["open_contracts"], B.account(income_address)["balance"]), (1, 3),
                "income address counts the open contract and holds the opening charge")
    expect_refusal(V, V.build_request("closeSpendAddress", {"address": spend_address}), 409, "conflict", "closing a spend address with an open contract")
    record = V.contract(cid)
    check.equal((record["state"], record["lock"], record["charged"], record["terms"], record["viewer_sig"], record["paid"], record["chain"]),
                ("open", 300, 3, terms, signed["viewer_sig"], 0, ""), "contract record while open")

    # -- the viewer's receipt, the broadcaster closes with it -----------------------
    segments = [("segment %d" % i).encode() * 64 for i in range(40)]
    chain = tc.receipt_chain(cid, segments)
    nbytes = sum(len(s) for s in segments)
    receipt = tc.make_receipt(V.key, cid, 40, nbytes, 120, chain)
    wrong_amount = tc.make_receipt(V.key, cid, 40, nbytes, 121, chain)
    expect_refusal(B, B.build_request("closeContract", {"contract": cid, "receipt": wrong_amount}), 400, "invalid_field", "receipt amount not price × segments")
    forged_receipt = dict(receipt, segments=41, amount=123)  # changed after the viewer signed
    expect_refusal(B, B.build_request("closeContract", {"contract": cid, "receipt": forged_receipt}), 400, "bad_signature", "receipt changed after signing")
    expect_refusal(V, V.build_request("closeContract", {"contract": cid, "receipt": receipt}), 403, "forbidden", "closeContract sent by the viewer")
    close = B.build_request("closeContract", {"contract": cid, "receipt": receipt})
    first = B.send(close)
    check.equal(first["status"], 200, "closeContract")
    check.equal(first["result"], {"contract": cid, "state": "closed", "paid": 120, "released": 180, "segments": 40, "bytes": nbytes}, "closeContract result")
    same_answer(first, B.send(close), "identical retry of closeContract")
    expect_refusal(B, B.build_request("closeContract", {"contract": cid}), 409, "conflict", "closing a closed contract")
    record = V.contract(cid)
    check.equal((record["state"], record["paid"], record["segments"], record["bytes"], record["chain"], record["receipt_sig"]),
                ("closed", 120, 40, nbytes, chain, receipt["sig"]), "contract record after closing")
    check.that(record["settled"] > 0, "closed contract has a settlement time")
    spend = V.account(spend_address)
    check.equal((spend["balance"], spend["locked"], spend["available"], spend["open_contracts"], spend["segments"]), (277, 0, 277, 0, 40), "spend address after settlement")
    income = B.account(income_address)
    check.equal((income["balance"], income["open_contracts"], income["segments"], income["bytes"]), (123, 0, 40, nbytes), "income address after settlement")

    # -- both close their special addresses -------------------------------------
    check.equal(T.open_addresses(V.key.pubkey), {"owner": V.key.pubkey, "income": None, "spend": spend_address}, "openAddresses of the viewer")
    check.equal(V.open_addresses(B.key.pubkey), {"owner": B.key.pubkey, "income": income_address, "spend": None}, "openAddresses of the broadcaster")
    closed = B.close_income_address(income_address)
    check.equal(closed, {"address": income_address, "state": "closed", "paid_out": 123, "to": B.key.address, "balance": 223}, "closeIncomeAddress result")
    # openapi.yaml is self-contradictory here (see the report): its
    # introduction says lookup leaves out a broadcaster whose income address
    # has closed, the lookup and closeIncomeAddress operations say the
    # announcement stays listed until its ttl ends. The tracker does the
    # former; this checks that.
    check.equal(V.lookup("news.spec")["broadcasters"], [], "lookup after the income address closed")
    closed = V.close_spend_address(spend_address)
    check.equal(closed, {"address": spend_address, "state": "closed", "paid_out": 277, "to": V.key.address, "balance": 777}, "closeSpendAddress result")
    expect_refusal(V, V.build_request("closeSpendAddress", {"address": spend_address}), 409, "conflict", "closing a closed spend address")
    expect_refusal(V, V.build_request("closeIncomeAddress", {"address": spend_address}), 404, "not_found", "closeIncomeAddress of a spend address")
    for owner in (V.key.pubkey, B.key.pubkey):
        check.equal(T.open_addresses(owner), {"owner": owner, "income": None, "spend": None}, "openAddresses after both closed")
    expect_refusal(V, V.build_request("openAddresses", {"owner": V.key.address[:63]}), 400, "invalid_field", "openAddresses of no key")

    # -- every balance as the spec says -------------------------------------------
    expected = {V.key.address: 777, B.key.address: 223, tracker_key.address: 0, spend_address: 0, income_address: 0}
    for address, balance in expected.items():
        check.equal(T.account(address)["balance"], balance, "final balance of %s" % address)
    for address in (spend_address, income_address):
        record = T.account(address)
        check.equal((record["open"], record["locked"], record["available"]), (False, 0, 0), "special address %s closed" % address)
        check.that(record["closed"] > 0, "special address %s has a closing time" % address)
    check.equal(sum(expected.values()), 1000, "balances add up to the minted supply")

    audit = V.audit()
    check.equal(audit["problems"], [], "audit problems")
    check.equal((audit["ok"], audit["minted"], audit["balances"], audit["locked"]), (True, 1000, 1000, 0), "audit totals")
    check.equal((audit["contracts_open"], audit["contracts_closed"], audit["contracts_expired"]), (0, 1, 0), "audit contract counts")
    summary = V.summary()
    check.equal((summary["contracts_opened"], summary["contracts_closed"], summary["contracts_expired"],
                 summary["segments"], summary["bytes"], summary["paid"], summary["charged"], summary["minted"]),
                (1, 1, 0, 40, nbytes, 120, 3, 1000), "summary totals")
    # mint, transfer, deposit, charge, pay, payout, refund (the overdraft moved nothing).
    check.equal((audit["journal_entries"], summary["journal_entries"]), (7, 7), "journal entries (audit, summary)")
    # viewer, broadcaster (ordinary), spend, income; the tracker's own address never held tokens.
    check.equal(audit["accounts"], 4, "audit accounts")


def live_renditions(T, V, B):
    """A contract that buys two renditions at their own prices, opened and
    closed as openapi.yaml's ContractTerms and Receipt describe it."""
    tpk = T.tracker
    for client in (V, B):
        client.handshake()
    T.mint(V.key.address, 1000)
    spend_address = V.get_spend_address(200)["address"]
    income_address = B.get_income_address()["address"]
    terms = tc.with_renditions(tc.make_terms(tpk, V.key.pubkey, B.key.pubkey, spend_address, income_address,
                                             "mixed.spec", 0, 20, V.now() + 3600), [("hd", 4), ("sd", 1)])
    cid = tc.contract_id(terms)
    opened = B.open_contract({"terms": terms, "viewer_sig": tc.sign_contract_id(V.key, terms),
                              "broadcaster_sig": tc.sign_contract_id(B.key, terms)})
    check.equal((opened["lock"], opened["charged"]), (80, 4), "a contract with renditions locks and charges at the top price")
    # 3 segments of hd, then 7 of sd.
    segments = [("mixed %d" % i).encode() for i in range(10)]
    chain = tc.receipt_chain(cid, segments, [0] * 3 + [1] * 7)
    nbytes = sum(len(x) for x in segments)
    for counts, amount, what in (([3, 6], 19, "counts not adding up to segments"),
                                 ([3, 7], 40, "every segment at the top price"),
                                 ([10], 40, "one count for two renditions"),
                                 (None, 40, "no counts")):
        bad = tc.make_receipt(V.key, cid, 10, nbytes, amount, chain, counts)
        expect_refusal(B, B.build_request("closeContract", {"contract": cid, "receipt": bad}), 400, "invalid_field", what)
    receipt = tc.make_receipt(V.key, cid, 10, nbytes, 3 * 4 + 7 * 1, chain, [3, 7])
    closed = B.close_contract(cid, receipt)
    check.equal((closed["paid"], closed["released"]), (19, 61), "each segment paid at its rendition's price")
    record = V.contract(cid)
    check.equal((record["counts"], record["terms"]["renditions"], record["chain"]),
                ([3, 7], terms["renditions"], chain), "contract record with renditions")
    check.equal(B.account(income_address)["balance"], 4 + 19, "income address: the charge and the receipt")
    check.equal(V.audit()["problems"], [], "audit after a contract with renditions")


def main():
    if len(sys.argv) != 3:
        print("usage: %s TRACKER_BINARY SCRATCH_DIR" % sys.argv[0], file=sys.stderr)
        return 2
    binary, scratch = sys.argv[1], sys.argv[2]

    def on_timeout(signum, frame):
        raise Failure("global timeout of %d s reached" % GLOBAL_TIMEOUT)

    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(GLOBAL_TIMEOUT)
    work_dir = None
    try:
        vectors = test_bip340_vectors()
        test_signing_vector()
        test_canonical_json()
        test_derivations()
        print("offline: %d BIP-340 vectors, signing.json and spec derivations ok (%d checks)" % (vectors, check.passed))
        os.makedirs(scratch, exist_ok=True)
        work_dir = tempfile.mkdtemp(prefix="spec-client-", dir=scratch)
        offline = check.passed
        answers = test_live(binary, work_dir)
        print("live: %d checks passed, %d signed answers verified against the tracker key" % (check.passed - offline, answers))
    except Failure as err:
        print("FAIL: %s" % err, file=sys.stderr)
        if work_dir:
            print("(tracker data and log kept in %s)" % work_dir, file=sys.stderr)
        return 1
    except Exception as err:  # protocol errors, unexpected refusals, I/O, bugs
        traceback.print_exc()
        print("FAIL: %s: %s" % (type(err).__name__, err), file=sys.stderr)
        if work_dir:
            print("(tracker data and log kept in %s)" % work_dir, file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
    shutil.rmtree(work_dir, ignore_errors=True)
    print("OK: %d checks passed" % check.passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
