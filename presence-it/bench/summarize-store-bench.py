#!/usr/bin/env python3
"""Table of a run-store-bench.sh directory: per benchmark, layout and backend (or variant label, the
last part of the file name) the score of each round (ops/s, mean of the measured iterations) with
the min-max of the iterations; then the ratios redis / hazelcast-2 and redis / redis raw SET (the
RawMapBenchmark.put row of redis in the same round)."""
import glob
import json
import os
import re
import sys

out = sys.argv[1]
rows = {}  # (benchmark, layout) -> backend -> round -> (score, min, max)
for path in sorted(glob.glob(os.path.join(out, "r*-*.json"))):
    # r<round>-<benchmark>-<label>.json; the label is the backend, or a variant of it
    m = re.match(r"r(\d+)-([\w.]+)-(.+)\.json$", os.path.basename(path))
    rnd, label = int(m.group(1)), m.group(3)
    with open(path) as f:
        try:
            results = json.load(f)
        except ValueError:  # a fork still running, or one that failed
            continue
        for result in results:
            bench = result["benchmark"].rsplit(".", 2)[-2:]
            bench = ".".join(bench)
            params = result.get("params", {})
            layout = params.get("layout", "")
            backend = label if label.startswith(params["backend"]) else params["backend"]
            metric = result["primaryMetric"]
            iterations = [v for fork in metric["rawData"] for v in fork]
            rows.setdefault((bench, layout), {}).setdefault(backend, {})[rnd] = (
                metric["score"],
                min(iterations),
                max(iterations),
            )

rounds = sorted({r for b in rows.values() for s in b.values() for r in s})
backends = sorted({k for b in rows.values() for k in b})


def cell(v):
    return "%s (%s - %s)" % tuple(f"{x:,.0f}" for x in v)


head = "| benchmark | layout | backend | " + " | ".join(f"round {r}" for r in rounds) + " |"
print(head)
print("|" + "---|" * (3 + len(rounds)))
for (bench, layout), by_backend in sorted(rows.items()):
    for backend in backends:
        if backend in by_backend:
            s = by_backend[backend]
            print(
                f"| {bench} | {layout} | {backend} | "
                + " | ".join(cell(s[r]) if r in s else "" for r in rounds)
                + " |"
            )

print()
print("| benchmark | layout | " + " | ".join(
    f"redis/hz-2 r{r} | redis/SET r{r}" for r in rounds) + " |")
print("|" + "---|" * (2 + 2 * len(rounds)))
put = rows.get(("RawMapBenchmark.put", ""), {}).get("redis", {})
for (bench, layout), by_backend in sorted(rows.items()):
    redis = by_backend.get("redis", {})
    hz2 = by_backend.get("hazelcast-2", {})
    cells = []
    for r in rounds:
        cells.append(f"{redis[r][0] / hz2[r][0]:.2f}" if r in redis and r in hz2 else "")
        cells.append(f"{redis[r][0] / put[r][0]:.2f}" if r in redis and r in put else "")
    print(f"| {bench} | {layout} | " + " | ".join(cells) + " |")
