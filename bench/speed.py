"""Speed and memory benchmarks of indexing and scanning on the embedded store.

Measures, in one run on the same corpus (real code in The Stack schema, built by
``bench/corpus.py``):

* indexing throughput, MB of source per second on one core: attrib's fingerprinting
  alone and the whole ``attrib index`` pipeline into SQLite, against a baseline that
  runs a plain per-file ``datasketch.MinHash.update`` loop over the 5-gram shingles
  of the same files (same number of permutations);
* ``attrib scan`` latency of 100-line files (in-process ``attribute``), p50 / p95;
* one ``attrib scan`` call over 600 small files (the real CLI, in a subprocess);
* peak memory (RSS) of indexing growing prefixes of the corpus, in fresh processes.

    python bench/speed.py                      # builds bench/data/speed-corpus if missing
    python bench/speed.py --corpus DIR --json bench/results/speed.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from attrib.fingerprint import index_postings  # noqa: E402
from attrib.lexer import lex  # noqa: E402
from attrib.match import attribute  # noqa: E402
from attrib.params import DEFAULT_PARAMS  # noqa: E402
from attrib.store import open_store  # noqa: E402
from attrib.indexer import pipeline  # noqa: E402
from attrib.files import Skipped, decode  # noqa: E402
from attrib.indexer.sources import open_source  # noqa: E402

WORD = re.compile(r"[A-Za-z_0-9]+")


def load(corpus: Path, max_mb: float | None = None):
    """Decoded files of the corpus (read before any timing starts)."""
    files, size = [], 0
    for raw in open_source(str(corpus)):
        f = decode(raw)
        if isinstance(f, Skipped):
            continue
        files.append(f)
        size += f.size
        if max_mb and size >= max_mb * 1e6:
            break
    return files


def baseline_mb_s(files, budget_mb: float = 1.5) -> float:
    """Plain datasketch: one MinHash per file, ``update`` per 5-gram shingle."""
    from datasketch import MinHash
    done, start = 0, time.perf_counter()
    for f in files:
        words = WORD.findall(f.content)
        m = MinHash(num_perm=DEFAULT_PARAMS.num_perm, seed=DEFAULT_PARAMS.seed)
        for i in range(max(len(words) - 4, 0)):
            m.update(" ".join(words[i:i + 5]).encode("utf-8"))
        done += f.size
        if done >= budget_mb * 1e6:
            break
    return done / 1e6 / (time.perf_counter() - start)


def fingerprint_mb_s(files) -> float:
    for f in files[:5]:  # warm-up: imports, permutation tables, vocabularies
        index_postings(lex(f.content, f.lang), DEFAULT_PARAMS)
    start = time.perf_counter()
    for f in files:
        index_postings(lex(f.content, f.lang), DEFAULT_PARAMS)
    return sum(f.size for f in files) / 1e6 / (time.perf_counter() - start)


def index_run(files, store_path: Path):
    from attrib.files import RawFile
    raws = [RawFile(f.content, f.repo, f.path, f.commit, f.licenses, f.lang, f.stars) for f in files]
    store = open_store(str(store_path), mode="create")
    index_postings(lex(files[0].content, files[0].lang), DEFAULT_PARAMS)  # warm-up
    stats = pipeline.run(raws, store)
    store.close()
    return stats


def queries(files, n: int = 100, lines: int = 100, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` spans of ``lines`` lines of random corpus files, with their language (reproducible)."""
    rng = random.Random(seed)
    big = [f for f in files if f.content.count("\n") > lines + 10]
    out = []
    for _ in range(n):
        f = rng.choice(big)
        text = f.content.splitlines()
        i = rng.randrange(0, len(text) - lines)
        out.append(("\n".join(text[i:i + lines]), f.lang))
    return out


def scan_latency(files, store_path: Path, n: int = 100, lines: int = 100, seed: int = 1):
    store = open_store(str(store_path))
    spans = queries(files, n, lines, seed)
    for text, lang in spans[:3]:
        attribute(text, store, lang=lang)  # warm-up
    times = []
    for text, lang in spans:
        t = time.perf_counter()
        attribute(text, store, lang=lang)
        times.append((time.perf_counter() - t) * 1000)
    store.close()
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1],
            "mean_ms": statistics.fmean(times), "queries": n, "lines": lines}


