"""The window rows a process has read from the embedded store, kept for later lookups.

A stored file's windows have consecutive ids ``first .. first + n - 1``; its row in the
``windows`` table maps them to the file and each window's start line. Rows are written
once and never changed or deleted, so a row read once stays true for the life of the
index, and scans keep hitting the same files (headers, common drivers: on the 1 GB kernel
benchmark 87% of the files one query's windows fall in were hit by an earlier query).
This keeps the rows read (least recently used first out, at most ``max_bytes`` of line
numbers), so a lookup asks SQLite only for the windows of files it has not seen.

Shared by every thread of a process under a lock; a row is never changed once made.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WindowRow:
    """One stored file's windows: ids ``first .. first + len(starts) - 1``, in ``file_id``,
    starting at lines ``starts``."""

    first: int
    file_id: int
    starts: np.ndarray


class WindowRows:
    """A bounded cache of :class:`WindowRow`, found by any window id they cover."""

    def __init__(self, max_bytes: int = 16 << 20) -> None:
        self.max_bytes = max_bytes
        self._rows: OrderedDict[int, WindowRow] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Sorted first ids and ends of the rows (evicted ones may linger: checked against _rows).
        self._firsts = np.zeros(0, np.int64)
        self._ends = np.zeros(0, np.int64)

    def find(self, windows: np.ndarray) -> tuple[dict[int, WindowRow], np.ndarray]:
        """The kept rows covering the sorted, distinct ``windows`` (by first id), and the
        windows none covers."""
        with self._lock:
            at = np.searchsorted(self._firsts, windows, side="right") - 1
            inside = at >= 0
            inside[inside] = windows[inside] < self._ends[at[inside]]
            found: dict[int, WindowRow] = {}
            for first in np.unique(self._firsts[at[inside]]).tolist():
                row = self._rows.get(first)
                if row is not None:
                    self._rows.move_to_end(first)
                    found[first] = row
            if len(found) < len(np.unique(at[inside])):  # some were evicted: their windows are missing
                known = np.fromiter(found, np.int64, len(found))
                inside[inside] = np.isin(self._firsts[at[inside]], known)
            return found, windows[~inside]

    def add(self, rows: list[WindowRow]) -> None:
        """Keep ``rows`` (read from the store), dropping the least recently used beyond ``max_bytes``."""
        with self._lock:
            new = [r for r in rows if r.first not in self._rows]
            for r in new:
                self._rows[r.first] = r
                self._bytes += r.starts.nbytes
            while self._bytes > self.max_bytes and len(self._rows) > 1:
                self._bytes -= self._rows.popitem(last=False)[1].starts.nbytes
            if len(self._firsts) + len(new) > 2 * len(self._rows) + 1024:  # mostly evicted rows: start over
                firsts = np.fromiter(self._rows, np.int64, len(self._rows))
                ends = firsts + np.fromiter((len(r.starts) for r in self._rows.values()), np.int64, len(self._rows))
            else:
                firsts = np.r_[self._firsts, np.array([r.first for r in new], np.int64)]
                ends = np.r_[self._ends, np.array([r.first + len(r.starts) for r in new], np.int64)]
            order = np.argsort(firsts, kind="stable")
            self._firsts, self._ends = firsts[order], ends[order]
