"""The embedded store: one SQLite file, zero set-up.

Layout (``SCHEMA_VERSION`` in the ``meta`` table):

* ``files``: one row per blob (keyed by its git blob sha), content zlib-compressed;
* ``provenance``: every (repo, path, commit, licenses) where a blob was seen;
* ``segments``: the inverted index as immutable sorted runs -- each row holds a sorted
  int64 array of band keys and the parallel array of window references
  (``file_id << 24 | line``). A lookup is a binary search per segment. Writing a batch
  appends one segment, which is orders of magnitude faster than a B-tree insert per
  posting; segments of similar size are merged (size-tiered, like an LSM tree) so a
  lookup touches few of them.

Every :meth:`SQLiteStore.add` is one transaction: an interrupted ``attrib index`` leaves
whole batches only, and a re-run skips the blobs already stored.
"""
from __future__ import annotations

import json
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import StoreError
from ..params import FingerprintParams, check_compatible, from_record
from ..records import Provenance
from .base import IndexEntry, KeyCounts, Postings, Store, StoredFile, StoreStats, check_entries, keep_shared

SCHEMA_VERSION = 1
_LINE_BITS = 24
_LINE_MASK = (1 << _LINE_BITS) - 1
_MERGE_FANOUT = 4
_MAX_MERGED = 1 << 24  # postings; larger segments are left alone so merges stay bounded
_MAX_HITS_PER_KEY = 2048  # a key shared by more windows than this says little; cap it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, sha TEXT NOT NULL UNIQUE, lang TEXT, size INTEGER NOT NULL,
    lines INTEGER NOT NULL, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS provenance (
    file_id INTEGER NOT NULL REFERENCES files(id), repo TEXT NOT NULL, path TEXT NOT NULL,
    commit_sha TEXT NOT NULL, licenses TEXT NOT NULL, stars INTEGER,
    UNIQUE (file_id, repo, path, commit_sha));
CREATE TABLE IF NOT EXISTS segments (id INTEGER PRIMARY KEY, n INTEGER NOT NULL,
    keys BLOB NOT NULL, refs BLOB NOT NULL);
