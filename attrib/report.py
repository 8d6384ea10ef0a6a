"""The scan report (schema version 1): what matched, where it came from, what it asks.

Every front end (``attrib scan``, the CI gate, the web page, ``attrib generate``) builds
its answer with :func:`build_report` and renders it with :mod:`attrib.formats`, so the
same code gets the same report everywhere. The shape is documented in DESIGN.md
("Report schema (version 1)") and checked by ``tests/data/report-v1.schema.json``; other
tools read it, so fields may be added but never renamed.

A match's license is its *best* source's: the likely origin (:mod:`attrib.origin`:
similar enough, not under a vendored folder, seen first, most stars), marked
``origin: true`` with ``origin_reason``; ``copies`` counts the other sources, listed
under ``alternatives`` for a person to review.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from attrib.licenses import describe, worst_verdict
from attrib.policy import DEFAULT_POLICY, Policy
from attrib.records import Match, SourceSpan

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FileResult:
    """The outcome of scanning one file: its matches, its length in lines, or why it
    could not be scanned (``error``)."""

    path: str
    matches: list[Match]
    lines: int
    error: str | None = None
    generated: tuple[int, int] | None = None  # lines written by a model (attrib generate)


def source_json(span: SourceSpan) -> dict[str, Any]:
    info = describe(span.licenses)
    return {
        "repo": span.repo,
        "path": span.path,
        "commit": span.commit,
        "start_line": span.start_line,
        "end_line": span.end_line,
        "url": span.url,
        "licenses": list(info.ids),
        "license_category": info.category,
        "stars": span.stars,
        "obligation": info.obligation,
        "similarity": round(span.similarity, 3),
        "kind": span.kind,
        "sha": span.sha,
        "file_licenses": list(span.file_licenses),
        "repo_licenses": list(span.repo_licenses),
        "copyrights": list(span.copyrights),
        "first_seen": span.first_seen,
    }


def _match(match: Match) -> dict[str, Any]:
    best, *others = match.sources
    return {
        "query": {"start_line": match.start_line, "end_line": match.end_line},
        "source": {**source_json(best), "origin": True, "origin_reason": match.origin_reason},
        "similarity": round(best.similarity, 3),
        "kind": best.kind,
        "other_sources": len(others),
        "copies": len(others),
        "alternatives": [{**source_json(span), "origin": False} for span in others],
    }


def _matched_lines(matches: Iterable[Match], within: tuple[int, int] | None = None) -> int:
    """Number of distinct query lines covered by ``matches`` (overlaps count once),
    counting only lines ``within`` the given range when one is given."""
    lines = {line for m in matches for line in range(m.start_line, m.end_line + 1)}
    if within is not None:
        lines = {line for line in lines if within[0] <= line <= within[1]}
    return len(lines)


def _file(result: FileResult, policy: Policy) -> dict[str, Any]:
    matches = [_match(m) for m in result.matches]
    entry = {
        "path": result.path,
        "lines": result.lines,
        "matches": matches,
        "matched_lines": _matched_lines(result.matches, result.generated),
        "verdict": worst_verdict(policy.verdict(m["source"]["license_category"], m["source"]["licenses"])
                                 for m in matches),
        "error": result.error,
    }
    if result.generated is not None:
        first, last = result.generated
        entry["generated"] = {"start_line": first, "end_line": last}
        for match in matches:
            query = match["query"]
            match["generated"] = {"start_line": max(first, query["start_line"]),
                                  "end_line": min(last, query["end_line"])}
    return entry


def build_report(files: list[FileResult], index: dict[str, Any],
                 policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    """Assemble the schema-v1 report.

    ``index`` describes the index that was searched: ``{"name": str, "files": int,
    "params": {...}}`` (extra keys are kept). Each file's verdict is the worst of its
    matches' verdicts under ``policy``; ``summary.matched_lines`` counts distinct
    matched lines over all files.
    """
    entries = [_file(result, policy) for result in files]
    return {
        "version": SCHEMA_VERSION,
        "index": dict(index),
        "files": entries,
        "summary": {
            "files": len(entries),
            "matched_lines": sum(entry["matched_lines"] for entry in entries),
            "verdict": worst_verdict(entry["verdict"] for entry in entries),
            "files_with_matches": sum(1 for entry in entries if entry["matches"]),
            "errors": sum(1 for entry in entries if entry["error"] is not None),
        },
    }


def report_to_json(report: dict[str, Any]) -> str:
    """The report as JSON: indented by 2, keys in schema order, UTF-8 text kept as is."""
    return json.dumps(report, indent=2, ensure_ascii=False)
