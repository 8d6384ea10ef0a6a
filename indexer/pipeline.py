"""The ingest pipeline: raw files -> decoded, filtered -> fingerprinted -> stored.

Files are processed in batches; each batch is one atomic ``Store.add``. Blobs already
in the store are not fingerprinted again (only their new provenance is recorded), so
re-running an interrupted or repeated ``attrib index`` is cheap and never duplicates.
Memory is bounded by the batch size, whatever the size of the corpus.

With ``workers`` > 1, fingerprinting (CPU-bound numpy work) runs in a pool of worker
processes while this process keeps reading the source and storing finished batches::

    read, decode, batch ──> plan ──> fingerprint (worker 1..N) ──> store, in order
    (this process)          │          at most 2N batches           (this process)
                            └── blobs already stored, or in an earlier batch: provenance only

Only this process touches the store; workers get a batch's new files and send back
their postings. Batches are stored in the order they were read, each one after every
earlier one, so a blob planned as "already there" is there when its provenance is
written, and an interruption loses at most the batches in flight, which a re-run
redoes. A single worker, or an input that fits in one batch, is fingerprinted here,
with no pool to start.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from ctypes import c_bool
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from attrib.errors import AttribError
from attrib.fingerprint import BatchPostings, index_postings
from attrib.lexer import lex
from attrib.params import DEFAULT_PARAMS, FingerprintParams
from attrib.evidence import file_evidence
from attrib.records import Provenance, SourceFile
from attrib.store import IndexEntry, Store

from attrib.files import Limits, RawFile, Skipped, decode


@dataclass
class IndexStats:
    """Counters of one ``attrib index`` run (updated live, for the progress bar).

    ``seen``, ``bytes_seen`` and ``skipped`` count files read; ``indexed``, ``already``,
    ``bytes_indexed`` and ``postings`` count what is stored, as each batch goes to the
    store (if the run raises, they include the batch it raised on, stored or not).
    """

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


def run(files: Iterable[RawFile | Skipped], store: Store, *, params: FingerprintParams = DEFAULT_PARAMS,
        limits: Limits = Limits(), batch_bytes: int = 4_000_000, batch_files: int = 4000,
        workers: int = 1, on_progress: Callable[[IndexStats], None] | None = None,
        stats: IndexStats | None = None) -> IndexStats:
    """Index ``files`` into ``store`` with ``workers`` processes fingerprinting, then
    :meth:`~attrib.store.Store.finish` it; returns the counters. Safe to interrupt and
    re-run.

    The counters are ``stats`` when given, updated as the run goes: a caller that passes
    its own still knows what was stored when the run raises (Ctrl-C, a damaged file).
    """
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers}")
    store.ensure_params(params)
    stats = IndexStats() if stats is None else stats
    started = time.perf_counter()

    def progress() -> None:
        stats.seconds = time.perf_counter() - started
        if on_progress is not None:
            on_progress(stats)

    with _Writer(store, params, stats, workers) as writer:
        batch: list[SourceFile] = []
        size = 0
        for raw in files:
            stats.seen += 1
            item = raw if isinstance(raw, Skipped) else with_evidence(decode(raw, limits), raw.licenses_given)
            if isinstance(item, Skipped):
                stats.skipped[item.reason] += 1
                stats.examples.setdefault(item.reason, item)
            else:
                batch.append(item)
                size += item.size
                stats.bytes_seen += item.size
                if size >= batch_bytes or len(batch) >= batch_files:
                    writer.submit(batch, last=False)
                    batch, size = [], 0
            progress()
        writer.submit(batch, last=True)
    store.finish()
    progress()
    return stats


def with_evidence(item: SourceFile | Skipped, licenses_given: bool = False) -> SourceFile | Skipped:
    """``item`` with what its header says (:func:`attrib.evidence.file_evidence`): its
    own licenses and copyright lines, and its effective licenses -- unless the user
    named the licenses, which then apply as given."""
    if isinstance(item, Skipped):
        return item
    evidence = file_evidence(item.content, item.lang)
    licenses = item.licenses if licenses_given else evidence.licenses(item.licenses)
    return replace(item, licenses=licenses, file_licenses=evidence.license.ids, repo_licenses=item.licenses,
                   copyrights=evidence.copyrights)


def fingerprint(files: Sequence[SourceFile], params: FingerprintParams) -> BatchPostings:
    """The postings of each file: the CPU-bound step, the same in this process and in a
    worker (where it gives up between two files once the main process stops the pool)."""
    lexed = []
    for f in files:
        if _stopping is not None and _stopping.value:
            raise _Stopped
        lexed.append(lex(f.content, f.lang))
    return index_postings(lexed, params)


@dataclass(frozen=True)
class _Plan:
    """A batch split into blobs to fingerprint and store, and provenance of blobs that
    are stored already or by an earlier batch."""

    fresh: list[SourceFile]
    seen: list[tuple[str, Provenance]]


def _plan(batch: Sequence[SourceFile], stored: set[str], in_flight: set[str]) -> _Plan:
    """Each blob is fingerprinted once: the first time it appears in no store and no batch."""
    fresh: list[SourceFile] = []
    seen: list[tuple[str, Provenance]] = []
    taken: set[str] = set()
    for f in batch:
        if f.sha in stored or f.sha in in_flight or f.sha in taken:
            seen.append((f.sha, f.provenance()))
        else:
            taken.add(f.sha)
            fresh.append(f)
    return _Plan(fresh, seen)


class _Writer:
    """Plans, fingerprints and stores batches, in order, in-process or with a worker pool.

    The pool starts with the first batch that is not the last one, so a single worker
    or a one-batch input never pays for starting processes. Leaving the ``with`` block
    normally stores every batch in flight; leaving it with an exception (Ctrl-C, a bad
    file) cancels them and stops the workers at once: what is stored stays stored.
    """

    def __init__(self, store: Store, params: FingerprintParams, stats: IndexStats, workers: int) -> None:
        self.store, self.params, self.stats, self.workers = store, params, stats, workers
        self.pool: _Pool | None = None
        self.pending: deque[tuple[_Plan, Future[BatchPostings]]] = deque()
        self.in_flight: set[str] = set()  # shas of fresh blobs in pending batches

    def submit(self, batch: Sequence[SourceFile], *, last: bool) -> None:
        if not batch:
            return
        plan = _plan(batch, self.store.known([f.sha for f in batch]), self.in_flight)
        if self.pool is None and (self.workers == 1 or last):
            self._store(plan, fingerprint(plan.fresh, self.params))
            return
        if self.pool is None:
            self.pool = _start_pool(self.workers)
        self.pending.append((plan, self.pool.submit(plan.fresh, self.params)))
        self.in_flight.update(f.sha for f in plan.fresh)
        # Store what is done; wait only when the window of 2N batches is full.
        while self.pending and (self.pending[0][1].done() or len(self.pending) >= 2 * self.workers):
            self._store_oldest()

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if self.pool is None:
            return
        try:
            while exc_type is None and self.pending:
                self._store_oldest()
        except BaseException:
            self.pool.close(cancel=True)
            raise
        self.pool.close(cancel=exc_type is not None)

    def _store_oldest(self) -> None:
        plan, future = self.pending.popleft()
        try:
            postings = future.result()
        except BrokenProcessPool as exc:
            raise AttribError("a fingerprinting worker process died (out of memory, or killed); "
                              "everything stored so far is kept: run the same command again, "
                              "with fewer --workers if memory is short") from exc
        self._store(plan, postings)
        self.in_flight.difference_update(f.sha for f in plan.fresh)

    def _store(self, plan: _Plan, batch: BatchPostings) -> None:
        postings = batch.per_text()
        entries = [IndexEntry(f, keys, lines) for f, (keys, lines) in zip(plan.fresh, postings)]
        # Counted first: Ctrl-C can land between the store's commit and the next line.
        self.stats.indexed += len(entries)
        self.stats.already += len(plan.seen)
        self.stats.bytes_indexed += sum(f.size for f in plan.fresh)
        self.stats.postings += sum(len(keys) for keys, _ in postings)
        self.store.add(entries, plan.seen)


class _Stopped(Exception):
    """A worker's batch, dropped half-way because the main process stopped the pool."""


