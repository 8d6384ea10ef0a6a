"""The CI gate's decision: which copies in the changed lines break the policy.

:func:`check` attributes every selected file with :func:`attrib.match.attribute` (the
call ``attrib scan`` makes), keeps the matches that touch an added or changed line (a
match may extend into unchanged context), applies the policy's filters (minimum lines
and similarity, ignored sources), and gives each remaining match -- a *finding* -- a
verdict:

* ``pass``: the license is allowed, or it requires a notice and the project's notice
  file credits the source's repository (``acknowledged``);
* ``notice``: the license requires a notice that is missing (a violation);
* ``fail``: the license is denied (a violation).

:func:`check_report` is the schema-v1 report of the outcome, with per match its
``verdict``, ``acknowledged`` and the ``changed`` line ranges, and a ``check`` section.

Source code cannot be hidden from the gate by what its bytes look like: a file in a
programming language (known from its name) is attributed even with NUL bytes (read as
spaces), bytes that are not UTF-8 or very long lines, which ``attrib scan`` and the
indexer skip. One larger than :data:`MAX_BYTES` is an error that names it (list it in
``.attribignore`` to leave it out), never a silent skip. Other files (images, data) are
skipped as the indexer would skip them, and counted.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from attrib.errors import InputError
from attrib.formats.escape import printable
from attrib.languages import from_path
from attrib.licenses import describe, worst_verdict
from attrib.match import attribute
from attrib.policy import Policy
from attrib.records import Match, SourceFile
from attrib.report import FileResult, build_report
from attrib.store import Store
from indexer.filters import Limits, Skipped, decode
from indexer.sources.base import RawFile

from .git import ChangedFile, Selection, shown_path
from .ignore import Ignore

MAX_BYTES = 5_000_000
"""The largest file a check reads (attributing 5 MB of code takes about 10 s)."""
_SOURCE_LIMITS = Limits(max_file_bytes=MAX_BYTES, max_line_chars=MAX_BYTES, max_replacement_ratio=1.0)


@dataclass(frozen=True)
class Finding:
    """A copy in changed code, and what the policy says about it."""

    path: str  # as reports show it (see :func:`attrib.check.git.shown_path`)
    match: Match
    changed: tuple[tuple[int, int], ...]  # added lines inside the match, as ranges
    verdict: str  # pass | notice | fail, after acknowledgement
    policy_verdict: str  # what the license alone gets
    acknowledged: bool

    @property
    def violation(self) -> bool:
        return self.verdict != "pass"


@dataclass(frozen=True)
class CheckedFile:
    """A selected file that was attributed: its result, and one finding per match of
    the result, in the same order."""

    file: ChangedFile
    result: FileResult
    findings: tuple[Finding, ...]


@dataclass
class Outcome:
    """Everything a check found: the files attributed, their findings, the skips."""

    selection: Selection
    files: list[CheckedFile]
    skipped: dict[str, int]
    policy: Policy

    @property
    def results(self) -> list[FileResult]:
        return [f.result for f in self.files]

    @property
    def findings(self) -> list[Finding]:
        return [finding for f in self.files for finding in f.findings]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.violation]


def credits(notices_text: str, repo: str) -> bool:
    """Whether the notice text names ``repo`` (not merely a longer name containing it),
    as notice files spell names (control characters escaped)."""
    name = printable(repo).lower()
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", notices_text) is not None


def check(selection: Selection, store: Store, policy: Policy, ignore: Ignore, notices_text: str,
          progress: Callable[[ChangedFile, int], None] | None = None) -> Outcome:
    """Attribute the selected files and judge the matches in their changed lines.

    ``notices_text`` is the lower-cased text of the project's notice files
    (:func:`attrib.notices.read_notices`); ``progress(file, n)`` is called before the
    n-th file (from 1) is attributed.
    """
    files, skipped = [], dict(selection.passed_over)
    for path, size in selection.too_large:
        name = path.decode("utf-8", "surrogateescape")
        if ignore.skips(name):
            skipped["ignored"] = skipped.get("ignored", 0) + 1
        elif from_path(name):
            raise InputError(f"cannot check {shown_path(path)}: {size:,} bytes of code, more than the {MAX_BYTES:,} "
                             f"a check reads; list it in .attribignore to leave it out")
        else:
            skipped["too-large"] = skipped.get("too-large", 0) + 1
    for n, changed in enumerate(selection.files, 1):
        if progress:
            progress(changed, n)
        if ignore.skips(changed.name):
            skipped["ignored"] = skipped.get("ignored", 0) + 1
            continue
        item = _decode(changed)
        if isinstance(item, Skipped):
            skipped[item.reason] = skipped.get(item.reason, 0) + 1
            continue
        matches, findings = [], []
        for match in attribute(item.content, store, lang=item.lang, path=changed.name):
            kept = _apply(match, policy)
            lines = _changed_in(kept, changed) if kept else ()
            if kept is None or not lines:
                continue
            matches.append(kept)
            findings.append(_judge(changed.shown, kept, lines, policy, notices_text))
        files.append(CheckedFile(changed, FileResult(changed.shown, matches, item.content.count("\n") + 1),
                                 tuple(findings)))
    return Outcome(selection, files, skipped, policy)


def _decode(changed: ChangedFile) -> SourceFile | Skipped:
    """The file as text to attribute. Source code is never skipped for its bytes (NUL
    bytes become spaces, others are replaced, long lines kept): a copy cannot hide
    behind them. Other files are skipped when the indexer would skip them."""
    lang = from_path(changed.name)
    if lang is None:
        return decode(RawFile(changed.data, repo="", path=changed.name), Limits())
    return decode(RawFile(changed.data.replace(b"\0", b" "), repo="", path=changed.name, lang=lang), _SOURCE_LIMITS)


def _apply(match: Match, policy: Policy) -> Match | None:
    """The match without ignored sources, or None when the policy drops it."""
    sources = tuple(s for s in match.sources if not policy.ignores(s.repo))
    if not sources or match.lines < policy.min_lines or sources[0].similarity < policy.min_similarity:
        return None
    return replace(match, sources=sources)


def _changed_in(match: Match, changed: ChangedFile) -> tuple[tuple[int, int], ...]:
    lines = sorted(line for line in changed.added if match.start_line <= line <= match.end_line)
    return tuple(_ranges(lines))


def _ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for line in lines:
        if out and line == out[-1][1] + 1:
            out[-1] = (out[-1][0], line)
        else:
            out.append((line, line))
    return out


def _judge(path: str, match: Match, changed: tuple[tuple[int, int], ...], policy: Policy,
           notices_text: str) -> Finding:
    info = describe(match.best.licenses)
    verdict = policy.verdict(info.category, info.ids)
    acknowledged = verdict == "notice" and credits(notices_text, match.best.repo)
    return Finding(path, match, changed, "pass" if acknowledged else verdict, verdict, acknowledged)


def check_report(outcome: Outcome, index: dict[str, Any]) -> dict[str, Any]:
    """The schema-v1 report of a check, with a verdict per finding.

    A file's ``path`` is text: its name decoded as UTF-8, each byte that is not UTF-8
    written ``\\xNN``. Such a file's entry adds ``path_bytes``, the exact name in base64.
    """
    report = build_report(outcome.results, index, outcome.policy)
    for checked, entry in zip(outcome.files, report["files"]):
        if not _is_utf8(checked.file.path):
            entry["path_bytes"] = base64.b64encode(checked.file.path).decode("ascii")
        for m, f in zip(entry["matches"], checked.findings):
            m["verdict"] = f.verdict
            m["policy_verdict"] = f.policy_verdict
            m["acknowledged"] = f.acknowledged
            m["changed"] = [{"start_line": a, "end_line": b} for a, b in f.changed]
        entry["verdict"] = worst_verdict(m["verdict"] for m in entry["matches"])
        entry["matched_lines"] = len({line for m in entry["matches"] for r in m["changed"]
                                      for line in range(r["start_line"], r["end_line"] + 1)})
    summary = report["summary"]
    summary["verdict"] = worst_verdict(e["verdict"] for e in report["files"])
    summary["matched_lines"] = sum(e["matched_lines"] for e in report["files"])
    summary["violations"] = len(outcome.violations)
    report["check"] = {
        "mode": outcome.selection.mode,
        "base": outcome.selection.base,
        "selection": outcome.selection.description,
        "policy": outcome.policy.origin,
        "files_selected": len(outcome.selection.files),
        "skipped": dict(outcome.skipped),
        "violations": len(outcome.violations),
        "passed": not outcome.violations,
    }
    return report


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