"""


class SQLiteStore(Store):
    """An index in one SQLite file. ``create=False`` refuses a missing file."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self.name = self.path.stem
        if not self.path.exists():
            if not create:
                raise StoreError(f"no index at {self.path}: build one with `attrib --store {self.path} index SOURCE`")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create an index at {self.path}: {e.strerror} ({e.filename})") from None
        elif self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not an attrib index file")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._check_or_create()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not an attrib index ({e})") from None
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the index at {self.path}: {e}") from None
        self._segments: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # -- schema and parameters -------------------------------------------------
    def _check_or_create(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is a SQLite file but not an attrib index")
        if not tables:
            self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO meta VALUES "
                                   f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;")
            return
        version = int(self._meta("schema_version") or 0)
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path} has index schema version {version}; this attrib reads "
                             f"version {SCHEMA_VERSION}. Re-index with this version of attrib.")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def params(self) -> FingerprintParams | None:
        raw = self._meta("params")
        return from_record(raw, self.location) if raw else None

    def ensure_params(self, params: FingerprintParams) -> None:
        current = self.params()
        if current is None:
            with self._tx():
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('params', ?)", (json.dumps(params.to_dict()),))
        else:
            check_compatible(current, params, self.location)

    # -- writing ---------------------------------------------------------------
    def known(self, shas: Sequence[str]) -> set[str]:
        found: set[str] = set()
        shas = list(shas)
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self._db.execute(f"SELECT sha FROM files WHERE sha IN ({marks})", part))
        return found

    def add(self, entries: Sequence[IndexEntry], seen: Sequence[tuple[str, Provenance]] = ()) -> None:
        check_entries(entries)
        keys, refs = [], []
        with self._tx():
            ids: dict[str, int] = {}
            for e in entries:
                f = e.file
                blob = zlib.compress(f.content.encode("utf-8", "surrogatepass"), 1)
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO files (sha, lang, size, lines, content) VALUES (?, ?, ?, ?, ?)",
                    (f.sha, f.lang, f.size, f.content.count("\n") + 1, blob))
                if cur.rowcount == 0:  # stored meanwhile (duplicate within a batch): provenance only
                    seen = [*seen, (f.sha, Provenance(f.repo, f.path, f.commit, f.licenses, f.stars))]
                    continue
                ids[f.sha] = file_id = cur.lastrowid
                self._add_provenance(file_id, Provenance(f.repo, f.path, f.commit, f.licenses, f.stars))
                keys.append(e.keys.astype(np.int64))
                refs.append((np.int64(file_id) << _LINE_BITS) | e.lines.astype(np.int64))
            for sha, prov in seen:
                row = ids.get(sha) or self._db.execute("SELECT id FROM files WHERE sha = ?", (sha,)).fetchone()
                if row is not None:
                    self._add_provenance(row if isinstance(row, int) else row[0], prov)
            if keys:
                self._write_segment(np.concatenate(keys), np.concatenate(refs))
                self._merge_segments()

    def _add_provenance(self, file_id: int, p: Provenance) -> None:
        self._db.execute("INSERT OR IGNORE INTO provenance VALUES (?, ?, ?, ?, ?, ?)",
                         (file_id, p.repo, p.path, p.commit, json.dumps(list(p.licenses)), p.stars))

    def _write_segment(self, keys: np.ndarray, refs: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self._db.execute("INSERT INTO segments (n, keys, refs) VALUES (?, ?, ?)",
                         (len(keys), keys[order].tobytes(), refs[order].tobytes()))

    def _merge_segments(self) -> None:
        """Size-tiered merging: any _MERGE_FANOUT segments of one size tier become one."""
        rows = self._db.execute("SELECT id, n FROM segments WHERE n < ? ORDER BY id", (_MAX_MERGED,)).fetchall()
        tiers: dict[int, list[int]] = {}
        for seg_id, n in rows:
            tiers.setdefault(max(0, int(np.log(max(n, 1) / 65536) / np.log(_MERGE_FANOUT)) + 1), []).append(seg_id)
        for members in tiers.values():
            if len(members) >= _MERGE_FANOUT:
                parts = [self._load_segment(i) for i in members]
                self._db.execute(f"DELETE FROM segments WHERE id IN ({','.join('?' * len(members))})", members)
                self._write_segment(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))

    # -- reading ---------------------------------------------------------------
    def _load_segment(self, seg_id: int) -> tuple[np.ndarray, np.ndarray]:
        keys, refs = self._db.execute("SELECT keys, refs FROM segments WHERE id = ?", (seg_id,)).fetchone()
        return np.frombuffer(keys, dtype=np.int64), np.frombuffer(refs, dtype=np.int64)

    def _current_segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        ids = [r[0] for r in self._db.execute("SELECT id FROM segments")]
        for gone in set(self._segments) - set(ids):
            del self._segments[gone]
        for seg_id in ids:
            if seg_id not in self._segments:
                self._segments[seg_id] = self._load_segment(seg_id)
        return [self._segments[i] for i in ids]

    def lookup(self, keys: np.ndarray, min_shared: int = 1) -> Postings:
        query = np.unique(np.asarray(keys, dtype=np.int64))
        out_keys, out_refs = [], []
        for seg_keys, seg_refs in self._current_segments():
            lo = np.searchsorted(seg_keys, query, side="left")
            hi = np.minimum(np.searchsorted(seg_keys, query, side="right"), lo + _MAX_HITS_PER_KEY)
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
            out_keys.append(seg_keys[offsets])
            out_refs.append(seg_refs[offsets])
        if not out_keys:
            empty = np.zeros(0, dtype=np.int64)
            return Postings(empty, empty, empty)
        refs = np.concatenate(out_refs)
        return keep_shared(Postings(np.concatenate(out_keys), refs >> _LINE_BITS, refs & _LINE_MASK), min_shared)

    def key_counts(self, keys: np.ndarray) -> KeyCounts:
        query = np.asarray(keys, dtype=np.int64)
        counts = np.zeros(len(query), dtype=np.int64)
        total = 0
        for seg_keys, _ in self._current_segments():
            counts += np.searchsorted(seg_keys, query, side="right") - np.searchsorted(seg_keys, query, side="left")
            total += len(seg_keys)
        return KeyCounts(counts, total)

    def files(self, ids: Sequence[int]) -> dict[int, StoredFile]:
        ids = [int(i) for i in ids]
        out: dict[int, StoredFile] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            provs: dict[int, list[Provenance]] = {}
            for fid, repo, path, commit, lic, stars in self._db.execute(
                    f"SELECT file_id, repo, path, commit_sha, licenses, stars FROM provenance "
                    f"WHERE file_id IN ({marks})", part):
                provs.setdefault(fid, []).append(Provenance(repo, path, commit, tuple(json.loads(lic)), stars))
            for fid, sha, lang, size, blob in self._db.execute(
                    f"SELECT id, sha, lang, size, content FROM files WHERE id IN ({marks})", part):
                seen = sorted(provs.get(fid, []), key=lambda p: (-(p.stars or 0), p.repo, p.path))
                out[fid] = StoredFile(fid, sha, lang, size, zlib.decompress(blob).decode("utf-8", "surrogatepass"),
                                      tuple(seen))
        return out

    def content(self, sha: str) -> str | None:
        row = self._db.execute("SELECT content FROM files WHERE sha = ?", (sha,)).fetchone()
        return None if row is None else zlib.decompress(row[0]).decode("utf-8", "surrogatepass")

    def full_text(self, terms: Sequence[str], *, lang: str | None = None, license: str | None = None,
                  limit: int = 20) -> list[int]:
        self._sync_fulltext()
        match = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
        sql = "SELECT t.rowid FROM fulltext t JOIN files f ON f.id = t.rowid WHERE fulltext MATCH ?"
        args: list[object] = [match]
        if lang:
            sql += " AND f.lang = ?"
            args.append(lang)
        if license:
            sql += " AND EXISTS (SELECT 1 FROM provenance p WHERE p.file_id = f.id AND instr(p.licenses, ?) > 0)"
            args.append(json.dumps(license))
        sql += " ORDER BY bm25(fulltext), f.sha LIMIT ?"
        args.append(int(limit))
        return [row[0] for row in self._db.execute(sql, args)]

    def _sync_fulltext(self) -> None:
        """Bring the FTS5 word index up to date with the stored files.

        It is built on first use, not by ``attrib index`` (whose speed it would cost),
        and catches up with files added since; it stores words only (``content=''``),
        the text stays compressed in ``files``.
        """
        self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS fulltext USING fts5("
                         "body, content='', tokenize=\"unicode61 tokenchars '_'\")")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'fulltext_upto'").fetchone()
        upto = int(row[0]) if row else 0
        last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]
        if last <= upto:
            return
        while upto < last:  # in batches, each committed: an interruption keeps what is done
            batch = self._db.execute("SELECT id, content FROM files WHERE id > ? ORDER BY id LIMIT 1000",
                                     (upto,)).fetchall()
            with self._tx():
                self._db.executemany("INSERT INTO fulltext (rowid, body) VALUES (?, ?)",
                                     [(fid, zlib.decompress(blob).decode("utf-8", "surrogatepass"))
                                      for fid, blob in batch])
                upto = batch[-1][0]
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('fulltext_upto', ?)", (str(upto),))

    def stats(self) -> StoreStats:
        q = self._db.execute
        files, size = q("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files").fetchone()
        sources, repos = q("SELECT COUNT(*), COUNT(DISTINCT repo) FROM provenance").fetchone()
        postings = q("SELECT COALESCE(SUM(n), 0) FROM segments").fetchone()[0]
        langs = dict(q("SELECT COALESCE(lang, '?'), COUNT(*) FROM files GROUP BY 1 ORDER BY 2 DESC"))
        top_repos = dict(q("SELECT repo, COUNT(*) FROM provenance GROUP BY repo ORDER BY 2 DESC, 1 LIMIT 20"))
        licenses: dict[str, int] = {}
        for lic, count in q("SELECT licenses, COUNT(*) FROM provenance GROUP BY licenses"):
            for spdx in json.loads(lic) or ["(none)"]:
                licenses[spdx] = licenses.get(spdx, 0) + count
        params = self.params()
        return StoreStats(name=self.name, location=self.location, files=files, sources=sources, repos=repos,
                          bytes=size, postings=postings, languages=langs, top_repos=top_repos,
                          licenses=dict(sorted(licenses.items(), key=lambda kv: -kv[1])),
                          params=params.to_dict() if params else {}, schema_version=SCHEMA_VERSION)

    def close(self) -> None:
        self._db.close()

    def _tx(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (KeyboardInterrupt too)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
