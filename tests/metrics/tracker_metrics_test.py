#!/usr/bin/python3
"""The tracker's /metrics, read by a real Prometheus parser.

Usage: tracker_metrics_test.py TRACKER_BINARY SCRATCH_DIR

Starts a tracker (in a fresh directory under SCRATCH_DIR, stopped at the end
whatever happens, within a global time limit), scrapes /metrics, drives
signed traffic with the Python client of tests/spec_client (mints, transfers,
a refused transfer, a contract closed first with a wrong receipt, then with a
good one, an unknown path), scrapes again, and checks with
prometheus_client's parser (Debian's python3-prometheus-client, installed by
`scripts/setup metrics`) that the exposition parses and that every counter
and gauge moved by exactly what the traffic did. Exit 0 only if all hold.
"""

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "spec_client"))
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree

import tracker_client as tc  # noqa: E402
import tracker_process  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
except ImportError:
    print("FAIL: prometheus_client is missing: run scripts/setup metrics (python3-prometheus-client)")
    sys.exit(1)

GLOBAL_TIMEOUT = 120  # seconds for the whole test
STARTUP_TIMEOUT = 20


class Failure(Exception):
    pass


passed = 0


def check(condition, what):
    global passed
    if not condition:
        raise Failure(what)
    passed += 1


def equal(actual, expected, what):
    check(actual == expected, "%s: got %r, expected %r" % (what, actual, expected))


def get(url):
    """(status, content type, body text) of a GET; HTTP errors included."""
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type"), err.read().decode()


def scrape(url):
    """Every sample of /metrics: {(name, ((label, value), ...)): value}, and the family types."""
    status, content_type, text = get(url + "/metrics")
    equal(status, 200, "GET /metrics status")
    check(content_type.startswith("text/plain; version=0.0.4"), "/metrics content type %r" % content_type)
    samples, types = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            check(key not in samples, "sample %r appears once" % (key,))
            samples[key] = s.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def expect_refusal(client, method, params, status, code, what):
    answer = client.send(client.build_request(method, params))
    equal((answer["status"], answer.get("error", {}).get("code")), (status, code), what)


def traffic(url, tracker_key):
    """Signed traffic; returns what it did, for the checks."""
    T = tc.TrackerClient(url, tracker_key)
    V = tc.TrackerClient(url, tc.Key.generate())
    B = tc.TrackerClient(url, tc.Key.generate())
    poor = tc.TrackerClient(url, tc.Key.generate())
    for client in (T, V, B, poor):
        client.handshake()
    T.mint(V.key.address, 1000)
    someone = tc.Key.generate().address
    for _ in range(3):
        V.transfer(someone, 10)
    expect_refusal(poor, "transfer", {"to": someone, "amount": 5}, 409, "insufficient_funds", "a transfer without funds")
    income = B.get_income_address()["address"]
    spend = V.get_spend_address(300)["address"]
    terms = tc.make_terms(T.tracker, V.key.pubkey, B.key.pubkey, spend, income, "news.metrics", 3, 10, V.now() + 600)
    signed = {"terms": terms, "viewer_sig": tc.sign_contract_id(V.key, terms),
              "broadcaster_sig": tc.sign_contract_id(B.key, terms)}
    cid = B.open_contract(signed)["contract"]
    chain = tc.receipt_chain(cid, [b"a", b"b", b"c", b"d"])
    wrong = tc.make_receipt(V.key, cid, 4, 4000, 13, chain)
    expect_refusal(B, "closeContract", {"contract": cid, "receipt": wrong}, 400, "invalid_field",
                   "a receipt whose amount is not segments x price")
    good = tc.make_receipt(V.key, cid, 4, 4000, 12, chain)
    equal(B.close_contract(cid, good)["paid"], 12, "closeContract pays segments x price")
    status, _, _ = get(url + "/no/such/path/123")
    equal(status, 404, "an unknown path")
    status, _, _ = get(url + "/dashboard/api/summary")
    equal(status, 200, "the dashboard's summary")


