"""How long ``attrib check`` takes on a 1,000-line change against the benchmark index.

A git repository is made in a temporary directory: a first commit of the project's own
code, then a commit that adds 1,000 lines in 10 files of 100 lines: 5 are slices of
files in the index, one per license where it can (permissive, weak copyleft: the check
has violations to find, align and report) and 5 are attrib's own source (in no indexed
file). Each round times, in alternating order and each in a fresh process as CI runs it:

* ``check``: ``attrib check --base HEAD~1 --format sarif`` (git diff, blobs, policy,
  attribution, SARIF);
* ``scan``: ``attrib scan`` of the same 10 files (the attribution alone: the baseline).

    python bench/check.py                      # the accuracy benchmark's index (build it first)
    python bench/check.py --store bench/data/accuracy/index.db --rounds 7
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

LINES = 100  # per file
COPIES = 5
NOVEL = ["attrib/match.py", "attrib/align.py", "attrib/lexer.py", "attrib/store/sqlite.py", "indexer/pipeline.py"]


def copies(corpus: Path) -> list[tuple[str, list[str], str]]:
    """(name, lines, license) of 100-line slices of indexed files, one per license."""
    import pyarrow.parquet as pq

    rows = pq.read_table(corpus / "data" / "python",
                         columns=["content", "max_stars_repo_name", "max_stars_repo_path",
                                  "max_stars_repo_licenses"]).to_pylist()
    picked, licenses = [], set()
    for row in sorted(rows, key=lambda r: (r["max_stars_repo_name"], r["max_stars_repo_path"])):
        lines = row["content"].splitlines()
        license_ = row["max_stars_repo_licenses"][0]
        if len(lines) < 3 * LINES or license_ in licenses and len(picked) < COPIES - 1:
            continue
        licenses.add(license_)
        start = len(lines) // 3
        picked.append((f"copy_{len(picked)}.py", lines[start:start + LINES],
                       f"{row['max_stars_repo_name']}/{row['max_stars_repo_path']} ({license_})"))
        if len(picked) == COPIES:
            break
    return picked


def run(cmd: list[str], env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default=str(HERE / "data" / "accuracy" / "index.db"))
    ap.add_argument("--corpus", type=Path, default=HERE / "data" / "accuracy" / "corpus")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not Path(args.store).exists():
        raise SystemExit(f"no index at {args.store}: run `python bench/accuracy.py` first (it builds it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIB_")}
    env["ATTRIB_STORE"] = args.store
    attrib = [sys.executable, "-m", "attrib"]
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        (repo / "src").mkdir(parents=True)
        git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b", "-c", "commit.gpgsign=false"]
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        (repo / "README.md").write_text("# bench\n")
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "base"], check=True)
        files = []
        for name, lines, what in copies(args.corpus):
            (repo / "src" / name).write_text("\n".join(lines) + "\n")
            files.append(name)
            print(f"  src/{name}: {what}")
        for i, path in enumerate(NOVEL):
            lines = (ROOT / path).read_text().splitlines()[:LINES]
            (repo / "src" / f"own_{i}.py").write_text("\n".join(lines) + "\n")
            files.append(f"own_{i}.py")
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "1,000 lines"], check=True)
        added = subprocess.run(git + ["diff", "--numstat", "HEAD~1", "HEAD"], capture_output=True, text=True).stdout
        total = sum(int(line.split()[0]) for line in added.splitlines())
        commands = {
            "check": attrib + ["check", "--base", "HEAD~1", "--format", "sarif", "-o", str(Path(tmp) / "out.sarif")],
            "scan": attrib + ["scan", *[f"src/{f}" for f in files], "--format", "json",
                              "-o", str(Path(tmp) / "o.json")],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.rounds + 1):  # round 0 warms the page cache and is not counted
            order = list(commands) if round_ % 2 else list(reversed(commands))
            for name in order:
                elapsed = run(commands[name], env, repo)
                if round_:
                    times[name].append(elapsed)
            if round_:
                print(f"round {round_}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()), flush=True)
        sarif = json.loads((Path(tmp) / "out.sarif").read_text())
        violations = len(sarif["runs"][0]["results"])
    med = {name: statistics.median(t) for name, t in times.items()}
    out = {"added_lines": total, "files": len(files), "violations": violations, "rounds": args.rounds,
           "median_s": {k: round(v, 3) for k, v in med.items()},
           "max_s": {k: round(max(v), 3) for k, v in times.items()},
           "check_vs_scan": round(med["check"] / med["scan"], 3), "all_s": times, "store": args.store}
    print(json.dumps({k: v for k, v in out.items() if k != "all_s"}, indent=1))
    print(f"\nattrib check on a {total}-line diff: median {med['check']:.2f} s (max {max(times['check']):.2f} s); "
          f"attrib scan of the same files {med['scan']:.2f} s; ratio {out['check_vs_scan']:.2f}. Target <= 2 s.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
