"""The Elasticsearch store against the embedded store, on the same corpus, in one run.

* indexing throughput (MB of source per second, the whole pipeline: decode,
  fingerprint, store) into SQLite and into Elasticsearch, rounds interleaved so machine
  noise hits both alike; the ratio is the number to compare;
* ``attrib scan`` latency of 100-line files (in-process ``attribute`` in a fresh
  process, the two stores taking turns query by query, on the settled index: after the
  force-merge below), p50 / p95, and whether both stores give the same matches;
* sizing: bytes stored per MB of code (after a force-merge to one segment, as a
  finished index settles), documents per file, per Elasticsearch index.

Needs a running node (``scripts/elasticsearch start``); reads its address and login
from ``scripts/elasticsearch env`` variables (``ATTRIB_ES_USER`` / ``ATTRIB_ES_PASSWORD``).

    eval "$(scripts/elasticsearch env)"
    python bench/elastic.py --corpus bench/data/accuracy/corpus --es http://127.0.0.1:9200
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
sys.path.insert(0, str(HERE))

from attrib.match import attribute  # noqa: E402
from attrib.store import open_store  # noqa: E402
from attrib.indexer import pipeline  # noqa: E402
from attrib.files import RawFile  # noqa: E402
from speed import load, queries  # noqa: E402


def index_run(files, url: str) -> float:
    """MB/s of the whole pipeline into the store at ``url`` (created fresh)."""
    raws = [RawFile(f.content, f.repo, f.path, f.commit, f.licenses, f.lang, f.stars) for f in files]
    store = open_store(url, mode="create")
    started = time.perf_counter()
    stats = pipeline.run(raws, store)
    store.close()  # Elasticsearch: restores refresh and replicas, refreshes: part of the load
    return stats.bytes_indexed / 1e6 / (time.perf_counter() - started)


def scan_latency(files, urls: dict[str, str]) -> dict[str, dict]:
    """p50/p95 of ``attribute`` on 100 queries of 100 lines per store, and a digest of the
    matches. The stores take turns query by query, so machine noise hits both alike."""
    stores = {name: open_store(url) for name, url in urls.items()}
    qs = queries(files)
    for text, lang in qs[:3]:
        for store in stores.values():
            attribute(text, store, lang=lang)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in stores}
    found: dict[str, list] = {name: [] for name in stores}
    for text, lang in qs:
        for name, store in stores.items():
            t = time.perf_counter()
            matches = attribute(text, store, lang=lang)
            times[name].append((time.perf_counter() - t) * 1000)
            found[name].append([[m.start_line, m.end_line, [[s.repo, s.path, s.start_line, s.end_line,
                                                             round(s.similarity, 4)] for s in m.sources]]
                                for m in matches])
    out = {}
    for name, store in stores.items():
        store.close()
        ts = sorted(times[name])
        out[name] = {"p50_ms": round(statistics.median(ts), 1), "p95_ms": round(ts[int(0.95 * len(ts)) - 1], 1),
                     "mean_ms": round(statistics.fmean(ts), 1), "queries": len(qs), "matches": found[name]}
    return out


def es_sizes(url: str) -> dict:
    """Primary storage per Elasticsearch index after a force-merge, and document counts."""
    from attrib.store.es_client import Connection

    conn = Connection.parse(url)
    es = conn.client()
    names = f"{conn.index}-files,{conn.index}-sources,{conn.index}-postings"
    es.options(request_timeout=600).indices.forcemerge(index=names, max_num_segments=1, wait_for_completion=True)
    es.indices.refresh(index=names)
    stats = es.indices.stats(index=names, metric="store,docs")["indices"]
    return {name.split("-")[-1]: {"docs": s["primaries"]["docs"]["count"],
                                  "bytes": s["primaries"]["store"]["size_in_bytes"]}
            for name, s in stats.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / "data" / "accuracy" / "corpus")
    ap.add_argument("--es", default="http://127.0.0.1:9200", help="Elasticsearch node (base URL)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path, default=HERE / "results" / "elastic.json")
    ap.add_argument("--latency-of", help=argparse.SUPPRESS)  # the child process of a run
    args = ap.parse_args()
    files = load(args.corpus)
    if args.latency_of:
        print(json.dumps(scan_latency(files, json.loads(args.latency_of))))
        return 0
    total_mb = sum(f.size for f in files) / 1e6
    print(f"corpus: {len(files)} files, {total_mb:.1f} MB", flush=True)
    results: dict = {"corpus_files": len(files), "corpus_mb": round(total_mb, 2), "rounds": []}
    with tempfile.TemporaryDirectory() as tmp:
        urls = {}
        for r in range(args.rounds):
            sqlite_url = str(Path(tmp) / f"bench{r}.db")
            es_url = f"{args.es.rstrip('/')}/bench-{os.getpid()}-{r}"
            row = {"sqlite_mb_s": index_run(files, sqlite_url), "elastic_mb_s": index_run(files, es_url)}
            row["ratio"] = row["elastic_mb_s"] / row["sqlite_mb_s"]
            results["rounds"].append({k: round(v, 3) for k, v in row.items()})
            print(f"round {r + 1}: sqlite {row['sqlite_mb_s']:.2f} MB/s, elasticsearch "
                  f"{row['elastic_mb_s']:.2f} MB/s, ratio {row['ratio']:.2f}", flush=True)
            urls = {"sqlite": sqlite_url, "elastic": es_url}
        ratios = [r["ratio"] for r in results["rounds"]]
        results["indexing_ratio_median"] = round(statistics.median(ratios), 3)
        sizes = es_sizes(urls["elastic"])
        # In a fresh process, like an `attrib scan` call or a server.
        child = subprocess.run([sys.executable, __file__, "--corpus", str(args.corpus), "--latency-of",
                                json.dumps(urls)], capture_output=True, text=True, check=True, env=os.environ)
        scans = json.loads(child.stdout.splitlines()[-1])
        for name in urls:
            print(f"scan {name}: p50 {scans[name]['p50_ms']} ms, p95 {scans[name]['p95_ms']} ms", flush=True)
        same = sum(a == b for a, b in zip(scans["sqlite"]["matches"], scans["elastic"]["matches"]))
        results["scan"] = {k: {m: v for m, v in s.items() if m != "matches"} for k, s in scans.items()}
        results["scan"]["identical_reports"] = f"{same}/{len(scans['sqlite']['matches'])}"
        print(f"identical scan results: {same}/{len(scans['sqlite']['matches'])}", flush=True)
        sqlite_bytes = Path(urls["sqlite"]).stat().st_size
        es_bytes = sum(s["bytes"] for s in sizes.values())
        results["sizing"] = {
            "elastic": sizes,
            "elastic_bytes_per_mb": round(es_bytes / total_mb),
            "sqlite_bytes_per_mb": round(sqlite_bytes / total_mb),
            "postings_docs_per_file": round(sizes["postings"]["docs"] / sizes["files"]["docs"], 2),
            "mb_per_file": round(total_mb / sizes["files"]["docs"], 5),
        }
        print(json.dumps(results["sizing"], indent=2), flush=True)
        from attrib.store.es_client import Connection
        for r in range(args.rounds):
            conn = Connection.parse(f"{args.es.rstrip('/')}/bench-{os.getpid()}-{r}")
            conn.client().indices.delete(index=f"{conn.index}-*")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
