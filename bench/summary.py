"""The summary of one ``make bench`` run, ratios first, beside issue 16's targets.

    make bench                   # runs it last
    .venv/bin/python bench/summary.py [RUN_DIR]   # again, from a run's folder

Reads what the benchmarks left in the run's folder (BENCH_RUN_DIR, set by ``make bench`` to
var/bench/run-<time>/; without it, var/bench/<name>-latest.json): ``pages.json``,
``uncached.json``, ``storm.json`` (harness.write_result), and for the fan-out either
``fanout.json`` (keys ``rate`` and ``raw_rate``) or its printed report ``fanout.txt``. Prints
the table RESULTS.md copies, saves it as ``summary.md`` there, and exits 1 when a benchmark
left nothing to read (a target missed is shown, not an exit status: each script has its own).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import harness

MEMBER_PAGES = ["home", "article (demo)", "training (digital marketing)"]


def load(folder: Path | None, name: str) -> dict | None:
    path = folder / f"{name}.json" if folder else harness.OUTPUT_DIR / f"{name}-latest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def fanout_figures(folder: Path | None) -> dict | None:
    """The fan-out's rate and raw smtplib's, from fanout.json or from its printed report."""
    found = load(folder, "fanout")
    if found and "rate" in found and "raw_rate" in found:
        return found
    try:
        text = ((folder or harness.OUTPUT_DIR) / "fanout.txt").read_text()
    except OSError:
        return None
    rate = re.search(r"=\s*([\d,.]+)\s*emails/s", text)
    raw = re.search(r"raw smtplib.*?=\s*([\d,.]+)\s*/s", text)
    if not rate or not raw:
        return None
    return {"rate": float(rate.group(1).replace(",", "")), "raw_rate": float(raw.group(1).replace(",", ""))}


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def rows(pages: dict | None, uncached: dict | None, storm: dict | None, fanout: dict | None) -> list[tuple]:
    """(what, figure, target, met) for each line of the summary; "not measured" where a part is missing."""
    lines: list[tuple[str, str, str, str]] = []
    missing = ("not measured in this run", "", "✗")
    if pages:
        by = {(row["who"], row["label"]): row for row in pages["rows"]}
        for label in MEMBER_PAGES:
            row = by.get(("member", label))
            if row is None:
                lines.append((f"member's {label} / static", "not measured (see the pages report)", "≥ 0.33", "✗"))
                continue
            lines.append((f"member's {label} / static", f"{row['ratio']:.2f}", "≥ 0.33", mark(row["ratio"] >= 1 / 3)))
        others = [row for (who, label), row in by.items() if who == "member" and label not in MEMBER_PAGES]
        if others:
            figure = ", ".join(f"{row['label']} {row['ratio']:.2f}" for row in others)
            lines.append(("member's other pages / static", figure, "—", ""))
        anonymous = [
            row for (who, _), row in by.items() if who == "anonymous" and not row["label"].startswith("static")
        ]
        if anonymous:
            lowest = min(anonymous, key=lambda row: row["ratio"])
            figure = f"lowest {lowest['ratio']:.2f} ({lowest['label']}); " + ", ".join(
                f"{row['label']} {row['ratio']:.2f}" for row in anonymous
            )
            lines.append(("anonymous pages / static", figure, "≥ 0.6 each", mark(lowest["ratio"] >= 0.6)))
        lines.append(("static file (median of its runs beside the pages)", f"{pages['static']:,.0f} req/s", "", ""))
    else:
        lines.append(("pages / static", *missing))
    if uncached:
        by_label = {row["label"]: row for row in uncached["rows"]}
        article = by_label.get("article (demo)")
        if article:
            lines.append(
                (
                    f"uncached article / baseline `{uncached['baseline_ref']}`",
                    f"{article['ratio']:.2f} ({article['current']:,.0f} / {article['baseline']:,.0f} req/s)",
                    "≥ 3",
                    mark(article["ratio"] >= 3),
                )
            )
        figure = ", ".join(f"{row['label']} {row['ratio']:.2f}" for row in uncached["rows"] if row is not article)
        lines.append((f"uncached other pages / baseline `{uncached['baseline_ref']}`", figure, "—", ""))
        figure = ", ".join(f"{row['label']} {row['current']:,.0f} ({row['issue_rate']})" for row in uncached["rows"])
        lines.append(("uncached req/s (issue 16's figures)", figure, "—", ""))
        worst = max(uncached["rows"], key=lambda row: row["queries"])
        figure = f"most {worst['queries']} ({worst['label']}); " + ", ".join(
            f"{row['label']} {row['queries']} (was {row['baseline_queries']})" for row in uncached["rows"]
        )
        lines.append(("uncached SQL queries per page", figure, "≤ 15 each", mark(worst["queries"] <= 15)))
    else:
        lines.append(("uncached / baseline", *missing))
    if storm:
        ok = storm["ratio"] >= 0.5 and storm["exact"] and not storm["http_errors"] and not storm["no_answer"]
        figure = (
            f"{storm['ratio']:.2f} ({storm['rate']:,.0f} / {storm['ceiling']:,.0f} per s); "
            f"{'exact' if storm['exact'] else 'NOT EXACT'}, {storm['http_errors'] + storm['no_answer']} errors"
        )
        lines.append(("storm enrollments/s / ceiling", figure, "≥ 0.5, exact, 0 errors", mark(ok)))
    else:
        lines.append(("storm / ceiling", *missing))
    if fanout:
        ratio = fanout["rate"] / fanout["raw_rate"]
        figure = f"{ratio:.2f} ({fanout['rate']:,.0f} / {fanout['raw_rate']:,.0f} emails/s)"
        lines.append(("fan-out / raw smtplib", figure, "≥ 0.5", mark(ratio >= 0.5)))
    else:
        lines.append(("fan-out / raw smtplib", *missing))
    return lines


def summary(folder: Path | None) -> tuple[str, bool]:
    pages, uncached, storm, fanout = (
        load(folder, "pages"),
        load(folder, "uncached"),
        load(folder, "storm"),
        fanout_figures(folder),
    )
    facts = (pages or storm or {}).get("facts", {})
    keep = ("date", "commit", "machine", "load average just before measuring (1/5/15 min)", "server")
    lines = [
        "# Summary of one `make bench` run (bench/summary.py)",
        "",
        *[f"- {label}: {facts[label]}" for label in keep if label in facts],
        "",
        "| what | figure | target (issue 16) | met |",
        "|---|---|---|---|",
        *[
            f"| {what} | {figure} | {target} | {met} |"
            for what, figure, target, met in rows(pages, uncached, storm, fanout)
        ],
        "",
    ]
    return "\n".join(lines), all(part is not None for part in (pages, uncached, storm, fanout))


def main() -> int:
    arg = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_RUN_DIR")
    folder = Path(arg) if arg else None
    text, complete = summary(folder)
    print(text)
    if folder:
        (folder / "summary.md").write_text(text)
        print(f"(summary saved in {folder / 'summary.md'})")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
