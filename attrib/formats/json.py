"""JSON output: the report as schema version 1, for other tools to read.

The shape is documented in DESIGN.md ("Report schema (version 1)") and checked by
``tests/data/report-v1.schema.json``: fields may be added, never renamed. Beyond the
documented ones, each match carries its ``verdict``, ``policy_verdict`` and
``acknowledged`` (see :class:`attrib.report.Finding`), its ``copies`` (the other
sources), its source's ``origin``/``origin_reason`` (:mod:`attrib.origin`), each
source's ``file_licenses``, ``repo_licenses``, ``copyrights`` and ``first_seen``, and
the part of it in the file's scope (``changed`` ranges for ``attrib check``,
``generated`` for ``attrib generate``); each file its ``lines``, ``matched_lines``,
``error`` and ``lang``; a check adds a ``check`` section, a generation a
``generation`` section.
"""
from __future__ import annotations

import base64
import json
from typing import Any

from attrib.licenses import describe
from attrib.records import SourceSpan
from attrib.report import (
    SCHEMA_VERSION,
    Avoided,
    FileReport,
    Finding,
    GenerationInfo,
    LineRange,
    Report,
)


def render_json(report: Report) -> str:
    """The report as JSON: indented by 2, keys in schema order, UTF-8 text kept as is
    (``attrib scan --format json``)."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False)


def report_dict(report: Report) -> dict[str, Any]:
    """The report as schema-v1 data (what :func:`render_json` writes and the web API
    returns)."""
    summary = report.summary
    out: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "index": {"name": report.index.name, "files": report.index.files, "params": dict(report.index.params)},
        "files": [_file(entry) for entry in report.files],
        "summary": {
            "files": summary.files,
            "matched_lines": summary.matched_lines,
            "verdict": summary.verdict,
            "files_with_matches": summary.files_with_matches,
            "errors": summary.errors,
            "violations": summary.violations,
            "skipped": dict(report.skipped),
            "policy": report.policy,
        },
    }
    check = check_dict(report)
    if check is not None:
        out["check"] = check
    if report.generation is not None:
        out["generation"] = _generation(report.generation)
    return out


def source_dict(span: SourceSpan) -> dict[str, Any]:
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


def _lines(pair: LineRange) -> dict[str, int]:
    return {"start_line": pair[0], "end_line": pair[1]}


def _match(finding: Finding, scope: str | None) -> dict[str, Any]:
    match = finding.match
    best, *others = match.sources
    out: dict[str, Any] = {
        "query": _lines((match.start_line, match.end_line)),
        "source": {**source_dict(best), "origin": True, "origin_reason": match.origin_reason},
        "similarity": round(best.similarity, 3),
        "kind": best.kind,
        "other_sources": len(others),
        "copies": len(others),
        "alternatives": [{**source_dict(span), "origin": False} for span in others],
        "verdict": finding.verdict,
        "policy_verdict": finding.policy_verdict,
        "acknowledged": finding.acknowledged,
    }
    if scope == "changed":
        out["changed"] = [_lines(r) for r in finding.scoped]
    elif scope == "generated":
        out["generated"] = _lines(finding.lines)
    return out


def _file(entry: FileReport) -> dict[str, Any]:
    scope = entry.scope.kind if entry.scope is not None else None
    out: dict[str, Any] = {
        "path": entry.path,
        "lines": entry.lines,
        "matches": [_match(f, scope) for f in entry.findings],
        "matched_lines": entry.matched_lines,
        "verdict": entry.verdict,
        "error": entry.error,
        "lang": entry.lang,
    }
    span = entry.scope.span if entry.scope is not None and scope == "generated" else None
    if span is not None:
        out["generated"] = _lines(span)
    if entry.path_bytes is not None:
        out["path_bytes"] = base64.b64encode(entry.path_bytes).decode("ascii")
    return out


def check_dict(report: Report) -> dict[str, Any] | None:
    """The ``check`` section of a check's report (None for other reports)."""
    check = report.check
    if check is None:
        return None
    return {
        "mode": check.mode,
        "base": check.base,
        "selection": check.selection,
        "policy": check.policy,
        "files_selected": check.files_selected,
        "skipped": dict(check.skipped),
        "violations": report.summary.violations,
        "passed": report.passed,
    }


def _generation(gen: GenerationInfo) -> dict[str, Any]:
    return {
        "model": gen.model,
        "mode": gen.mode,
        "generated_lines": None if gen.generated_lines is None else _lines(gen.generated_lines),
        "tokens": gen.tokens,
        "stop_reason": gen.stop_reason,
        "seconds": round(gen.seconds, 3),
        "attribution_seconds": round(gen.attribution_seconds, 3),
        "on_match": gen.on_match,
        "blocked": gen.blocked,
        "avoided": [_avoided(a) for a in gen.avoided],
        "completion": gen.completion,
    }


def _avoided(a: Avoided) -> dict[str, Any]:
    return {"query": _lines((a.start_line, a.end_line)), "source": source_dict(a.source),
            "verdict": a.verdict, "attempt": a.attempt}
