"""End-to-end tests of the ``attrib`` command line.

Every test runs the real console script (``python -m attrib``) in a subprocess, on
real code: the bundled Stack sample (six, idna, itsdangerous, requests, chardet),
click's installed source, and git repositories made in a temporary directory. The
user's own store is never touched: ``ATTRIB_STORE`` is removed from the environment and
``XDG_DATA_HOME`` points into the test's temporary directory.

One indexed copy of the sample is shared by the module; tests that write to a store
work on a copy of it.
"""
from __future__ import annotations

import difflib
import functools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from jsonschema import Draft202012Validator

from edges import copy_store
from realcode import MIT_TEXT, click_files

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "stack-sample"
SAMPLE_PARQUET = SAMPLE / "data" / "python" / "train-00000-of-00001.parquet"
SNIPPET = ROOT / "examples" / "snippet.py"
SCHEMA = json.loads((ROOT / "tests" / "data" / "report-v1.schema.json").read_text())
SHA40 = re.compile(r"^[0-9a-f]{40}$")

FORK_REMOTE = "https://github.com/acme/clickfork.git"
FORK_REPO = "acme/clickfork"

# Real code planted into queries: (repo, path, first line of the copied span, lines).
PLANTED = [
    ("benjaminp/six", "six.py", "def with_metaclass(", 22),
    ("kjd/idna", "idna/core.py", "def check_bidi(", 30),
    ("psf/requests", "requests/sessions.py", "def merge_setting(", 28),
]
# More copies for the many-files scan: (repo, path, start at the n-th `def`, lines).
DIR_COPIES = [
    ("psf/requests", "requests/utils.py", 5, 24),
    ("psf/requests", "requests/models.py", 8, 24),
    ("psf/requests", "requests/cookies.py", 6, 24),
    ("psf/requests", "requests/adapters.py", 4, 24),
    ("kjd/idna", "idna/core.py", 10, 24),
    ("pallets/itsdangerous", "src/itsdangerous/serializer.py", 4, 24),
    ("pallets/itsdangerous", "src/itsdangerous/timed.py", 3, 24),
    ("benjaminp/six", "six.py", 30, 24),
    ("chardet/chardet", "chardet/hebrewprober.py", 4, 24),
    ("chardet/chardet", "chardet/utf1632prober.py", 5, 24),
]


# --------------------------------------------------------------------------- helpers


