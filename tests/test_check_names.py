"""Any legal file name is checked: the odd-file-name matrix of ``attrib check``.

Every name below holds, in one repository, a real copy of an LGPL file of the indexed
sample (denied by default) and, in another, code of its own. Each is checked in all three
modes on a real git repository -- ``--staged`` (the copy staged, not committed),
``--base HEAD~1`` and ``--all`` (committed) --: the copy must fail (exit 1) with the file
named exactly in the JSON report and in SARIF, the clean file must pass (exit 0).

Names are bytes: spaces (git ends such names with a tab in diff headers), tabs,
newlines, bytes that are not UTF-8, quotes, backslashes, leading dashes, rich markup,
escape sequences, bidirectional overrides, unicode, a 250-byte name, directories with
spaces. The checks run in-process through click's runner (git itself is real); one
subprocess run puts all of them through the real console script. A generated test
(hypothesis) adds random names to a repository and checks that the selection returns
each one byte for byte.
"""
from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attrib.check.git import select
from attrib.formats.escape import printable
from attrib.cli.main import cli
from test_check import LGPL, copy_of
from test_cli import attrib, git, unrelated

ODD_NAMES: dict[str, bytes] = {
    "space": b"my file.py",
    "dir-with-spaces": b"dir with space/sub dir/x.py",
    "tab": b"tab\there.py",
    "newline": b"new\nline.py",
    "carriage-return": b"cr\rname.py",
    "latin1-byte": b"lat\xe9.py",
    "invalid-utf8-dir": b"\xff\xfe dir/code.py",
    "double-quote": b'quote"d.py',
    "single-quote": b"it's.py",
    "backslash": b"back\\slash.py",
    "octal-lookalike": b"\\303\\251.py",
    "leading-dash": b"-leading-dash.py",
    "option-lookalike": b"--all.py",
    "rich-markup": b"x[/y].py",
    "rich-style": b"[bold red]loud[/bold red].py",
    "escape-sequence": b"\x1b[31mred\x1b[0m.py",
    "bidi-override": "evil\u202eyp.py".encode(),
    "unicode": "ünïcödé/日本語.py".encode(),
    "long-name": b"l" * 250 + b".py",
    "glob-chars": b"*what?[a-z].py",
    "gitignore-chars": b"#!hash.py",
    "colon": b"c:colon.py",
    "leading-space": b" leading.py",
    "trailing-space": b"trailing.py ",
}
MODES = {"staged": ["--staged"], "base": ["--base", "HEAD~1"], "all": ["--all"]}


@pytest.fixture(scope="module")
def store(sample_index) -> Path:
    return sample_index


def copied() -> bytes:
    lines, _ = copy_of(LGPL)
    return ("\n".join(lines) + "\n").encode()


def clean() -> bytes:
    return ("\n".join(unrelated("odd", 14)) + "\n").encode()