_stopping: c_bool | None = None
"""In a worker process, the flag (in memory shared with the main process) that says to
drop the batch at hand; ``None`` in the main process, which finishes its own batches."""


@dataclass(frozen=True)
class _Pool:
    """Worker processes that fingerprint batches, and the flag that stops them.

    Workers are stopped by asking, not by killing: a worker killed while it sends its
    result leaves the pool's result pipe half-written, and the pool's own thread then
    waits forever for the rest. Asked, a worker stops between two files (at most one
    file's work, a fraction of a second) and leaves cleanly. The flag is a plain shared
    byte, no lock: one process writes it, once (and, unlike a lock, it leaves nothing
    for ``multiprocessing``'s resource tracker to report when the CLI exits at once).
    """

    executor: ProcessPoolExecutor
    stopping: c_bool

    def submit(self, files: Sequence[SourceFile], params: FingerprintParams) -> Future[BatchPostings]:
        return self.executor.submit(fingerprint, files, params)

    def close(self, *, cancel: bool) -> None:
        """Wait for the workers to exit: after their batches, or with ``cancel`` at once,
        dropping the batches in flight."""
        if cancel:
            self.stopping.value = True
        self.executor.shutdown(wait=True, cancel_futures=cancel)


def _start_pool(workers: int) -> _Pool:
    """Worker processes started fresh (``spawn``), not forked: this process runs
    pyarrow's and ``datasets``' threads, and forking a threaded process can deadlock.

    A spawned worker imports the main module again: a script that calls :func:`run`
    with ``workers`` > 1 needs the ``if __name__ == "__main__":`` guard.
    """
    context = multiprocessing.get_context("spawn")
    stopping = context.RawValue(c_bool, False)
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                   initargs=(stopping,))
    return _Pool(executor, stopping)


def _init_worker(stopping: c_bool) -> None:
    """Ctrl-C reaches every process of the terminal's group: the main process alone
    handles it (and stops the workers). A main process that is killed (SIGKILL, or
    SIGTERM, which Python does not catch) cannot stop them: they exit when it is gone."""
    global _stopping
    _stopping = stopping
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    multiprocessing.parent_process().join()  # returns when the main process has ended
    os._exit(1)