def attrib(*args, env: dict, store: Path | None = None, input: str | None = None,
           cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``attrib`` CLI in a subprocess."""
    cmd = [sys.executable, "-m", "attrib"]
    if store is not None:
        cmd += ["--store", str(store)]
    return subprocess.run(cmd + [str(a) for a in args], env=env, input=input, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def attrib_popen(*args, env: dict, store: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "attrib", "--store", str(store), *map(str, args)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


def stats_json(store: Path, env: dict) -> dict:
    return json.loads(ok(attrib("stats", "--format", "json", store=store, env=env)).stdout)


def counts(stats: dict) -> dict:
    return {k: stats[k] for k in ("files", "sources", "repos", "bytes", "postings")}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                           "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


@functools.lru_cache(maxsize=None)
def sample_rows() -> dict[tuple[str, str], dict]:
    """The sample's rows by (repo, path), read straight from the parquet with pyarrow."""
    table = pq.read_table(SAMPLE_PARQUET, columns=[
        "content", "max_stars_repo_name", "max_stars_repo_path", "max_stars_repo_head_hexsha",
        "max_stars_repo_licenses"])
    return {(r["max_stars_repo_name"], r["max_stars_repo_path"]): r for r in table.to_pylist()}


def common_block(query: str, source: str) -> tuple[int, int, int, int]:
    """1-based inclusive (query start, query end, source start, source end) of the
    longest run of identical lines the two texts share."""
    q, s = query.splitlines(), source.splitlines()
    m = difflib.SequenceMatcher(None, q, s, autojunk=False).find_longest_match(0, len(q), 0, len(s))
    a, b, size = m.a, m.b, m.size
    while size and not q[a].strip():  # a span starts and ends on code, not blank lines
        a, b, size = a + 1, b + 1, size - 1
    while size and not q[a + size - 1].strip():
        size -= 1
    assert size > 0
    return a + 1, a + size, b + 1, b + size


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union


def source_slice(repo: str, path: str, start: str | int, n: int) -> tuple[list[str], int]:
    """``n`` lines of a sample file and the 1-based line they start at. ``start`` is the
    text the first line starts with, or k for the k-th line starting with ``def``."""
    lines = sample_rows()[(repo, path)]["content"].splitlines()
    if isinstance(start, str):
        i = next(i for i, line in enumerate(lines) if line.startswith(start))
    else:
        i = [i for i, line in enumerate(lines) if line.lstrip().startswith("def ")][start]
    j = i + n
    while j > i and (not lines[j - 1].strip() or lines[j - 1].lstrip().startswith("#")):
        j -= 1  # comments are not code: a copy's last line is its last line of code
    return lines[i:j], i + 1


def unrelated(tag: str, n: int = 10) -> list[str]:
    """Code that is in no indexed file."""
    out = [f"def qq_{tag}_tally(widgets, sprockets):",
           f'    """Count {tag} widgets against sprockets."""',
           "    ledger = {}"]
    for i in range(n - 4):
        out.append(f"    ledger['{tag}_{i}'] = widgets.get('{tag}{i * 7 % 11}', {i * 13 + 5})"
                   f" - len(sprockets) // {i + 2}")
    out.append(f"    return sorted(ledger.items(), key=lambda kv: (kv[1], '{tag}'))")
    return out


def validate(report: dict) -> None:
    Draft202012Validator(SCHEMA).validate(report)


def matches_of(report: dict, path: str | None = None) -> list[dict]:
    files = report["files"] if path is None else [f for f in report["files"] if f["path"] == path]
    return [m for f in files for m in f["matches"]]


def find_match(matches: list[dict], repo: str, path: str, query: tuple[int, int],
               source: tuple[int, int]) -> dict:
    """The match for a planted copy: right source, query and source lines with IoU >= 0.8."""
    def fits(m: dict) -> bool:
        src = m["source"]
        return (src["repo"] == repo and src["path"] == path
                and iou((m["query"]["start_line"], m["query"]["end_line"]), query) >= 0.8
                and iou((src["start_line"], src["end_line"]), source) >= 0.8)
    found = [m for m in matches if fits(m)]
    brief = [(m["query"]["start_line"], m["query"]["end_line"], m["source"]["repo"], m["source"]["path"],
              m["source"]["start_line"], m["source"]["end_line"]) for m in matches]
    assert found, f"{repo}/{path} q{query} s{source} not reported; got {brief}"
    return found[0]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def env(work) -> dict:
    """The environment for every attrib subprocess: no ATTRIB_STORE, a private XDG dir."""
    e = {k: v for k, v in os.environ.items() if k != "ATTRIB_STORE"}
    e["XDG_DATA_HOME"] = str(work / "xdg")
    e["GIT_CONFIG_NOSYSTEM"] = "1"
    return e


@pytest.fixture(scope="module")
def indexing(work, env, click_repo) -> dict[str, tuple[Path, subprocess.Popen]]:
    """Index the sample and the click repository side by side (each run is mostly start-up)."""
    runs = {}
    for name, source in (("sample", SAMPLE), ("clickfork", click_repo[0])):
        store = work / f"{name}.db"
        runs[name] = store, attrib_popen("index", source, env=env, store=store)
    return runs


def finished(run: tuple[Path, subprocess.Popen]) -> tuple[Path, subprocess.CompletedProcess]:
    store, proc = run
    out, err = proc.communicate(timeout=300)
    return store, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def indexed(indexing) -> tuple[Path, subprocess.CompletedProcess]:
    return finished(indexing["sample"])


@pytest.fixture(scope="module")
def sample_store(indexed) -> Path:
    store, done = indexed
    ok(done)
    return store


@pytest.fixture(scope="module")
def sample_stats(sample_store, env) -> dict:
    """``attrib stats --format json`` of the freshly indexed sample."""
    return stats_json(sample_store, env)


@pytest.fixture(scope="module")
def click_repo(work) -> tuple[Path, str]:
    """A git repository of click's real files under src/click/, MIT-licensed, with a
    GitHub ``origin``; returns (path, HEAD sha)."""
    repo = work / "clickfork"
    (repo / "src" / "click").mkdir(parents=True)
    for f in click_files():
        shutil.copy(f, repo / "src" / "click" / f.name)
    (repo / "LICENSE").write_text(MIT_TEXT)
    git(repo, "init", "-q")
    git(repo, "remote", "add", "origin", FORK_REMOTE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "import click")
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def click_store(indexing) -> Path:
    store, done = finished(indexing["clickfork"])
    ok(done)
    return store


# --------------------------------------------------------------------------- index + stats


def test_index_sample_exits_0_with_summary_on_stderr(indexed):
    store, done = indexed
    ok(done)
    rows = sample_rows().values()
    nonempty = {r["content"] for r in rows if r["content"].strip()}
    empty = sum(1 for r in rows if not r["content"].strip())
    m = re.search(r"Indexed ([\d,]+) files", done.stderr)
    assert m, done.stderr
    assert int(m.group(1).replace(",", "")) == len(nonempty) > 100
    assert f"{empty} empty" in done.stderr  # the skips are counted
    assert str(store.name) in done.stderr
    assert done.stdout.strip() == ""  # stdout stays clean for results
    assert store.is_file()


def test_stats_json_describes_the_sample(sample_stats):
    s = sample_stats
    rows = [r for r in sample_rows().values() if r["content"].strip()]
    assert s["files"] > 100
    assert s["files"] == len({r["content"] for r in rows})
    assert s["sources"] == len(rows)
    assert s["repos"] == len({r["max_stars_repo_name"] for r in rows}) == 5
    assert s["postings"] > 0
    assert s["languages"] == {"Python": s["files"]}
    lgpl = sum(1 for r in rows if r["max_stars_repo_name"] == "chardet/chardet")
    assert s["licenses"]["LGPL-2.1-or-later"] == lgpl
    assert set(s["licenses"]) == {"LGPL-2.1-or-later", "Apache-2.0", "BSD-3-Clause", "MIT"}
    params = s["params"]
    for key in ("num_perm", "bands", "rows", "shingle", "scheme"):
        assert key in params
    assert params["bands"] * params["rows"] == params["num_perm"]


def test_stats_text_with_store_from_attrib_store(sample_store, env):
    out = ok(attrib("stats", env={**env, "ATTRIB_STORE": str(sample_store)})).stdout
    assert out.startswith(f"{sample_store.stem} ")
    assert "files" in out and "fingerprints" in out
    assert "Python" in out
    assert "LGPL-2.1-or-later" in out and "copyleft" in out
    assert "MIT" in out and "permissive" in out
    assert re.search(r"num_perm=\d+", out)


def test_default_store_lives_under_xdg_data_home(work, env):
    done = attrib("stats", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(work / "xdg" / "attrib" / "index.db") in done.stderr


# --------------------------------------------------------------------------- scan


def expected_snippet() -> tuple[tuple[int, int, int, int], str]:
    row = sample_rows()[("chardet/chardet", "chardet/universaldetector.py")]
    return common_block(SNIPPET.read_text(), row["content"]), row["max_stars_repo_head_hexsha"]


def test_scan_snippet_text_names_source_license_and_permalink(sample_store, env):
    (q0, q1, s0, s1), commit = expected_snippet()
    assert (q0, q1, s0, s1) == (4, 25, 131, 152)  # what examples/snippet.py was cut from
    assert SHA40.match(commit)
    out = ok(attrib("scan", SNIPPET, store=sample_store, env=env)).stdout
    assert "chardet/chardet" in out
    assert "chardet/universaldetector.py" in out
    assert "LGPL-2.1-or-later" in out
    assert "copyleft-limited" in out  # the category
    url = f"https://github.com/chardet/chardet/blob/{commit}/chardet/universaldetector.py#L{s0}-L{s1}"
    assert any(line.strip() == url for line in out.splitlines()), out  # one unbroken, clickable line
    assert re.search(rf"L{q0}\D{{1,3}}{q1}\b", out), out


def test_scan_snippet_json_is_schema_v1_with_exact_lines(sample_store, sample_stats, env):
    (q0, q1, s0, s1), commit = expected_snippet()
    report = json.loads(ok(attrib("scan", SNIPPET, "--format", "json", store=sample_store, env=env)).stdout)
    validate(report)
    assert report["version"] == 1
    assert report["index"]["files"] == sample_stats["files"]
    assert report["index"]["params"] == sample_stats["params"]
    assert report["summary"]["files"] == 1
    [entry] = report["files"]
    assert entry["path"].endswith("snippet.py")
    [match] = entry["matches"]  # the unrelated lines around the copy add nothing
    assert (match["query"]["start_line"], match["query"]["end_line"]) == (q0, q1)
    src = match["source"]
    assert (src["repo"], src["path"], src["commit"]) == ("chardet/chardet", "chardet/universaldetector.py", commit)
    assert (src["start_line"], src["end_line"]) == (s0, s1)
    assert src["url"] == f"https://github.com/chardet/chardet/blob/{commit}/chardet/universaldetector.py#L{s0}-L{s1}"
    assert src["licenses"] == ["LGPL-2.1-or-later"]
    assert src["license_category"] == "copyleft-limited"
    assert match["kind"] == "exact" and match["similarity"] >= 0.99
    assert report["summary"]["matched_lines"] == q1 - q0 + 1
    assert entry["verdict"] in ("notice", "fail") and report["summary"]["verdict"] == entry["verdict"]


def planted_query() -> tuple[str, list[tuple[str, str, tuple[int, int], tuple[int, int]]], list[int]]:
    """A file of 3 real copies separated by unrelated code: (text, [(repo, path, query
    lines, source lines)], unrelated line numbers)."""
    lines: list[str] = ['"""A module that borrows from three projects."""', "import sys", ""]
    planted, foreign = [], list(range(1, 4))
    for n, (repo, path, start, count) in enumerate(PLANTED):
        block = unrelated(f"pre{n}") + [""]
        foreign += range(len(lines) + 1, len(lines) + len(block) + 1)
        lines += block
        copy, s0 = source_slice(repo, path, start, count)
        count = len(copy)
        planted.append((repo, path, (len(lines) + 1, len(lines) + count), (s0, s0 + count - 1)))
        lines += copy + [""]
    tail = unrelated("post")
    foreign += range(len(lines) + 1, len(lines) + len(tail) + 1)
    lines += tail
    return "\n".join(lines) + "\n", planted, foreign


def test_planted_copies_are_found_with_source_lines(sample_store, env, tmp_path):
    text, planted, foreign = planted_query()
    query = tmp_path / "borrowed.py"
    query.write_text(text)
    report = json.loads(ok(attrib("scan", query, "--format", "json", store=sample_store, env=env)).stdout)
    validate(report)
    matches = matches_of(report)
    for repo, path, q, s in planted:
        m = find_match(matches, repo, path, q, s)
        assert m["source"]["commit"] == sample_rows()[(repo, path)]["max_stars_repo_head_hexsha"]
        assert m["source"]["licenses"] == list(sample_rows()[(repo, path)]["max_stars_repo_licenses"])
    covered = {line for m in matches for line in range(m["query"]["start_line"], m["query"]["end_line"] + 1)}
    assert not covered & set(foreign), f"unrelated lines reported: {sorted(covered & set(foreign))}"
    assert len(matches) == len(planted)


def test_scan_many_files_and_directories_in_one_call_with_output_file(sample_store, env, tmp_path):
    tree = tmp_path / "project"
    expected: dict[str, tuple[str, str, tuple[int, int], tuple[int, int]] | None] = {}
    for n, (repo, path, start, count) in enumerate(DIR_COPIES):  # 10 copies ...
        copy, s0 = source_slice(repo, path, start, count)
        count = len(copy)
        before = unrelated(f"d{n}", 6)
        f = tree / ("pkg" if n % 2 else "lib") / f"copied_{n}.py"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("\n".join(before + [""] + copy) + "\n")
        expected[str(f)] = (repo, path, (len(before) + 2, len(before) + 1 + count), (s0, s0 + count - 1))
    for n in range(10):  # ... and 10 files of unrelated code
        f = tree / ("pkg" if n % 2 else "lib") / "sub" / f"own_{n}.py"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("\n".join(unrelated(f"own{n}", 12) + [""] + unrelated(f"own{n}b", 8)) + "\n")
        expected[str(f)] = None
    (tree / "README").write_text("not code\n")  # no language: not scanned
    assert len(expected) == 20
    extra = tmp_path / "extra.py"
    extra.write_text("\n".join(unrelated("extra", 15)) + "\n")
    (q0, q1, s0, s1), _ = expected_snippet()
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    done = ok(attrib("scan", tree, SNIPPET, extra, "--format", "json", "-o", out, store=sample_store, env=env))
    assert done.stdout.strip() == ""  # the report went to the file
    report = json.loads(out.read_text())
    validate(report)
    assert report["summary"]["files"] == len(report["files"]) == 22
    by_path = {f["path"]: f for f in report["files"]}
    for name, want in expected.items():
        got = by_path[name]["matches"]
        if want is None:
            assert got == [], f"{name}: unrelated code attributed: {got}"
        else:
            find_match(got, *want)
    assert by_path[str(extra)]["matches"] == []
    find_match(by_path[str(SNIPPET)]["matches"], "chardet/chardet", "chardet/universaldetector.py", (q0, q1), (s0, s1))


def test_scan_stdin_with_lang_and_text_output_file(sample_store, env, tmp_path):
    (q0, q1, s0, s1), commit = expected_snippet()
    done = ok(attrib("scan", "-", "--lang", "Python", "--format", "json", store=sample_store, env=env,
                     input=SNIPPET.read_text()))
    report = json.loads(done.stdout)
    validate(report)
    [entry] = report["files"]
    find_match(entry["matches"], "chardet/chardet", "chardet/universaldetector.py", (q0, q1), (s0, s1))
    assert [(m["query"]["start_line"], m["query"]["end_line"]) for m in entry["matches"]] == [(q0, q1)]

    out = tmp_path / "report.txt"
    done = ok(attrib("scan", "-", "--lang", "Python", "-o", out, store=sample_store, env=env,
                     input=SNIPPET.read_text()))
    assert "universaldetector" not in done.stdout
    text = out.read_text()
    assert f"https://github.com/chardet/chardet/blob/{commit}/chardet/universaldetector.py#L{s0}-L{s1}" in text
    assert "LGPL-2.1-or-later" in text


# --------------------------------------------------------------------------- git repos


def test_git_repo_index_records_repo_commit_and_license(click_store, click_repo, env, tmp_path):
    repo, head = click_repo
    s = stats_json(click_store, env)
    assert s["repos"] == 1
    assert s["files"] >= len(click_files())
    assert set(s["licenses"]) == {"MIT"}

    # A copy of a slice of click's decorators.py, outside the repository.
    src = (repo / "src" / "click" / "decorators.py").read_text().splitlines()
    start = next(i for i, line in enumerate(src) if line.startswith("def option("))
    copy = src[start:start + 30]
    query = tmp_path / "mine.py"
    query.write_text("\n".join(unrelated("git", 8) + [""] + copy) + "\n")
    report = json.loads(ok(attrib("scan", query, "--format", "json", store=click_store, env=env)).stdout)
    validate(report)
    m = find_match(matches_of(report), FORK_REPO, "src/click/decorators.py", (10, 39), (start + 1, start + 30))
    assert m["source"]["commit"] == head
    assert m["source"]["licenses"] == ["MIT"]
    assert m["source"]["url"].startswith(f"https://github.com/{FORK_REPO}/blob/{head}/src/click/decorators.py#L")


def test_stats_names_the_indexed_repository(click_store, env):
    assert FORK_REPO in ok(attrib("stats", store=click_store, env=env)).stdout
    assert FORK_REPO in json.dumps(stats_json(click_store, env))


# --------------------------------------------------------------------------- idempotency + resume


def test_reindexing_the_same_source_is_idempotent(sample_store, sample_stats, env, tmp_path):
    store = copy_store(sample_store, tmp_path / "again.db")
    before = sample_stats
    done = ok(attrib("index", SAMPLE, store=store, env=env))
    assert re.search(r"Indexed 0 files", done.stderr), done.stderr
    assert re.search(rf"Already indexed: {before['files']:,} files", done.stderr), done.stderr
    after = stats_json(store, env)
    assert counts(after) == counts(before)
    assert after == {**before, "name": after["name"], "location": after["location"]}


def _files_committed(store: Path) -> int:
    """Rows in the store's files table, read by another process (0 if not there yet)."""
    if not store.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=0.05)
        try:
            return db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_interrupted_index_resumes_to_the_same_index(sample_store, click_repo, env, tmp_path):
    """SIGKILL ``attrib index SAMPLE CLICKREPO`` once the sample's batch is committed (so
    the kill lands while the git repository is being indexed), run it again, and compare
    with an index of the same sources that was never interrupted."""
    repo, _ = click_repo
    # The clean reference: the sample (already indexed by the fixture) + the repository.
    reference = copy_store(sample_store, tmp_path / "clean.db")
    ref_run = attrib_popen("index", repo, env=env, store=reference)

    store = tmp_path / "interrupted.db"
    run = attrib_popen("index", SAMPLE, repo, env=env, store=store)
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if _files_committed(store) > 0:
            break
        time.sleep(0.02)
    if run.poll() is None:
        run.send_signal(signal.SIGKILL)
    _, err = run.communicate(timeout=60)
    # Killed mid-run, or (on a very fast machine) finished first: then the re-run below
    # checks that running the same command again changes nothing.
    assert run.returncode in (-signal.SIGKILL, 0), err
    partial = _files_committed(store)

    ok(attrib("index", SAMPLE, repo, store=store, env=env))
    ref_out, ref_err = ref_run.communicate(timeout=300)
    assert ref_run.returncode == 0, ref_err
    resumed, clean = stats_json(store, env), stats_json(reference, env)
    assert partial <= resumed["files"]
    assert counts(resumed) == counts(clean)
    assert resumed["licenses"] == clean["licenses"]


# --------------------------------------------------------------------------- help + version


def _commands() -> list[str]:
    from attrib.cli.main import cli
    return sorted(cli.commands)


def _help_params():
    out = [pytest.param([], id="attrib")]
    for name in _commands():
        out.append(pytest.param([name], id=name))
    return out


@pytest.mark.parametrize("command", _help_params())
def test_help_exits_0_and_shows_examples(command, env):
    done = ok(attrib(*command, "--help" if command else "-h", env=env))
    assert done.stdout.startswith("Usage: attrib")
    examples = [line for line in done.stdout.splitlines() if line.strip().startswith("attrib ")
                or line.strip().startswith("pbpaste | attrib")]
    assert examples, done.stdout
    if command:
        assert any(f"attrib {command[0]}" in line or f"{command[0]} " in line for line in examples), done.stdout


def test_version(env):
    from attrib import __version__
    out = ok(attrib("--version", env=env)).stdout
    assert out.strip() == f"attrib, version {__version__}"
