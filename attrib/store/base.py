"""The ``Store`` interface every index backend implements, and the records it uses.

A store holds three things: the content of every indexed blob (for verification and
display), where each blob was seen (provenance: repo, path, commit, licenses), and the
inverted index from LSH band keys to the windows that produced them. The embedded
SQLite store and the Elasticsearch store pass the same contract tests.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

from ..params import FingerprintParams
from ..records import Provenance, SourceFile
from ..search import SearchHit, make_hit, search_terms


OpenMode = Literal["read", "write", "create"]
"""How a store is opened: ``read`` never writes anything (scan, stats, check, generate;
a read-only index opens this way); ``write`` may write to an existing index (the
embedded store's word index for ``attrib serve``) but never makes one; ``create``
(``attrib index``) also makes a new empty index where there is none."""


@dataclass(frozen=True)
class IndexEntry:
    """A new blob to store, with its postings: band ``keys`` and window start ``lines``."""

    file: SourceFile
    keys: np.ndarray
    lines: np.ndarray


def check_entries(entries: Sequence[IndexEntry]) -> None:
    """Refuse a malformed batch before anything of it is written."""
    for e in entries:
        if np.shape(e.keys) != np.shape(e.lines) or np.ndim(e.keys) != 1:
            raise ValueError(f"{e.file.path}: {np.shape(e.keys)} keys but {np.shape(e.lines)} lines")


@dataclass(frozen=True)
class StoredFile:
    """A blob as the store keeps it, with every place it was seen (best first)."""

    id: int
    sha: str
    lang: str | None
    size: int
    content: str
    provenance: tuple[Provenance, ...]
    file_licenses: tuple[str, ...] = ()
    """The licenses the blob's own header states (:mod:`attrib.evidence`)."""
    copyrights: tuple[str, ...] = ()
    """The copyright lines of the blob's header."""


@dataclass(frozen=True)
class Postings:
    """Result of a key lookup: parallel arrays, one entry per (key, window) hit."""

    keys: np.ndarray
    file_ids: np.ndarray
    lines: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class KeyCounts:
    """How common band keys are in a store (see :meth:`Store.key_counts`)."""

    counts: np.ndarray  # int64, one per key asked for, in the order asked
    postings: int  # postings (key, window) the store holds in all


def keep_shared(postings: Postings, min_shared: int) -> Postings:
    """Only the postings of windows (file, line) holding ``min_shared`` distinct keys."""
    if min_shared <= 1 or len(postings) == 0:
        return postings
    files, lines, keys = postings.file_ids, postings.lines, postings.keys
    order = np.lexsort((keys, lines, files))
    files, lines, keys = files[order], lines[order], keys[order]
    new_window = np.r_[True, (files[1:] != files[:-1]) | (lines[1:] != lines[:-1])]
    distinct = new_window | np.r_[True, keys[1:] != keys[:-1]]
    files, lines, keys, new_window = files[distinct], lines[distinct], keys[distinct], new_window[distinct]
    starts = np.flatnonzero(new_window)
    counts = np.diff(np.r_[starts, len(keys)])
    keep = np.repeat(counts >= min_shared, counts)
    return Postings(keys[keep], files[keep], lines[keep])


@dataclass(frozen=True)
class StoreStats:
    """What an index holds, for ``attrib stats`` and report headers."""

    name: str
    location: str
    files: int
    sources: int
    repos: int
    bytes: int
    postings: int
    languages: dict[str, int] = field(default_factory=dict)
    top_repos: dict[str, int] = field(default_factory=dict)  # files per repository, largest first (top 20)
    licenses: dict[str, int] = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    schema_version: int = 0
    #: What the index takes on disk (embedded) or in its primary shards (Elasticsearch):
    #: a property of how it was built, like its location, so not compared.
    index_bytes: int = field(default=0, compare=False)

    @property
    def bytes_per_mb(self) -> float:
        """Index bytes per MB of indexed code."""
        return self.index_bytes / (self.bytes / 1e6) if self.bytes else 0.0


class Store(ABC):
    """An index of code fingerprints. Open one with :func:`attrib.store.open_store`."""

    #: The URL or path the store was opened from (never contains secrets).
    location: str
    #: A short human name for reports.
    name: str

    @abstractmethod
    def params(self) -> FingerprintParams | None:
        """The parameters the index was built with, or None for an empty new store."""

    @abstractmethod
    def ensure_params(self, params: FingerprintParams) -> None:
        """Record ``params`` in a new store; in an existing one, raise ParamsMismatch if they differ."""

    @abstractmethod
    def known(self, shas: Sequence[str]) -> set[str]:
        """The subset of ``shas`` already stored."""

    @abstractmethod
    def add(self, entries: Sequence[IndexEntry], seen: Sequence[tuple[str, Provenance]] = ()) -> None:
        """Store new blobs and extra provenance of known ones, atomically.

        A blob becomes ``known`` only once everything about it is stored, so after an
        interruption a re-run that skips ``known`` blobs neither loses nor duplicates
        anything. A malformed batch raises ValueError before anything is written.
        """

    def finish(self) -> None:
        """Called once indexing is done: bring the index into its final, compact,
        searchable state (merge what loading left in parts). Safe to call again."""

    @abstractmethod
    def lookup(self, keys: np.ndarray, min_shared: int = 1) -> Postings:
        """The postings of ``keys`` (int64 band keys) of every stored window -- a
        (file, line) -- that holds at least ``min_shared`` distinct ones of them.

        The matcher asks for windows sharing several bands; saying so lets a store skip
        the (many) windows that share one key by chance. A key that very many windows
        hold (common code) may come back with only some of its postings, and keys are
        compared by a 36-bit hash (:mod:`.postings`), so a posting of another key with
        the same hash may come back too (per key asked for, one per 69 billion stored
        postings).
        """

    @abstractmethod
    def key_counts(self, keys: np.ndarray) -> KeyCounts:
        """How many stored postings hold each of ``keys`` (int64 band keys, in the order
        given; 0 for a key no window holds), and how many postings the store holds.

        A key's count is its document frequency: how many stored windows (of all files)
        share that band. The matcher weighs evidence with it -- code that thousands of
        windows share says little about any one of them -- so a store must answer from
        its index statistics, without reading the postings themselves (the embedded
        store: the lengths of the keys' posting runs). A store that keeps several windows
        of one file together may count a key once per such unit: Elasticsearch counts
        the postings documents holding it (one per up to ``CHUNK`` postings of a file).
        So every count lies between the number of files holding the key and the number
        of postings holding it, and the two are equal for a key held once per file.
        """

    @abstractmethod
    def files(self, ids: Sequence[int]) -> dict[int, StoredFile]:
        """The stored blobs with these ids."""

    @abstractmethod
    def stats(self) -> StoreStats:
        """Counts and parameters of the index."""

    @abstractmethod
    def content(self, sha: str) -> str | None:
        """The text of the stored blob with this git sha, or None."""

    @abstractmethod
    def full_text(self, terms: Sequence[str], *, lang: str | None = None, license: str | None = None,
                  limit: int = 20) -> list[int]:
        """Ids of stored files holding a word starting with each of ``terms``
        (lower-cased), best first; only files of language ``lang`` and seen under SPDX
        id ``license`` when those are given."""

    def search(self, query: str, *, lang: str | None = None, license: str | None = None,
               limit: int = 20) -> list[SearchHit]:
        """Full-text search: files holding every word of ``query`` (as a prefix), best
        first, with highlighted lines (see :mod:`attrib.search`)."""
        terms = search_terms(query)
        if not terms:
            return []
        ids = self.full_text(terms, lang=lang, license=license, limit=limit)
        found = self.files(ids)
        hits = (make_hit(found[i].content, found[i].lang, found[i].provenance, terms, license)
                for i in ids if i in found)
        return [h for h in hits if h is not None][:limit]

    def close(self) -> None:
        """Release connections and file handles."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
