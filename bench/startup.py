"""How long the ``attrib`` command takes to start, against ``python -c pass``.

Three commands, run as users run them (the ``attrib`` console script of this
interpreter's environment), interleaved in one run so that a busy machine slows all of
them alike:

* ``python -c pass`` -- the interpreter alone (the floor);
* ``attrib --help``;
* ``attrib scan examples/snippet.py`` on the demo index (the bundled sample, indexed
  first into a temporary SQLite file), text output to a pipe.

With hyperfine installed (``apt-get install hyperfine``) it runs them; otherwise it
times them itself (same warm-up and run counts). Results: a table, and
``bench/results/startup.json``.

    python bench/startup.py [--runs 30] [--store DB]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def commands(store: Path) -> dict[str, list[str]]:
    attrib = str(Path(sys.executable).parent / "attrib")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "attrib --help": [attrib, "--help"],
        "attrib scan (one file, demo index)": [attrib, "--store", str(store), "scan",
                                               str(ROOT / "examples" / "snippet.py")],
    }


def with_hyperfine(cmds: dict[str, list[str]], runs: int, env: dict) -> dict[str, dict]:
    out = Path(tempfile.mkdtemp()) / "hyperfine.json"
    args = ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", str(out)]
    for name, cmd in cmds.items():
        args += ["-n", name, " ".join(cmd)]
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return {r["command"]: {"mean": r["mean"], "median": r["median"], "min": r["min"], "stddev": r["stddev"]}
            for r in json.loads(out.read_text())["results"]}


def by_hand(cmds: dict[str, list[str]], runs: int, env: dict) -> dict[str, dict]:
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for n in range(runs + 3):
        for name, cmd in cmds.items():  # interleaved
            started = time.perf_counter()
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            if n >= 3:  # warm-up
                times[name].append(time.perf_counter() - started)
    return {name: {"mean": statistics.mean(t), "median": statistics.median(t), "min": min(t),
                   "stddev": statistics.stdev(t)} for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--store", type=Path, help="an index to scan (default: the sample, indexed now)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIB_")}
    store = args.store
    if store is None:
        store = Path(tempfile.mkdtemp()) / "demo.db"
        subprocess.run([str(Path(sys.executable).parent / "attrib"), "-q", "--store", str(store), "index",
                        str(ROOT / "examples" / "stack-sample")], check=True, env=env)
    cmds = commands(store)
    results = with_hyperfine(cmds, args.runs, env) if shutil.which("hyperfine") else by_hand(cmds, args.runs, env)
    floor = results["python -c pass"]["median"]
    print(f"{'command':40} {'median':>8} {'min':>8} {'mean':>8}  minus python")
    for name, r in results.items():
        print(f"{name:40} {r['median']:8.3f} {r['min']:8.3f} {r['mean']:8.3f}  {r['median'] - floor:+8.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps({"runs": args.runs, "results": results}, indent=2))


if __name__ == "__main__":
    main()
