"""Notice files: what permissive licenses ask for, written and merged without duplicates."""
from __future__ import annotations

from dataclasses import replace

from attrib.judge import Judge
from attrib.notices import credited, merge, notices_from_report, render
from attrib.policy import Policy
from attrib.records import Match, SourceSpan
from attrib.report import IndexInfo, Report

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def span(repo: str, path: str, licenses: tuple[str, ...]) -> SourceSpan:
    return SourceSpan(repo=repo, path=path, commit=COMMIT, start_line=5, end_line=20, licenses=licenses,
                      stars=1, lang="Python", sha="a" * 40, similarity=1.0, kind="exact")


def report(*matches: Match, judge: Judge = Judge()) -> Report:
    return judge.report([judge.file("app.py", "x\n" * 49, matches)], IndexInfo("t", 3))


def test_only_sources_the_policy_requires_a_notice_for_are_listed():
    r = report(Match(1, 16, (span("psf/requests", "a.py", ("Apache-2.0",)),)),
               Match(20, 30, (span("gnu/x", "b.c", ("GPL-3.0-or-later",)),)),
               Match(31, 40, (span("pd/y", "c.py", ("CC0-1.0",)),)),
               Match(41, 50, (span("psf/requests", "a.py", ("Apache-2.0",)),)))
    [n] = notices_from_report(r)
    assert (n.repo, n.path, n.licenses) == ("psf/requests", "a.py", ("Apache-2.0",))
    assert n.url == f"https://github.com/psf/requests/blob/{COMMIT}/a.py"
    assert n.used_in == ("app.py lines 1–16 (source lines 5–20)", "app.py lines 41–50 (source lines 5–20)")
    text = render([n])
    assert "## psf/requests — a.py" in text and "https://spdx.org/licenses/Apache-2.0.html" in text
    assert credited(text) == {("psf/requests", "a.py")}


def test_merge_keeps_what_is_there_and_adds_only_the_missing():
    first = notices_from_report(report(Match(1, 16, (span("a/b", "x.py", ("MIT",)),))))
    second = notices_from_report(report(Match(1, 16, (span("a/b", "x.py", ("MIT",)),)),
                                        Match(20, 40, (span("c/d", "y.py", ("BSD-3-Clause",)),))))
    text = merge("", first)
    hand_edited = text + "\nKept by hand.\n"
    merged = merge(hand_edited, second)
    sections, _, texts = hand_edited.partition("\n# License texts\n")
    assert merged.startswith(sections.rstrip("\n")) and texts.rstrip("\n") in merged  # nothing lost, nothing moved
    assert "Kept by hand." in merged
    assert merged.count("### MIT — MIT License") == 1 and merged.count("### BSD-3-Clause — ") == 1
    assert credited(merged) == {("a/b", "x.py"), ("c/d", "y.py")}
    assert merged.count("## a/b — x.py") == 1
    assert merge(merged, second) == merged


def test_a_notice_for_an_mit_source_carries_its_copyright_line_and_the_mit_license_text():
    source = replace(span("kennethreitz/records", "records.py", ("MIT",)),
                     copyrights=("Copyright (c) 2016 Kenneth Reitz",))
    [n] = notices_from_report(report(Match(1, 16, (source,))))
    text = render([n])
    assert "- Copyright: Copyright (c) 2016 Kenneth Reitz" in text
    assert f"- Commit: https://github.com/kennethreitz/records/commit/{COMMIT}" in text
    mit = text.split("### MIT — MIT License\n", 1)[1]
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in mit
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in mit
    # Several sources under one license: its text once.
    other = span("a/b", "x.py", ("MIT",))
    twice = render(notices_from_report(report(Match(1, 16, (source,)), Match(20, 30, (other,)))))
    assert twice.count("### MIT — MIT License") == 1


def test_used_in_never_shows_an_absolute_path(tmp_path):
    from attrib.notices import use_path

    assert use_path(str(tmp_path / "src" / "app.py"), tmp_path) == "src/app.py"
    assert use_path("/elsewhere/app.py", tmp_path) == "app.py"
    assert use_path("src/app.py", tmp_path) == "src/app.py"


def test_the_policy_decides_what_needs_a_notice():
    # One rule for `attrib notice` and `attrib generate --notice`: the policy's
    # require-notice, not the license's own obligation.
    matches = (Match(1, 16, (span("psf/requests", "a.py", ("Apache-2.0",)),)),
               Match(20, 30, (span("gnu/x", "b.c", ("GPL-3.0-or-later",)),)))
    lenient = Policy(verdicts={"permissive": "pass", "copyleft": "notice"})
    [n] = notices_from_report(report(*matches, judge=Judge(lenient)))
    assert n.repo == "gnu/x"
    # a source already credited still needs its notice (it stays in the file)
    credited_text = "## psf/requests — a.py\n".lower()
    [n] = notices_from_report(report(*matches, judge=Judge(notices=credited_text)))
    assert n.repo == "psf/requests"
