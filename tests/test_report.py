"""Reports: their exact schema-v1 shape, JSON rendering and the text view for people.

Reports are built the way every front end builds them: by the judge
(:class:`attrib.judge.Judge`) from matches, then rendered.
"""
from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from attrib.formats import render_json, render_text
from attrib.formats.json import report_dict
from attrib.judge import Judge, unreadable
from attrib.records import Match, SourceSpan
from attrib.report import IndexInfo, Report, Scope

SCHEMA = json.loads((Path(__file__).parent / "data" / "report-v1.schema.json").read_text())
INDEX = {"name": "the-stack-smol", "files": 797, "params": {"num_perm": 128, "k": 5}}
JUDGE = Judge()


def text(lines: int) -> str:
    """A file of ``lines`` lines."""
    return "\n".join(f"x{n} = [{n}]" for n in range(1, lines + 1))


def build(*files, judge: Judge = JUDGE) -> Report:
    """The report of ``(path, lines, matches)`` files, as a front end builds it."""
    return judge.report([judge.file(path, text(lines), matches) for path, lines, matches in files],
                        IndexInfo(**INDEX))
COMMIT = "0123456789abcdef0123456789abcdef01234567"
URL = f"https://github.com/owner/name/blob/{COMMIT}/pkg/x.py#L120-L131"


def span(repo: str = "owner/name", licenses: tuple[str, ...] = ("mit",),
         similarity: float = 0.9312, kind: str = "near", stars: int | None = 1200,
         path: str = "pkg/x.py") -> SourceSpan:
    return SourceSpan(repo=repo, path=path, commit=COMMIT, start_line=120, end_line=131,
                      licenses=licenses, stars=stars, lang="python", sha="f" * 40,
                      similarity=similarity, kind=kind)


@pytest.fixture
def typed() -> Report:
    copied = Match(3, 14, (span(),
                           span("fork/name", ("GPL-3.0",), 0.9, stars=3),
                           span("other/repo", (), 0.8, stars=None)))
    overlapping = Match(10, 20, (span("pd/code", ("CC0-1.0",), 1.0, "exact"),))
    gpl = Match(1, 2, (span("gnu/thing", ("GPL-3.0-or-later",), 0.75),))
    files = [JUDGE.file("a.py", text(40), [copied, overlapping]), JUDGE.file("b.py", text(5), []),
             JUDGE.file("c.py", text(2), [gpl]), unreadable("d.bin", "binary file skipped")]
    return JUDGE.report(files, IndexInfo(**INDEX))


@pytest.fixture
def report(typed) -> dict:
    return report_dict(typed)


def test_validates_against_schema_v1(typed, report):
    Draft202012Validator.check_schema(SCHEMA)
    Draft202012Validator(SCHEMA).validate(report)
    Draft202012Validator(SCHEMA).validate(json.loads(render_json(typed)))


def test_schema_rejects_a_renamed_field(report):
    report["files"][0]["matches"][0]["source"]["license"] = (
        report["files"][0]["matches"][0]["source"].pop("licenses"))
    assert not Draft202012Validator(SCHEMA).is_valid(report)


def test_schema_holds_the_origin_and_both_licenses(report):
    import copy

    valid = Draft202012Validator(SCHEMA).is_valid
    match = report["files"][0]["matches"][0]
    assert match["source"]["origin"] is True and match["alternatives"] and valid(report)
    for broken in (lambda m: m["source"].update(origin=False), lambda m: m["alternatives"][0].update(origin=True),
                   lambda m: m.pop("copies"), lambda m: m["source"].pop("repo_licenses"),
                   lambda m: m["source"].pop("origin_reason")):
        changed = copy.deepcopy(report)
        broken(changed["files"][0]["matches"][0])
        assert not valid(changed)


def test_top_level_shape(report):
    assert list(report) == ["version", "index", "files", "summary"]
    assert report["version"] == 1
    assert report["index"] == INDEX
    assert report["summary"] == {"files": 4, "matched_lines": 20, "verdict": "fail",
                                 "files_with_matches": 2, "errors": 1, "violations": 2, "skipped": {},
                                 "policy": "the default policy"}


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
        "verdict": "notice",
        "policy_verdict": "notice",
        "acknowledged": False,
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
    report = report_dict(build())
    Draft202012Validator(SCHEMA).validate(report)
    assert report["summary"]["verdict"] == "pass"
    assert report["summary"]["matched_lines"] == 0


