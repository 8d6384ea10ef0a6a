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
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from attrib.licenses import describe, worst_verdict
from attrib.match import attribute
from attrib.policy import Policy
from attrib.records import Match
from attrib.report import FileResult, build_report
from attrib.store import Store
from indexer.filters import Limits, Skipped, decode
from indexer.sources.base import RawFile

from .git import ChangedFile, Selection
from .ignore import Ignore


@dataclass(frozen=True)
class Finding:
    """A copy in changed code, and what the policy says about it."""

    path: str
    match: Match
    changed: tuple[tuple[int, int], ...]  # added lines inside the match, as ranges
    verdict: str  # pass | notice | fail, after acknowledgement
    policy_verdict: str  # what the license alone gets
    acknowledged: bool

    @property
    def violation(self) -> bool:
        return self.verdict != "pass"


@dataclass
class Outcome:
    """Everything a check found: per file the matches kept, the findings, the skips."""

    selection: Selection
    results: list[FileResult]
    findings: list[Finding]
    skipped: dict[str, int]
    policy: Policy

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.violation]


def read_notices(root: Path, policy: Policy) -> str:
    """The text of the project's notice files (``policy.notice_files`` found in the work
    tree), lower-cased. A source is acknowledged when its repository's ``owner/name``
    appears in that text, as ``attrib notice`` writes it or in a hand-written credit."""
    return "".join((root / name).read_text(encoding="utf-8", errors="replace").lower() + "\n"
                   for name in policy.notice_files if (root / name).is_file())


def credits(notices_text: str, repo: str) -> bool:
    """Whether the notice text names ``repo`` (not merely a longer name containing it)."""
    return re.search(rf"(?<![\w.-]){re.escape(repo.lower())}(?![\w.-])", notices_text) is not None


def check(selection: Selection, store: Store, policy: Policy, ignore: Ignore, notices_text: str,
          progress: Callable[[str], None] | None = None) -> Outcome:
    """Attribute the selected files and judge the matches in their changed lines."""
    results, findings, skipped = [], [], {}
    for n, changed in enumerate(selection.files, 1):
        if progress:
            progress(f"{changed.path} ({n}/{len(selection.files)})")
        if ignore.skips(changed.path):
            skipped["ignored"] = skipped.get("ignored", 0) + 1
            continue
        item = decode(RawFile(changed.data, repo="", path=changed.path), Limits())
        if isinstance(item, Skipped):
            skipped[item.reason] = skipped.get(item.reason, 0) + 1
            continue
        matches = []
        for match in attribute(item.content, store, lang=item.lang, path=changed.path, options=policy.match_options()):
            kept = _apply(match, policy)
            lines = _changed_in(kept, changed) if kept else ()
            if kept is None or not lines:
                continue
            matches.append(kept)
            findings.append(_judge(changed.path, kept, lines, policy, notices_text))
        results.append(FileResult(changed.path, matches, item.content.count("\n") + 1))
    return Outcome(selection, results, findings, skipped, policy)


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
    """The schema-v1 report of a check, with a verdict per finding."""
    report = build_report(outcome.results, index, outcome.policy)
    by_key = {(f.path, f.match.start_line, f.match.end_line): f for f in outcome.findings}
    for entry in report["files"]:
        for m in entry["matches"]:
            f = by_key[(entry["path"], m["query"]["start_line"], m["query"]["end_line"])]
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