def many_files_scan(files, store_path: Path, count: int = 600, seed: int = 2):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            f = rng.choice(files)
            text = f.content.splitlines()
            a = rng.randrange(0, max(len(text) - 30, 1))
            Path(tmp, f"q{i:04d}.py").write_text("\n".join(text[a:a + 30]) + "\n")
        cmd = [sys.executable, "-m", "attrib", "--store", str(store_path), "scan", tmp, "--format", "json"]
        t = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - t
    report = json.loads(out.stdout)
    return {"files": count, "seconds": seconds, "files_with_matches": report["summary"]["files_with_matches"]}


def memory_curve(corpus: Path) -> list[dict]:
    """Peak RSS of the real ``attrib index`` CLI over growing prefixes of the corpus."""
    n_rows = sum(_rows(p) for p in sorted(Path(corpus).rglob("*.parquet")))
    out = []
    for frac in (0.125, 0.25, 0.5, 1.0):
        limit = max(1, int(n_rows * frac))
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "m.db"
            proc = subprocess.Popen([sys.executable, "-m", "attrib", "--quiet", "--store", str(store), "index",
                                     str(corpus), "--limit", str(limit)], cwd=ROOT)
            _, status, usage = os.wait4(proc.pid, 0)
            if status != 0:
                raise RuntimeError(f"attrib index failed with status {status}")
            size = open_store(str(store)).stats().bytes / 1e6
        out.append({"files": limit, "mb": round(size, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024)})
    return out


def _rows(parquet: Path) -> int:
    import pyarrow.parquet as pq
    return pq.ParquetFile(parquet).metadata.num_rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "data" / "speed-corpus")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "speed.json")
    ap.add_argument("--latency-of", type=Path, help=argparse.SUPPRESS)  # the child process of a run
    args = ap.parse_args()
    if args.latency_of:
        print(json.dumps(scan_latency(load(args.corpus), args.latency_of)))
        return 0
    if not args.corpus.exists():
        subprocess.run([sys.executable, str(HERE / "corpus.py"), "--out", str(args.corpus), "--lang", "Python",
                        "--max-package-mb", "0"], check=True)
    results: dict = {"cores_used": 1}
    # First, while this process is small: Linux counts the parent's resident memory at
    # fork time into a child's peak, so a child started later would look bigger.
    results["memory"] = memory_curve(args.corpus)
    print(json.dumps(results["memory"], indent=2), flush=True)
    files = load(args.corpus)
    total_mb = sum(f.size for f in files) / 1e6
    print(f"corpus: {len(files)} files, {total_mb:.1f} MB", flush=True)
    results.update(corpus_files=len(files), corpus_mb=round(total_mb, 2))
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "speed.db"
        index_run(files, store_path)
        # In a fresh process, like an `attrib scan` call or a server: not after indexing
        # in this one, whose heap is then in another state.
        child = subprocess.run([sys.executable, __file__, "--corpus", str(args.corpus), "--latency-of",
                                str(store_path)], capture_output=True, text=True, check=True)
        results["scan_100_lines"] = json.loads(child.stdout.splitlines()[-1])
        print(json.dumps(results["scan_100_lines"], indent=2), flush=True)
        results["scan_600_files"] = many_files_scan(files, store_path)
        print(json.dumps(results["scan_600_files"], indent=2), flush=True)
        # Three rounds, interleaved, so that a noisy neighbour hits baseline and attrib alike.
        bases, fps, e2es = [], [], []
        for round_ in range(3):
            bases.append(baseline_mb_s(files))
            fps.append(fingerprint_mb_s(files))
            store_path = Path(tmp) / f"speed{round_}.db"
            stats = index_run(files, store_path)
            e2es.append(stats.mb_per_s)
            print(f"round {round_ + 1}: baseline {bases[-1]:.2f} MB/s, fingerprint {fps[-1]:.2f} MB/s, "
                  f"index {e2es[-1]:.2f} MB/s", flush=True)
        base, fp, e2e = (statistics.median(x) for x in (bases, fps, e2es))
        results["indexing"] = {
            "rounds": 3,
            "baseline_datasketch_update_mb_s": round(base, 3),
            "attrib_fingerprint_mb_s": round(fp, 2),
            "attrib_index_end_to_end_mb_s": round(e2e, 2),
            "attrib_index_end_to_end_best_mb_s": round(max(e2es), 2),
            "speedup_end_to_end_vs_baseline": round(e2e / base, 1),
            "postings": stats.postings,
            "store_mb": round(os.path.getsize(store_path) / 1e6, 1),
        }
        print(json.dumps(results["indexing"], indent=2), flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
