# ruff: noqa  -- a profiling script run by hand: Django set up before its imports, terse on purpose
import json, sys, statistics

rows = {"before": [], "after": []}
for line in open(sys.argv[1]):
    tree, _, data = line.partition(" ")
    if data.strip().startswith("{"):
        rows[tree].append(json.loads(data))
labels = list(rows["before"][0])
print("| page | queries before | queries after | CPU ms/render before | after | ratio | wall ms before | after |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for label in labels:
    b = [r[label] for r in rows["before"] if label in r]
    a = [r[label] for r in rows["after"] if label in r]
    if not a:
        continue
    bm = statistics.mean(x["ms"] for x in b)
    am = statistics.mean(x["ms"] for x in a)
    bw = statistics.mean(x["wall_ms"] for x in b)
    aw = statistics.mean(x["wall_ms"] for x in a)
    print(
        f"| {label} | {b[0]['queries']} | {a[0]['queries']} | {bm:.1f} | {am:.1f} | {bm / am:.2f}× | {bw:.0f} | {aw:.0f} |"
    )
print(f"rounds: before {len(rows['before'])}, after {len(rows['after'])}")
