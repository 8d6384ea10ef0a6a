"""The embedded store: one SQLite file, zero set-up, memory that does not grow with it.

Layout (``SCHEMA_VERSION`` in the ``meta`` table):

* ``files``: one row per blob (keyed by its git blob sha), content zlib-compressed, with
  the licenses and copyright lines its own header states (:mod:`attrib.evidence`); the
  text is deflated by ISA-L (``isal``: 3.5x faster than zlib's level 1 on code, and a
  little smaller), into the zlib format :mod:`zlib` reads;
* ``provenance``: every (repo, path, commit, licenses) where a blob was seen, with the
  repository's declared licenses (``licenses`` are the effective ones) and the
  earliest date known for the repository;
* ``windows``: the windows of each file, numbered in storing order: a row holds the id
  of a file's first window, their number and their start lines (16-bit when they fit),
  so a window id maps back to (file, line) with one seek;
* ``runs`` and ``rows``: the inverted index, as immutable sorted runs of compact
  postings (:mod:`.postings`). A run's postings are cut into rows of about a hundred
  by the first bits of their key hash, so a lookup reads, per run, the one row of
  each key it asks for -- a B-tree seek -- and nothing else: a scan never loads the
  index, and its memory and start-up time do not depend on the index size.

Writing a batch adds one run; runs of one size tier are merged :data:`FANOUT` at a time
(size-tiered, like an LSM tree), slice by slice of the key space so a merge holds a
bounded number of postings in memory whatever the run sizes; :meth:`SQLiteStore.finish`
(the end of ``attrib index``) merges what is left into few runs, each much larger than
the next. Every :meth:`SQLiteStore.add` is one transaction, its merges included: an
interrupted ``attrib index`` leaves whole batches only, and a re-run skips the blobs
already stored. A lookup reads its runs in one read transaction, so it never sees a
merge half done; run ids are never used twice.

Opening (:data:`~attrib.store.base.OpenMode`): ``read`` opens the file read-only and
never writes a byte (a read-only index -- another user's, a read-only mount -- is
opened as immutable when SQLite cannot make its shared-memory file beside it);
``write`` and ``create`` need write access to the file and its folder, and only
``create`` turns a missing or zero-byte file into a new index. Every SQLite, zlib or
decoding failure leaves as one :class:`StoreError` that says what happened (disk full,
read-only, damaged, locked by another process).
"""
from __future__ import annotations

import functools
import json
import os
import sqlite3
import stat
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import numpy as np
from isal import isal_zlib

from ..errors import ReadOnlyStore, StoreError
from ..params import FingerprintParams, check_compatible, from_record
from ..records import Provenance
from . import postings as pst
from .window_rows import WindowRow, WindowRows, pack, places
from .base import IndexEntry, KeyCounts, OpenMode, Postings, Store, StoredFile, StoreStats, check_entries, keep_shared
SCHEMA_VERSION = 3
FANOUT = 16  # runs of one size tier merged at once
TIER_BASE = 1 << 18  # postings in a tier-0 run (about 2.5 MB of code)
SLICE_POSTINGS = 1 << 20  # postings a merge holds in memory at once (about 100 MB)
# A key shared by more windows than this is common code and says little: a lookup returns
# this many of its postings (the first stored). On the kernel benchmark at 1 GB, 256
# instead of 2,048 halves the scan time at the same recall and false attributions.
MAX_HITS_PER_KEY = 256
_PARAMS_PER_QUERY = 30_000  # under SQLite's limit of host parameters per statement

