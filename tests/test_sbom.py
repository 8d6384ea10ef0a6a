"""SPDX 2.3 and CycloneDX 1.6 output: valid against the official schemas (with the
ecosystem's validators), and saying what the JSON report says."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from attrib.bom import checksum
from attrib.formats.cyclonedx import render_cyclonedx
from attrib.formats.json import report_dict
from attrib.formats.spdx import render_spdx
from attrib.judge import Judge
from attrib.records import Match, SourceSpan
from attrib.report import IndexInfo, Report

COMMIT = "0123456789abcdef0123456789abcdef01234567"
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
SOURCE_TEXT = "".join(f"line {n}\n" for n in range(1, 60))


def span(repo, path, licenses, start=5, end=20, similarity=1.0, stars=1, **provenance):
    return SourceSpan(repo=repo, path=path, commit=COMMIT, start_line=start, end_line=end, licenses=licenses,
                      stars=stars, lang="Python", sha=checksum(repo + path), similarity=similarity, kind="exact",
                      **provenance)


@pytest.fixture(scope="module")
def report() -> Report:
    judge = Judge()
    requests = span("psf/requests", "requests/structures.py", ("Apache-2.0",),
                    copyrights=("Copyright 2019 Kenneth Reitz",), file_licenses=("Apache-2.0",),
                    repo_licenses=("Apache-2.0",))
    return judge.report([
        judge.file("/abs/where/ever/src/app.py", "x = 1\n" * 50, [
            Match(1, 16, (span("x/app", "vendor/requests/structures.py", ("MIT",), stars=9), requests)),
            Match(20, 30, (span("torvalds/linux", "lib/x.c", ("GPL-2.0-only WITH Linux-syscall-note",), 3, 13),)),
            Match(40, 45, (span("odd/one", "a.py", ("LicenseRef-scancode-odd", "weird license")),))]),
        judge.file("README.py", "a\nb\nc", [])], IndexInfo("test-index", 4))


def spdx(report):
    return render_spdx(report, lambda sha: SOURCE_TEXT, created=WHEN)


def spans_and_licenses(report):
    """What the JSON report says: (query lines, source repo, path, lines, licenses)."""
    data = report_dict(report)
    return sorted((m["query"]["start_line"], m["query"]["end_line"], s["repo"], s["path"], s["start_line"],
                   s["end_line"], tuple(s["licenses"]))
                  for f in data["files"] for m in f["matches"] for s in (m["source"], *m["alternatives"]))


def test_the_json_report_names_the_original_before_its_vendored_copy(report):
    [match, *_] = report_dict(report)["files"][0]["matches"]
    assert (match["source"]["repo"], match["source"]["origin"], match["copies"]) == ("psf/requests", True, 1)
    assert match["source"]["origin_reason"] == "the other sources are under vendored folders (vendor)"
    assert [a["origin"] for a in match["alternatives"]] == [False]


def test_spdx_validates_and_carries_the_reports_spans_and_licenses(report):
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    data = json.loads(spdx(report))
    document = JsonLikeDictParser().parse(data)
    assert validate_full_spdx_document(document) == []
    files = {f["SPDXID"]: f for f in data["files"]}
    assert {f["fileName"] for f in files.values()} >= {"./app.py", "./README.py",
                                                      "./psf/requests/requests/structures.py"}
    assert not any(f["fileName"].startswith("./abs") for f in files.values())  # never the absolute path
    contains = {r["relatedSpdxElement"]: r for r in data["relationships"] if r["relationshipType"] == "CONTAINS"}
    seen = []
    refs = {e["licenseId"]: e["name"] for e in data.get("hasExtractedLicensingInfos", [])}
    for snippet in data["snippets"]:
        source = files[snippet["snippetFromFile"]]
        repo_path = source["fileName"][2:]
        [by_bytes, rng] = snippet["ranges"]
        assert by_bytes["startPointer"]["offset"] <= by_bytes["endPointer"]["offset"]
        query = contains[snippet["SPDXID"]]["comment"].split()[1].split("-")
        licenses = tuple(refs.get(part, part) for part in snippet["licenseConcluded"].split(" AND "))
        seen.append((int(query[0]), int(query[1]), *repo_path.split("/", 2)[:2], rng["startPointer"]["lineNumber"],
                     rng["endPointer"]["lineNumber"], licenses))
    want = [(a, b, *repo.split("/"), s, e, lic) for a, b, repo, path, s, e, lic in spans_and_licenses(report)]
    assert sorted(seen) == sorted(want)
    origin = next(s for s in data["snippets"] if "likely origin" in s["comment"])
    assert origin["copyrightText"] == "Copyright 2019 Kenneth Reitz" and origin["licenseConcluded"] == "Apache-2.0"


def test_cyclonedx_validates_and_carries_the_reports_spans_and_licenses(report):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = render_cyclonedx(report, lambda sha: SOURCE_TEXT, created=WHEN)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    data = json.loads(text)
    seen = []
    for component in data["components"]:
        props = [(p["name"], p["value"]) for p in component["properties"]]
        spans = [v for n, v in props if n == "attrib:span"]
        lines = [v for n, v in props if n == "attrib:source_lines"]
        licenses = []
        for entry in component["licenses"]:
            licenses += entry["expression"].split(" AND ") if "expression" in entry else \
                [entry["license"].get("id") or entry["license"]["name"]]
        assert component["evidence"]["occurrences"][0]["location"] == "app.py"
        for where, source_lines in zip(spans, lines, strict=True):
            first, last = where.rsplit(":", 1)[1].split("-")
            start, end = source_lines.split("-")
            seen.append((int(first), int(last), component["group"], component["name"], int(start), int(end),
                         tuple(licenses)))
    refs_free = [(a, b, r, p, s, e, tuple(x for x in lic)) for a, b, r, p, s, e, lic in spans_and_licenses(report)]
    assert sorted(seen) == sorted(refs_free)
    requests = next(c for c in data["components"] if c["group"] == "psf/requests")
    assert requests["purl"] == f"pkg:github/psf/requests@{COMMIT}#requests/structures.py"
    assert requests["copyright"] == "Copyright 2019 Kenneth Reitz"
    assert ("attrib:origin", "true") in [(p["name"], p["value"]) for p in requests["properties"]]


def test_byte_ranges_and_checksums_come_from_the_texts(report):
    data = json.loads(spdx(report))
    files = {f["SPDXID"]: f for f in data["files"]}
    app = next(f for f in files.values() if f["fileName"] == "./app.py")
    assert app["checksums"] == [{"algorithm": "SHA1", "checksumValue": checksum("x = 1\n" * 50)}]
    snippet = next(s for s in data["snippets"] if files[s["snippetFromFile"]]["fileName"].endswith("lib/x.c"))
    [by_bytes, _] = snippet["ranges"]
    first, last = by_bytes["startPointer"]["offset"], by_bytes["endPointer"]["offset"]
    assert SOURCE_TEXT.encode()[first - 1:last].decode() == "line 3\n" + "".join(f"line {n}\n" for n in range(4, 13)) \
        + "line 13"
    assert files[snippet["snippetFromFile"]]["checksums"][0]["checksumValue"] == checksum(SOURCE_TEXT)
