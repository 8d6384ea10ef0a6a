"""Scaling out ``attrib index``: ``--workers N`` on one machine, ``--shard i/N`` across machines.

Everything runs on real code and the real SQLite store: click's files, the bundled Stack
sample, and a corpus of about 18 MB made from the Python sources of attrib's own
dependencies (always installed), written in The Stack's parquet schema as 8 data files
— big enough that ``attrib index`` with default batches fills several of them, so the
worker pool really runs. CLI tests run the real ``python -m attrib`` in a subprocess.

The claims: a pool of workers builds exactly the index one process builds; shards run
one after another build exactly the unsharded index, each file in exactly one shard,
whether the source is split by data file or by blob sha; bad values are one-line usage
errors; an interrupted multi-worker run stops its workers at once, keeps what it
stored, and a re-run finishes the same index as a run never interrupted.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attrib.match import attribute
from attrib.store import open_store
from test_cli import _files_committed as committed
from test_cli import env, work  # noqa: F401 - fixtures shared with the CLI tests
from attrib.indexer import pipeline
from attrib.files import git_blob_sha
from attrib.indexer.sources import Shard, open_source
from attrib.indexer.sources.stack import hub_data_files
from realcode import click_files, raw

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PARQUET = ROOT / "examples" / "stack-sample" / "data" / "python" / "train-00000-of-00001.parquet"
SNIPPET = ROOT / "examples" / "snippet.py"

# attrib's dependencies, so always installed, with their licenses; numpy last and cut at
# CORPUS_BYTES of source.
DEPENDENCIES = {"click": "BSD-3-Clause", "rich": "MIT", "datasets": "Apache-2.0",
                "huggingface_hub": "Apache-2.0", "pyarrow": "Apache-2.0", "numpy": "BSD-3-Clause"}
CORPUS_BYTES = 18_000_000
CORPUS_FILES = 8


# --------------------------------------------------------------------------- helpers


def attrib(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``attrib`` CLI in a subprocess."""
    return subprocess.run([sys.executable, "-m", "attrib", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done


def indexed_count(done: subprocess.CompletedProcess) -> int:
    """The ``Indexed N files`` of an ``attrib index`` summary."""
    found = re.search(r"Indexed ([\d,]+) files", done.stderr)
    assert found, done.stderr
    return int(found[1].replace(",", ""))


def index_summary(store: Path, env: dict) -> dict:
    """What ``attrib stats --format json`` says the index holds, less its name, place and
    size on disk (which depend on how it was built)."""
    stats = json.loads(ok(attrib("--store", store, "stats", "--format", "json", env=env)).stdout)
    return {k: v for k, v in stats.items() if k not in ("name", "location", "index_bytes")}


def scan_results(store: Path, queries: list[Path], env: dict) -> dict:
    """``attrib scan --format json`` of ``queries``: the matches and the summary."""
    report = json.loads(ok(attrib("--store", store, "scan", *queries, "--format", "json", env=env)).stdout)
    return {"files": report["files"], "summary": report["summary"]}


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` ends (or is a zombie: ended, not yet reaped) within ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def stack_rows(packages: dict[str, str], max_bytes: int) -> list[dict]:
    """Every ``.py`` file of the installed ``packages`` as a row in The Stack's schema."""
    rows, size = [], 0
    for name, license_id in packages.items():
        folder = Path(importlib.import_module(name).__file__).parent
        for path in sorted(folder.rglob("*.py")):
            content = path.read_bytes().decode("utf-8", "replace")
            data = content.encode("utf-8")
            rows.append({"content": content, "hexsha": git_blob_sha(data), "lang": "Python",
                         "max_stars_repo_name": f"deps/{name}",
                         "max_stars_repo_path": path.relative_to(folder.parent).as_posix(),
                         "max_stars_repo_head_hexsha": "d" * 40, "max_stars_repo_licenses": [license_id]})
            size += len(data)
            if size >= max_bytes:
                return rows
    return rows


def write_stack(folder: Path, rows: list[dict], files: int) -> Path:
    """``rows`` as ``files`` parquet files in The Stack's layout, ``folder/data/python``."""
    data = folder / "data" / "python"
    data.mkdir(parents=True)
    step = -(-len(rows) // files)
    for i in range(files):
        table = pa.Table.from_pylist(rows[i * step:(i + 1) * step])
        pq.write_table(table, data / f"train-{i:05d}-of-{files:05d}.parquet")
    return folder


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                           "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def identities(source) -> Counter:
    """The files a source yields, as (repo, path, content) with multiplicity."""
    return Counter((r.repo, r.path, r.data) for r in source)


# --------------------------------------------------------------------------- fixtures


# `work` (a module temporary directory) and `env` (the environment of every attrib
# subprocess) are test_cli's fixtures, imported above.


@pytest.fixture(scope="module")
def corpus(work) -> Path:
    """About 18 MB of real Python in 8 Stack-schema parquet files."""
    return write_stack(work / "corpus", stack_rows(DEPENDENCIES, CORPUS_BYTES), CORPUS_FILES)


@pytest.fixture(scope="module")
def queries(work, corpus) -> list[Path]:
    """Code to scan: 40 lines of two corpus files, and the sample's snippet (no match here)."""
    folder = work / "queries"
    folder.mkdir()
    for name, path, start in (("console.py", "rich/console.py", 300),
                              ("arrow_dataset.py", "datasets/arrow_dataset.py", 1200)):
        text = (Path(importlib.import_module(path.split("/")[0]).__file__).parent.parent / path).read_text()
        (folder / name).write_text("\n".join(text.splitlines()[start:start + 40]) + "\n")
    shutil.copy(SNIPPET, folder / "snippet.py")
    return sorted(folder.iterdir())


@dataclasses.dataclass(frozen=True)
class Reference:
    """The corpus indexed by one process, in one run: what every other way must equal."""

    indexed: int
    summary: dict
    scans: dict


@pytest.fixture(scope="module")
def reference(work, corpus, queries, env) -> Reference:
    store = work / "reference.db"
    done = ok(attrib("--store", store, "index", corpus, "--workers", "1", env=env))
    scans = scan_results(store, queries, env)
    assert [bool(f["matches"]) for f in scans["files"]] == [True, True, False]  # snippet.py is not in it
    return Reference(indexed_count(done), index_summary(store, env), scans)


@pytest.fixture
def click_dir(tmp_path) -> Path:
    """click's real files in a plain directory (not a git work tree)."""
    folder = tmp_path / "click"
    folder.mkdir()
    for f in click_files():
        shutil.copy(f, folder / f.name)
    return folder


# --------------------------------------------------------------------------- --shard: the split


def test_shard_parse_and_describe():
    assert Shard.parse("2/4") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
    assert Shard.parse(" 0 / 1 ").whole
    for bad in ("4/4", "-1/2", "0/0", "a/b", "1", "1/2/3", ""):
        with pytest.raises(ValueError):
            Shard.parse(bad)
    assert Shard(1, 3).label("data/python") == "data/python (shard 1/3)"
    assert Shard().label("data/python") == "data/python"


def _click_parquets(folder: Path, files: int) -> Path:
    rows = [{"content": p.read_text(), "hexsha": git_blob_sha(p.read_bytes()), "lang": "Python",
             "max_stars_repo_name": "pallets/click", "max_stars_repo_path": f"src/click/{p.name}"}
            for p in click_files()]
    return write_stack(folder, rows, files)


def _click_git(folder: Path) -> Path:
    """click's files in a git repository, one of them edited since (git has no sha for it)."""
    folder.mkdir()
    for f in click_files():
        shutil.copy(f, folder / f.name)
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "click")
    edited = folder / click_files()[0].name
    edited.write_text(edited.read_text() + "\n# edited\n")
    return folder


@pytest.mark.parametrize("layout, by_file", [
    ("5 data files", True),       # at least 3 data files: split by file
    ("2 data files", False),      # fewer data files than shards: split by sha
    ("1 data file", False),
    ("directory", False),
    ("git repository", False),
])
def test_shards_are_disjoint_and_make_the_whole_source(layout, by_file, click_dir, tmp_path):
    if "data file" in layout:
        spec = _click_parquets(tmp_path / "stack", int(layout.split()[0]))
    elif layout == "directory":
        spec = click_dir
    else:
        spec = _click_git(tmp_path / "repo")
    whole = identities(open_source(str(spec)))
    parts = [identities(open_source(str(spec), shard=Shard(i, 3))) for i in range(3)]
    assert sum(parts, Counter()) == whole
    assert all(parts), "every shard has some of click's files"
    for i in range(3):
        for j in range(i + 1, 3):
            assert not parts[i] & parts[j]
    if by_file:  # each shard reads its own data files, and only those
        files = sorted((spec / "data" / "python").iterdir())
        for i, part in enumerate(parts):
            mine = sum((identities(open_source(str(f))) for f in files[i::3]), Counter())
            assert part == mine
    else:  # each file is in the shard of its blob sha
        for i in range(3):
            source = open_source(str(spec), shard=Shard(i, 3))
            for r in source:
                sha = git_blob_sha(r.data if isinstance(r.data, bytes) else r.data.encode())
                assert int(sha, 16) % 3 == i


def test_limit_applies_after_sharding(tmp_path):
    spec = str(_click_parquets(tmp_path / "stack", 1))
    shard = Shard(1, 3)
    assert list(open_source(spec, shard=shard, limit=2)) == list(open_source(spec, shard=shard))[:2]


def test_sharded_sources_describe_and_estimate_their_share(click_dir, tmp_path):
    by_file = str(_click_parquets(tmp_path / "many", 5))
    by_sha = str(_click_parquets(tmp_path / "one", 1))
    for spec in (by_file, by_sha):
        source = open_source(spec, shard=Shard(1, 3))
        assert source.describe().endswith("(shard 1/3)")
    # By file, parquet footers count the rows exactly; by sha, a third of them, rounded up.
    source = open_source(by_file, shard=Shard(1, 3))
    assert source.estimated_total() == len(list(source))
    total = open_source(by_sha).estimated_total()
    assert open_source(by_sha, shard=Shard(1, 3)).estimated_total() == -(-total // 3)
    directory = open_source(str(click_dir), shard=Shard(0, 2))  # a walk: its size is unknown
    assert directory.describe().endswith("(shard 0/2)") and directory.estimated_total() is None


def test_hub_data_files_are_the_wanted_folders_in_name_order():
    paths = ["README.md", "data/python/train-00001-of-00002.parquet", "data/python/train-00000-of-00002.parquet",
             "data/java/train-00000-of-00001.parquet", "data/c-sharp/x.jsonl.gz", "data/notes.txt", "top.parquet"]
    assert hub_data_files(paths, frozenset({"python"})) == [
        "data/python/train-00000-of-00002.parquet", "data/python/train-00001-of-00002.parquet"]
    assert hub_data_files(paths) == [
        "data/c-sharp/x.jsonl.gz", "data/java/train-00000-of-00001.parquet",
        "data/python/train-00000-of-00002.parquet", "data/python/train-00001-of-00002.parquet"]


# --------------------------------------------------------------------------- workers: the pipeline


def _click_with_forks() -> list:
    """click's files, then the same files in a fork: the fork's blobs are all known."""
    files = [raw(p) for p in click_files()]
    return files + [dataclasses.replace(f, repo="acme/clickfork", stars=3) for f in files]


def _run(tmp: Path, name: str, files, **options) -> tuple[pipeline.IndexStats, object]:
    store = open_store(str(tmp / f"{name}.db"), mode="create")
    return pipeline.run(files, store, **options), store


def _same_stats(a: pipeline.IndexStats, b: pipeline.IndexStats) -> None:
    assert dataclasses.replace(a, seconds=0) == dataclasses.replace(b, seconds=0)


def test_workers_build_the_same_index_as_one_process(tmp_path):
    """Small batches, so the pool runs with a full window of batches in flight, and the
    fork's blobs are planned while their originals are still being fingerprinted."""
    files = _click_with_forks()
    progress: list[int] = []
    one, store1 = _run(tmp_path, "one", files, batch_files=3)
    two, store2 = _run(tmp_path, "two", files, batch_files=3, workers=2,
                       on_progress=lambda s: progress.append(s.seen))
    _same_stats(one, two)
    assert two.indexed == len(files) // 2 and two.already == len(files) // 2
    assert progress[-1] == len(files)
    s1, s2 = store1.stats(), store2.stats()
    assert dataclasses.replace(s1, name="", location="") == dataclasses.replace(s2, name="", location="")
    query = click_files()[-1].read_text().splitlines()
    text = "\n".join(query[40:90])
    assert attribute(text, store1, lang="Python") == attribute(text, store2, lang="Python")
    assert attribute(text, store2, lang="Python")
    assert not multiprocessing.active_children()


def test_one_batch_or_one_worker_starts_no_pool(tmp_path, monkeypatch):
    def no_pool(workers):
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(pipeline, "_start_pool", no_pool)
    files = _click_with_forks()
    whole, _ = _run(tmp_path, "whole", files, workers=8)  # one batch: fingerprinted here
    one, _ = _run(tmp_path, "one", files, batch_files=3, workers=1)
    _same_stats(whole, one)
    with pytest.raises(ValueError, match="workers"):
        _run(tmp_path, "none", files, workers=0)


def test_interrupt_stops_the_workers_and_a_rerun_completes_the_index(tmp_path):
    """Ctrl-C while reading: the workers stop, only whole batches are stored, and running
    again stores the rest, as if nothing had happened."""
    files = _click_with_forks()

    def interrupted(after: int):
        yield from files[:after]
        raise KeyboardInterrupt

    store = open_store(str(tmp_path / "interrupted.db"), mode="create")
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(interrupted(23), store, batch_files=3, workers=2)
    assert not multiprocessing.active_children()
    stored = store.stats().files
    assert stored % 3 == 0 and stored <= 15  # whole batches of click's 15 distinct files
    again = pipeline.run(files, store, batch_files=3, workers=2)
    assert again.indexed == len(files) // 2 - stored
    clean, reference = _run(tmp_path, "clean", files)
    assert dataclasses.replace(store.stats(), name="", location="") == \
        dataclasses.replace(reference.stats(), name="", location="")


# --------------------------------------------------------------------------- the CLI


def test_index_help_documents_the_scaleout_options(env):
    out = " ".join(ok(attrib("index", "--help", env=env)).stdout.split())
    assert f"--workers INTEGER RANGE Processes fingerprinting in parallel (default: the number of CPU cores, " \
           f"{os.cpu_count()} here)." in out
    assert "--shard i/N Index only shard i of N" in out


@pytest.mark.parametrize("args, says", [
    (["--shard", "3/3"], "no shard 3/3: in i/N the shard number i must be 0 to 2"),
    (["--shard", "-1/2"], "no shard -1/2: in i/N the shard number i must be 0 to 1"),
    (["--shard", "a/b"], "'a/b' is not a shard: expected i/N with 0 <= i < N"),
    (["--shard", "1"], "'1' is not a shard: expected i/N with 0 <= i < N"),
    (["--workers", "0"], "Invalid value for '--workers': 0 is not in the range x>=1"),
])
def test_bad_scaleout_options_are_usage_errors(args, says, env, tmp_path):
    store = tmp_path / "never.db"
    done = attrib("--store", store, "index", SAMPLE_PARQUET, *args, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and says in errors[0] and args[0] in errors[0], done.stderr
    assert not store.exists()


def test_workers_cli_builds_the_same_index(reference, corpus, queries, env, work):
    store = work / "workers2.db"
    done = ok(attrib("--store", store, "index", corpus, "--workers", "2", env=env))
    assert indexed_count(done) == reference.indexed
    assert index_summary(store, env) == reference.summary
    assert scan_results(store, queries, env) == reference.scans


def test_shards_by_data_file_build_the_same_index(reference, corpus, queries, env, work):
    store = work / "sharded.db"
    counts = [indexed_count(ok(attrib("--store", store, "index", corpus, "--shard", f"{i}/3", env=env)))
              for i in range(3)]
    assert all(counts) and sum(counts) == reference.indexed
    assert index_summary(store, env) == reference.summary
    assert scan_results(store, queries, env) == reference.scans


@pytest.mark.parametrize("source", ["sample parquet", "click directory"])
def test_shards_by_sha_build_the_same_index(source, click_dir, env, tmp_path):
    spec = SAMPLE_PARQUET if source == "sample parquet" else click_dir
    query = tmp_path / "query.py"
    query.write_text(SNIPPET.read_text() if source == "sample parquet"
                     else "\n".join(click_files()[-1].read_text().splitlines()[40:90]) + "\n")
    whole = tmp_path / "whole.db"
    total = indexed_count(ok(attrib("--store", whole, "index", spec, env=env)))
    store = tmp_path / "sharded.db"
    counts = [indexed_count(ok(attrib("--store", store, "index", spec, "--shard", f"{i}/3", env=env)))
              for i in range(3)]
    assert all(counts) and sum(counts) == total
    assert index_summary(store, env) == index_summary(whole, env)
    results = scan_results(store, [query], env)
    assert results == scan_results(whole, [query], env) and results["summary"]["matched_lines"] > 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_interrupted_multi_worker_index_resumes_to_the_same_index(reference, corpus, env, work):
    """SIGINT (what Ctrl-C sends) once the first batch is stored: the run stops at once,
    its workers with it, and running the same command again gives the reference index."""
    store = work / "interrupted.db"
    cmd = [sys.executable, "-m", "attrib", "--store", str(store), "index", str(corpus), "--workers", "2"]
    run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline and committed(store) == 0:
        time.sleep(0.02)
    workers = children(run.pid)
    run.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = run.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    # Interrupted, or (on a very fast machine) finished first: then the re-run below
    # checks that running the same command again changes nothing.
    assert run.returncode in (130, 0), err
    assert "Traceback" not in err
    if run.returncode == 130:  # one line, no traceback, no warning from a worker
        assert err.strip().splitlines() == [
            "interrupted: everything stored so far is kept; re-run the same command to continue"], err
        assert stopped_in < 10, f"took {stopped_in:.1f} s to stop"
    assert all(gone(pid) for pid in workers), "a worker outlived the interrupted run"
    partial = committed(store)
    ok(attrib("--store", store, "index", corpus, "--workers", "2", env=env))
    assert 0 < partial <= reference.summary["files"]
    assert index_summary(store, env) == reference.summary


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_killed_indexer_leaves_no_workers_behind(corpus, env, work):
    """SIGKILL cannot be caught: the workers notice their parent is gone and exit."""
    store = work / "killed.db"
    cmd = [sys.executable, "-m", "attrib", "--store", str(store), "index", str(corpus), "--workers", "2"]
    run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while run.poll() is None and time.monotonic() < deadline and len(workers) < 3:
        workers = children(run.pid)  # two workers and multiprocessing's resource tracker
        time.sleep(0.05)
    run.kill()
    run.communicate(timeout=60)
    assert workers and all(gone(pid) for pid in workers)
