"""The window rows a process has read from the embedded store, kept for later lookups.

A stored file's windows have consecutive ids ``first .. first + n - 1``; its row in the
``windows`` table maps them to the file and each window's start line. Rows are written
once and never changed or deleted, so a row read once stays true for the life of the
index, and scans keep hitting the same files (headers, common drivers: on the 1 GB kernel
benchmark 87% of the files one query's windows fall in were hit by an earlier query).
This keeps the rows read, so a lookup asks SQLite only for the windows of files it has
not seen, and places the others with a few array operations.

The rows live in flat arrays (sorted first ids, their ends and files, and one pool of
start lines, by default 2 bytes each: the rare file longer than 65,535 lines is not kept); at
``max_windows`` windows kept (16M: 32 MB, every window of 1.3 GB of C code) it starts
over, so its memory is bounded whatever the index size. Shared by every thread of a process: readers use one snapshot
of the arrays, writers replace it under a lock; a row is never changed once made.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WindowRow:
    """One stored file's windows: ids ``first .. first + len(starts) - 1``, in ``file_id``,
    starting at lines ``starts``."""

    first: int
    file_id: int
    starts: np.ndarray


@dataclass(frozen=True)
class Rows:
    """Window rows as flat arrays, sorted by first window id."""

    firsts: np.ndarray  # first window id of each row
    ends: np.ndarray  # one past its last window id
    file_ids: np.ndarray
    offsets: np.ndarray  # where its start lines begin in the pool
    pool: np.ndarray  # start lines of every row's windows (filled up to `used`)
    used: int


def pack(rows: list[WindowRow]) -> Rows:
    """``rows`` as :class:`Rows` (the pool: their start lines, one after the other)."""
    rows = sorted((r for r in rows if len(r.starts)), key=lambda r: r.first)
    lengths = np.fromiter((len(r.starts) for r in rows), np.int64, len(rows))
    firsts = np.fromiter((r.first for r in rows), np.int64, len(rows))
    pool = np.concatenate([r.starts for r in rows]) if rows else np.zeros(0, np.uint16)
    return Rows(firsts, firsts + lengths, np.fromiter((r.file_id for r in rows), np.int64, len(rows)),
                np.cumsum(lengths) - lengths, pool, len(pool))


def places(rows: Rows, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each window id: (its file, its start line, whether one of ``rows`` covers it;
    file and line are 0 where none does)."""
    at = np.searchsorted(rows.firsts, windows, side="right") - 1
    hit = at >= 0
    hit[hit] = windows[hit] < rows.ends[at[hit]]
    files = np.zeros(len(windows), np.int64)
    lines = np.zeros(len(windows), np.int64)
    row = at[hit]
    files[hit] = rows.file_ids[row]
    lines[hit] = rows.pool[rows.offsets[row] + windows[hit] - rows.firsts[row]]
    return files, lines, hit


class WindowRows:
    """A bounded cache of :class:`WindowRow`, found by any window id they cover."""

    def __init__(self, max_windows: int = 16 << 20, line_type: type = np.uint16) -> None:
        self.max_windows = max_windows
        self.line_type = line_type
        self._lock = threading.Lock()
        self._now = self._empty(0)

    def _empty(self, capacity: int) -> Rows:
        none = np.zeros(0, np.int64)
        return Rows(none, none, none, none, np.zeros(capacity, self.line_type), 0)

    def places(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`places` among the rows kept."""
        return places(self._now, windows)

    def add(self, rows: list[WindowRow]) -> None:
        """Keep ``rows`` (read from the store); start over when the pool is full. (A row
        kept twice, read by two threads at once, is harmless: both copies say the same.)"""
        width, top = np.dtype(self.line_type).itemsize, np.iinfo(self.line_type).max
        new = pack([r for r in rows if r.starts.dtype.itemsize <= width or int(r.starts.max(initial=0)) <= top])
        if new.used == 0 or new.used > self.max_windows:
            return
        with self._lock:
            s = self._now
            if s.used + new.used > len(s.pool):
                s = self._empty(self.max_windows)
            s.pool[s.used:s.used + new.used] = new.pool  # past every reader's `used`: no one reads it yet
            where = np.searchsorted(s.firsts, new.firsts)
            self._now = Rows(np.insert(s.firsts, where, new.firsts), np.insert(s.ends, where, new.ends),
                             np.insert(s.file_ids, where, new.file_ids),
                             np.insert(s.offsets, where, s.used + new.offsets), s.pool, s.used + new.used)