def test(binary, work_dir):
    data_dir = os.path.join(work_dir, "tracker")
    tracker = tracker_process.TrackerProcess(binary, data_dir, os.path.join(work_dir, "tracker.log"))
    try:
        url = tracker.wait_url(STARTUP_TIMEOUT)
        tracker_key = tc.Key(tracker_process.read_tracker_key(data_dir))
        # Health: up, and ready (store, audit, disk).
        status, _, body = get(url + "/healthz")
        equal((status, json.loads(body)), (200, {"status": "ok"}), "GET /healthz")
        status, _, body = get(url + "/readyz")
        equal(status, 200, "GET /readyz")
        equal(json.loads(body), {"ready": True, "checks": {"store": {"ok": True}, "audit": {"ok": True},
                                                            "disk": {"ok": True}}}, "the checks of /readyz")
        before, _ = scrape(url)
        traffic(url, tracker_key)
        # A request is counted once its answer has gone out, so a scrape on a
        # new connection can be answered just before the last request's count
        # lands: scrape again (for at most a few seconds) until it has.
        requests, last = "tollstream_http_requests_total", {"route": "/dashboard/api/summary", "status": "200"}
        after, types = scrape(url)
        scrapes = 2  # before, and the first after
        for _ in range(100):
            if value(after, requests, **last) > value(before, requests, **last):
                break
            time.sleep(0.05)
            after, types = scrape(url)
            scrapes += 1
    finally:
        status = tracker.stop()
    equal(status, 0, "the tracker stops cleanly")

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # Types, as the parser reads them (counter families lose their _total).
    for family, kind in (("tollstream_http_requests", "counter"),
                         ("tollstream_http_request_duration_seconds", "histogram"),
                         ("tollstream_tracker_refusals", "counter"),
                         ("tollstream_tracker_receipts_rejected", "counter"),
                         ("tollstream_tracker_contracts_open", "gauge"),
                         ("tollstream_tracker_tokens_minted", "gauge"),
                         ("tollstream_tracker_audit_ok", "gauge")):
        equal(types.get(family), kind, "type of " + family)

    requests = "tollstream_http_requests_total"
    equal(moved(requests, route="/v1/transfer", status="200"), 3, "transfers answered 200")
    equal(moved(requests, route="/v1/transfer", status="409"), 1, "transfers answered 409")
    equal(moved(requests, route="/v1/handshake", status="200"), 4, "handshakes")
    equal(moved(requests, route="/v1/closeContract", status="400"), 1, "closeContract refused")
    equal(moved(requests, route="/v1/closeContract", status="200"), 1, "closeContract answered")
    equal(moved(requests, route="other", status="404"), 1, "an unknown path counts as other")
    equal(moved(requests, route="/dashboard/api/summary", status="200"), 1, "the dashboard route")
    # The scrapes before the last are counted, each once its answer went
    # out (the last may not see the one before it yet).
    scraped = moved(requests, route="/metrics", status="200")
    check(1 <= scraped <= scrapes - 1,
          "scrapes counted: %r of the %d before the last" % (scraped, scrapes - 1))
    check(not any("/no/such" in str(labels) for (_, labels) in after), "raw paths never become labels")

    duration = "tollstream_http_request_duration_seconds"
    equal(moved(duration + "_count", route="/v1/transfer"), 4, "transfers timed")
    equal(value(after, duration + "_bucket", route="/v1/transfer", le="+Inf"),
          value(after, duration + "_count", route="/v1/transfer"), "the +Inf bucket holds every transfer")
    check(moved(duration + "_sum", route="/v1/transfer") > 0, "transfers took some time")

    refusals = "tollstream_tracker_refusals_total"
    equal(moved(refusals, code="insufficient_funds"), 1, "refusals: insufficient_funds")
    equal(moved(refusals, code="invalid_field"), 1, "refusals: invalid_field")
    equal(moved(refusals, code="not_found"), 1, "refusals: not_found (the unknown path)")
    equal(moved(refusals, code="conflict"), 0, "refusals: conflict")
    rejected = "tollstream_tracker_receipts_rejected_total"
    equal(moved(rejected, reason="wrong_amount"), 1, "receipts rejected: wrong amount")
    equal(moved(rejected, reason="bad_signature"), 0, "receipts rejected: bad signature")

    for name, expected in (("tollstream_tracker_contracts_opened", 1), ("tollstream_tracker_contracts_closed", 1),
                           ("tollstream_tracker_contracts_expired", 0), ("tollstream_tracker_contracts_open", 0),
                           ("tollstream_tracker_tokens_minted", 1000), ("tollstream_tracker_tokens_paid", 12),
                           ("tollstream_tracker_segments_paid", 4), ("tollstream_tracker_bytes_paid", 4000),
                           ("tollstream_tracker_tokens_charged", 3),
                           # mint, 3 transfers, deposit, the opening charge, pay
                           ("tollstream_tracker_journal_entries", 7)):
        equal(moved(name), expected, name)
    groups, changes = moved("tollstream_tracker_commit_groups"), moved("tollstream_tracker_commit_changes")
    # every transfer (refused or not), the mint, the deposit, the contract's opening and closing
    check(changes >= 7, "changes written: %s" % changes)
    check(1 <= groups <= changes, "synced writes: %s for %s changes" % (groups, changes))
    equal(value(after, "tollstream_tracker_audit_ok"), 1, "the audit at start found the ledger holds")
    # The process, as Prometheus's own clients name it, and what was built.
    for family, kind in (("process_cpu_seconds", "counter"), ("process_resident_memory_bytes", "gauge"),
                         ("process_virtual_memory_bytes", "gauge"), ("process_open_fds", "gauge"),
                         ("process_max_fds", "gauge"), ("process_start_time_seconds", "gauge"),
                         ("tollstream_build_info", "gauge")):
        equal(types.get(family), kind, "type of " + family)
    check(value(after, "process_resident_memory_bytes") > 1 << 20, "resident memory")
    check(value(after, "process_open_fds") >= 3, "open fds")
    check(value(after, "process_cpu_seconds_total") > 0, "CPU time used")
    check(abs(value(after, "process_start_time_seconds") - time.time()) < 600, "start time")
    builds = [dict(labels) for (name, labels) in after if name == "tollstream_build_info"]
    equal(len(builds), 1, "one build_info sample")
    equal(builds[0]["program"], "tracker", "build_info program")
    check(re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", builds[0]["version"]) is not None, "build_info version")
    equal(value(after, "tollstream_build_info", **builds[0]), 1, "build_info is 1")
    check(value(after, "tollstream_tracker_audit_last_run_timestamp_seconds") > 0, "the audit's time")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, scratch = sys.argv[1], sys.argv[2]
    os.makedirs(scratch, exist_ok=True)
    work_dir = tempfile.mkdtemp(prefix="metrics-", dir=scratch)

    def on_timeout(signum, frame):
        raise Failure("global timeout of %d s reached" % GLOBAL_TIMEOUT)

    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(GLOBAL_TIMEOUT)
    try:
        test(binary, work_dir)
    except Failure as failure:
        print("FAIL: %s (work dir kept: %s)" % (failure, work_dir))
        return 1
    except Exception:  # a bug in the test, an unexpected answer, a tracker that did not start
        traceback.print_exc()
        print("FAIL (work dir kept: %s)" % work_dir)
        return 1
    finally:
        signal.alarm(0)
    shutil.rmtree(work_dir, ignore_errors=True)
    print("%d passed, 0 failed" % passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
