"""The judge: the one place where matches become verdicts.

Matches are facts (:func:`attrib.match.attribute`); verdicts are policy. A
:class:`Judge` holds a :class:`~attrib.policy.Policy` and the text of the project's
notice files, and every front end -- ``attrib scan``, ``attrib check``, ``attrib
generate`` (its live findings and its final report), ``attrib notice`` and the web API --
asks it, so the same code under the same policy gets the same verdicts everywhere:

1. the policy's filters drop what it does not count: sources from ``ignore_sources``
   repositories, then matches shorter than ``min_lines`` or whose best remaining source
   is less similar than ``min_similarity``;
2. a file's scope (:class:`~attrib.report.Scope`: the lines a change adds, the lines a
   model wrote) drops matches that touch none of its lines;
3. the best source's license gets the policy's verdict (``policy_verdict``): ``pass``,
   ``notice`` or ``fail``;
4. a ``notice`` whose source repository the notice files name passes
   (``acknowledged``).

A file's verdict is the worst of its findings', the report's the worst of its files'.
Everything here is pure: reading the policy and notice files is :mod:`attrib.project`'s
job.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from attrib.formats.escape import printable
from attrib.licenses import describe, worst_verdict
from attrib.policy import DEFAULT_POLICY, Policy
from attrib.records import Match
from attrib.report import (
    CheckInfo,
    FileReport,
    Finding,
    GenerationInfo,
    IndexInfo,
    Report,
    Scope,
    Summary,
)


def credits(notices_text: str, repo: str) -> bool:
    """Whether the (lower-cased) notice text names ``repo`` -- not merely a longer name
    containing it -- as notice files spell names (control characters escaped)."""
    name = printable(repo).lower()
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", notices_text) is not None


@dataclass(frozen=True)
class Judge:
    """A policy and the project's notice files (lower-cased text; empty without a
    project), applied to matches."""

    policy: Policy = DEFAULT_POLICY
    notices: str = ""

    def admit(self, match: Match) -> Match | None:
        """The match without the sources the policy ignores, or None when the policy
        does not count it at all."""
        policy = self.policy
        sources = tuple(s for s in match.sources if not policy.ignores(s.repo))
        if not sources or match.lines < policy.min_lines or sources[0].similarity < policy.min_similarity:
            return None
        return match if len(sources) == len(match.sources) else replace(match, sources=sources)

    def finding(self, match: Match, scope: Scope | None = None) -> Finding | None:
        """The verdicts on one match, or None when the policy or the scope drops it."""
        admitted = self.admit(match)
        if admitted is None:
            return None
        scoped = scope.within(admitted.start_line, admitted.end_line) if scope is not None else ()
        if scope is not None and not scoped:
            return None
        info = describe(admitted.best.licenses)
        policy_verdict = self.policy.verdict(info.category, info.ids)
        acknowledged = policy_verdict == "notice" and credits(self.notices, admitted.best.repo)
        return Finding(admitted, info, "pass" if acknowledged else policy_verdict, policy_verdict,
                       acknowledged, scoped)

    def findings(self, matches: Iterable[Match], scope: Scope | None = None) -> tuple[Finding, ...]:
        return tuple(f for f in (self.finding(m, scope) for m in matches) if f is not None)

    def file(self, path: str, text: str, matches: Iterable[Match], *, scope: Scope | None = None,
             lang: str | None = None, path_bytes: bytes | None = None) -> FileReport:
        """One attributed file: its findings, its verdict and how many of its lines
        (in scope) copies cover."""
        findings = self.findings(matches, scope)
        covered = {line for f in findings for a, b in (f.scoped or [(f.match.start_line, f.match.end_line)])
                   for line in range(a, b + 1)}
        return FileReport(path=path, lines=text.count("\n") + 1, findings=findings,
                          verdict=worst_verdict(f.verdict for f in findings),
                          matched_lines=len(covered), lang=lang, scope=scope, path_bytes=path_bytes, text=text)

    def report(self, files: Iterable[FileReport], index: IndexInfo, *, skipped: Mapping[str, int] | None = None,
               check: CheckInfo | None = None, generation: GenerationInfo | None = None) -> Report:
        """The report of ``files``, summed up."""
        entries = tuple(files)
        summary = Summary(
            files=len(entries),
            matched_lines=sum(e.matched_lines for e in entries),
            verdict=worst_verdict(e.verdict for e in entries),
            files_with_matches=sum(1 for e in entries if e.findings),
            errors=sum(1 for e in entries if e.error is not None),
            violations=sum(1 for e in entries for f in e.findings if f.violation),
        )
        return Report(index=index, files=entries, summary=summary, skipped=MappingProxyType(dict(skipped or {})),
                      policy=self.policy.origin, check=check, generation=generation)


def unreadable(path: str, error: str, *, path_bytes: bytes | None = None) -> FileReport:
    """A file that could not be attributed, and why."""
    return FileReport(path=path, lines=0, error=error, path_bytes=path_bytes)

