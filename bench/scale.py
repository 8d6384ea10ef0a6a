"""attrib at growing index sizes: real C code from 10 MB to 1 GB and more, both stores.

The corpora are the Linux kernel's ``.c``/``.h`` files from Debian's ``linux-source``
packages in The Stack's schema (:mod:`linux`: downloaded once, every smaller corpus a
part of every bigger one). For each size and store, in one run:

* ``attrib index`` (the real CLI, ``--workers`` = cores): MB/s of wall time, MB per CPU
  second of the whole process tree (MB/s per core), peak RSS of its largest process;
* the index size in bytes per MB of code (``attrib stats``);
* ``attrib scan`` of one 100-line file in a fresh process (cold: start-up, imports,
  opening the index, one lookup; bytecode compiled, as in an installed package): wall
  time and peak RSS, p50 / p95;
* ``attribute()`` of 100-line files in one warm process: p50 / p95;
* accuracy on the same queries at every size: *planted* spans are 100-line slices of
  files of the smallest corpus (so in every index); recall counts a planted span found
  when a match covers half of its lines or more and names its source file. *Negatives*
  are 100-line slices of held-out kernel files (paths in no corpus); a false attribution
  is a negative with any match. Kernel code copies itself (drivers, two kernel
  versions), so some of those are true copies: the number to watch is whether it grows.

    python bench/scale.py --mb 10 100 1000                       # embedded store
    scripts/elasticsearch start --home /tmp/es-scale --port 9250 --heap 4g
    eval "$(scripts/elasticsearch env --home /tmp/es-scale)"
    python bench/scale.py --mb 10 100 1000 --elastic http://127.0.0.1:9250 \
        --elastic-pid "$(cat /tmp/es-scale/run/es.pid)"

Results: ``bench/results/scale.json`` (and one line per measurement as it goes).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import linux  # noqa: E402

LINES = 100


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    sha: str | None  # the planted span's source blob; None for a negative


def measured(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """The real CLI in a subprocess: its result, and its wall time, CPU time (its worker
    processes included) and peak RSS (of its largest process).

    The usage is read by GNU ``time`` rather than by this process: Linux counts the
    memory of the process that forks into a child's peak RSS, and this one is large.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, sys.executable, "-m",
                               "attrib", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        user, system, rss_kb = report.read().split()[-3:]
    if done.returncode != 0:
        raise RuntimeError(f"attrib {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done, {"wall_s": wall, "cpu_s": float(user) + float(system), "peak_rss_mb": int(rss_kb) / 1024}


def make_queries(smallest: Path, count: int, negatives: int, seed: int) -> list[Query]:
    """Planted spans from the smallest corpus; negatives from held-out files."""
    import pyarrow.parquet as pq

    rng = random.Random(seed)

    def rows(folder: Path) -> list[dict]:
        out = []
        for f in sorted(folder.rglob("*.parquet")):
            out += pq.read_table(f, columns=["content", "hexsha", "max_stars_repo_path"]).to_pylist()
        return [r for r in out if r["content"].count("\n") > LINES + 20]

    def span(text: str) -> str:
        lines = text.splitlines()
        i = rng.randrange(0, len(lines) - LINES)
        return "\n".join(lines[i:i + LINES]) + "\n"

    planted = rng.sample(rows(smallest), count)
    held = rng.sample(rows(linux.held_out()), negatives)
    return ([Query(f"planted-{i:03d}.c", span(r["content"]), r["hexsha"]) for i, r in enumerate(planted)]
            + [Query(f"negative-{i:03d}.c", span(r["content"]), None) for i, r in enumerate(held)])


def judge(query: Query, matches) -> bool:
    """Planted: found (half the lines, the source named). Negative: any match at all."""
    if query.sha is None:
        return bool(matches)
    for m in matches:
        if m.end_line - m.start_line + 1 >= LINES / 2 and any(s.sha == query.sha for s in m.sources):
            return True
    return False


def warm(url: str, queries: list[Query], env: dict) -> dict:
    """``attribute()`` of every query in one process (after 3 warm-up queries)."""
    from attrib.match import attribute
    from attrib.store import open_store

    store = open_store(url)
    for q in queries[:3]:
        attribute(q.text, store, lang="C")
    times, found = [], {"planted": 0, "negative": 0}
    for q in queries:
        t = time.perf_counter()
        matches = attribute(q.text, store, lang="C")
        times.append((time.perf_counter() - t) * 1000)
        if judge(q, matches):
            found["planted" if q.sha else "negative"] += 1
    store.close()
    times.sort()
    planted = sum(1 for q in queries if q.sha)
    return {"warm_p50_ms": round(statistics.median(times), 1),
            "warm_p95_ms": round(times[int(0.95 * len(times)) - 1], 1),
            "recall": round(found["planted"] / planted, 3), "planted": planted,
            "false_attributions": found["negative"], "negatives": len(queries) - planted}


def cold(url: str, folder: Path, queries: list[Query], count: int, env: dict) -> dict:
    """``attrib scan FILE`` in a fresh process, ``count`` times."""
    walls, rss = [], []
    for q in queries[:count]:
        _, m = measured("--store", url, "scan", str(folder / q.name), "--format", "json", env=env)
        walls.append(m["wall_s"])
        rss.append(m["peak_rss_mb"])
    walls.sort()
    return {"cold_p50_s": round(statistics.median(walls), 3), "cold_p95_s": round(walls[int(0.95 * len(walls)) - 1], 3),
            "cold_rss_mb": round(max(rss))}


def peak_rss_mb() -> int:
    """This process's peak RSS since it started (VmHWM: unlike getrusage, without the
    memory of the process that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


def child_warm(url: str, qfile: Path, env: dict) -> dict:
    """:func:`warm` in a fresh process, with that process's peak RSS."""
    code = ("import json, sys; sys.path.insert(0, 'bench'); import scale; "
            f"qs = [scale.Query(**q) for q in json.load(open({str(qfile)!r}))]; "
            f"r = scale.warm({url!r}, qs, {{}}); r['warm_rss_mb'] = scale.peak_rss_mb(); print(json.dumps(r))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def where_time_goes(corpus: Path, mb: float, store_path: Path) -> dict:
    """CPU seconds per MB of code of each indexing step, in this process (one core; the
    CPU time of the threads pyarrow reads with included), batch by
    batch as ``attrib index`` does it (batches of 4 MB): reading and decoding, the
    header's evidence (licenses, copyright lines), lexing, MinHash (windows and band
    keys of a whole batch), storing (each batch and its merges), finishing (the final
    merge)."""
    from attrib.fingerprint import index_postings
    from attrib.lexer import lex
    from attrib.params import DEFAULT_PARAMS
    from attrib.store import IndexEntry, open_store
    from attrib.files import Skipped, decode
    from attrib.indexer.pipeline import with_evidence
    from attrib.indexer.sources import open_source

    spent = dict.fromkeys(("read", "evidence", "lex", "minhash", "store", "finish"), 0.0)
    size = 0
    store = open_store(str(store_path), mode="create")
    store.ensure_params(DEFAULT_PARAMS)

    def step(name: str, since: float) -> float:
        now = time.process_time()
        spent[name] += now - since
        return now

    def add(batch: list) -> float:
        clock = time.process_time()
        lexed = [lex(f.content, f.lang) for f in batch]
        clock = step("lex", clock)
        postings = index_postings(lexed, DEFAULT_PARAMS).per_text()
        clock = step("minhash", clock)
        store.add([IndexEntry(f, keys, lines) for f, (keys, lines) in zip(batch, postings)])
        return step("store", clock)

    batch, batch_size = [], 0
    clock = time.process_time()
    for raw in open_source(str(corpus)):
        f = decode(raw)
        clock = step("read", clock)
        if isinstance(f, Skipped):
            continue
        f = with_evidence(f, raw.licenses_given)
        clock = step("evidence", clock)
        batch.append(f)
        batch_size += f.size
        size += f.size
        if batch_size >= 4_000_000 or size >= mb * 1e6:
            clock = add(batch)
            batch, batch_size = [], 0
        if size >= mb * 1e6:
            break
    if batch:
        clock = add(batch)
    store.finish()
    spent["finish"] += time.process_time() - clock
    store.close()
    out = {f"{k}_s_per_mb": round(v / (size / 1e6), 4) for k, v in spent.items()}
    out["mb"] = round(size / 1e6, 1)
    out["total_mb_per_s"] = round(size / 1e6 / sum(spent.values()), 2)
    return out


def jvm_cpu_s(pid: int | None) -> float:
    """CPU seconds the Elasticsearch node has used so far (0 without its pid)."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one(store: str, url: str, mb: int, corpus: Path, folder: Path, qfile: Path, queries: list[Query],
        cold_count: int, workers: int, env: dict, es_pid: int | None = None) -> dict:
    jvm = jvm_cpu_s(es_pid)
    done, m = measured("--store", url, "index", str(corpus), "--workers", str(workers), env=env)
    jvm = jvm_cpu_s(es_pid) - jvm
    stats = json.loads(measured("--store", url, "stats", "--format", "json", env=env)[0].stdout)
    code_mb = stats["bytes"] / 1e6
    row = {"store": store, "mb": mb, "code_mb": round(code_mb, 1), "files": stats["files"],
           "postings": stats["postings"], "index_s": round(m["wall_s"], 1),
           "index_mb_s": round(code_mb / m["wall_s"], 2), "index_mb_per_cpu_s": round(code_mb / m["cpu_s"], 2),
           "index_peak_rss_mb": round(m["peak_rss_mb"]), "index_bytes": stats["index_bytes"],
           "node_cpu_s": round(jvm, 1), "index_mb_per_cpu_s_with_node": round(code_mb / (m["cpu_s"] + jvm), 2),
           "index_x_code": round(stats["index_bytes"] / stats["bytes"], 3)}
    print(json.dumps(row), flush=True)
    row.update(cold(url, folder, queries, cold_count, env))
    print(json.dumps(row), flush=True)
    row.update(child_warm(url, qfile, env))
    # The size again, settled: Elasticsearch deletes the segments a force-merge replaced
    # only some time after it (right after `attrib index`, 1 GB measured 2.3x, later 1.5x).
    stats = json.loads(measured("--store", url, "stats", "--format", "json", env=env)[0].stdout)
    row.update(index_bytes=stats["index_bytes"], index_x_code=round(stats["index_bytes"] / stats["bytes"], 3))
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, nargs="+", default=[10, 100, 1000], help="corpus sizes (MB of code)")
    ap.add_argument("--elastic", metavar="URL", help="also measure an Elasticsearch node (http://HOST:PORT)")
    ap.add_argument("--elastic-mb", type=int, nargs="*", help="sizes for Elasticsearch (default: all)")
    ap.add_argument("--elastic-pid", type=int, help="the node's process id, to count its CPU time while indexing")
    ap.add_argument("--no-embedded", action="store_true", help="Elasticsearch only")
    ap.add_argument("--queries", type=int, default=100, help="planted spans")
    ap.add_argument("--negatives", type=int, default=100, help="held-out spans")
    ap.add_argument("--cold", type=int, default=20, help="fresh-process scans per index")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--work", type=Path, default=HERE / "data" / "scale", help="where indexes are built")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "scale.json")
    ap.add_argument("--profile-mb", type=float, default=100.0,
                    help="MB of the largest corpus indexed in-process, step by step, to see where time goes (0: no)")
    args = ap.parse_args(argv)
    corpora = linux.build(sorted(args.mb))
    # Measured as installed: an installed package has its bytecode compiled, so every
    # attrib process here reads it too (a dev shell's PYTHONDONTWRITEBYTECODE would make
    # each fresh `attrib scan` compile ~25 modules from source, about 0.08 s).
    env = {k: v for k, v in os.environ.items() if k not in ("ATTRIB_STORE", "PYTHONDONTWRITEBYTECODE")}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "attrib", "cli", "indexer"], cwd=ROOT, check=True)
    args.work.mkdir(parents=True, exist_ok=True)
    queries = make_queries(corpora[min(args.mb)], args.queries, args.negatives, args.seed)
    folder = args.work / "queries"
    folder.mkdir(exist_ok=True)
    for q in queries:
        (folder / q.name).write_text(q.text)
    qfile = args.work / "queries.json"
    qfile.write_text(json.dumps([q.__dict__ for q in queries]))
    results = {"cores": os.cpu_count(), "workers": args.workers, "queries": len(queries), "rows": []}
    for mb in sorted(args.mb):
        if not args.no_embedded:
            db = args.work / f"c-{mb}mb.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            results["rows"].append(one("embedded", str(db), mb, corpora[mb], folder, qfile, queries, args.cold,
                                       args.workers, env))
        if args.elastic and (args.elastic_mb is None or mb in args.elastic_mb):
            url = f"{args.elastic.rstrip('/')}/scale-{mb}mb"
            _delete_es(url, env)
            results["rows"].append(one("elasticsearch", url, mb, corpora[mb], folder, qfile, queries, args.cold,
                                       args.workers, env, args.elastic_pid))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.profile_mb:
        db = args.work / "profile.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        results["indexing_profile"] = where_time_goes(corpora[max(args.mb)], args.profile_mb, db)
        print(json.dumps(results["indexing_profile"]), flush=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results["rows"]))
    return 0


def _delete_es(url: str, env: dict) -> None:
    from attrib.store import open_store, store_exists

    if store_exists(url):
        store = open_store(url)
        store.delete()  # type: ignore[attr-defined]
        store.close()


def table(rows: list[dict]) -> str:
    cols = [("store", "store"), ("code_mb", "MB of code"), ("index_mb_s", "index MB/s"),
            ("index_mb_per_cpu_s", "MB/s per core"), ("index_peak_rss_mb", "index peak RSS MB"),
            ("index_x_code", "index / code"), ("cold_p50_s", "cold scan p50 s"), ("cold_p95_s", "p95 s"),
            ("cold_rss_mb", "scan RSS MB"), ("warm_p50_ms", "warm p50 ms"), ("warm_p95_ms", "p95 ms"),
            ("recall", "recall"), ("false_attributions", "false attributions")]
    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "")) for k, _ in cols) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
