#!/usr/bin/python3
"""Two scrapes of each peer node's /metrics, read by a real Prometheus parser.

Usage: node_scrapes_check.py VIEWER_BEFORE VIEWER_AFTER BROADCASTER_BEFORE BROADCASTER_AFTER

Each file is the body of one GET /metrics, the "after" ones taken once the
viewer had bought and played more of the stream (tests/browser/pages_test.mjs
takes them). Checks with prometheus_client's parser (Debian's
python3-prometheus-client) that every scrape parses, and that the counters
moved with the traffic: segments bought and tokens spent on the viewer,
segments served and receipts accepted on the broadcaster, and each node's
request counters. Exit 0 only if all hold.
"""

import sys

from prometheus_client.parser import text_string_to_metric_families


def samples(path):
    """{(name, sorted labels): value} of every sample in the scrape at `path`."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(scrape, name, **labels):
    """The sum of `name`'s samples whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in scrape.items() if n == name and want <= set(ls))


def main():
    viewer_before, viewer_after, b_before, b_after = (samples(p) for p in sys.argv[1:5])
    failures = []

    def moved(before, after, name, **labels):
        a, b = total(before, name, **labels), total(after, name, **labels)
        if not b > a:
            failures.append("%s%s did not move: %s then %s" % (name, labels or "", a, b))

    moved(viewer_before, viewer_after, "tollstream_viewer_segments_bought_total")
    moved(viewer_before, viewer_after, "tollstream_viewer_tokens_spent_total")
    moved(viewer_before, viewer_after, "tollstream_http_requests_total", status="200")
    moved(b_before, b_after, "tollstream_broadcaster_segments_served_total")
    moved(b_before, b_after, "tollstream_broadcaster_receipts_accepted_total")
    moved(b_before, b_after, "tollstream_http_requests_total", route="/v1/segment")
    for scrape, what in ((viewer_after, "viewer"), (b_after, "broadcaster")):
        if total(scrape, "tollstream_http_request_duration_seconds_count") <= 0:
            failures.append(what + ": no request was timed")
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print("node scrapes: ok (%d and %d samples)" % (len(viewer_after), len(b_after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
