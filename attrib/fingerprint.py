"""Fingerprints: shingles -> MinHash signatures of line windows -> LSH band keys.

A file is cut into *windows*: a window is the ``window_tokens`` tokens that follow
the start of a non-empty line, so a short copied span can be found inside a long
file. Each window's shingles (its k-grams of tokens) get a MinHash signature with
datasketch's permutations, computed for many windows at once with numpy, and each
signature is cut into ``bands`` keys of ``rows`` values (locality-sensitive hashing:
windows sharing a key are candidates).

Both token streams of :mod:`attrib.lexer` are fingerprinted: ``norm`` finds copies,
``abst`` (identifiers abstracted) finds renamed copies. Keys of the two streams never
collide (each stream and band mixes in its own constant).

The index keeps windows at every ``stride_lines``-th non-empty line; a query keeps one
at every line, so a copied span of ``window_tokens`` tokens plus ``stride_lines`` lines
always contains a query window identical to an indexed one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .frozen import frozen_cache
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


@frozen_cache(maxsize=8)
def permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's MinHash permutation parameters (a, b) for these settings.

    Drawn the way datasketch 2.0.0 draws its ``affine32`` permutations (tested equal to
    ``datasketch.MinHash(...).permutations``), without importing datasketch: it imports
    scipy, a quarter of a second of every ``attrib scan``'s start-up.
    """
    if scheme != "affine32":
        raise ValueError(f"unsupported MinHash scheme {scheme!r}: attrib uses affine32")
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    return a, b


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


def window_minima(sh: np.ndarray, starts: np.ndarray, length: int, params: FingerprintParams) -> np.ndarray:
    """MinHash signature of each run ``sh[s:s + length]``, shape (len(starts), num_perm).

    Every start must leave room for a full run. Runs are minimised by repeated
    doubling (min of two shifted copies) -- a few contiguous numpy passes instead of
    one reduction per window -- over blocks of rows, which bounds memory on huge files.
    """
    out = np.empty((len(starts), params.num_perm), dtype=_U32)
    span = 1 << (length.bit_length() - 1)  # largest power of two <= length
    for lo in range(0, len(sh), _BLOCK):
        sel = np.flatnonzero((starts >= lo) & (starts < lo + _BLOCK))
        if len(sel) == 0:
            continue
        rows = minhash_rows(sh[lo:min(len(sh), lo + _BLOCK + length - 1)], params)
        width = 1
        while width < span:
            rows = np.minimum(rows[:-width], rows[width:])
            width *= 2
        at = starts[sel] - lo
        out[sel] = np.minimum(rows[at], rows[at + length - span])
    return out


def windows(lexed: Lexed, stream: str, params: FingerprintParams, stride: int) -> Windows:
    """Band keys of the windows starting at every ``stride``-th non-empty line.

    A window is the ``window_tokens`` tokens from the first token of its line (so a
    query window and an indexed window that start on the same code hold the same
    shingles); a text shorter than one window is one window.
    """
    tokens = lexed.norm if stream == "norm" else lexed.abst
    k, n, size = params.shingle, len(tokens), params.window_tokens
    if n < k:
        return Windows(np.zeros((0, params.bands), np.int64), *(np.zeros(0, np.int64),) * 4)
    line_first = np.flatnonzero(np.diff(lexed.line, prepend=-1) != 0)
    first = line_first[::stride]
    first = first[first + size <= n]
    sh = shingles(tokens, k)
    if len(first) == 0:  # shorter than one window: the whole text is the window
        first, stop = np.array([0]), np.array([n])
        sig = minhash_rows(sh, params).min(axis=0, keepdims=True)
    else:
        stop = first + size
        sig = window_minima(sh, first, size - k + 1, params)
    return Windows(keys=band_keys(sig, params, STREAMS.index(stream)),
                   start_line=lexed.line[first].astype(np.int64), end_line=lexed.line[stop - 1].astype(np.int64),
                   first=first, stop=stop)


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


@frozen_cache(maxsize=None)
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
