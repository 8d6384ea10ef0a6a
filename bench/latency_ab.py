"""Warm and cold scan latency of two checkouts of attrib, alternately, on the same indexes.

On a shared, noisy machine a latency measured in one run means little next to one
measured in another; this runs the baseline's code and the candidate's by turns, round
after round, on every index, and reports each one's median over the rounds and their
ratio (candidate / baseline):

* warm: ``attribute()`` of every query of ``bench/data/scale/queries.json`` (100-line
  files: 100 planted, 100 negatives) in one fresh process per round and checkout, after
  3 warm-up queries: p50 / p95 per query;
* cold: ``attrib scan FILE`` in a fresh process (start-up, imports, opening the index,
  one query), ``--cold`` files per round and checkout: p50 of the wall time.

Each checkout is imported from its own folder (the child runs there). The indexes are
only read.

    nice -n 10 python bench/latency_ab.py --baseline /work/main \\
        bench/data/scale/c-10mb.db /tmp/c-100mb.db bench/data/scale/c-1000mb.db

Results: one JSON line per measurement as it goes, then a table (Markdown).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = HERE / "data" / "scale" / "queries.json"
QUERY_FILES = HERE / "data" / "scale" / "queries"

_WARM = """
import json, statistics, sys, time
from attrib.match import attribute
from attrib.store import open_store
store = open_store(sys.argv[1])
texts = [q["text"] for q in json.load(open(sys.argv[2]))]
for t in texts[:3]:
    attribute(t, store, lang="C")
times = []
for t in texts:
    start = time.perf_counter()
    attribute(t, store, lang="C")
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(json.dumps({"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1]}))
"""


def warm(tree: Path, index: Path) -> dict:
    """One warm run of ``tree``'s code over every query."""
    done = subprocess.run([sys.executable, "-c", _WARM, str(index), str(QUERIES)], cwd=tree,
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold(tree: Path, index: Path, files: list[Path]) -> float:
    """p50 wall seconds of ``attrib scan FILE`` in a fresh process, one per file."""
    walls = []
    for f in files:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "attrib", "--store", str(index), "scan", str(f),
                               "--format", "json"], cwd=tree, env={"PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):  # 1: matches found under the default policy
            raise RuntimeError(done.stderr[-3000:])
    return statistics.median(walls)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("indexes", nargs="+", type=Path, help="embedded indexes to query (only read)")
    ap.add_argument("--baseline", type=Path, required=True, help="the checkout to compare against")
    ap.add_argument("--candidate", type=Path, default=ROOT, help="the checkout measured (default: this one)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations of the two checkouts per index")
    ap.add_argument("--cold", type=int, default=10, help="fresh-process scans per round and checkout")
    args = ap.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "candidate": args.candidate.resolve()}
    files = sorted(QUERY_FILES.iterdir())[:: max(1, 200 // max(args.cold, 1))][: args.cold]
    for tree in trees.values():  # compile both checkouts' bytecode before anything is timed
        cold(tree, args.indexes[0], files[:1])
    rows = []
    for index in args.indexes:
        got: dict[str, dict[str, list[float]]] = {name: {"p50_ms": [], "p95_ms": [], "cold_s": []} for name in trees}
        for r in range(args.rounds):
            for name, tree in (trees.items() if r % 2 == 0 else reversed(trees.items())):
                w = warm(tree, index)
                c = cold(tree, index, files) if args.cold else float("nan")
                for key, value in (("p50_ms", w["p50_ms"]), ("p95_ms", w["p95_ms"]), ("cold_s", c)):
                    got[name][key].append(value)
                print(json.dumps({"index": index.name, "round": r, "code": name, **w, "cold_s": c}), flush=True)
        med = {name: {k: statistics.median(v) for k, v in m.items()} for name, m in got.items()}
        rows.append((index.name, med))
    print("\n| index | warm p50 ms, baseline / candidate (ratio) | warm p95 ms | cold scan p50 s |")
    print("|---|---|---|---|")
    for name, med in rows:
        b, c = med["baseline"], med["candidate"]
        cells = [f"{b[k]:.{d}f} / {c[k]:.{d}f} ({c[k] / b[k]:.2f}x)" for k, d in
                 (("p50_ms", 1), ("p95_ms", 1), ("cold_s", 3))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
