#!/usr/bin/python3
"""Reads `ptctl stats --prometheus` (stdin) with prometheus_client's parser and
checks it against `ptctl -j list` (the file named by argv[1]): every family
typed, counters named *_total, each rule's counters and state as list says.
Prints what is wrong and exits 1, or prints the number of samples read."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
listing = json.load(open(sys.argv[1]))
dev = listing["dev"]
samples = {}
problems = []
for fam in text_string_to_metric_families(text):
    if fam.type not in ("counter", "gauge"):
        problems.append(f"{fam.name}: type {fam.type}")
    for s in fam.samples:
        if fam.type == "counter" and not s.name.endswith("_total"):
            problems.append(f"counter sample {s.name} not *_total")
        if s.labels.get("dev") != dev:
            problems.append(f"{s.name} {s.labels}: dev is not {dev}")
        key = (s.name, s.labels.get("rule"), s.labels.get("holder"))
        samples[key] = s.value


def want(name, rule, value, holder=None):
    got = samples.get((name, rule, holder))
    if got != value:
        problems.append(f"{name}{{rule={rule},holder={holder}}} is {got}, list says {value}")


for r in listing["rules"]:
    name = r["name"]
    for c in ("pkts_in", "bytes_in", "pkts_out", "bytes_out", "triggers", "activations",
              "conflicts"):
        want(f"ptctl_rule_{c}_total", name, r[c])
    want("ptctl_rule_enabled", name, 1 if r["enabled"] else 0)
    want("ptctl_rule_active", name, 1 if r["state"] == "active" else 0)
    want("ptctl_rule_timeout_seconds", name, r["timeout"])
    if r["state"] == "active":
        want("ptctl_rule_holder_info", name, 1, r["holder"])
want("ptctl_rules", None, len(listing["rules"]))
for c in ("xdp_seen", "xdp_forwarded", "tc_seen", "tc_trigger"):
    if (f"ptctl_{c}_total", None, None) not in samples:
        problems.append(f"no ptctl_{c}_total")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(len(samples))
