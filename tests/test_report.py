"""Schema-v1 reports: their exact shape, JSON rendering and the text view for people."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from attrib.formats import render_json, render_text
from attrib.records import Match, SourceSpan
from attrib.report import FileResult, build_report, report_to_json

SCHEMA = json.loads((Path(__file__).parent / "data" / "report-v1.schema.json").read_text())
INDEX = {"name": "the-stack-smol", "files": 797, "params": {"num_perm": 128, "k": 5}}
COMMIT = "0123456789abcdef0123456789abcdef01234567"
URL = f"https://github.com/owner/name/blob/{COMMIT}/pkg/x.py#L120-L131"


def span(repo: str = "owner/name", licenses: tuple[str, ...] = ("mit",),
         similarity: float = 0.9312, kind: str = "near", stars: int | None = 1200,
         path: str = "pkg/x.py") -> SourceSpan:
    return SourceSpan(repo=repo, path=path, commit=COMMIT, start_line=120, end_line=131,
                      licenses=licenses, stars=stars, lang="python", sha="f" * 40,
                      similarity=similarity, kind=kind)


@pytest.fixture
def report() -> dict:
    copied = Match(3, 14, (span(),
                           span("fork/name", ("GPL-3.0",), 0.9, stars=3),
                           span("other/repo", (), 0.8, stars=None)))
    overlapping = Match(10, 20, (span("pd/code", ("CC0-1.0",), 1.0, "exact"),))
    gpl = Match(1, 2, (span("gnu/thing", ("GPL-3.0-or-later",), 0.75),))
    return build_report([
        FileResult("a.py", [copied, overlapping], 40),
        FileResult("b.py", [], 5),
        FileResult("c.py", [gpl], 2),
        FileResult("d.bin", [], 0, error="binary file skipped"),
    ], INDEX)


def test_validates_against_schema_v1(report):
    Draft202012Validator.check_schema(SCHEMA)
    Draft202012Validator(SCHEMA).validate(report)
    Draft202012Validator(SCHEMA).validate(json.loads(render_json(report)))


def test_schema_rejects_a_renamed_field(report):
    report["files"][0]["matches"][0]["source"]["license"] = (
        report["files"][0]["matches"][0]["source"].pop("licenses"))
    assert not Draft202012Validator(SCHEMA).is_valid(report)


def test_top_level_shape(report):
    assert list(report) == ["version", "index", "files", "summary"]
    assert report["version"] == 1
    assert report["index"] == INDEX
    assert report["summary"] == {"files": 4, "matched_lines": 20, "verdict": "fail",
                                 "files_with_matches": 2, "errors": 1}


def test_match_shape(report):
    match = report["files"][0]["matches"][0]
    assert match == {
        "query": {"start_line": 3, "end_line": 14},
        "source": {
            "repo": "owner/name", "path": "pkg/x.py", "commit": COMMIT,
            "start_line": 120, "end_line": 131, "url": URL,
            "licenses": ["MIT"], "license_category": "permissive", "stars": 1200,
            "obligation": "notice", "similarity": 0.931, "kind": "near", "sha": "f" * 40,
            "file_licenses": [], "repo_licenses": [], "copyrights": [], "first_seen": None,
            "origin": True, "origin_reason": "the most stars (1200)",
        },
        "similarity": 0.931,
        "kind": "near",
        "other_sources": 2,
        "copies": 2,
        "alternatives": [
            {"repo": "fork/name", "path": "pkg/x.py", "commit": COMMIT,
             "start_line": 120, "end_line": 131,
             "url": f"https://github.com/fork/name/blob/{COMMIT}/pkg/x.py#L120-L131",
             "licenses": ["GPL-3.0-only"], "license_category": "copyleft", "stars": 3,
             "obligation": "copyleft", "similarity": 0.9, "kind": "near", "sha": "f" * 40,
             "file_licenses": [], "repo_licenses": [], "copyrights": [], "first_seen": None, "origin": False},
            {"repo": "other/repo", "path": "pkg/x.py", "commit": COMMIT,
             "start_line": 120, "end_line": 131,
             "url": f"https://github.com/other/repo/blob/{COMMIT}/pkg/x.py#L120-L131",
             "licenses": [], "license_category": "unknown", "stars": None,
             "obligation": "unknown", "similarity": 0.8, "kind": "near", "sha": "f" * 40,
             "file_licenses": [], "repo_licenses": [], "copyrights": [], "first_seen": None, "origin": False},
        ],
    }


def test_file_entries(report):
    a, b, c, d = report["files"]
    assert (a["path"], a["lines"], a["matched_lines"], a["verdict"], a["error"]) == (
        "a.py", 40, 18, "notice", None)  # lines 3-20: the overlap 10-14 counts once
    assert (b["matches"], b["matched_lines"], b["verdict"]) == ([], 0, "pass")
    assert (c["verdict"], c["matches"][0]["source"]["license_category"]) == ("fail", "copyleft")
    assert (d["verdict"], d["error"]) == ("pass", "binary file skipped")


def test_the_best_source_decides_the_verdict(report):
    # a.py's first match has a GPL alternative, but its best source is MIT: notice.
    assert report["files"][0]["verdict"] == "notice"


def test_nothing_scanned():
    report = build_report([], INDEX)
    Draft202012Validator(SCHEMA).validate(report)
    assert report["summary"]["verdict"] == "pass"
    assert report["summary"]["matched_lines"] == 0


def test_json_is_stable_and_round_trips(report):
    text = render_json(report)
    assert text == report_to_json(report) == render_json(json.loads(text))
    assert text.startswith('{\n  "version": 1,')
    assert json.loads(text) == report


def render(report: dict, *, terminal: bool = False, **kwargs) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=40,
                      color_system="standard" if terminal else None)
    render_text(report, console, **kwargs)
    return out.getvalue()


def test_text_shows_source_license_and_permalink(report):
    text = render(report)
    assert "\x1b" not in text
    assert f"    {URL}" in text.splitlines()  # whole, on one line, though wider than 40
    lines = text.splitlines()
    assert lines[0] == "a.py  notice"
    assert "  L3–14  owner/name › pkg/x.py L120–131" in lines
    assert "    MIT · permissive · 93% near · +2 other sources" in lines
    assert "    CC0-1.0 · public-domain · 100% exact" in lines
    assert "c.py  fail" in lines
    assert "    GPL-3.0-or-later · copyleft · 75% near" in lines
    assert "d.bin  error: binary file skipped" in lines
    assert "b.py" not in text  # files without matches are only counted
    assert lines[-1] == ("Scanned 4 files (1 could not be read) · 2 with matches · "
                         "20 matched lines · verdict fail")


def test_text_shows_query_lines(report):
    source = "\n".join(f"x{n} = [{n}]" for n in range(1, 41))
    text = render(report, query_texts={"a.py": source})
    assert "       3 │ x3 = [3]" in text.splitlines()
    assert "      20 │ x20 = [20]" in text.splitlines()  # markup-like code stays literal
    assert "x21 = [21]" not in text


def test_text_colours_on_a_terminal(report):
    text = render(report, terminal=True)
    assert "\x1b[" in text
    assert "\x1b[1;31mfail" in text  # verdicts coloured: fail is bold red


def test_text_when_nothing_matched():
    report = build_report([FileResult("a.py", [], 3), FileResult("b.py", [], 4)], INDEX)
    assert render(report).strip() == "No indexed code found in 2 files."
    one = build_report([FileResult("a.py", [], 3)], INDEX)
    assert render(one).strip() == "No indexed code found in 1 file."


def test_generated_lines_limit_what_is_counted():
    copied = Match(1, 10, (span(),))
    r = build_report([FileResult("gen.py", [copied], 12, generated=(4, 12))], INDEX)
    Draft202012Validator(SCHEMA).validate(r)
    entry = r["files"][0]
    assert entry["generated"] == {"start_line": 4, "end_line": 12}
    assert entry["matches"][0]["query"] == {"start_line": 1, "end_line": 10}
    assert entry["matches"][0]["generated"] == {"start_line": 4, "end_line": 10}
    assert entry["matched_lines"] == 7


def test_markdown_escapes_indexed_text(report):
    from attrib.formats import render_markdown

    evil = Match(1, 5, (span(repo="x/<script>alert(1)</script>", path="a|b_[c](javascript:x).py"),))
    md = render_markdown(build_report([FileResult("q.py", [evil], 5)], INDEX))
    assert "<script>" not in md and "&#60;script&#62;" in md
    assert "](javascript" not in md and "a&#124;b" in md
    assert md.count("\n| L") == 1, "one table row per match: the | in the path did not split the row"
    md = render_markdown(report)
    assert "### attrib: ❌ fail" in md and "| L3–14 | [owner/name › pkg/x\\.py L120–131](" in md
