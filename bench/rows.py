"""Reading Stack-schema files: rows per second of ``open_source`` alone (no fingerprinting).

Writes the bundled sample ``--copies`` times (each copy a new blob: a comment line
added) as ``.jsonl``, ``.jsonl.gz`` and ``.parquet``, then times iterating each as
``attrib index`` does. Run it against another checkout to compare (the code measured is
whatever ``indexer`` the path finds first)::

    python bench/rows.py --copies 20
    PYTHONPATH=/path/to/other/checkout python bench/rows.py --copies 20
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "examples" / "stack-sample" / "data" / "python" / "train-00000-of-00001.parquet"


def corpus(copies: int) -> list[dict]:
    rows = pq.read_table(SAMPLE).to_pylist()
    return [{**r, "content": r["content"] + f"\n# copy {k}\n"} for k in range(copies) for r in rows]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from attrib.indexer.sources import open_source

    rows = corpus(args.copies)
    megabytes = sum(len(r["content"].encode()) for r in rows) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        files = {"jsonl": Path(tmp, "rows.jsonl"), "jsonl.gz": Path(tmp, "rows.jsonl.gz"),
                 "parquet": Path(tmp, "rows.parquet")}
        text = "".join(json.dumps(r) + "\n" for r in rows).encode()
        files["jsonl"].write_bytes(text)
        files["jsonl.gz"].write_bytes(gzip.compress(text, 6))
        pq.write_table(pa.Table.from_pylist(rows), files["parquet"], row_group_size=1000)
        print(f"{len(rows):,} rows, {megabytes:.1f} MB of code; indexer from {sys.modules['indexer'].__file__}")
        print("| format | rows/s | MB/s of code |\n|---|---|---|")
        for name, path in files.items():
            best = float("inf")
            for _ in range(args.rounds):
                started = time.perf_counter()
                n = sum(1 for _ in open_source(str(path)))
                best = min(best, time.perf_counter() - started)
            assert n == len(rows), (name, n)
            print(f"| {name} | {len(rows) / best:,.0f} | {megabytes / best:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
