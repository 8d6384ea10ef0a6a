"""Fingerprints: shingles -> MinHash signatures of line windows -> LSH band keys.

A file is cut into *windows*: a window starts at a non-empty line and takes whole
lines until it holds ``window_tokens`` tokens, so a short copied span can be found
inside a long file. Each window's shingles (k-grams of tokens starting in its lines)
get a MinHash signature with datasketch's permutations, computed for many windows at
once with numpy, and each signature is cut into ``bands`` keys of ``rows`` values
(locality-sensitive hashing: windows sharing a key are candidates).

Both token streams of :mod:`attrib.lexer` are fingerprinted: ``norm`` finds copies,
``abst`` (identifiers abstracted) finds renamed copies. Keys of the two streams never
collide (each stream and band mixes in its own constant).

The index keeps windows at every ``stride_lines``-th non-empty line; a query keeps one
at every line, so a copied span of ``window_tokens`` tokens plus ``stride_lines`` lines
always contains a query window identical to an indexed one.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from .lexer import Lexed
from .params import FingerprintParams

_U32, _U64 = np.uint32, np.uint64
_EMPTY = np.uint32(0xFFFFFFFF)
_SHINGLE_BASE = _U64(0x9E3779B97F4A7C15)
_BAND_PRIME = _U64(0x100000001B3)
STREAMS = ("norm", "abst")
_BLOCK = 1 << 15  # shingles per numpy block: bounds memory on huge files


@dataclass(frozen=True)
class Windows:
    """Windows of one token stream and their band keys.

    ``keys`` has shape (windows, bands), int64. ``start_line``/``end_line`` are the
    1-based line range of each window; ``first``/``stop`` its token range.
    """

    keys: np.ndarray
    start_line: np.ndarray
    end_line: np.ndarray
    first: np.ndarray
    stop: np.ndarray

    def __len__(self) -> int:
        return len(self.start_line)


def shingles(tokens: np.ndarray, k: int) -> np.ndarray:
    """32-bit hashes of the k-grams of a uint64 token-hash array (length n - k + 1)."""
    n = len(tokens) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=_U32)
    h = tokens[:n].copy()
    for j in range(1, k):
        h = h * _SHINGLE_BASE + tokens[j:j + n]
    h ^= h >> _U64(29)
    h *= _U64(0xBF58476D1CE4E5B9)
    h ^= h >> _U64(32)
    return h.astype(_U32)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's MinHash permutation parameters (a, b) for these settings."""
    if scheme != "affine32":
        raise ValueError(f"unsupported MinHash scheme {scheme!r}: attrib uses affine32")
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return a.astype(_U32), b.astype(_U32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix of datasketch's affine32 scheme."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def minhash_rows(values: np.ndarray, params: FingerprintParams) -> np.ndarray:
    """Permuted hash of every value under every permutation: shape (n, num_perm).

    The minimum over a set of rows equals ``datasketch.MinHash(...).update_batch`` of
    those values with an identity hash function (tested), without a Python loop.
    """
    a, b = permutations(params.num_perm, params.seed, params.scheme)
    return _fmix32(values)[:, None] * a[None, :] + b[None, :]


def line_minima(sh: np.ndarray, group_start: np.ndarray, params: FingerprintParams) -> np.ndarray:
    """MinHash signature of each group of consecutive shingles, shape (groups, num_perm).

    ``group_start`` holds the sorted first shingle index of every group; a group that
    starts at or after ``len(sh)`` is empty and gets the all-max (empty) signature.
    """
    out = np.full((len(group_start), params.num_perm), _EMPTY, dtype=_U32)
    n = len(sh)
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        first = np.searchsorted(group_start, lo, side="right") - 1
        last = np.searchsorted(group_start, hi, side="left")
        groups = np.arange(max(first, 0), last)
        bounds = np.maximum(group_start[groups], lo) - lo
        keep = np.concatenate(([True], bounds[1:] > bounds[:-1])) if len(bounds) else bounds
        groups, bounds = groups[keep], bounds[keep]
        mins = np.minimum.reduceat(minhash_rows(sh[lo:hi], params), bounds, axis=0)
        out[groups] = np.minimum(out[groups], mins)
    return out


def windows(lexed: Lexed, stream: str, params: FingerprintParams, stride: int) -> Windows:
    """Band keys of the windows starting at every ``stride``-th non-empty line."""
    tokens = lexed.norm if stream == "norm" else lexed.abst
    k, n = params.shingle, len(tokens)
    empty = Windows(np.zeros((0, params.bands), np.int64), *(np.zeros(0, np.int64),) * 4)
    if n < k:
        return empty
    lines, line_first = np.unique(lexed.line, return_index=True)
    bounds = np.append(line_first, n)  # token offset where each non-empty line starts
    starts = np.arange(0, len(lines), stride)
    ends = np.searchsorted(bounds, bounds[starts] + params.window_tokens, side="left") - 1
    complete = ends < len(lines)
    if not complete[0]:  # the whole text is shorter than one window: it is one window
        starts, ends = starts[:1], np.array([len(lines) - 1])
    else:
        starts, ends = starts[complete], ends[complete]
    sh = shingles(tokens, k)
    sig = _range_minima(line_minima(sh, line_first, params), starts, ends)
    return Windows(keys=band_keys(sig, params, STREAMS.index(stream)),
                   start_line=lines[starts].astype(np.int64), end_line=lines[ends].astype(np.int64),
                   first=bounds[starts], stop=bounds[ends + 1])


def _range_minima(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Element-wise minimum of rows[s..e] for each (s, e), with a sparse table."""
    lengths = ends - starts + 1
    table = [rows]
    while (1 << len(table)) <= lengths.max():
        prev, step = table[-1], 1 << (len(table) - 1)
        table.append(np.minimum(prev[:-step], prev[step:]) if len(prev) > step else prev[:0])
    level = np.floor(np.log2(lengths)).astype(np.int64)
    out = np.empty((len(starts), rows.shape[1]), dtype=rows.dtype)
    for j in np.unique(level):
        sel = np.flatnonzero(level == j)
        t = table[j]
        out[sel] = np.minimum(t[starts[sel]], t[ends[sel] - (1 << j) + 1])
    return out


def band_keys(sig: np.ndarray, params: FingerprintParams, stream: int) -> np.ndarray:
    """Cut signatures (windows, num_perm) into (windows, bands) signed 64-bit keys."""
    w = len(sig)
    bands = sig.reshape(w, params.bands, params.rows).astype(_U64)
    h = np.broadcast_to(_band_seeds(params.bands, stream), (w, params.bands)).copy()
    for r in range(params.rows):
        h = (h ^ bands[:, :, r]) * _BAND_PRIME
    h ^= h >> _U64(31)
    h *= _U64(0x94D049BB133111EB)
    h ^= h >> _U64(29)
    return h.view(np.int64)


@lru_cache(maxsize=None)
def _band_seeds(bands: int, stream: int) -> np.ndarray:
    return (np.arange(bands, dtype=_U64) + _U64(1 + 1000 * stream)) * _U64(0xD6E8FEB86659FD93)


def index_postings(lexed: Lexed, params: FingerprintParams) -> tuple[np.ndarray, np.ndarray]:
    """What the index stores for one file: (band key, window start line) pairs."""
    keys, lines = [], []
    for stream in STREAMS:
        w = windows(lexed, stream, params, params.stride_lines)
        keys.append(w.keys.ravel())
        lines.append(np.repeat(w.start_line, params.bands))
    return np.concatenate(keys), np.concatenate(lines)
