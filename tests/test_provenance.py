"""A file's own license beats its repository's label: a repository labelled MIT that
vendors a file tagged ``SPDX-License-Identifier: GPL-2.0-only`` -- as a row of The
Stack or as a local repository -- gives copies of that file GPL-2.0-only, which the
default policy denies in ``attrib check``."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from realcode import MIT_TEXT

ROOT = Path(__file__).resolve().parents[1]
CODE = (ROOT / "attrib" / "align.py").read_text()
VENDORED = "# SPDX-License-Identifier: GPL-2.0-only\n# Copyright (C) 2019 Jane Hacker\n" + CODE


def attrib(*args: str, store: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attrib", "--store", str(store), "--quiet", *args],
                          capture_output=True, text=True, cwd=cwd, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def copying_project(tmp_path: Path) -> Path:
    """A git repository whose one commit adds a copy of :data:`CODE`."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "copied_align.py").write_text(CODE)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "copy")
    return project


def stack_rows(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({
        "content": VENDORED, "lang": "Python", "max_stars_repo_name": "acme/widgets",
        "max_stars_repo_path": "third_party/align.py", "max_stars_repo_head_hexsha": "a" * 40,
        "max_stars_repo_licenses": ["MIT"], "max_stars_count": 12}) + "\n")
    return rows


def local_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "widgets"
    (repo / "third_party").mkdir(parents=True)
    (repo / "LICENSE").write_text(MIT_TEXT)
    (repo / "third_party" / "align.py").write_text(VENDORED)
    return repo


@pytest.mark.parametrize("source", [stack_rows, local_repo], ids=["stack-row", "local-repository"])
def test_a_vendored_gpl_file_in_an_mit_repository_is_gpl(tmp_path, source):
    store = tmp_path / "index.db"
    extra = ["--repo", "acme/widgets"] if source is local_repo else []
    done = attrib("index", str(source(tmp_path)), *extra, store=store)
    assert done.returncode == 0, done.stderr

    project = copying_project(tmp_path)

    scanned = attrib("scan", str(project / "copied_align.py"), "--format", "json", store=store)
    assert scanned.returncode == 0, scanned.stderr
    [match, *_] = json.loads(scanned.stdout)["files"][0]["matches"]
    assert match["source"]["repo"] == "acme/widgets"
    assert match["source"]["licenses"] == ["GPL-2.0-only"] and match["source"]["license_category"] == "copyleft"
    assert match["source"]["file_licenses"] == ["GPL-2.0-only"] and match["source"]["repo_licenses"] == ["MIT"]
    assert match["source"]["copyrights"] == ["Copyright (C) 2019 Jane Hacker"]

    checked = attrib("check", "-C", str(project), "--all", "--format", "json", store=store)
    assert checked.returncode == 1, checked.stderr
    [entry] = json.loads(checked.stdout)["files"]
    assert entry["verdict"] == "fail" and entry["matches"][0]["source"]["licenses"] == ["GPL-2.0-only"]

    # The SBOM of the check says the same: the effective license, and both sides.
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    spdx = attrib("check", "-C", str(project), "--all", "--format", "spdx", store=store)
    assert spdx.returncode == 1, spdx.stderr
    document = json.loads(spdx.stdout)
    assert validate_full_spdx_document(JsonLikeDictParser().parse(document)) == []
    snippet = document["snippets"][0]
    assert snippet["licenseConcluded"] == "GPL-2.0-only"
    assert snippet["copyrightText"] == "Copyright (C) 2019 Jane Hacker"
    cdx = attrib("check", "-C", str(project), "--all", "--format", "cyclonedx", store=store)
    assert cdx.returncode == 1, cdx.stderr
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx.stdout) is None
    [component] = json.loads(cdx.stdout)["components"]
    properties = {p["name"]: p["value"] for p in component["properties"]}
    assert component["licenses"] == [{"license": {"id": "GPL-2.0-only"}}]
    assert (properties["attrib:file_licenses"], properties["attrib:repo_licenses"]) == ("GPL-2.0-only", "MIT")


