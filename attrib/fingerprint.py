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
from typing import Sequence

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
    """The MinHash permutation parameters (a, b) for these settings: datasketch 2.0.0's.

    Drawn the way datasketch 2.0.0 draws its ``affine32`` permutations -- numpy's legacy
    ``RandomState``, whose stream numpy keeps fixed -- and tested equal to
    ``datasketch.MinHash(...).permutations``. datasketch is the reference, not a
    dependency: its MinHash objects are 20x slower than the vectorised code here, and
    it brings scipy (140 MB installed, 0.4-0.7 s to import) for two numpy calls.
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
    rows = np.multiply.outer(_fmix32(values), a)
    rows += b
    return rows


def window_minima(sh: np.ndarray, starts: np.ndarray, length: int, params: FingerprintParams) -> np.ndarray:
    """MinHash signature of each run ``sh[s:s + length]``, shape (len(starts), num_perm).

    Every start must leave room for a full run. Runs are minimised by repeated
    doubling (min of two shifted copies) -- a few contiguous numpy passes instead of
    one reduction per window -- over blocks of rows, which bounds memory on huge files.
    """
    out = np.empty((len(starts), params.num_perm), dtype=_U32)
    span = 1 << (length.bit_length() - 1)  # largest power of two <= length
    blocks = np.searchsorted(starts, np.arange(0, len(sh) + _BLOCK, _BLOCK))  # starts must be sorted
    for i, lo in enumerate(range(0, len(sh), _BLOCK)):
        a, b = blocks[i], blocks[i + 1]
        if a == b:
            continue
        rows = minhash_rows(sh[lo:min(len(sh), lo + _BLOCK + length - 1)], params)
        width = 1
        while width < span:
            rows = np.minimum(rows[:-width], rows[width:])
            width *= 2
        at = starts[a:b] - lo
        out[a:b] = np.minimum(rows[at], rows[at + length - span])
    return out


@dataclass(frozen=True)
class _Cut:
    """Where the windows of a batch of texts are (the same for both token streams).

    Windows of all texts are numbered together, text by text; ``counts`` says how many
    each text has. ``first``/``stop`` are token positions in the concatenated streams,
    ``whole`` marks a text shorter than one window (its one window is the whole text).
    """

    counts: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    whole: np.ndarray
    offset: np.ndarray  # each window's text's first token in the concatenation


def _cut(lexeds: Sequence[Lexed], params: FingerprintParams, stride: int) -> _Cut:
    """The windows starting at every ``stride``-th non-empty line of each text, all
    texts at once (no numpy call per text)."""
    k, size = params.shingle, params.window_tokens
    n = np.fromiter((len(x) for x in lexeds), np.int64, len(lexeds))
    offsets = np.concatenate(([0], np.cumsum(n)))
    text = np.repeat(np.arange(len(lexeds)), n)
    lines = np.concatenate([x.line for x in lexeds]) if lexeds else np.zeros(0, np.int32)
    new_line = np.ones(len(lines), dtype=bool)
    new_line[1:] = (lines[1:] != lines[:-1]) | (text[1:] != text[:-1])
    line_first = np.flatnonzero(new_line)
    owner = text[line_first]
    rank = np.arange(len(line_first)) - np.searchsorted(owner, owner)  # line number within its text
    keep = (rank % stride == 0) & (line_first + size <= offsets[owner + 1])
    first, owner = line_first[keep], owner[keep]
    counts = np.bincount(owner, minlength=len(lexeds))
    short = np.flatnonzero((counts == 0) & (n >= k))  # shorter than one window: the whole text is the window
    if len(short):
        first = np.concatenate((first, offsets[short]))
        owner = np.concatenate((owner, short))
        order = np.argsort(owner, kind="stable")
        first, owner = first[order], owner[order]
        counts[short] = 1
    whole = np.isin(owner, short)
    stop = np.where(whole, offsets[owner + 1], first + size)
    return _Cut(counts, first, stop, whole, offsets[owner])


def _signatures(tokens: np.ndarray, cut: _Cut, params: FingerprintParams) -> np.ndarray:
    """MinHash signature of every window of ``cut`` over the concatenated ``tokens``
    (a shingle that straddles two texts is in no window)."""
    k = params.shingle
    sh = shingles(tokens, k)
    sig = np.empty((len(cut.first), params.num_perm), dtype=_U32)
    full = ~cut.whole
    sig[full] = window_minima(sh, cut.first[full], params.window_tokens - k + 1, params)
    for w in np.flatnonzero(cut.whole):
        sig[w] = minhash_rows(sh[cut.first[w]:cut.stop[w] - k + 1], params).min(axis=0)
    return sig


def windows(lexed: Lexed, stream: str, params: FingerprintParams, stride: int) -> Windows:
    """Band keys of the windows starting at every ``stride``-th non-empty line.

    A window is the ``window_tokens`` tokens from the first token of its line (so a
    query window and an indexed window that start on the same code hold the same
    shingles); a text shorter than one window is one window.
    """
    cut = _cut([lexed], params, stride)
    tokens = lexed.norm if stream == "norm" else lexed.abst
    keys = band_keys(_signatures(tokens, cut, params), params, STREAMS.index(stream))
    return Windows(keys=keys, start_line=lexed.line[cut.first].astype(np.int64),
                   end_line=lexed.line[cut.stop - 1].astype(np.int64), first=cut.first, stop=cut.stop)


def band_keys(sig: np.ndarray, params: FingerprintParams, stream: int) -> np.ndarray:
    """Cut signatures (windows, num_perm) into (windows, bands) signed 64-bit keys."""
    w = len(sig)
    bands = sig.reshape(w, params.bands, params.rows).astype(_U64)
    h = np.broadcast_to(_band_seeds(params.bands, stream), (w, params.bands)).copy()
    for r in range(params.rows):
        h ^= bands[:, :, r]
        h *= _BAND_PRIME
    h ^= h >> _U64(31)
    h *= _U64(0x94D049BB133111EB)
    h ^= h >> _U64(29)
    return h.view(np.int64)


@frozen_cache(maxsize=None)
def _band_seeds(bands: int, stream: int) -> np.ndarray:
    return (np.arange(bands, dtype=_U64) + _U64(1 + 1000 * stream)) * _U64(0xD6E8FEB86659FD93)


@dataclass(frozen=True)
class BatchPostings:
    """The postings of a batch of texts, compact: every window's band keys (both
    streams' bands of a window together), its start line once (not once per key), and
    how many windows each text has. Half the bytes a worker process sends back."""

    keys: np.ndarray  # int64, (windows, keys per window)
    start_line: np.ndarray  # int32, one per window
    counts: np.ndarray  # windows per text

    def per_text(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's (band key, window start line) pairs, window by window (so the
        lines are sorted)."""
        per_window = self.keys.shape[1]
        bounds = np.concatenate(([0], np.cumsum(self.counts))).tolist()
        lines = self.start_line.astype(np.int64)
        return [(self.keys[a:b].ravel(), np.repeat(lines[a:b], per_window)) for a, b in zip(bounds[:-1], bounds[1:])]


def index_postings(lexeds: Sequence[Lexed], params: FingerprintParams) -> BatchPostings:
    """What the index stores for each text (:meth:`BatchPostings.per_text`). Many texts
    at once: the MinHash work is a few numpy passes per batch, not per file."""
    cut = _cut(lexeds, params, params.stride_lines)
    if lexeds:
        start_line = np.concatenate([x.line for x in lexeds])[cut.first].astype(np.int32)
    else:
        start_line = np.zeros(0, np.int32)
    keys = np.concatenate([band_keys(_signatures(np.concatenate([getattr(x, stream) for x in lexeds]) if lexeds
                                                 else np.zeros(0, _U64), cut, params), params, i)
                           for i, stream in enumerate(STREAMS)], axis=1)
    return BatchPostings(keys, start_line, np.asarray(cut.counts))
