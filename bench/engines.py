"""Where should the embedded store keep its postings? Candidates on the same data.

The postings of a real index (the kernel benchmark's, :mod:`scale`) are written into
each candidate, then 200 lookups of 800 keys each (a 100-line query asks about that
many) are timed, half of the keys present. Candidates:

* ``sqlite-rows``: what attrib does -- compact rows of about 64 postings (``postings.py``
  encoding) keyed by bucket in a SQLite rowid table, read with one ``IN`` query;
* ``memmap``: the same records in flat files (sorted records plus an offset per bucket),
  memory-mapped and read with numpy gathers -- the hand-written alternative;
* ``lmdb``: the same rows as LMDB values keyed by bucket, read with ``getmulti``;
* ``rocksdb-rows``: the same rows in RocksDB (``rocksdict``), read with a multi-get;
* ``rocksdb-postings``: one RocksDB key per posting (hash, window), no value, read with
  a prefix seek per key -- the natural layout for an LSM key-value store;
* ``tantivy``: one document per posting, the key hash an indexed ``u64`` and the window
  a fast field -- a search engine's inverted index, like Elasticsearch's.

    pip install --target /tmp/engines lmdb rocksdict tantivy    # not attrib dependencies
    PYTHONPATH=/tmp/engines python bench/engines.py --index bench/data/scale/c-100mb.db
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from attrib.store import postings as pst  # noqa: E402
from attrib.store.sqlite import SQLiteStore  # noqa: E402


def postings_of(index: Path, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(key hashes, window ids) of the first ``limit`` postings of an embedded index's runs."""
    store = SQLiteStore(index)
    hashes, windows = [], []
    for run in store._runs():
        h, w = store._read_rows(run)
        hashes.append(h)
        windows.append(w)
    store.close()
    h, w = np.concatenate(hashes), np.concatenate(windows)
    pick = np.random.default_rng(3).permutation(len(h))[:limit]
    return h[pick], w[pick]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file())