def test_the_stack_s_event_dates_pick_the_origin_among_equals(tmp_path):
    rows = tmp_path / "rows.jsonl"
    with rows.open("w") as out:
        for repo, seen in (("late/copy", "2019-06-01T00:00:00.000Z"), ("early/original", "2012-01-15T08:00:00.000Z"),
                           ("later/copy", "2020-01-01T00:00:00.000Z")):
            out.write(json.dumps({"content": CODE, "lang": "Python", "max_stars_repo_name": repo,
                                  "max_stars_repo_path": "align.py", "max_stars_repo_licenses": ["MIT"],
                                  "max_stars_count": 100 if repo == "late/copy" else 1,
                                  "max_stars_repo_stars_event_min_datetime": seen}) + "\n")
    store = tmp_path / "index.db"
    assert attrib("index", str(rows), store=store).returncode == 0
    scanned = attrib("scan", str(ROOT / "attrib" / "align.py"), "--format", "json", store=store)
    [match, *_] = json.loads(scanned.stdout)["files"][0]["matches"]
    assert match["source"]["repo"] == "early/original" and match["source"]["origin"] is True
    assert match["source"]["origin_reason"] == "seen first (2012-01-15)" and match["copies"] == 2
    assert match["source"]["first_seen"] == "2012-01-15T08:00:00"


MIT_HEADER = "# Copyright (c) 2016 Kenneth Reitz\n# Licensed under the MIT License.\n"


def test_scan_formats_and_notice_of_one_index_agree(tmp_path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({
        "content": MIT_HEADER + CODE, "lang": "Python", "max_stars_repo_name": "kennethreitz/records",
        "max_stars_repo_path": "align.py", "max_stars_repo_head_hexsha": "b" * 40,
        "max_stars_repo_licenses": ["MIT"]}) + "\n")
    store = tmp_path / "index.db"
    assert attrib("index", str(rows), store=store).returncode == 0
    project = copying_project(tmp_path)

    out = {fmt: attrib("scan", "copied_align.py", "--format", fmt, store=store, cwd=project).stdout
           for fmt in ("json", "spdx", "cyclonedx")}
    report = json.loads(out["json"])
    sources = [(m["query"]["start_line"], m["query"]["end_line"], s["start_line"], s["end_line"], s["licenses"])
               for m in report["files"][0]["matches"] for s in (m["source"], *m["alternatives"])]
    assert sources and all(lic == ["MIT"] for *_, lic in sources)

    (tmp_path / "scan.spdx.json").write_text(out["spdx"])
    assert validate_full_spdx_document(parse_file(str(tmp_path / "scan.spdx.json"))) == []
    spdx = json.loads(out["spdx"])
    contains = {r["relatedSpdxElement"]: r["comment"] for r in spdx["relationships"]
                if r["relationshipType"] == "CONTAINS"}
    got = []
    for snippet in spdx["snippets"]:
        first, last = map(int, contains[snippet["SPDXID"]].split()[1].split("-"))
        lines = snippet["ranges"][1]
        got.append((first, last, lines["startPointer"]["lineNumber"], lines["endPointer"]["lineNumber"],
                    [snippet["licenseConcluded"]]))
        assert snippet["copyrightText"] == "Copyright (c) 2016 Kenneth Reitz"
    assert sorted(got) == sorted(sources)

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out["cyclonedx"]) is None
    [component] = json.loads(out["cyclonedx"])["components"]
    assert component["licenses"] == [{"license": {"id": "MIT"}}]
    assert component["copyright"] == "Copyright (c) 2016 Kenneth Reitz"
    assert [(o["location"], o["line"]) for o in component["evidence"]["occurrences"]] == \
        [("copied_align.py", first) for first, *_ in sources]

    noticed = attrib("notice", "-C", str(project), "--all", store=store)
    assert noticed.returncode == 0, noticed.stderr
    notice = (project / "THIRD_PARTY_NOTICES").read_text()
    assert "- Copyright: Copyright (c) 2016 Kenneth Reitz" in notice
    assert "### MIT — MIT License" in notice and "Permission is hereby granted, free of charge" in notice
    assert str(project) not in notice  # paths relative to the repository
