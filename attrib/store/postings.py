"""Compact postings: how the embedded store lays out the inverted index (pure functions).

A *posting* says "window ``w`` holds band key ``k``". Windows are numbered in the order
their files were stored (a file's windows are consecutive ids; the store maps an id back
to its file and line), so a posting is a key and one small integer.

Keys are stored as :data:`KEY_BITS`-bit hashes (:func:`key_hash`, a bijective mix of the
64-bit band key, truncated). Two different keys share a stored hash with probability
2^-36: a lookup may return about ``postings / 2^36`` postings of another key per key
asked for (one in 70 keys at a billion stored postings). The matcher only counts a stored
window that shares three or four bands with a query window, so such a stray posting
never makes a candidate on its own, and each posting is 28 bits smaller.

A *run* is an immutable set of postings, cut into *rows* by the first ``bucket_bits``
bits of the hash (about :data:`ROW_POSTINGS` postings a row, so a run's bucket count
grows with it and a lookup reads one small row per key and run). Inside a row each
posting is one little-endian integer of ``record_bytes`` bytes holding the rest of the
hash (``suffix_bits``) above the window id minus the run's first window
(``window_bits``), sorted. At a billion postings that is 5 bytes a posting, against 16
for a plain (key, reference) pair. How many stored windows hold a key is the number of
its postings: counted while a lookup reads them, for free.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

KEY_BITS = 36
ROW_POSTINGS = 64
MAX_BUCKET_BITS = KEY_BITS - 8  # keep at least 8 bits of the hash in each record
_U64 = np.uint64


def key_hash(keys: np.ndarray) -> np.ndarray:
    """The stored form of band keys: a bijective 64-bit mix (MurmurHash3's finalizer),
    top :data:`KEY_BITS` bits. Keys are already hashes; the mix spreads any keys (small
    test numbers too) over the buckets."""
    h = np.asarray(keys, dtype=np.int64).view(_U64)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h >> _U64(64 - KEY_BITS)


@dataclass(frozen=True)
class Layout:
    """How one run encodes its postings."""

    bucket_bits: int
    window_bits: int
    window_lo: int

    @classmethod
    def fit(cls, postings: int, window_lo: int, window_hi: int) -> "Layout":
        """The layout for ``postings`` postings of windows ``window_lo..window_hi``."""
        bucket_bits = int(np.clip(np.round(np.log2(max(postings, 1) / ROW_POSTINGS)), 0, MAX_BUCKET_BITS))
        return cls(bucket_bits, max(1, int(window_hi - window_lo).bit_length()), int(window_lo))

    @property
    def suffix_bits(self) -> int:
        return KEY_BITS - self.bucket_bits

    @property
    def record_bytes(self) -> int:
        return -(-(self.suffix_bits + self.window_bits) // 8)

    def buckets(self, hashes: np.ndarray) -> np.ndarray:
        """The row each hash lives in."""
        return (hashes >> _U64(self.suffix_bits)).astype(np.int64)


def encode(hashes: np.ndarray, windows: np.ndarray, layout: Layout) -> tuple[np.ndarray, list[bytes]]:
    """Postings as rows: (bucket of each row, increasing; the rows' bytes)."""
    if len(hashes) == 0:
        return np.zeros(0, np.int64), []
    if layout.record_bytes > 8:
        raise ValueError(f"a run of {layout.window_bits}-bit window ids is too large to encode")
    local = (np.asarray(windows, np.int64) - layout.window_lo).astype(_U64)
    if KEY_BITS + layout.window_bits <= 64:  # one sort of (hash, window) as one integer
        combined = np.sort((np.asarray(hashes, _U64) << _U64(layout.window_bits)) | local)
        bucket = (combined >> _U64(layout.suffix_bits + layout.window_bits)).astype(np.int64)
        value = combined & _U64((1 << (layout.suffix_bits + layout.window_bits)) - 1)
    else:
        suffix = hashes & _U64((1 << layout.suffix_bits) - 1)
        value = (suffix << _U64(layout.window_bits)) | local
        bucket = layout.buckets(hashes)
        order = np.lexsort((value, bucket))
        value, bucket = value[order], bucket[order]
    raw = value.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :layout.record_bytes].tobytes()
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(bucket)] * layout.record_bytes
    cuts = starts * layout.record_bytes
    return bucket[starts], [raw[a:b] for a, b in zip(cuts.tolist(), ends.tolist())]


def decode(buckets: Sequence[int], rows: Sequence[bytes], layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """The postings of rows read back: (hashes, window ids)."""
    if not rows:
        return np.zeros(0, _U64), np.zeros(0, np.int64)
    size = layout.record_bytes
    counts = np.fromiter((len(r) for r in rows), np.int64, len(rows)) // size
    raw = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, size)
    padded = np.zeros((len(raw), 8), dtype=np.uint8)
    padded[:, :size] = raw
    value = padded.view("<u8").ravel().astype(_U64)
    bucket = np.repeat(np.asarray(buckets, dtype=np.int64).astype(_U64), counts)
    hashes = (bucket << _U64(layout.suffix_bits)) | (value >> _U64(layout.window_bits))
    windows = (value & _U64((1 << layout.window_bits) - 1)).astype(np.int64) + layout.window_lo
    return hashes, windows


def select_sorted(hashes: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The positions, ascending, of the ``hashes`` (sorted, as a run's rows decode) that are
    among ``wanted`` (sorted): found by binary search per wanted hash, not per posting."""
    lo = np.searchsorted(hashes, wanted, side="left")
    counts = np.searchsorted(hashes, wanted, side="right") - lo
    return np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))


def first_per_key(hashes: np.ndarray, windows: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` postings per hash, the lowest window ids (sorted by hash, window)."""
    if len(hashes) == 0:
        return hashes, windows
    window_bits = max(1, int(windows.max()).bit_length())
    if KEY_BITS + window_bits <= 64:  # (hash, window) as one integer: one sort, several times a lexsort's speed
        combined = (np.asarray(hashes, _U64) << _U64(window_bits)) | windows.astype(_U64)
        if bool((combined[1:] < combined[:-1]).any()):  # one run's postings come sorted
            combined = np.sort(combined)
        hashes, windows = combined >> _U64(window_bits), (combined & _U64((1 << window_bits) - 1)).astype(np.int64)
    else:
        order = np.lexsort((windows, hashes))
        hashes, windows = hashes[order], windows[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    rank = np.arange(len(hashes)) - np.repeat(starts, np.diff(np.r_[starts, len(hashes)]))
    keep = rank < limit
    return hashes[keep], windows[keep]


def expand_to_keys(query: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For postings with these stored hashes: (the query key of each, the index of the
    posting it belongs to). A hash two query keys share (1 in 2^36) serves both."""
    qh = key_hash(query)
    order = np.argsort(qh, kind="stable")
    sorted_h = qh[order]
    lo = np.searchsorted(sorted_h, hashes, side="left")
    counts = np.searchsorted(sorted_h, hashes, side="right") - lo
    total = int(counts.sum())
    offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return query[order[offsets]], np.repeat(np.arange(len(hashes)), counts)
