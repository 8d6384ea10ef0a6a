"""Bad input through the real ``attrib`` command line: every case exits 2 with a clear
message that names the problem (or the file), never a Python traceback, and leaves the
store exactly as it was (same ``attrib stats --format json`` before and after).

The CLI runs in subprocesses with ``ATTRIB_STORE`` unset and ``XDG_DATA_HOME`` in a
temporary directory, so the user's own store is never touched. Each run costs about a
second of interpreter start-up and imports, so the module starts all its runs at once
(:class:`Runs`, a few at a time side by side) and each test checks its own result.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import pytest

from edges import copy_store
from realcode import click_files

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PARQUET = ROOT / "examples" / "stack-sample" / "data" / "python" / "train-00000-of-00001.parquet"
SNIPPET = ROOT / "examples" / "snippet.py"

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
       + bytes(range(256)) * 8)
NOTES = "these are my notes, not an index\n"

# Files attrib cannot scan or index: case -> (file name, bytes, the reason attrib gives).
BAD_FILES = {
    "binary": ("image.py", PNG, "binary"),
    "undecodable": ("latin.py", bytes(range(128, 256)) * 40 + b"\nx = 1\n", "undecodable"),
    "nul": ("nul.py", b"def f():\n    return 1\n\x00\x00\x00\ndef g():\n    return 2\n", "binary"),
    "too-large": ("huge.py", b"x = 1; " * (5 * 1024 * 1024 // 7), "too-large"),  # one 5 MB line
    "empty": ("empty.py", b"", "empty"),
    "long-lines": ("minified.py", b"a=1;" * 50_000, "long-lines"),
}

BAD_OPTIONS = {
    "scan-no-paths": (["scan"], "Missing argument"),
    "scan-format-xml": (["scan", SNIPPET, "--format", "xml"], "xml"),
    "scan-limit-0": (["scan", SNIPPET, "--limit", "0"], "--limit"),
    "index-limit-0": (["index", SNIPPET, "--limit", "0"], "--limit"),
}


# --------------------------------------------------------------------------- helpers


def attrib(*args, env: dict, store: Path | str | None = None, input: str | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``attrib`` CLI in a subprocess."""
    cmd = [sys.executable, "-m", "attrib"]
    if store is not None:
        cmd += ["--store", str(store)]
    return subprocess.run(cmd + [str(a) for a in args], env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def stats_json(store: Path, env: dict) -> dict:
    done = attrib("stats", "--format", "json", store=store, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def store_stats(store: Path) -> dict:
    """What ``attrib stats --format json`` prints, read in-process (no start-up cost)."""
    from attrib.store import open_store
    s = open_store(str(store))
    try:
        return json.loads(json.dumps(asdict(s.stats())))
    finally:
        s.close()


def fails_cleanly(done: subprocess.CompletedProcess, *names: str) -> str:
    """Exit 2, no traceback, one clear line on stderr (``error:``, click's ``Error:``)
    that names each of ``names``; returns that line."""
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    assert done.returncode == 2, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    lines = [line for line in done.stderr.splitlines() if line.lower().startswith("error:")]
    assert lines, done.stderr
    line = next((line for line in lines if all(str(n) in line for n in names)), None)
    assert line is not None, f"no error line names {names}:\n{done.stderr}"
    return line


def set_params(store: Path, change) -> dict:
    """Rewrite the fingerprint parameters an index records (``meta`` key ``params``, JSON)
    with ``change(params)``; returns the new parameters."""
    db = sqlite3.connect(store)
    try:
        params = json.loads(db.execute("SELECT value FROM meta WHERE key = 'params'").fetchone()[0])
        params.update(change(params))
        db.execute("UPDATE meta SET value = ? WHERE key = 'params'", (json.dumps(params),))
        db.commit()
        return params
    finally:
        db.close()


def set_meta(store: Path, key: str, value: str) -> None:
    db = sqlite3.connect(store)
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    db.commit()
    db.close()


class Runs:
    """attrib commands started side by side in a few threads; ``runs[key]`` waits for one."""

    def __init__(self, env: dict, workers: int = 4) -> None:
        self.env = env
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._jobs: dict[str, Future] = {}

    def start(self, key: str, *args, store: Path | str | None = None) -> None:
        self._jobs[key] = self._pool.submit(attrib, *args, env=self.env, store=store)

    def __getitem__(self, key: str) -> subprocess.CompletedProcess:
        return self._jobs[key].result()

    def wait_all(self) -> None:
        for job in self._jobs.values():
            job.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad")


@pytest.fixture(scope="module")
def env(work) -> dict:
    e = {k: v for k, v in os.environ.items() if k != "ATTRIB_STORE"}
    e["XDG_DATA_HOME"] = str(work / "xdg")
    return e


@pytest.fixture(scope="module")
def store(work, env) -> Path:
    """A small index of real code: four of click's files."""
    src = work / "src"
    src.mkdir()
    for f in click_files()[:4]:
        shutil.copy(f, src / f.name)
    path = work / "index.db"
    done = attrib("index", src, "--license", "BSD-3-Clause", store=path, env=env)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def baseline(store, env) -> dict:
    """The store's ``attrib stats --format json`` before any bad input."""
    s = stats_json(store, env)
    assert s["files"] == 4
    return s


@pytest.fixture(scope="module")
def paths(work) -> dict[str, Path]:
    """Every input file, directory and store the bad-input runs use, made once."""
    p: dict[str, Path] = {}
    bad = work / "bad"
    bad.mkdir()
    for case, (name, data, _) in BAD_FILES.items():
        p[case] = bad / name
        p[case].write_bytes(data)

    p["tree"] = work / "tree"  # a directory to scan: the bad files, a non-code file, one good file
    p["tree"].mkdir()
    for case in BAD_FILES:
        shutil.copy(p[case], p["tree"])
    (p["tree"] / "logo.png").write_bytes(PNG)
    shutil.copy(SNIPPET, p["tree"] / "good.py")

    p["mixed"] = work / "mixed"  # a directory to index: four bad files and one good one
    p["mixed"].mkdir()
    for case in ("binary", "empty", "undecodable", "too-large"):
        shutil.copy(p[case], p["mixed"])
    p["good"] = p["mixed"] / click_files()[0].name
    shutil.copy(click_files()[0], p["good"])

    p["no-code"] = work / "no-code"
    p["no-code"].mkdir()
    (p["no-code"] / "notes.txt").write_text("hello\n")
    p["empty-dir"] = work / "empty-dir"
    p["empty-dir"].mkdir()
    p["more"] = work / "more"  # good code to index into an index with other parameters
    p["more"].mkdir()
    for f in click_files()[4:6]:
        shutil.copy(f, p["more"])

    data = SAMPLE_PARQUET.read_bytes()
    p["truncated"] = work / "truncated.parquet"
    p["truncated"].write_bytes(data[: len(data) // 2])
    damaged = bytearray(data)
    for i in range(1000, len(data) - 10_000, 997):  # row-group pages, not the footer
        damaged[i] ^= 0xFF
    p["damaged"] = work / "damaged.parquet"
    p["damaged"].write_bytes(bytes(damaged))
    import pyarrow.parquet as pq
    p["no-content"] = work / "no-content.parquet"  # the real sample without its content column
    pq.write_table(pq.read_table(SAMPLE_PARQUET).drop_columns(["content"]), p["no-content"])
    return p


@pytest.fixture(scope="module")
def stores(work, store, baseline) -> dict[str, Path]:
    """Unusable stores (and copies of the good one with altered parameters)."""
    s: dict[str, Path] = {}
    s["missing"] = work / "nonexistent" / "dir" / "x.db"
    s["notes"] = work / "notes.db"
    s["notes"].write_text(NOTES)
    s["foreign"] = work / "app.db"
    db = sqlite3.connect(s["foreign"])
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.commit()
    db.close()
    s["dir"] = work / "store-dir"
    s["dir"].mkdir()
    (work / "file.txt").write_text("x\n")
    s["under-file"] = work / "file.txt" / "x.db"
    s["other-params"] = copy_store(store, work / "other.db")
    # Twice the permutations in twice the bands: still consistent (bands x rows = num_perm).
    set_params(s["other-params"], lambda p: {"num_perm": 2 * p["num_perm"], "bands": 2 * p["bands"]})
    s["odd-params"] = copy_store(store, work / "odd.db")
    set_params(s["odd-params"], lambda p: {"num_perm": 2 * p["num_perm"]})  # bands x rows != num_perm
    s["corrupt-params"] = copy_store(store, work / "corrupt.db")
    set_meta(s["corrupt-params"], "params", "{not json")
    s["mixed"] = work / "mixed.db"
    return s


@pytest.fixture(scope="module")
def other_params_before(stores) -> dict:
    return store_stats(stores["other-params"])


@pytest.fixture(scope="module")
def runs(env, store, baseline, paths, stores, other_params_before, work):
    """Every run of the module, started at once."""
    r = Runs(env)
    for case in BAD_FILES:
        r.start(f"scan-{case}", "scan", paths[case], store=store)
    r.start("scan-json-binary", "scan", paths["binary"], SNIPPET, "--format", "json", store=store)
    r.start("scan-tree", "scan", paths["tree"], "--format", "json", store=store)
    r.start("scan-missing-path", "scan", work / "nope.py", store=store)
    r.start("scan-no-code", "scan", paths["no-code"], store=store)
    r.start("scan-o-missing-dir", "scan", SNIPPET, "--format", "json", "-o", work / "no" / "r.json", store=store)
    for case in ("truncated", "no-content", "damaged", "empty-dir"):
        r.start(f"index-{case}", "index", paths[case], store=store)
    r.start("index-missing-path", "index", work / "nowhere", store=store)
    r.start("index-mixed", "index", paths["mixed"], store=stores["mixed"])
    r.start("scan-store-missing", "scan", SNIPPET, store=stores["missing"])
    r.start("stats-store-missing", "stats", store=stores["missing"])
    r.start("scan-store-notes", "scan", SNIPPET, store=stores["notes"])
    r.start("index-store-notes", "index", SNIPPET, store=stores["notes"])
    r.start("scan-store-foreign", "scan", SNIPPET, store=stores["foreign"])
    r.start("scan-store-dir", "scan", SNIPPET, store=stores["dir"])
    r.start("index-store-under-file", "index", SNIPPET, store=stores["under-file"])
    r.start("scan-other-params", "scan", SNIPPET, store=stores["other-params"])
    r.start("index-other-params", "index", paths["more"], store=stores["other-params"])
    r.start("scan-odd-params", "scan", SNIPPET, store=stores["odd-params"])
    r.start("scan-corrupt-params", "scan", SNIPPET, store=stores["corrupt-params"])
    for key, (args, _) in BAD_OPTIONS.items():
        r.start(f"option-{key}", *args, store=store)
    yield r
    r.close()


@pytest.fixture
def intact(store, baseline):
    """Checks, after the test, that the store is exactly as it was."""
    yield store
    assert store_stats(store) == baseline


# --------------------------------------------------------------------------- scan: bad files


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_scan_of_an_unscannable_file_exits_2_naming_it(case, runs, paths, intact):
    done = runs[f"scan-{case}"]
    fails_cleanly(done, paths[case].name, BAD_FILES[case][2])
    assert len(done.stderr.strip().splitlines()) <= 2  # short and clear


def test_scan_json_still_reports_what_it_could_and_exits_2(runs, paths, intact):
    done = runs["scan-json-binary"]
    fails_cleanly(done, paths["binary"].name)
    report = json.loads(done.stdout)
    by_path = {f["path"]: f for f in report["files"]}
    assert "binary" in by_path[str(paths["binary"])]["error"]
    assert by_path[str(SNIPPET)]["matches"] == []  # chardet is not in this index


def test_directory_scan_skips_and_counts_unscannable_files(runs, paths, intact):
    done = runs["scan-tree"]
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [f["path"] for f in report["files"]] == [str(paths["tree"] / "good.py")]
    skipped = next(line for line in done.stderr.splitlines() if line.startswith("skipped:"))
    for n, reason in [(2, "binary"), (1, "undecodable"), (1, "too-large"), (1, "empty"), (1, "long-lines")]:
        assert f"{n} {reason}" in skipped, skipped


def test_scan_of_a_missing_path_exits_2(runs, intact):
    fails_cleanly(runs["scan-missing-path"], "nope.py")


def test_scan_of_a_directory_without_code_exits_2(runs, paths, intact):
    fails_cleanly(runs["scan-no-code"], paths["no-code"])


def test_scan_output_into_a_missing_directory_exits_2(runs, intact):
    fails_cleanly(runs["scan-o-missing-dir"], "r.json")


# --------------------------------------------------------------------------- index: bad sources


def test_index_of_a_truncated_parquet_exits_2(runs, paths, intact):
    line = fails_cleanly(runs["index-truncated"], paths["truncated"].name)
    assert line.startswith("error:")


def test_index_of_a_parquet_without_content_exits_2(runs, paths, intact):
    line = fails_cleanly(runs["index-no-content"], paths["no-content"].name, "content")
    assert line.startswith("error:")


def test_index_of_an_empty_directory_exits_2(runs, intact):
    fails_cleanly(runs["index-empty-dir"], "nothing was indexed")


def test_index_of_a_missing_path_exits_2(runs, intact):
    fails_cleanly(runs["index-missing-path"], "nowhere")


def test_index_of_a_parquet_damaged_inside_exits_2(runs, paths, intact):
    fails_cleanly(runs["index-damaged"], paths["damaged"].name)


def test_index_of_a_directory_with_bad_files_indexes_the_good_one(runs, paths, stores):
    done = runs["index-mixed"]
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert "Indexed 1 files" in done.stderr, done.stderr
    skipped = next(line for line in done.stderr.splitlines() if line.startswith("Skipped"))
    for reason in ("binary", "empty", "undecodable", "too-large"):
        assert f"1 {reason}" in skipped, done.stderr
    s = store_stats(stores["mixed"])
    assert s["files"] == s["sources"] == 1
    db = sqlite3.connect(stores["mixed"])
    assert db.execute("SELECT path FROM provenance").fetchall() == [(paths["good"].name,)]
    db.close()


# --------------------------------------------------------------------------- unusable stores


def test_scan_with_a_missing_store_exits_2(runs, stores):
    missing = stores["missing"]
    line = fails_cleanly(runs["scan-store-missing"], "no index at", missing)
    assert line.startswith("error:")
    assert not missing.parent.exists()  # scanning creates nothing


def test_stats_with_a_missing_store_exits_2(runs, stores):
    fails_cleanly(runs["stats-store-missing"], "no index at", stores["missing"])
    assert not stores["missing"].parent.exists()


def test_a_store_that_is_not_sqlite_is_refused_and_left_alone(runs, stores):
    fails_cleanly(runs["scan-store-notes"], stores["notes"], "not an attrib index")
    fails_cleanly(runs["index-store-notes"], stores["notes"], "not an attrib index")
    assert stores["notes"].read_text() == NOTES


def test_scan_with_a_foreign_sqlite_database_exits_2(runs, stores):
    fails_cleanly(runs["scan-store-foreign"], stores["foreign"], "not an attrib index")
    db = sqlite3.connect(stores["foreign"])
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["users"]
    db.close()


def test_scan_with_a_directory_as_store_exits_2(runs, stores):
    fails_cleanly(runs["scan-store-dir"], stores["dir"], "directory")
    assert list(stores["dir"].iterdir()) == []


def test_index_into_a_store_path_under_a_file_exits_2(runs):
    fails_cleanly(runs["index-store-under-file"], "file.txt")


# --------------------------------------------------------------------------- fingerprint parameters


def test_scan_of_an_index_with_other_params_exits_2_naming_them(runs, stores, other_params_before):
    line = fails_cleanly(runs["scan-other-params"], "num_perm", "bands")
    recorded = other_params_before["params"]
    assert f"num_perm={recorded['num_perm']}" in line and f"bands={recorded['bands']}" in line
    assert store_stats(stores["other-params"]) == other_params_before


def test_index_into_an_index_with_other_params_exits_2_unchanged(runs, stores, other_params_before):
    runs["scan-other-params"]  # noqa: B018 -- both runs use this store: let both finish first
    fails_cleanly(runs["index-other-params"], "num_perm", "bands")
    after = store_stats(stores["other-params"])
    assert after == other_params_before


def test_scan_of_an_index_with_inconsistent_params_exits_2(runs):
    fails_cleanly(runs["scan-odd-params"], "num_perm")


def test_scan_of_an_index_with_corrupt_params_exits_2(runs, stores):
    fails_cleanly(runs["scan-corrupt-params"], stores["corrupt-params"])


# --------------------------------------------------------------------------- bad options


@pytest.mark.parametrize("key", list(BAD_OPTIONS))
def test_bad_options_exit_2(key, runs, intact):
    done = runs[f"option-{key}"]
    fails_cleanly(done, BAD_OPTIONS[key][1])
    assert "Usage: attrib" in done.stderr


def test_store_is_unchanged_after_everything(runs, store, env, baseline):
    runs.wait_all()
    assert stats_json(store, env) == baseline
