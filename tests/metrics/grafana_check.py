#!/usr/bin/env python3
"""Checks the Grafana dashboard shipped in packaging/grafana/ against real
scrapes of the programs' /metrics: every metric an expression names is one
the programs serve (a family of a scrape: a counter or gauge by its name, a
histogram by its _bucket, _sum or _count), and the dashboard is well formed
(a datasource variable; each panel placed, each target with an expression).

usage: grafana_check.py DASHBOARD.json SCRAPE.prom [SCRAPE.prom ...]
"""
import json
import re
import sys


def families(paths):
    """{family name: type} from the # TYPE lines of the scrapes."""
    found = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"# TYPE (\S+) (\S+)", line)
                if m:
                    found[m.group(1)] = m.group(2)
    return found


def served(name, known):
    if name in known:
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and known.get(name[: -len(suffix)]) == "histogram":
            return True
    return False


def main():
    dashboard_path, scrapes = sys.argv[1], sys.argv[2:]
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)
    known = families(scrapes)
    problems = []
    variables = [v["name"] for v in dashboard.get("templating", {}).get("list", []) if v.get("type") == "datasource"]
    if variables != ["datasource"]:
        problems.append("no datasource variable")
    names = set()
    exprs = 0
    for panel in dashboard["panels"]:
        if "gridPos" not in panel:
            problems.append("panel %r is not placed" % panel.get("title"))
        for target in panel.get("targets", []):
            if not target.get("expr") or not target.get("refId"):
                problems.append("panel %r has a target without an expression" % panel.get("title"))
                continue
            exprs += 1
            names.update(re.findall(r"\b((?:tollstream|process)_[a-z_]+)\b", target["expr"]))
    for name in sorted(names):
        if not served(name, known):
            problems.append("%s is not served by any program" % name)
    if problems:
        print("grafana dashboard: " + "; ".join(problems))
        sys.exit(1)
    print("grafana dashboard: ok (%d panels, %d expressions, %d metrics, all served)"
          % (len(dashboard["panels"]), exprs, len(names)))


if __name__ == "__main__":
    main()
