"""The report: what was attributed, what matched, and what the policy says about it.

Every front end (``attrib scan``, ``attrib check``, ``attrib generate``, ``attrib
notice``, the web API) answers with a :class:`Report`, filled by :mod:`attrib.judge`
(the only place verdicts are made), and every format -- JSON (report schema version 1),
text, Markdown, SARIF -- renders that object (:mod:`attrib.formats`); nothing edits a
rendered report afterwards.

A report holds one :class:`FileReport` per file, each with its :class:`Finding`\\ s: a
match (:class:`attrib.records.Match`, the facts) with the license of its best source
and the verdicts. A match's license is its *best* source's: the likely origin
(:mod:`attrib.origin`: similar enough, not under a vendored folder, seen first, most
stars), which the JSON report marks ``origin: true`` with ``origin_reason``; ``copies``
counts the other sources, listed for a person to review.

A file may have a *scope*: the lines that count. ``attrib check`` counts the lines a
change adds (``"changed"``), ``attrib generate`` the lines the model wrote
(``"generated"``); a match outside the scope is not reported, and a match reaching
beyond it is reported whole with the part inside it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from attrib.records import Match, SourceSpan

if TYPE_CHECKING:
    from attrib.licenses import LicenseInfo, Verdict

SCHEMA_VERSION = 1

LineRange = tuple[int, int]
"""First and last line, 1-based and inclusive."""


@dataclass(frozen=True)
class Scope:
    """The lines of a file that count: ``kind`` is ``"changed"`` (lines a change adds,
    ``attrib check``) or ``"generated"`` (lines a model wrote, ``attrib generate``)."""

    kind: Literal["changed", "generated"]
    lines: frozenset[int] | range

    @classmethod
    def generated(cls, first: int, last: int) -> Scope:
        return cls("generated", range(first, last + 1))

    @classmethod
    def changed(cls, lines: frozenset[int]) -> Scope:
        return cls("changed", lines)

    def within(self, start: int, end: int) -> tuple[LineRange, ...]:
        """The lines of ``start..end`` in scope, as ranges (none: out of scope)."""
        if isinstance(self.lines, range):
            first, last = max(start, self.lines.start), min(end, self.lines.stop - 1)
            return ((first, last),) if first <= last else ()
        return ranges(line for line in range(start, end + 1) if line in self.lines)

    @property
    def span(self) -> LineRange | None:
        """First and last line of a contiguous scope (``"generated"``), else None."""
        if isinstance(self.lines, range) and len(self.lines):
            return self.lines.start, self.lines.stop - 1
        return None


def ranges(lines: Any) -> tuple[LineRange, ...]:
    """Ascending line numbers as ranges of consecutive lines."""
    out: list[LineRange] = []
    for line in lines:
        if out and line == out[-1][1] + 1:
            out[-1] = (out[-1][0], line)
        else:
            out.append((line, line))
    return tuple(out)


@dataclass(frozen=True)
class Finding:
    """A match and what the policy says about it.

    ``policy_verdict`` is what the best source's license gets under the policy;
    ``verdict`` is the same, except that a source requiring a notice that the
    project's notice files already give (``acknowledged``) passes. ``scoped`` holds the
    match's lines inside the file's scope (empty when the file has none).
    """

    match: Match
    license: LicenseInfo
    verdict: Verdict
    policy_verdict: Verdict
    acknowledged: bool = False
    scoped: tuple[LineRange, ...] = ()

    @property
    def best(self) -> SourceSpan:
        return self.match.best

    @property
    def violation(self) -> bool:
        """Whether the policy objects: a denied license, or a notice not given."""
        return self.verdict != "pass"

    @property
    def needs_notice(self) -> bool:
        """Whether the policy requires the project to credit this source (the one rule
        for ``attrib notice`` and ``attrib generate --notice``)."""
        return self.policy_verdict == "notice"

    @property
    def lines(self) -> LineRange:
        """The lines that count: the part in scope, else the whole match."""
        if self.scoped:
            return self.scoped[0][0], self.scoped[-1][1]
        return self.match.start_line, self.match.end_line


@dataclass(frozen=True)
class FileReport:
    """One attributed file: its findings, in line order, and its verdict (the worst of
    theirs), or why it could not be attributed (``error``).

    ``path`` is text; ``path_bytes`` is the exact name when it is not UTF-8 (a file
    name git holds). ``text`` is the attributed text, for views that show the matched
    lines; it is not part of the JSON report.
    """

    path: str
    lines: int
    findings: tuple[Finding, ...] = ()
    verdict: Verdict = "pass"
    matched_lines: int = 0
    error: str | None = None
    lang: str | None = None
    scope: Scope | None = None
    path_bytes: bytes | None = None
    text: str | None = field(default=None, repr=False, compare=False)

    @property
    def matches(self) -> tuple[Match, ...]:
        return tuple(f.match for f in self.findings)


@dataclass(frozen=True)
class IndexInfo:
    """The index that was searched: its name, how many files it holds, its fingerprint
    parameters."""

    name: str
    files: int
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stats: _Stats) -> IndexInfo:
        """The index a store's stats (:class:`attrib.store.StoreStats`) describe."""
        return cls(stats.name, stats.files, dict(stats.params or {}))


class _Stats(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def files(self) -> int: ...
    @property
    def params(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Summary:
    files: int
    matched_lines: int
    verdict: Verdict
    files_with_matches: int
    errors: int
    violations: int


@dataclass(frozen=True)
class CheckInfo:
    """What ``attrib check`` looked at: the selection, the policy, the files it skipped."""

    mode: str  # "base" | "staged" | "all"
    base: str | None
    selection: str
    policy: str
    files_selected: int
    skipped: Mapping[str, int]


@dataclass(frozen=True)
class Avoided:
    """A denied copy that attribution-aware decoding steered away from: the document
    lines it covered, its best source and verdict, and the text that was taken back."""

    start_line: int
    end_line: int
    source: SourceSpan
    verdict: Verdict
    text: str
    attempt: int


@dataclass(frozen=True)
class GenerationInfo:
    """How ``attrib generate`` produced the document."""

    model: str
    mode: str  # "completion" | "fill-in-the-middle"
    generated_lines: LineRange | None
    tokens: int
    stop_reason: str
    seconds: float
    attribution_seconds: float
    on_match: str
    blocked: bool
    avoided: tuple[Avoided, ...]
    completion: str | None  # None when the output was withheld


@dataclass(frozen=True)
class Report:
    """The answer of every front end (see the module docstring)."""

    index: IndexInfo
    files: tuple[FileReport, ...]
    summary: Summary
    skipped: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    policy: str = "the default policy"
    check: CheckInfo | None = None
    generation: GenerationInfo | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for file in self.files for f in file.findings)

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.violation)

    @property
    def passed(self) -> bool:
        return not self.violations
