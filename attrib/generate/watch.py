"""Streaming attribution: match the output against the index line by line, as it grows.

A :class:`Watcher` runs on a thread of its own. Each time a line of output completes,
the generator calls :meth:`Watcher.line_done` with the document so far; the watcher
attributes the last ``TAIL`` lines (a copy is found once its windows are complete, and
``TAIL`` lines are enough to see it start) and reports each new copy once, through
``on_finding``, as the judge (:mod:`attrib.judge`) finds it: the policy's filters
applied, with its verdict. Requests coalesce: if
matching falls behind, it skips to the newest line, and the tail reaches back over the
skipped ones, so attribution keeps pace with generation whatever the speed of either.

The watcher also bounds its own cost, with a token bucket: matching may use ``BURST``
seconds plus ``SHARE`` of the time since the watcher started; beyond that it waits, and
lines that complete meanwhile coalesce. On a CPU a line of a real model takes seconds
and every line is attributed at once; on a GPU, which writes a line in tens of
milliseconds, matching takes at most about ``SHARE`` of the time (and of the
interpreter lock the decoding loop needs), a line or two behind. :meth:`Watcher.drain`
skips the wait.

What the watcher finds steers generation (``--on-match block|avoid``) and the live
view; the final report is always a fresh :func:`attrib.match.attribute` of the whole
document, the same call ``attrib scan`` makes, judged by the same judge.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from attrib.judge import Judge
from attrib.licenses import describe
from attrib.match import REACH, attribute
from attrib.records import Match
from attrib.report import Finding
from attrib.store import Store

WARM_UP = "def warm_up(first, second):\n    total = first + second\n    return total * 2\n" * 3
TAIL = 24  # lines attributed per completed line (more when lines were coalesced)
SHARE = 0.03  # share of the wall time the watcher's matching may take in the long run
BURST = 0.1  # seconds of matching allowed at once (the first findings come at once)


def in_scope(matches: list[Match], first: int, last: int) -> list[Match]:
    """The matches that cover any of the lines ``first..last``."""
    return [m for m in matches if m.end_line >= first and m.start_line <= last]


class Watcher:
    """Attributes completed lines of a growing document on a background thread."""

    def __init__(self, store: Store, judge: Judge, *, first_line: int, lang: str | None = None,
                 path: str | None = None, on_finding: Callable[[Finding], None] | None = None,
                 tail: int = TAIL, share: float = SHARE) -> None:
        self._store, self._judge, self._lang, self._path = store, judge, lang, path
        self._first_line, self._tail, self._on_finding = first_line, tail, on_finding
        self._share = share
        self._wake = threading.Condition()
        self._pending: tuple[str, int] | None = None
        self._busy = False
        self._closed = False
        self._draining = False
        self._started = time.monotonic()
        self._spent = 0.0  # seconds spent matching (the budget)
        self.seconds = 0.0  # seconds spent matching, warm-up included
        self._done_line = 0  # last line attributed
        self._error: BaseException | None = None
        self.findings: dict[tuple[str, str], Finding] = {}
        self._thread = threading.Thread(target=self._run, name="attrib-watch", daemon=True)
        self._thread.start()

    def line_done(self, document: str, line: int) -> None:
        """Lines up to ``line`` of ``document`` are final: attribute them soon."""
        with self._wake:
            self._pending = (document, line)
            self._wake.notify()

    def denied(self) -> list[Finding]:
        """Copies found so far whose license the policy denies."""
        with self._wake:
            return [f for f in self.findings.values() if f.verdict == "fail"]

    def drain(self) -> None:
        """Wait until every completed line has been attributed; re-raise a matching error."""
        with self._wake:
            self._draining = True
            self._wake.notify_all()
            while (self._pending is not None or self._busy) and self._error is None:
                self._wake.wait()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        # Warm up (tables, caches, the store's first queries) while the model reads the
        # prompt: the first match costs many times the next ones and is not counted.
        try:
            started = time.monotonic()
            attribute(WARM_UP, self._store, lang=self._lang, path=self._path)
            describe(("MIT",))
            self.seconds += time.monotonic() - started
        except BaseException as e:  # noqa: BLE001 - handed to the generating thread
            self._fail(e)
            return
        self._started = time.monotonic()
        while True:
            with self._wake:
                while not self._closed:
                    wait = (self._spent - BURST) / self._share - (time.monotonic() - self._started)
                    if self._pending is not None and (wait <= 0 or self._draining):
                        break
                    self._wake.wait(wait if self._pending is not None else None)
                if self._closed or self._pending is None:
                    return
                (document, line), self._pending = self._pending, None
                self._busy = True
            try:
                started = time.monotonic()
                found = self._attribute(document, line)
                took = time.monotonic() - started
                self._spent += took
                self.seconds += took
            except BaseException as e:  # noqa: BLE001 - handed to the generating thread
                self._fail(e)
                return
            new = []
            with self._wake:
                for finding in self._judge.findings(found):
                    key = (finding.best.repo, finding.best.path)
                    if key not in self.findings:
                        new.append(finding)
                    self.findings[key] = finding
                self._busy = False
                self._wake.notify_all()
            for finding in new:
                if self._on_finding is not None:
                    self._on_finding(finding)

    def _fail(self, error: BaseException) -> None:
        with self._wake:
            self._error, self._busy = error, False
            self._wake.notify_all()

    def _attribute(self, document: str, line: int) -> list[Match]:
        lines = document.split("\n")[:line]
        start = max(1, min(line - self._tail + 1, self._done_line - REACH))
        self._done_line = line
        found = attribute("\n".join(lines[start - 1:]), self._store, lang=self._lang, path=self._path,
                          options=self._judge.policy.match_options())
        shift = start - 1
        shifted = [Match(m.start_line + shift, m.end_line + shift, m.sources) for m in found]
        return in_scope(shifted, self._first_line, line)
