"""SARIF 2.1.0 output of ``attrib check``, for GitHub code scanning and other SARIF viewers.

One run, tool ``attrib`` with two rules; one result per violation:

* ``attrib/denied-license`` (level ``error``): code copied from a source whose license
  the policy denies;
* ``attrib/missing-notice`` (level ``warning``): code copied from a source whose license
  requires a notice the project's notice file does not give.

A result's first location is the changed lines inside the copy (the lines a reviewer
must act on), relative to the repository root (``%SRCROOT%``), as a URI reference with
every byte of the file name that is not unreserved percent-encoded (a name that is not
UTF-8 keeps its exact bytes: ``lat%E9.py``); the copy's full extent
and the source's permalink are in the message and ``properties``. Its
``partialFingerprints`` hash the source and the copied text, not line numbers, so a
copy keeps its identity when code above it moves.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from attrib import __version__
from attrib.formats.json import check_dict
from attrib.report import FileReport, Finding, Report

RULES: list[dict[str, Any]] = [
    {
        "id": "attrib/denied-license",
        "name": "DeniedLicense",
        "shortDescription": {"text": "Code copied from a source whose license the policy denies"},
        "fullDescription": {"text": "These lines match indexed code under a license that the project's "
                                    "attrib policy denies (by default: copyleft and copyleft-limited)."},
        "help": {"text": "Remove or rewrite the copied code, or change the policy (.attrib.toml) if the "
                         "license is acceptable for this project.",
                 "markdown": "Remove or rewrite the copied code, or change the policy (`.attrib.toml`) if "
                             "the license is acceptable for this project."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["license", "compliance"]},
    },
    {
        "id": "attrib/missing-notice",
        "name": "MissingNotice",
        "shortDescription": {"text": "Code copied from a source whose license requires a notice that is missing"},
        "fullDescription": {"text": "These lines match indexed code under a license that asks for its "
                                    "copyright and license notice to be kept, and the project's notice file "
                                    "does not credit the source."},
        "help": {"text": "Run `attrib notice` to credit the source in the notice file, and commit it.",
                 "markdown": "Run `attrib notice` to credit the source in the notice file, and commit it."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["license", "attribution"]},
    },
]
_RULE_OF = {"fail": 0, "notice": 1}


def render_sarif(report: Report) -> str:
    """The report's violations as a SARIF 2.1.0 log."""
    results = [_result(entry, f, _RULE_OF[f.verdict]) for entry in report.files for f in entry.findings
               if f.verdict in _RULE_OF]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "attrib", "version": __version__, "semanticVersion": __version__,
                                "rules": RULES}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"index": report.index.name, "check": check_dict(report)},
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _result(entry: FileReport, finding: Finding, rule: int) -> dict[str, Any]:
    source, info, match = finding.best, finding.license, finding.match
    first, last = finding.lines
    licenses = ", ".join(info.ids) or "no license recorded"
    what = "is denied by the policy" if rule == 0 else "requires a notice, and the notice file does not credit it"
    text = (f"Lines {first}–{last} copy {source.repo} {source.path} lines "
            f"{source.start_line}–{source.end_line} ({licenses}, {info.category}; "
            f"{round(source.similarity * 100)}% {source.kind}): the license {what}. Source: {source.url}")
    identity = "\0".join([source.repo, source.path, str(source.start_line), str(source.end_line), entry.path])
    return {
        "ruleId": RULES[rule]["id"],
        "ruleIndex": rule,
        "level": RULES[rule]["defaultConfiguration"]["level"],
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(_raw_path(entry)), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": first, "endLine": last},
            },
        }],
        "partialFingerprints": {"attribCopy/v1": hashlib.sha256(identity.encode()).hexdigest()},
        "properties": {
            "copy": {"startLine": match.start_line, "endLine": match.end_line},
            "source": {"repo": source.repo, "path": source.path, "commit": source.commit,
                       "start_line": source.start_line, "end_line": source.end_line, "url": source.url,
                       "licenses": list(info.ids), "license_category": info.category},
            "similarity": round(source.similarity, 3),
            "kind": source.kind,
        },
    }


def _raw_path(entry: FileReport) -> bytes:
    """A file's exact name: ``path_bytes`` (present when the name is not UTF-8), else
    ``path``."""
    return entry.path_bytes if entry.path_bytes is not None else entry.path.encode("utf-8")


def _uri(path: bytes) -> str:
    """A relative URI reference for a repository path: its bytes, percent-encoded except
    for unreserved characters and ``/`` (so a ``:`` cannot be read as a scheme)."""
    return quote(path, safe="/-._~")
