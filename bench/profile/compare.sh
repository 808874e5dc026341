#!/bin/bash
# Uncached in-process renders of every public page, two trees alternating (issue 16, RESULTS.md
# "Where the time went"). BEFORE/AFTER: worktrees; each has its own database copy at
# var/prof.sqlite3 made by seed.py (e.g. seed once, copy the file and var/test-media over).
#   BEFORE=/work/wt-baseline AFTER=$PWD ROUNDS=2 bench/profile/compare.sh --n 15 > var/compare.txt
#   .venv/bin/python bench/profile/table.py var/compare.txt
# Add --uncached for what bench/uncached.py serves (production settings, every cache a DummyCache).
HERE=$(cd "$(dirname "$0")" && pwd)
for r in $(seq "${ROUNDS:-2}"); do
  for tree in "$BEFORE" "$AFTER"; do
    name=$([ "$tree" = "$BEFORE" ] && echo before || echo after)
    (cd "$tree" && .venv/bin/python "$HERE/render.py" "$tree" "$tree/var/prof.sqlite3" "$@" 2>/dev/null | tail -1 | sed "s/^/$name /")
  done
done
