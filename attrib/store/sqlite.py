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

Readers see what is committed, never a mix: a segment's id is never used twice (the
next id is kept in ``meta``, so a merged segment gets a new one), and a lookup lists
and loads the segments inside one read transaction. A long-lived process (``attrib
serve``) may therefore keep the segments it loaded, keyed by id: an id always means
the same bytes.

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
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import numpy as np

from ..errors import ReadOnlyStore, StoreError
from ..params import FingerprintParams, check_compatible, from_record
from ..records import Provenance
from .base import IndexEntry, OpenMode, Postings, Store, StoredFile, StoreStats, check_entries, keep_shared

SCHEMA_VERSION = 1
_LINE_BITS = 24
_LINE_MASK = (1 << _LINE_BITS) - 1
_MERGE_FANOUT = 4
_MAX_MERGED = 1 << 24  # postings; larger segments are left alone so merges stay bounded
_MAX_HITS_PER_KEY = 2048  # a key shared by more windows than this says little; cap it
_HEADER = b"SQLite format 3\0"
# SQLite's primary result codes (sqlite3 names them only from Python 3.11).
_PERM, _BUSY, _LOCKED, _READONLY, _CORRUPT, _FULL, _CANTOPEN, _AUTH, _NOTADB = 3, 5, 6, 8, 11, 13, 14, 23, 26
_TABLES = frozenset({"meta", "files", "provenance", "segments"})

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
        self._segments: dict[int, tuple[np.ndarray, np.ndarray]] = {}
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
        db.execute("PRAGMA busy_timeout=30000")
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
            self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO meta VALUES "
                                   f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;")
            return
        if "meta" not in tables:
            raise StoreError(f"{self.path} is a SQLite file but not an attrib index")
        missing = _TABLES - tables
        if missing:
            raise self._damaged(f"missing tables: {', '.join(sorted(missing))}")
        version = str(self._meta("schema_version") or "0")
        if not version.isdigit():
            raise self._damaged(f"schema version {version!r}")
        if int(version) != SCHEMA_VERSION:
            raise StoreError(f"{self.path} has index schema version {version}; this attrib reads "
                             f"version {SCHEMA_VERSION}. Re-index with this version of attrib.")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @_guarded
    def params(self) -> FingerprintParams | None:
        raw = self._meta("params")
        return from_record(raw, self.location) if raw else None

    @_guarded
    def ensure_params(self, params: FingerprintParams) -> None:
        current = self.params()
        if current is None:
            with self._tx():
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('params', ?)", (json.dumps(params.to_dict()),))
        else:
            check_compatible(current, params, self.location)

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
        self._db.execute("INSERT INTO segments (id, n, keys, refs) VALUES (?, ?, ?, ?)",
                         (self._new_segment_id(), len(keys), keys[order].tobytes(), refs[order].tobytes()))

    def _new_segment_id(self) -> int:
        """An id no segment of this index has had: readers cache segments by id."""
        recorded = self._meta("next_segment")
        top = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM segments").fetchone()[0]
        seg_id = max(int(recorded or 0), top + 1)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('next_segment', ?)", (str(seg_id + 1),))
        return seg_id

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
        keys, refs = np.frombuffer(keys, dtype=np.int64), np.frombuffer(refs, dtype=np.int64)
        if len(keys) != len(refs):
            raise ValueError(f"segment {seg_id} has {len(keys)} keys but {len(refs)} references")
        return keys, refs

    def _current_segments(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The committed segments, listed and loaded in one snapshot."""
        with self._snapshot():
            ids = [r[0] for r in self._db.execute("SELECT id FROM segments")]
            for gone in set(self._segments) - set(ids):
                del self._segments[gone]
            for seg_id in ids:
                if seg_id not in self._segments:
                    self._segments[seg_id] = self._load_segment(seg_id)
        return [self._segments[i] for i in ids]

    @_guarded
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

    @_guarded
    def files(self, ids: Sequence[int]) -> dict[int, StoredFile]:
        ids = [int(i) for i in ids]
        out: dict[int, StoredFile] = {}
        with self._snapshot():
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                marks = ",".join("?" * len(part))
                provs: dict[int, list[Provenance]] = {}
                for fid, repo, path, commit, lic, stars in self._db.execute(
                        f"SELECT file_id, repo, path, commit_sha, licenses, stars FROM provenance "
                        f"WHERE file_id IN ({marks})", part):
                    _expect(all(isinstance(v, str) for v in (repo, path, commit)) and _is_count(stars),
                            f"a provenance row of file {fid}")
                    provs.setdefault(fid, []).append(Provenance(repo, path, commit, _licenses(lic), stars))
                for fid, sha, lang, size, blob in self._db.execute(
                        f"SELECT id, sha, lang, size, content FROM files WHERE id IN ({marks})", part):
                    _expect(isinstance(sha, str) and _is_name(lang) and isinstance(size, int), f"file {fid}")
                    seen = sorted(provs.get(fid, []), key=lambda p: (-(p.stars or 0), p.repo, p.path))
                    out[fid] = StoredFile(fid, sha, lang, size, _text(blob), tuple(seen))
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
            postings = q("SELECT COALESCE(SUM(n), 0) FROM segments").fetchone()[0]
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
                          params=params.to_dict() if params else {}, schema_version=SCHEMA_VERSION)

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass  # nothing is pending: every write was its own committed transaction

    def _tx(self) -> "_Transaction":
        return _Transaction(self._db)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that see one committed state of the index (a read transaction)."""
        if self._db.in_transaction:  # inside a write: it sees its own state
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")


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
