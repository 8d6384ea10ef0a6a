"""Streaming attribution: match the output against the index line by line, as it grows.

A :class:`Watcher` runs on a thread of its own. Each time a line of output completes,
the generator calls :meth:`Watcher.line_done` with the document so far; the watcher
attributes the last ``TAIL`` lines (a copy is found once its windows are complete, and
``TAIL`` lines are enough to see it start) and reports each new copy once, through
``on_finding``, with the verdict the policy gives its license. Requests coalesce: if
matching falls behind, it skips to the newest line, whose tail covers the skipped ones,
so attribution keeps pace with generation whatever the speed of either.

What the watcher finds steers generation (``--on-match block|avoid``) and the live
view; the final report is always a fresh :func:`attrib.match.attribute` of the whole
document, the same call ``attrib scan`` makes.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from attrib.licenses import Policy, describe
from attrib.match import attribute
from attrib.records import Match
from attrib.store import Store

TAIL = 24  # lines attributed per completed line


@dataclass(frozen=True)
class Finding:
    """A copy seen in the output: its document lines, the source, and the policy's
    verdict on that source's license (``pass``, ``notice`` or ``fail``)."""

    match: Match
    verdict: str

    @property
    def key(self) -> tuple[str, str]:
        return self.match.best.repo, self.match.best.path


def verdict_of(match: Match, policy: Policy) -> str:
    return policy.verdict(describe(match.best.licenses).category)


def in_scope(matches: list[Match], first: int, last: int) -> list[Match]:
    """The matches that cover any of the lines ``first..last``."""
    return [m for m in matches if m.end_line >= first and m.start_line <= last]


class Watcher:
    """Attributes completed lines of a growing document on a background thread."""

    def __init__(self, store: Store, policy: Policy, *, first_line: int, lang: str | None = None,
                 path: str | None = None, on_finding: Callable[[Finding], None] | None = None,
                 tail: int = TAIL) -> None:
        self._store, self._policy, self._lang, self._path = store, policy, lang, path
        self._first_line, self._tail, self._on_finding = first_line, tail, on_finding
        self._wake = threading.Condition()
        self._pending: tuple[str, int] | None = None
        self._busy = False
        self._closed = False
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
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                (document, line), self._pending = self._pending, None
                self._busy = True
            try:
                found = self._attribute(document, line)
            except BaseException as e:  # noqa: BLE001 - handed to the generating thread
                with self._wake:
                    self._error, self._busy = e, False
                    self._wake.notify_all()
                return
            new = []
            with self._wake:
                for match in found:
                    finding = Finding(match, verdict_of(match, self._policy))
                    if finding.key not in self.findings:
                        new.append(finding)
                    self.findings[finding.key] = finding
                self._busy = False
                self._wake.notify_all()
            for finding in new:
                if self._on_finding is not None:
                    self._on_finding(finding)

    def _attribute(self, document: str, line: int) -> list[Match]:
        lines = document.split("\n")[:line]
        start = max(1, line - self._tail + 1)
        found = attribute("\n".join(lines[start - 1:]), self._store, lang=self._lang, path=self._path)
        shift = start - 1
        shifted = [Match(m.start_line + shift, m.end_line + shift, m.sources) for m in found]
        return in_scope(shifted, self._first_line, line)