def test_json_is_stable_and_round_trips(typed, report):
    rendered = render_json(typed)
    assert rendered == json.dumps(report, indent=2, ensure_ascii=False)
    assert rendered.startswith('{\n  "version": 1,')
    assert json.loads(rendered) == report


def render(report: Report, *, terminal: bool = False, **kwargs) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=40,
                      color_system="standard" if terminal else None)
    render_text(report, console, **kwargs)
    return out.getvalue()


def test_text_shows_source_license_and_permalink(typed):
    text = render(typed, show_code=False)
    assert "\x1b" not in text
    assert f"    {URL}" in text.splitlines()  # whole, on one line, though wider than 40
    lines = text.splitlines()
    assert lines[0] == "a.py  notice"
    assert "  L3–14  owner/name › pkg/x.py L120–131" in lines
    assert "    MIT · permissive · 93% near · +2 other sources · NOTICE MISSING" in lines
    assert "    likely origin: the most stars (1200)" in lines
    assert "    CC0-1.0 · public-domain · 100% exact · allowed" in lines
    assert "c.py  fail" in lines
    assert "    GPL-3.0-or-later · copyleft · 75% near · LICENSE DENIED" in lines
    assert "d.bin  error: binary file skipped" in lines
    assert "b.py" not in text  # files without matches are only counted
    assert lines[-1] == ("Scanned 4 files (1 could not be read) · 2 with matches · "
                         "20 matched lines · verdict fail")


def test_text_shows_a_file_license_that_is_not_its_repositorys():
    vendored = replace(span("acme/widgets", ("GPL-2.0-only",), 1.0, "exact", path="third_party/x.c"),
                       file_licenses=("GPL-2.0-only",), repo_licenses=("MIT",))
    lines = render(build(("v.c", 20, [Match(1, 12, (vendored,))])), show_code=False).splitlines()
    assert "    GPL-2.0-only · copyleft · 100% exact · LICENSE DENIED" in lines
    assert "    the file says GPL-2.0-only, its repository MIT" in lines


def test_text_shows_query_lines(typed):
    text = render(typed)
    assert "       3 │ x3 = [3]" in text.splitlines()
    assert "      20 │ x20 = [20]" in text.splitlines()  # markup-like code stays literal
    assert "x21 = [21]" not in text


def test_text_colours_on_a_terminal(typed):
    text = render(typed, terminal=True)
    assert "\x1b[" in text
    assert "\x1b[1;31mfail" in text  # verdicts coloured: fail is bold red


def test_text_when_nothing_matched():
    assert render(build(("a.py", 3, []), ("b.py", 4, []))).strip() == "No indexed code found in 2 files."
    assert render(build(("a.py", 3, []))).strip() == "No indexed code found in 1 file."


def test_generated_lines_limit_what_is_counted():
    copied = Match(1, 10, (span(),))
    r = report_dict(JUDGE.report([JUDGE.file("gen.py", text(12), [copied], scope=Scope.generated(4, 12))],
                                 IndexInfo(**INDEX)))
    Draft202012Validator(SCHEMA).validate(r)
    entry = r["files"][0]
    assert entry["generated"] == {"start_line": 4, "end_line": 12}
    assert entry["matches"][0]["query"] == {"start_line": 1, "end_line": 10}
    assert entry["matches"][0]["generated"] == {"start_line": 4, "end_line": 10}
    assert entry["matched_lines"] == 7


def test_markdown_escapes_indexed_text(typed):
    from attrib.formats import render_markdown

    evil = Match(1, 5, (span(repo="x/<script>alert(1)</script>", path="a|b_[c](javascript:x).py"),))
    md = render_markdown(build(("q.py", 5, [evil])))
    assert "<script>" not in md and "&#60;script&#62;" in md
    assert "](javascript" not in md and "a&#124;b" in md
    assert md.count("\n| L") == 1, "one table row per match: the | in the path did not split the row"
    md = render_markdown(typed)
    assert "### attrib: ❌ fail" in md and "| L3–14 | [owner/name › pkg/x\\.py L120–131](" in md
