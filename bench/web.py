"""Load on ``attrib serve``: 50 concurrent clients attributing 40-line snippets.

Starts ``attrib serve`` (a real server process) on each store in turn, the embedded
store and Elasticsearch, over the same index (the bundled sample, indexed here), and
drives it with ``CLIENTS`` concurrent clients (httpx, asyncio) for ``--seconds``. Each
request attributes a 40-line snippet: half copied from an indexed file (a match to
align and report), half attrib's own code (nothing to find). Reports requests/s, p50
and p95 latency and errors per store. The server runs with its defaults (4 queries at
once; the rest queue).

    python bench/web.py                                   # embedded store only
    eval "$(scripts/elasticsearch env)"; python bench/web.py --elastic "$ATTRIB_STORE"
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "examples" / "stack-sample"
CLIENTS = 50
SNIPPET_LINES = 40


def snippets(n: int, seed: int = 1) -> list[str]:
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    rows = [r["content"].splitlines() for r in pq.read_table(SAMPLE / "data" / "python").to_pylist()]
    copied = [lines for lines in rows if len(lines) >= 3 * SNIPPET_LINES]
    own = [(ROOT / p).read_text().splitlines() for p in ("attrib/match.py", "attrib/align.py", "attrib/lexer.py")]
    out = []
    for i in range(n):
        lines = rng.choice(copied if i % 2 == 0 else own)
        start = rng.randrange(0, len(lines) - SNIPPET_LINES)
        out.append("\n".join(lines[start:start + SNIPPET_LINES]) + "\n")
    return out


def serve(store: str, env: dict) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "attrib", "--store", store, "serve", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"attrib serve did not start: {proc.stderr.read()}")


async def load(url: str, texts: list[str], seconds: float) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        async def worker(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    r = await client.post("/api/attribute", json={"code": texts[i % len(texts)], "lang": "Python"})
                    if r.status_code != 200:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as e:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                latencies.append(time.perf_counter() - started)
                i += CLIENTS

        began = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(CLIENTS)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "seconds": round(elapsed, 1),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1), "errors": errors}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--elastic", metavar="URL", help="also run on this Elasticsearch store (indexed here if empty)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    texts = snippets(200)
    stores = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = str(Path(tmp) / "sample.db")
        subprocess.run([sys.executable, "-m", "attrib", "-q", "--store", sqlite, "index", str(SAMPLE)],
                       env=env, cwd=ROOT, check=True)
        stores["sqlite"] = sqlite
        if args.elastic:
            subprocess.run([sys.executable, "-m", "attrib", "-q", "--store", args.elastic, "index", str(SAMPLE)],
                           env=env, cwd=ROOT, check=True)
            stores["elasticsearch"] = args.elastic
        results = {}
        for name, store in stores.items():
            proc, url = serve(store, env)
            try:
                asyncio.run(load(url, texts[:20], 3))  # warm-up
                results[name] = asyncio.run(load(url, texts, args.seconds))
            finally:
                proc.terminate()
                proc.wait(10)
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    out = {"clients": CLIENTS, "snippet_lines": SNIPPET_LINES, "cpus": os.cpu_count(), "results": results}
    print("\n| store | requests/s | p50 | p95 | errors |\n|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['requests_per_s']} | {r['p50_ms']} ms | {r['p95_ms']} ms | {sum(r['errors'].values())} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