def make_repo(where: Path, name: bytes, content: bytes) -> Path:
    """A repository with one commit of its own, and ``content`` at ``name`` staged."""
    where.mkdir(parents=True)
    git(where, "init", "-q", "-b", "main")
    (where / "README.md").write_text("# odd names\n")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "initial")
    target = os.path.join(os.fsencode(where), name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(content)
    subprocess.run(["git", "-C", str(where), "--literal-pathspecs", "add", "--", os.fsdecode(name)],
                   check=True, capture_output=True)
    return where


def commit(repo: Path) -> None:
    git(repo, "commit", "-q", "-m", "add the odd file")


def run_check(store: Path, repo: Path, mode: str, sarif: Path) -> tuple[int, dict, dict, str]:
    result = CliRunner().invoke(cli, ["--store", str(store), "check", "-C", str(repo), *MODES[mode],
                                      "--format", "json", "--sarif", str(sarif)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    log = json.loads(sarif.read_text()) if sarif.exists() else {}
    return result.exit_code, report, log, result.stderr


def shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


@pytest.mark.parametrize("content", ["copy", "clean"])
@pytest.mark.parametrize("case", list(ODD_NAMES))
def test_an_odd_name_is_checked_in_every_mode(case, content, tmp_path, store):
    """A copy under the name fails (exit 1), naming the file exactly; own code passes."""
    name = ODD_NAMES[case]
    repo = make_repo(tmp_path / "repo", name, copied() if content == "copy" else clean())
    for mode in MODES:
        if mode == "base":
            commit(repo)
        code, report, log, err = run_check(store, repo, mode, tmp_path / f"{mode}.sarif")
        assert code == (1 if content == "copy" else 0), f"{mode}: exit {code}\n{err}"
        assert report["check"]["files_selected"] >= 1, mode
        results = log["runs"][0]["results"]
        if content == "clean":
            assert report["check"]["passed"] and results == [], mode
            continue
        [entry] = [f for f in report["files"] if f["matches"]]
        assert entry["path"] == shown(name), mode
        if "path_bytes" in entry or b"\xff" in name or b"\xe9" in name:
            assert base64.b64decode(entry["path_bytes"]) == name, mode
        assert entry["verdict"] == "fail" and report["check"]["violations"] == 1, mode
        [result] = results
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == quote(name, safe="/-._~")
        assert "attrib check failed" in err


def test_every_odd_name_through_the_real_console_script(tmp_path, store, env):
    """All the names in one repository, checked by ``python -m attrib`` in text and
    JSON: every copy is reported, under its exact name, and the terminal output holds
    no raw control character."""
    repo = make_repo(tmp_path / "repo", b"first.py", copied())
    for name in ODD_NAMES.values():
        target = os.path.join(os.fsencode(repo), name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Path(os.fsdecode(target)).write_bytes(copied())
    git(repo, "add", "-A")
    commit(repo)
    done = attrib("check", "-C", repo, "--all", "--format", "json", store=store, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    reported = {base64.b64decode(f["path_bytes"]) if "path_bytes" in f else f["path"].encode()
                for f in report["files"] if f["matches"]}
    assert reported == {*ODD_NAMES.values(), b"first.py"}
    assert report["check"]["violations"] == len(ODD_NAMES) + 1
    text = attrib("check", "-C", repo, "--all", store=store, env=env)
    assert text.returncode == 1 and "Traceback" not in text.stderr, text.stderr
    assert not any(ch in text.stdout for ch in "\x1b\r\t\u202e"), "control characters reached the terminal"
    for name in ODD_NAMES.values():
        assert f"{printable(shown(name))}  fail" in text.stdout, name


@pytest.fixture(scope="module")
def growing_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("random-names") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


_EXAMPLES = itertools.count()
_NAME = st.binary(min_size=1, max_size=60).filter(lambda b: b"\0" not in b and b"/" not in b
                                                  and b not in (b".", b".."))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(directory=_NAME, name=_NAME)
def test_any_name_git_accepts_is_selected_byte_for_byte(growing_repo, directory, name):
    repo = growing_repo
    assume(directory.lower() != b".git" and name.lower() != b".git")
    path = b"%d/" % next(_EXAMPLES) + directory + b"/" + name  # hypothesis may repeat an example
    target = os.path.join(os.fsencode(repo), path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    content = b"line one of " + path.replace(b"\n", b" ") + b"\nline two\n"
    with open(target, "wb") as fh:
        fh.write(content)
    added = subprocess.run(["git", "-C", str(repo), "--literal-pathspecs", "add", "--", os.fsdecode(path)],
                           capture_output=True)
    assume(added.returncode == 0)
    staged = select(repo, staged=True)
    assert [(f.path, f.data) for f in staged.files] == [(path, content)]
    git(repo, "commit", "-q", "-m", "one more")
    since = select(repo, base="HEAD~1")
    assert [(f.path, f.data, f.added) for f in since.files] == [(path, content, frozenset({1, 2}))]
    assert path in {f.path for f in select(repo, all_files=True).files}