_HEADER = b"SQLite format 3\0"
# SQLite's primary result codes (sqlite3 names them only from Python 3.11).
_PERM, _BUSY, _LOCKED, _READONLY, _CORRUPT, _FULL, _CANTOPEN, _AUTH, _NOTADB = 3, 5, 6, 8, 11, 13, 14, 23, 26
_TABLES = frozenset({"meta", "files", "provenance", "windows", "runs", "rows"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, sha TEXT NOT NULL UNIQUE, lang TEXT, size INTEGER NOT NULL,
    lines INTEGER NOT NULL, content BLOB NOT NULL, file_licenses TEXT NOT NULL, copyrights TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS provenance (
    file_id INTEGER NOT NULL REFERENCES files(id), repo TEXT NOT NULL, path TEXT NOT NULL,
    commit_sha TEXT NOT NULL, licenses TEXT NOT NULL, stars INTEGER, repo_licenses TEXT NOT NULL,
    first_seen TEXT, UNIQUE (file_id, repo, path, commit_sha));
CREATE TABLE IF NOT EXISTS windows (
    first INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id), n INTEGER NOT NULL,
    lines BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, postings INTEGER NOT NULL, bucket_bits INTEGER NOT NULL,
    window_bits INTEGER NOT NULL, window_lo INTEGER NOT NULL, window_hi INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
"""
_RUN_SHIFT = 32  # a row's id is run << 32 | bucket: appended in id order, its pages fill up


@dataclass(frozen=True)
class Run:
    """One immutable sorted run of postings, as the ``runs`` table records it."""

    id: int
    postings: int
    layout: pst.Layout
    window_hi: int

    @property
    def tier(self) -> int:
        return max(0, int(np.log(max(self.postings, 1) / TIER_BASE) / np.log(FANOUT)) + 1)


F = TypeVar("F", bound=Callable)
_DAMAGE = (zlib.error, ValueError, TypeError)
"""What reading a damaged row raises besides sqlite3.Error: a blob that does not
decompress, bytes that are not an int64 array or UTF-8, JSON that does not parse, a
value of the wrong type."""


def _guarded(method: F) -> F:
    """Every SQLite or decoding failure of ``method`` becomes one clear StoreError."""
    @functools.wraps(method)
    def wrapper(self: "SQLiteStore", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise self._explain(e) from None
        except _DAMAGE as e:
            raise self._damaged(_what(e)) from None
    return wrapper  # type: ignore[return-value]


def _what(e: Exception) -> str:
    if isinstance(e, zlib.error):
        return f"a stored file does not decompress: {e}"
    return f"{type(e).__name__}: {e}"


class SQLiteStore(Store):
    """An index in one SQLite file, opened for ``mode`` (see the module docs)."""

    def __init__(self, path: str | os.PathLike[str], *, mode: OpenMode = "read") -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self.name = self.path.stem
        self.mode = mode
        self._last_postings: tuple[tuple, np.ndarray, np.ndarray] | None = None
        self._window_rows = WindowRows()
        new = self._check_file()
        try:
            self._db = self._connect(new)
        except sqlite3.Error as e:
            raise self._explain(e, opening=True) from None
        try:
            self._check_or_create(new)  # before anything is written: a foreign file stays as it is
            if mode != "read":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as e:
            self._db.close()
            raise self._explain(e, opening=True) from None
        except (StoreError, *_DAMAGE) as e:
            self._db.close()
            raise e if isinstance(e, StoreError) else self._damaged(_what(e)) from None

    # -- opening ---------------------------------------------------------------
    def _check_file(self) -> bool:
        """Refuse what cannot be this mode's index before SQLite touches it; True for a
        file to create (missing, or zero bytes, with ``create``)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            st = None
        except OSError as e:  # a path under a file, a folder that cannot be searched
            raise StoreError(f"cannot open the index at {self.path}: {e.strerror}") from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise StoreError(f"{self.path} is a directory, not an attrib index file")
        if st is None or (st.st_size == 0 and not Path(f"{self.path}-wal").exists()):
            if self.mode != "create":
                what = "no index at" if st is None else "an empty file, not an index, at"
                raise StoreError(f"{what} {self.path}: build one with `attrib --store {self.path} index SOURCE`")
            folder = self.path.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create an index at {self.path}: {e.strerror} ({e.filename})") from None
            if st is None:
                self._require_writable(folder)
            else:
                self._require_writable(self.path, folder)
            return True
        try:
            with self.path.open("rb") as fh:
                header = fh.read(len(_HEADER))
        except OSError as e:
            raise StoreError(f"cannot read the index at {self.path}: {e.strerror}") from None
        if header != _HEADER:
            raise StoreError(f"{self.path} is not an attrib index (not a SQLite database)")
        if self.mode != "read":
            self._require_writable(self.path, self.path.parent)
        return False

    def _require_writable(self, *paths: Path) -> None:
        """Writing needs the file and its folder (SQLite keeps a journal beside it)."""
        for p in paths:
            if not os.access(p, os.W_OK):
                why = "on a read-only file system" if _read_only_fs(p) else "no write permission"
                raise ReadOnlyStore(f"the index at {self.path} cannot be written ({p}: {why}); it can still "
                                    "be read (scan, stats, serve), or index into a store you can write")

    def _connect(self, new: bool) -> sqlite3.Connection:
        if self.mode == "read":
            db = self._connect_read()
        else:
            uri = self.path.absolute().as_uri() + ("" if new else "?mode=rw")
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        # Writers take turns; one may wait for another's merge (a minute per GB of code).
        db.execute(f"PRAGMA busy_timeout={30_000 if self.mode == 'read' else 600_000}")
        return db

    def _connect_read(self) -> sqlite3.Connection:
        """Read-only; as immutable when SQLite cannot make the shared-memory file a WAL
        index needs (a folder we may not write) and no write-ahead log is pending."""
        uri = self.path.absolute().as_uri()
        db = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        try:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as e:
            db.close()
            if _code(e) != _CANTOPEN or Path(f"{self.path}-wal").exists():
                raise
        return sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None, check_same_thread=False)

    def _explain(self, e: sqlite3.Error, *, opening: bool = False) -> StoreError:
        """One line for a SQLite failure: what happened to the index, and what to do."""
        code, text = _code(e), str(e)
        if code == _FULL:
            return StoreError(f"the disk holding the index {self.path} is full ({text}): free some space and run "
                              "the same command again; everything stored before is kept")
        if code == _READONLY:
            return ReadOnlyStore(f"the index at {self.path} cannot be written ({text})")
        if code in (_BUSY, _LOCKED):
            return StoreError(f"the index at {self.path} is locked by another process ({text}): try again "
                              "when it has finished")
        if code in (_CORRUPT, _NOTADB) or "no such table" in text \
                or "no such column" in text:
            return self._damaged(text)
        if code in (_CANTOPEN, _PERM, _AUTH):
            return StoreError(f"cannot open the index at {self.path} ({text}): check that it and its folder "
                              "can be read")
        return StoreError(f"cannot {'open' if opening else 'use'} the index at {self.path}: {text}")

    def _damaged(self, detail: str) -> StoreError:
        return StoreError(f"the index at {self.path} is damaged ({detail}): build a new one with "
                          "`attrib --store NEW.db index SOURCE`, or restore a copy")

    # -- schema and parameters -------------------------------------------------
    def _check_or_create(self, new: bool) -> None:
        """Check an existing index; make the schema in a ``new`` file (missing or empty)."""
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            if not new:
                raise StoreError(f"{self.path} is an empty SQLite database, not an attrib index")
            # Set in the new file before its tables: finish() gives the pages of merged
            # runs back to the file system. Idempotent: another process may be creating
            # the same new store right now.
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} INSERT OR IGNORE INTO meta VALUES "
                                   f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            raise StoreError(f"{self.path} is a SQLite file but not an attrib index")
        version = str(self._meta("schema_version") or "0")
        if not version.isdigit():
            raise self._damaged(f"schema version {version!r}")
        if int(version) < SCHEMA_VERSION:
            raise StoreError(f"{self.path} is an index in an older format (version {version}) that this attrib "
                             f"no longer reads: index the code again into a new store, e.g. "
                             f"`attrib --store NEW.db index SOURCE`, then delete {self.path}")
        if int(version) != SCHEMA_VERSION:
            raise StoreError(f"{self.path} has index format version {version}; this attrib reads version "
                             f"{SCHEMA_VERSION}: use a newer attrib, or index the code again")
        missing = _TABLES - tables
        if missing:
            raise self._damaged(f"missing tables: {', '.join(sorted(missing))}")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @_guarded
    def params(self) -> FingerprintParams | None:
        raw = self._meta("params")
        return from_record(raw, self.location) if raw else None

    @_guarded
    def ensure_params(self, params: FingerprintParams) -> None:
        if self.params() is None:
            with self._tx():  # another indexer may have recorded its own meanwhile: the first stands
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('params', ?)", (json.dumps(params.to_dict()),))
        check_compatible(self.params() or params, params, self.location)

    # -- writing ---------------------------------------------------------------
    @_guarded
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
        self._add(entries, seen)

    @_guarded
    def _add(self, entries: Sequence[IndexEntry], seen: Sequence[tuple[str, Provenance]]) -> None:
        with self._tx():
            ids: dict[str, int] = {}
            window = self._next_window()
            places: list[tuple[int, Provenance]] = []
            window_rows, keys, windows = [], [], []
            for e in entries:
                f = e.file
                blob = isal_zlib.compress(f.content.encode("utf-8", "surrogatepass"), 1)
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO files (sha, lang, size, lines, content, file_licenses, copyrights) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (f.sha, f.lang, f.size, f.content.count("\n") + 1, blob, json.dumps(list(f.file_licenses)),
                     json.dumps(list(f.copyrights))))
                if cur.rowcount == 0:  # stored meanwhile (duplicate within a batch): provenance only
                    seen = [*seen, (f.sha, f.provenance())]
                    continue
                ids[f.sha] = file_id = _rowid(cur)
                places.append((file_id, f.provenance()))
                if len(e.keys):
                    lines = np.asarray(e.lines, dtype=np.int64)
                    starts = _distinct(lines)
                    window_rows.append((window, file_id, len(starts), _pack_lines(starts)))
                    keys.append(np.asarray(e.keys, dtype=np.int64))
                    windows.append(window + np.searchsorted(starts, lines))
                    window += len(starts)
            for sha, prov in seen:
                row = ids.get(sha) or self._db.execute("SELECT id FROM files WHERE sha = ?", (sha,)).fetchone()
                if row is not None:
                    places.append((row if isinstance(row, int) else row[0], prov))
            self._db.executemany("INSERT OR IGNORE INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [(fid, p.repo, p.path, p.commit, json.dumps(list(p.licenses)), p.stars,
                                   json.dumps(list(p.repo_licenses)), p.first_seen)
                                  for fid, p in places])
            self._db.executemany("INSERT INTO windows VALUES (?, ?, ?, ?)", window_rows)
            if keys:
                self._write_run(pst.key_hash(np.concatenate(keys)), np.concatenate(windows))
                self._merge_tiers()

    @_guarded
    def finish(self) -> None:
        """After indexing: merge the runs into few, each over :data:`FANOUT` times the
        size of all smaller ones together (one run after a first big load), and give the
        pages that freed back to the file system."""
        with self._tx():
            runs = sorted(self._runs(), key=lambda r: -r.postings)
            keep = 0
            while keep < len(runs) and runs[keep].postings > FANOUT * sum(r.postings for r in runs[keep + 1:]):
                keep += 1
            if len(runs) - keep > 1:
                self._merge(runs[keep:])
        self._db.executescript("PRAGMA incremental_vacuum;")  # (execute() would free one page)

    def _next_window(self) -> int:
        row = self._db.execute("SELECT first, n FROM windows ORDER BY first DESC LIMIT 1").fetchone()
        return 0 if row is None else row[0] + row[1]

    # -- runs ------------------------------------------------------------------
    def _runs(self) -> list[Run]:
        return [Run(i, n, pst.Layout(bb, wb, lo), hi) for i, n, bb, wb, lo, hi in self._db.execute(
            "SELECT id, postings, bucket_bits, window_bits, window_lo, window_hi FROM runs ORDER BY id")]

    def _new_run(self, postings: int, window_lo: int, window_hi: int) -> Run:
        layout = pst.Layout.fit(postings, window_lo, window_hi)
        cur = self._db.execute("INSERT INTO runs (postings, bucket_bits, window_bits, window_lo, window_hi) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (postings, layout.bucket_bits, layout.window_bits, window_lo, window_hi))
        return Run(_rowid(cur), postings, layout, window_hi)

    def _write_rows(self, run: Run, hashes: np.ndarray, windows: np.ndarray) -> None:
        buckets, rows = pst.encode(hashes, windows, run.layout)
        self._db.executemany("INSERT INTO rows VALUES (?, ?)", zip(_row_ids(run, buckets), rows))

    def _write_run(self, hashes: np.ndarray, windows: np.ndarray) -> None:
        run = self._new_run(len(hashes), int(windows.min()), int(windows.max()))
        self._write_rows(run, hashes, windows)

    def _merge_tiers(self) -> None:
        """Size-tiered merging: :data:`FANOUT` runs of one size tier become one."""
        while True:
            tiers: dict[int, list[Run]] = {}
            for run in self._runs():
                tiers.setdefault(run.tier, []).append(run)
            full = [members for members in tiers.values() if len(members) >= FANOUT]
            if not full:
                return
            self._merge(full[0][:FANOUT])

    def _merge(self, runs: list[Run]) -> None:
        """Merge ``runs`` into one, a slice of the key space at a time: runs whose rows
        are finer than a slice are read slice by slice, the (small) others whole."""
        out = self._new_run(sum(r.postings for r in runs), min(r.layout.window_lo for r in runs),
                            max(r.window_hi for r in runs))
        slice_bits = int(np.clip(np.ceil(np.log2(max(out.postings, 1) / SLICE_POSTINGS)), 0, out.layout.bucket_bits))
        fine = [r for r in runs if r.layout.bucket_bits >= slice_bits]
        small = [self._read_rows(r) for r in runs if r.layout.bucket_bits < slice_bits]
        small_h = np.concatenate([h for h, _ in small]) if small else np.zeros(0, np.uint64)
        small_w = np.concatenate([w for _, w in small]) if small else np.zeros(0, np.int64)
        small_slice = small_h >> np.uint64(pst.KEY_BITS - slice_bits)
        order = np.argsort(small_slice, kind="stable")
        small_h, small_w, small_slice = small_h[order], small_w[order], small_slice[order]
        bounds = np.searchsorted(small_slice, np.arange((1 << slice_bits) + 1, dtype=np.uint64))
        for s in range(1 << slice_bits):
            parts = [self._read_rows(r, s, slice_bits) for r in fine]
            a, b = bounds[s], bounds[s + 1]
            self._write_rows(out, np.concatenate([small_h[a:b], *(h for h, _ in parts)]),
                             np.concatenate([small_w[a:b], *(w for _, w in parts)]))
        gone = [r.id for r in runs]
        marks = ",".join("?" * len(gone))
        for r in runs:
            self._db.execute("DELETE FROM rows WHERE id >= ? AND id < ?",
                             (r.id << _RUN_SHIFT, (r.id + 1) << _RUN_SHIFT))
        self._db.execute(f"DELETE FROM runs WHERE id IN ({marks})", gone)

    def _read_rows(self, run: Run, part: int = 0, part_bits: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The postings of ``run`` in part ``part`` of ``2**part_bits`` of the key space."""
        shift = run.layout.bucket_bits - part_bits
        base = run.id << _RUN_SHIFT
        rows = self._db.execute("SELECT id, data FROM rows WHERE id >= ? AND id < ?",
                                (base + (part << shift), base + ((part + 1) << shift))).fetchall()
        return pst.decode([i - base for i, _ in rows], [d for _, d in rows], run.layout)

    # -- reading ---------------------------------------------------------------
    def _postings_of(self, wanted: np.ndarray, keep: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Every stored (key hash, window) posting of the sorted key hashes ``wanted``: one
        small row per key and run. Call inside a snapshot.

        Committed runs are immutable and their ids never reused, so the postings a set of
        them holds for ``wanted`` never change: with ``keep`` (a snapshot of committed
        state) the last answer is kept, and the key counts of a query (:meth:`key_counts`,
        the same keys as its :meth:`lookup`) do not read and decode the rows again."""
        runs = self._runs()
        memo_key = (tuple(run.id for run in runs), wanted.tobytes())
        memo = self._last_postings
        if keep and memo is not None and memo[0] == memo_key:
            return memo[1], memo[2]
        found_h, found_w = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
        for run in runs:
            ids = _row_ids(run, np.unique(run.layout.buckets(wanted)))
            rows: list[tuple[int, bytes]] = []
            for i in range(0, len(ids), _PARAMS_PER_QUERY):
                part = ids[i:i + _PARAMS_PER_QUERY]
                rows += self._db.execute(f"SELECT id, data FROM rows WHERE id IN ({','.join('?' * len(part))})",
                                         part).fetchall()
            base = run.id << _RUN_SHIFT
            rows.sort()  # by bucket: the run's postings come out sorted by (hash, window)
            h, w = pst.decode([i - base for i, _ in rows], [d for _, d in rows], run.layout)
            hit = pst.select_sorted(h, wanted)
            found_h.append(h[hit])
            found_w.append(w[hit])
        result = np.concatenate(found_h), np.concatenate(found_w)
        if keep:
            for array in result:
                array.flags.writeable = False  # shared with the next call
            self._last_postings = (memo_key, *result)
        return result

    @_guarded
    def lookup(self, keys: np.ndarray, min_shared: int = 1) -> Postings:
        query = np.unique(np.asarray(keys, dtype=np.int64))
        wanted = np.unique(pst.key_hash(query))
        with self._snapshot() as committed:
            hashes, windows = pst.first_per_key(*self._postings_of(wanted, keep=committed), MAX_HITS_PER_KEY)
            keys, which = pst.expand_to_keys(query, hashes)
            shared = keep_shared(Postings(keys, windows[which], np.zeros(len(keys), np.int64)), min_shared)
            files, lines = self._window_places(shared.file_ids, keep=committed)
        return Postings(shared.keys, files, lines)

    @_guarded
    def key_counts(self, keys: np.ndarray) -> KeyCounts:
        """The number of each key's postings, read with the rows a lookup reads (no
        cap: how common common code is, is the point)."""
        hashes = pst.key_hash(np.asarray(keys, dtype=np.int64))
        wanted = np.unique(hashes)
        with self._snapshot() as committed:
            found, _ = self._postings_of(wanted, keep=committed)
            total = self._db.execute("SELECT COALESCE(SUM(postings), 0) FROM runs").fetchone()[0]
        counts = np.zeros(len(wanted), dtype=np.int64)
        present, n = np.unique(found, return_counts=True)
        counts[np.searchsorted(wanted, present)] = n
        return KeyCounts(counts[np.searchsorted(wanted, hashes)], int(total))

    def _window_places(self, windows: np.ndarray, keep: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(file id, start line) of each window id: from the rows read before
        (:class:`~attrib.store.window_rows.WindowRows`), the others from SQLite, kept with
        ``keep`` (a snapshot of committed state: rows never rolled back, never changed)."""
        if len(windows) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        distinct = np.unique(windows)
        files, lines, known = self._window_rows.places(distinct)
        missing = distinct[~known]
        read: list[WindowRow] = []
        for i in range(0, len(missing), _PARAMS_PER_QUERY):
            read += [WindowRow(first, file_id, _unpack_lines(blob, n)) for first, file_id, blob, n in self._db.execute(
                "SELECT first, file_id, lines, n FROM windows WHERE first IN (SELECT (SELECT MAX(first) FROM windows "
                "WHERE first <= value) FROM json_each(?))", (json.dumps(missing[i:i + _PARAMS_PER_QUERY].tolist()),))]
        if read:
            files[~known], lines[~known], _ = places(pack(read), missing)
            if keep:
                self._window_rows.add(read)
        at = np.searchsorted(distinct, windows)
        return files[at], lines[at]

    @_guarded
    def files(self, ids: Sequence[int]) -> dict[int, StoredFile]:
        ids = [int(i) for i in ids]
        out: dict[int, StoredFile] = {}
        with self._snapshot():
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                marks = ",".join("?" * len(part))
                provs: dict[int, list[Provenance]] = {}
                for fid, repo, path, commit, lic, stars, repo_lic, first_seen in self._db.execute(
                        f"SELECT file_id, repo, path, commit_sha, licenses, stars, repo_licenses, first_seen "
                        f"FROM provenance WHERE file_id IN ({marks})", part):
                    _expect(all(isinstance(v, str) for v in (repo, path, commit)) and _is_count(stars)
                            and _is_name(first_seen), f"a provenance row of file {fid}")
                    provs.setdefault(fid, []).append(Provenance(repo, path, commit, _licenses(lic), stars,
                                                                _licenses(repo_lic), first_seen))
                for fid, sha, lang, size, blob, file_lic, notes in self._db.execute(
                        f"SELECT id, sha, lang, size, content, file_licenses, copyrights FROM files "
                        f"WHERE id IN ({marks})", part):
                    _expect(isinstance(sha, str) and _is_name(lang) and isinstance(size, int), f"file {fid}")
                    seen = sorted(provs.get(fid, []), key=lambda p: (-(p.stars or 0), p.repo, p.path))
                    out[fid] = StoredFile(fid, sha, lang, size, _text(blob), tuple(seen), _licenses(file_lic),
                                          _licenses(notes))
        return out

    @_guarded
    def content(self, sha: str) -> str | None:
        row = self._db.execute("SELECT content FROM files WHERE sha = ?", (sha,)).fetchone()
        return None if row is None else _text(row[0])

    @_guarded
    def full_text(self, terms: Sequence[str], *, lang: str | None = None, license: str | None = None,
                  limit: int = 20) -> list[int]:
        if self.mode != "read":
            self._sync_fulltext()
        elif not self._has_fulltext():
            raise StoreError(f"full-text search needs the word index of {self.path}, which is built the first "
                             "time `attrib serve` runs with write access to the index")
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
        the text stays compressed in ``files``. Each batch of files is one transaction
        that decides what to add under the write lock (the table is made in the first),
        so two threads or processes catching up at once add every file once, and an
        interruption or a failure keeps what was done and adds nothing half-way.
        """
        while not self._fulltext_current():
            with self._tx():
                if self._fulltext_current():
                    return
                upto = int(self._meta("fulltext_upto") or 0) if self._has_fulltext() else 0
                batch = self._db.execute("SELECT id, content FROM files WHERE id > ? ORDER BY id LIMIT 1000",
                                         (upto,)).fetchall()
                self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS fulltext USING fts5("
                                 "body, content='', tokenize=\"unicode61 tokenchars '_'\")")
                self._db.executemany("INSERT INTO fulltext (rowid, body) VALUES (?, ?)",
                                     [(fid, _text(blob)) for fid, blob in batch])
                upto = batch[-1][0] if batch else upto
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('fulltext_upto', ?)", (str(upto),))

    def _has_fulltext(self) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'fulltext'").fetchone() is not None

    def _fulltext_current(self) -> bool:
        if not self._has_fulltext():
            return False
        last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]
        return int(self._meta("fulltext_upto") or 0) >= last

    @_guarded
    def stats(self) -> StoreStats:
        q = self._db.execute
        with self._snapshot():
            files, size = q("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files").fetchone()
            sources, repos = q("SELECT COUNT(*), COUNT(DISTINCT repo) FROM provenance").fetchone()
            postings = q("SELECT COALESCE(SUM(postings), 0) FROM runs").fetchone()[0]
            pages = q("PRAGMA page_count").fetchone()[0] * q("PRAGMA page_size").fetchone()[0]
            langs = dict(q("SELECT COALESCE(lang, '?'), COUNT(*) FROM files GROUP BY 1 ORDER BY 2 DESC"))
            top_repos = dict(q("SELECT repo, COUNT(*) FROM provenance GROUP BY repo ORDER BY 2 DESC, 1 LIMIT 20"))
            _expect(all(isinstance(k, str) for k in [*langs, *top_repos]) and isinstance(size, int)
                    and isinstance(postings, int), "the index's counts")
            licenses: dict[str, int] = {}
            for lic, count in q("SELECT licenses, COUNT(*) FROM provenance GROUP BY licenses"):
                for spdx in _licenses(lic) or ["(none)"]:
                    licenses[spdx] = licenses.get(spdx, 0) + count
            params = self.params()
        return StoreStats(name=self.name, location=self.location, files=files, sources=sources, repos=repos,
                          bytes=size, postings=postings, languages=langs, top_repos=top_repos,
                          licenses=dict(sorted(licenses.items(), key=lambda kv: -kv[1])),
                          params=params.to_dict() if params else {}, schema_version=SCHEMA_VERSION,
                          index_bytes=pages)

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass  # nothing is pending: every write was its own committed transaction

    def _tx(self) -> "_Transaction":
        return _Transaction(self._db)

    @contextmanager
    def _snapshot(self) -> Iterator[bool]:
        """Several reads that see one committed state of the index (a read transaction);
        gives whether they do (False inside a write, which sees its own state)."""
        if self._db.in_transaction:
            yield False
            return
        self._db.execute("BEGIN")
        try:
            yield True
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` in one pass when they come sorted (as the indexer gives a
    file's window lines); sorted first otherwise."""
    if len(values) > 1 and bool((values[1:] < values[:-1]).any()):
        values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _pack_lines(starts: np.ndarray) -> bytes:
    return starts.astype("<u2" if starts[-1] < 1 << 16 else "<u4").tobytes()


def _unpack_lines(blob: bytes, n: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u2" if len(blob) == 2 * n else "<u4")


def _row_ids(run: Run, buckets: np.ndarray) -> list[int]:
    return ((np.int64(run.id) << _RUN_SHIFT) | np.asarray(buckets, dtype=np.int64)).tolist()


def _text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")


def _licenses(value: str) -> tuple[str, ...]:
    ids = json.loads(value)
    _expect(isinstance(ids, list) and all(isinstance(i, str) for i in ids), f"the licenses {value!r}")
    return tuple(ids)


def _is_name(value: object) -> bool:
    return value is None or isinstance(value, str)


def _is_count(value: object) -> bool:
    return value is None or isinstance(value, int)


def _expect(ok: bool, what: str) -> None:
    """Values of the wrong type mean a damaged index (SQLite itself would store them)."""
    if not ok:
        raise ValueError(f"{what} holds values of the wrong type")


_MESSAGES = {"database or disk is full": _FULL, "readonly database": _READONLY,
             "database is locked": _BUSY, "malformed": _CORRUPT,
             "file is not a database": _NOTADB, "unable to open": _CANTOPEN}


def _code(e: sqlite3.Error) -> int:
    """The primary SQLite result code of an error (``SQLITE_FULL``, ...), or -1; from
    its message where Python does not give the code (before 3.11)."""
    code = getattr(e, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    return next((c for text, c in _MESSAGES.items() if text in str(e)), -1)


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (KeyboardInterrupt too).

    SQLite may have rolled the transaction back itself (a full disk, an I/O error), and
    a COMMIT can fail (the disk fills as the log is written): the original error is
    what the caller sees, never a failed ROLLBACK's."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
                return
            except BaseException:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the caller's error says what went wrong


def _rowid(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (it made one: the caller checked)."""
    assert cur.lastrowid is not None
    return cur.lastrowid
