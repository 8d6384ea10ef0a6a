"""The ingest pipeline: raw files -> decoded, filtered -> fingerprinted -> stored.

Files are processed in batches; each batch is one atomic ``Store.add``. Blobs already
in the store are not fingerprinted again (only their new provenance is recorded), so
re-running an interrupted or repeated ``attrib index`` is cheap and never duplicates.
Memory is bounded by the batch size, whatever the size of the corpus.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from attrib.fingerprint import index_postings
from attrib.lexer import lex
from attrib.params import DEFAULT_PARAMS, FingerprintParams
from attrib.records import Provenance, SourceFile
from attrib.store import IndexEntry, Store

from .filters import Limits, Skipped, decode
from .sources.base import RawFile


@dataclass
class IndexStats:
    """Counters of one ``attrib index`` run (updated live, for the progress bar)."""

    seen: int = 0
    indexed: int = 0
    already: int = 0  # blobs already stored: provenance recorded, not re-fingerprinted
    bytes_seen: int = 0
    bytes_indexed: int = 0
    postings: int = 0
    skipped: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    examples: dict[str, Skipped] = field(default_factory=dict)  # one skipped file per reason

    @property
    def mb_per_s(self) -> float:
        return self.bytes_indexed / 1e6 / self.seconds if self.seconds else 0.0


def run(files: Iterable[RawFile], store: Store, *, params: FingerprintParams = DEFAULT_PARAMS,
        limits: Limits = Limits(), batch_bytes: int = 4_000_000, batch_files: int = 4000,
        on_progress: Callable[[IndexStats], None] | None = None) -> IndexStats:
    """Index ``files`` into ``store``; returns the counters. Safe to interrupt and re-run."""
    store.ensure_params(params)
    stats = IndexStats()
    started = time.perf_counter()
    batch: list[SourceFile] = []
    size = 0
    for raw in files:
        stats.seen += 1
        item = decode(raw, limits)
        if isinstance(item, Skipped):
            stats.skipped[item.reason] += 1
            stats.examples.setdefault(item.reason, item)
        else:
            batch.append(item)
            size += item.size
            stats.bytes_seen += item.size
            if size >= batch_bytes or len(batch) >= batch_files:
                _flush(batch, store, params, stats)
                batch, size = [], 0
        stats.seconds = time.perf_counter() - started
        if on_progress is not None:
            on_progress(stats)
    _flush(batch, store, params, stats)
    stats.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(stats)
    return stats


def _flush(batch: list[SourceFile], store: Store, params: FingerprintParams, stats: IndexStats) -> None:
    if not batch:
        return
    known = store.known([f.sha for f in batch])
    entries: list[IndexEntry] = []
    seen: list[tuple[str, Provenance]] = []
    fresh: set[str] = set()
    for f in batch:
        if f.sha in known or f.sha in fresh:
            seen.append((f.sha, Provenance(f.repo, f.path, f.commit, f.licenses, f.stars)))
            stats.already += 1
            continue
        fresh.add(f.sha)
        keys, lines = index_postings(lex(f.content, f.lang), params)
        entries.append(IndexEntry(f, keys, lines))
        stats.postings += len(keys)
    store.add(entries, seen)
    stats.indexed += len(entries)
    stats.bytes_indexed += sum(e.file.size for e in entries)
