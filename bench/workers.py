"""Indexing throughput with one fingerprinting process against a pool of workers.

Indexes the same corpus (real code in The Stack schema) into a fresh SQLite store with
``--workers 1`` and with ``--workers N``, alternating the two, so that a noisy
neighbour slows both alike; prints MB of source per second for each run, the medians
and their ratio. Each run is a fresh process, as each ``attrib index`` is: it pays its
own imports and, with N > 1, the start of its worker pool. MB/s is the pipeline's own
figure (``IndexStats.mb_per_s``: bytes indexed over the time from the first file read
to the last batch stored), the one ``attrib index`` prints.

    python bench/workers.py                                  # 1 vs all cores, 3 rounds
    python bench/workers.py --workers 4 --rounds 5 --corpus DIR --json bench/results/workers.json
    python bench/workers.py --copies 4                       # a longer run: the steady state

The corpus defaults to the accuracy benchmark's (``bench/data/accuracy/corpus``, built
by ``bench/accuracy.py``), else the bundled sample ``examples/stack-sample``. A small
corpus is a few batches, so starting the pool (about a second of CPU per worker:
an interpreter, numpy, datasketch) weighs on it; ``--copies K`` indexes it K times
over, every copy of a file a new blob (a comment line added: new content, the same
fingerprinting work), as a long run on a big corpus would.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPORA = (HERE / "data" / "accuracy" / "corpus", ROOT / "examples" / "stack-sample")


def one_run(corpus: Path, workers: int, copies: int) -> dict:
    """Index ``corpus`` into a new store in a fresh process; that process's counters."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, __file__, "--run-one", str(workers), "--corpus", str(corpus),
                               "--copies", str(copies), "--store", str(Path(tmp) / "bench.db")],
                              cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def copied(source, copies: int):
    """The files of ``source``, then ``copies - 1`` more times, each time as new blobs."""
    yield from source
    for k in range(1, copies):
        for raw in source:
            line = f"\n# copy {k}\n"
            data = raw.data + (line if isinstance(raw.data, str) else line.encode())
            yield dataclasses.replace(raw, data=data)


def run_one(corpus: Path, store: Path, workers: int, copies: int) -> dict:
    """The child: ``attrib index CORPUS --workers N``, through the library."""
    sys.path.insert(0, str(ROOT))
    from attrib.store import open_store
    from attrib.indexer import pipeline
    from attrib.indexer.sources import open_source

    with open_store(str(store), mode="create") as target:
        stats = pipeline.run(copied(open_source(str(corpus)), copies), target, workers=workers)
    return {"workers": workers, "mb_per_s": stats.mb_per_s, "seconds": stats.seconds,
            "mb": stats.bytes_indexed / 1e6, "files": stats.indexed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=next((c for c in CORPORA if c.exists()), CORPORA[-1]))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="the pool size to compare with one process (default: the CPU cores)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--copies", type=int, default=1, help="index the corpus this many times over (see above)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--run-one", type=int, help=argparse.SUPPRESS)  # the child process of a run
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.corpus, args.store, args.run_one, args.copies)))
        return 0
    if args.rounds < 2 or args.workers < 2 or args.copies < 1:
        ap.error("compare at least 2 rounds, with --workers 2 or more, of 1 or more copies")
    print(f"corpus {args.corpus} x {args.copies}; {os.cpu_count()} CPU cores; --workers 1 vs "
          f"--workers {args.workers}, {args.rounds} rounds, alternating", flush=True)
    runs: dict[int, list[dict]] = {1: [], args.workers: []}
    for round_ in range(args.rounds):
        order = (1, args.workers) if round_ % 2 == 0 else (args.workers, 1)
        for workers in order:
            result = one_run(args.corpus, workers, args.copies)
            runs[workers].append(result)
            print(f"round {round_ + 1}: --workers {workers}: {result['mb_per_s']:.2f} MB/s "
                  f"({result['mb']:.1f} MB, {result['files']:,} files in {result['seconds']:.1f} s)", flush=True)
    one, many = (statistics.median(r["mb_per_s"] for r in runs[w]) for w in (1, args.workers))
    print(f"median: --workers 1 {one:.2f} MB/s, --workers {args.workers} {many:.2f} MB/s, "
          f"ratio {many / one:.2f}x", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"corpus": str(args.corpus), "copies": args.copies,
                                         "cpu_count": os.cpu_count(),
                                         "runs": runs, "median_mb_per_s": {"1": one, str(args.workers): many},
                                         "ratio": many / one}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
