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
    return subprocess.run([sys.executable, "-m", "cli.main", "--store", str(store), "--quiet", *args],
                          capture_output=True, text=True, cwd=cwd, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


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

    project = tmp_path / "project"
    project.mkdir()
    (project / "copy.py").write_text(CODE)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "copy")

    scanned = attrib("scan", str(project / "copy.py"), "--format", "json", store=store)
    assert scanned.returncode == 0, scanned.stderr
    [match, *_] = json.loads(scanned.stdout)["files"][0]["matches"]
    assert match["source"]["repo"] == "acme/widgets"
    assert match["source"]["licenses"] == ["GPL-2.0-only"] and match["source"]["license_category"] == "copyleft"

    checked = attrib("check", "-C", str(project), "--all", "--format", "json", store=store)
    assert checked.returncode == 1, checked.stderr
    [entry] = json.loads(checked.stdout)["files"]
    assert entry["verdict"] == "fail" and entry["matches"][0]["source"]["licenses"] == ["GPL-2.0-only"]