class SqliteRows:
    name = "sqlite-rows"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        self.layout = pst.Layout.fit(len(h), int(w.min()), int(w.max()))
        path = folder / "rows.db"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        buckets, rows = pst.encode(h, w, self.layout)
        db.executemany("INSERT INTO rows VALUES (?, ?)", zip(buckets.tolist(), rows))
        db.commit()
        db.close()
        self.db = sqlite3.connect(path)
        return path

    def lookup(self, q: np.ndarray) -> int:
        ids = np.unique(self.layout.buckets(q)).tolist()
        rows = self.db.execute(f"SELECT id, data FROM rows WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
        h, w = pst.decode([i for i, _ in rows], [d for _, d in rows], self.layout)
        return int(np.isin(h, q).sum())


class Memmap:
    name = "memmap"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        self.layout = pst.Layout.fit(len(h), int(w.min()), int(w.max()))
        buckets, rows = pst.encode(h, w, self.layout)
        counts = np.zeros(1 << self.layout.bucket_bits, dtype=np.int64)
        counts[buckets] = [len(r) // self.layout.record_bytes for r in rows]
        offsets = np.r_[0, np.cumsum(counts)].astype(np.uint32)
        (folder / "mm").mkdir()
        offsets.tofile(folder / "mm" / "offsets")
        (folder / "mm" / "records").write_bytes(b"".join(rows))
        self.offsets = np.memmap(folder / "mm" / "offsets", dtype=np.uint32, mode="r")
        self.records = np.memmap(folder / "mm" / "records", dtype=np.uint8, mode="r").reshape(
            -1, self.layout.record_bytes)
        return folder / "mm"

    def lookup(self, q: np.ndarray) -> int:
        b = np.unique(self.layout.buckets(q))
        lo, hi = self.offsets[b].astype(np.int64), self.offsets[b + 1].astype(np.int64)
        counts = hi - lo
        idx = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        raw = np.asarray(self.records[idx])
        h, _ = pst.decode(b.tolist(), [raw[a:a + c].tobytes() for a, c in zip(
            (np.cumsum(counts) - counts).tolist(), counts.tolist())], self.layout)
        return int(np.isin(h, q).sum())


class Lmdb:
    name = "lmdb"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        import lmdb

        self.layout = pst.Layout.fit(len(h), int(w.min()), int(w.max()))
        buckets, rows = pst.encode(h, w, self.layout)
        self.env = lmdb.open(str(folder / "lmdb"), map_size=1 << 34, readahead=False)
        with self.env.begin(write=True) as tx:
            cur = tx.cursor()
            cur.putmulti([(int(b).to_bytes(8, "big"), r) for b, r in zip(buckets.tolist(), rows)], append=True)
        return folder / "lmdb"

    def lookup(self, q: np.ndarray) -> int:
        keys = [int(b).to_bytes(8, "big") for b in np.unique(self.layout.buckets(q)).tolist()]
        with self.env.begin() as tx:
            got = tx.cursor().getmulti(keys)
        h, _ = pst.decode([int.from_bytes(k, "big") for k, _ in got], [bytes(v) for _, v in got], self.layout)
        return int(np.isin(h, q).sum())


class RocksRows:
    name = "rocksdb-rows"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        from rocksdict import Rdict, Options

        self.layout = pst.Layout.fit(len(h), int(w.min()), int(w.max()))
        buckets, rows = pst.encode(h, w, self.layout)
        opts = Options(raw_mode=True)
        self.db = Rdict(str(folder / "rocks"), opts)
        for b, r in zip(buckets.tolist(), rows):
            self.db[int(b).to_bytes(8, "big")] = r
        self.db.flush()
        self.db.compact_range(None, None)
        return folder / "rocks"

    def lookup(self, q: np.ndarray) -> int:
        buckets = np.unique(self.layout.buckets(q)).tolist()
        values = self.db[[int(b).to_bytes(8, "big") for b in buckets]]
        pairs = [(b, v) for b, v in zip(buckets, values) if v is not None]
        h, _ = pst.decode([b for b, _ in pairs], [v for _, v in pairs], self.layout)
        return int(np.isin(h, q).sum())


class RocksPostings:
    name = "rocksdb-postings"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        from rocksdict import Rdict, Options

        opts = Options(raw_mode=True)
        self.db = Rdict(str(folder / "rocksp"), opts)
        keys = (h.astype(np.uint64) << np.uint64(28)) | w.astype(np.uint64)  # 64-bit: hash, window
        for k in np.sort(keys).tolist():
            self.db[int(k).to_bytes(8, "big")] = b""
        self.db.flush()
        self.db.compact_range(None, None)
        return folder / "rocksp"

    def lookup(self, q: np.ndarray) -> int:
        found = 0
        it = self.db.iter()
        for k in np.unique(q).tolist():
            it.seek((int(k) << 28).to_bytes(8, "big"))
            while it.valid() and int.from_bytes(bytes(it.key()), "big") >> 28 == k:
                found += 1
                it.next()
        return found


class Tantivy:
    name = "tantivy"

    def build(self, folder: Path, h: np.ndarray, w: np.ndarray) -> Path:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("k", indexed=True, fast=False, stored=False)
        sb.add_unsigned_field("w", indexed=False, fast=True, stored=False)
        self.schema = sb.build()
        (folder / "tantivy").mkdir()
        index = tantivy.Index(self.schema, path=str(folder / "tantivy"))
        writer = index.writer(heap_size=256 << 20, num_threads=1)
        for k, v in zip(h.tolist(), w.tolist()):
            doc = tantivy.Document()
            doc.add_unsigned("k", k)
            doc.add_unsigned("w", v)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.index = index
        self.searcher = index.searcher()
        return folder / "tantivy"

    def lookup(self, q: np.ndarray) -> int:
        import tantivy

        query = tantivy.Query.term_set_query(self.schema, "k", [int(k) for k in np.unique(q).tolist()])
        return self.searcher.search(query, 100_000).count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an embedded index to take postings from")
    ap.add_argument("--postings", type=int, default=2_000_000)
    ap.add_argument("--lookups", type=int, default=200)
    ap.add_argument("--only", nargs="*", help="candidate names")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "engines.json")
    args = ap.parse_args(argv)
    h, w = postings_of(args.index, args.postings)
    rng = np.random.default_rng(11)
    present = np.unique(h)
    queries = [np.r_[present[rng.integers(0, len(present), 400)],
                     rng.integers(0, 1 << pst.KEY_BITS, 400).astype(np.uint64)] for _ in range(args.lookups)]
    results = []
    for cls in (SqliteRows, Memmap, Lmdb, RocksRows, RocksPostings, Tantivy):
        if args.only and cls.name not in args.only:
            continue
        folder = Path(tempfile.mkdtemp(prefix=f"engine-{cls.name}-"))
        try:
            engine = cls()
            t = time.perf_counter()
            path = engine.build(folder, h, w)
            build = time.perf_counter() - t
            size = du(path)
            found, times = [], []
            for q in queries:
                t = time.perf_counter()
                found.append(engine.lookup(q))
                times.append((time.perf_counter() - t) * 1000)
            row = {"engine": cls.name, "postings": len(h), "build_s": round(build, 1),
                   "bytes_per_posting": round(size / len(h), 2), "lookup_p50_ms": round(statistics.median(times), 2),
                   "lookup_p95_ms": round(sorted(times)[int(0.95 * len(times)) - 1], 2),
                   "found_per_lookup": round(statistics.fmean(found), 1)}
        except ImportError as e:
            row = {"engine": cls.name, "skipped": f"not installed ({e.name})"}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(json.dumps(row), flush=True)
        results.append(row)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
