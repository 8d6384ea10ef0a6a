"""The embedded store at its edges: what any embedded store implementation must do.

* Opening for reading writes nothing: not a byte of the index changes, no file is left
  beside it, and a 0- or 1-byte file is refused, never turned into an empty index.
* A read-only index -- on a read-only file system, or another user's -- opens read-only
  and answers every query; writing to it is one clear error.
* A damaged index is one clear error (a ``StoreError``) from whichever call meets the
  damage, never another exception.
* A disk that fills up during ``attrib index`` stops it with one clear error, keeps
  every batch committed before, and a re-run with space finishes the same index as a
  run that never failed.
* No message shows the credentials of a store URL, whatever its scheme.

The file systems here are real (a tmpfs of a few MB, remounted read-only) and the other
user is real (``nobody``, through ``setpriv``); both need root, as in CI, and skip
elsewhere.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from attrib.errors import ReadOnlyStore, StoreError
from attrib.match import attribute
from attrib.store import open_store, redact
from edges import (DAMAGE, SAMPLE, SNIPPET, as_other_user, assert_clean, copy_store, invoke, remount,
                   run_cli, store_files, tmpfs)
from attrib.indexer import pipeline
from attrib.indexer.sources import open_source
from realcode import click_files


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    """The bundled sample, indexed once."""
    path = tmp_path_factory.mktemp("edges") / "sample.db"
    with open_store(str(path), mode="create") as store:
        pipeline.run(open_source(str(SAMPLE)), store)
    return path


@pytest.fixture(scope="module")
def reference(sample_db) -> dict:
    with open_store(str(sample_db)) as store:
        return answers(store)


@pytest.fixture
def fresh(sample_db, tmp_path) -> Path:
    return copy_store(sample_db, tmp_path / "copy.db")


@pytest.fixture
def shared(tmp_path) -> Path:
    """A folder another user may enter (pytest's own are private), removed after."""
    folder = Path(tempfile.mkdtemp(prefix="attrib-edges-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def answers(store) -> dict:
    """What a store says about the sample: stats, the snippet's matches, a file's text."""
    matches = attribute(SNIPPET.read_text(), store, lang="Python", path="snippet.py")
    return {"stats": {k: v for k, v in asdict(store.stats()).items() if k not in ("name", "location")},
            "matches": [(m.start_line, m.end_line, m.best.repo, m.best.path, m.best.start_line) for m in matches],
            "content": [store.content(m.best.sha) for m in matches]}


def read_everything(store) -> None:
    """Every read call of the Store interface, once."""
    stats = store.stats()
    store.params()
    postings = store.lookup(np.array([1, 2, 3, -5], dtype=np.int64))
    ids = list(set(postings.file_ids.tolist())) or [1, 2]
    for f in store.files(ids).values():
        store.content(f.sha)
    store.content("0" * 40)
    attribute(SNIPPET.read_text(), store, lang="Python")
    assert stats is not None


# --------------------------------------------------------------------------- reading writes nothing


def test_reading_writes_nothing(fresh, reference):
    before = store_files(fresh)
    with open_store(str(fresh)) as store:
        assert answers(store) == reference
        read_everything(store)
        with pytest.raises(StoreError, match="word index"):
            store.full_text(["def"])  # built by `attrib serve` where it may write, never by a reader
    assert store_files(fresh) == before
    assert {p.name for p in fresh.parent.iterdir()} <= {"copy.db", "copy.db-wal", "copy.db-shm"}


@pytest.mark.parametrize("content", [b"", b"x", b"SQLite format", b"SQLite format 3\0" + b"\0" * 50])
@pytest.mark.parametrize("command", [["stats"], ["stats", "--format", "json"], ["scan", SNIPPET]])
def test_a_tiny_file_is_refused_not_rewritten(content, command, tmp_path):
    path = tmp_path / "tiny.db"
    path.write_bytes(content)
    for mode in ("read", "write"):
        with pytest.raises(StoreError):
            open_store(str(path), mode=mode)
    r = invoke(["--store", path, *command])
    assert_clean(r.code, r.text, r.exception, allowed=(2,))
    assert path.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == ["tiny.db"]


def test_index_makes_an_index_of_an_empty_file_only(tmp_path):
    empty, junk = tmp_path / "empty.db", tmp_path / "junk.db"
    empty.write_bytes(b"")
    junk.write_bytes(b"x")
    with open_store(str(empty), mode="create") as store:
        assert store.stats().files == 0
    with pytest.raises(StoreError, match="not an attrib index"):
        open_store(str(junk), mode="create")
    assert junk.read_bytes() == b"x"


# --------------------------------------------------------------------------- read-only indexes


def test_an_index_on_a_read_only_file_system_is_read_and_never_written(fresh, reference, tmp_path, env):
    with tmpfs(tmp_path / "mnt", "16m") as mnt:
        ro = copy_store(fresh, mnt / "ro.db")
        remount(mnt, "ro")
        before = store_files(ro)
        with open_store(str(ro)) as store:
            assert answers(store) == reference
        for mode in ("write", "create"):
            with pytest.raises(ReadOnlyStore, match="read-only file system"):
                open_store(str(ro), mode=mode)
        scanned = run_cli(["--store", ro, "scan", SNIPPET, "--format", "json"], env=env)
        assert_clean(scanned.returncode, scanned.stderr, allowed=(0,))
        assert json.loads(scanned.stdout)["files"][0]["matches"], "the copy is found"
        indexed = run_cli(["--store", ro, "index", SNIPPET], env=env)
        assert_clean(indexed.returncode, indexed.stderr, allowed=(2,))
        assert "cannot be written" in indexed.stderr
        assert store_files(ro) == before


def test_another_users_index_is_read_and_never_written(fresh, reference, shared, env):
    store = copy_store(fresh, shared / "theirs.db")
    store.chmod(0o644)  # theirs: we may read it, not write it or its folder
    before = store_files(store)
    other_env = {**env, "HOME": str(shared), "HF_HOME": str(shared / "hf"), "XDG_DATA_HOME": str(shared / "xdg")}
    python = [os.environ.get("PYTHON", __import__("sys").executable), "-m", "attrib", "--store", str(store)]
    stats = as_other_user([*python, "stats", "--format", "json"], env=other_env, cwd=Path(__file__).parents[1])
    assert_clean(stats.returncode, stats.stderr, allowed=(0,))
    assert json.loads(stats.stdout)["files"] == reference["stats"]["files"]
    scan = as_other_user([*python, "scan", str(SNIPPET), "--format", "json"], env=other_env,
                         cwd=Path(__file__).parents[1])
    assert_clean(scan.returncode, scan.stderr, allowed=(0,))
    assert json.loads(scan.stdout)["files"][0]["matches"]
    index = as_other_user([*python, "index", str(SNIPPET)], env=other_env, cwd=Path(__file__).parents[1])
    assert_clean(index.returncode, index.stderr, allowed=(2,))
    assert "cannot be written" in index.stderr and "no write permission" in index.stderr
    private = shared / "private"
    private.mkdir(mode=0o700)
    hidden = copy_store(fresh, private / "hidden.db")
    denied = as_other_user([*python[:-1], str(hidden), "stats"], env=other_env, cwd=Path(__file__).parents[1])
    assert_clean(denied.returncode, denied.stderr, allowed=(2,))
    assert "hidden.db" in denied.stderr
    assert store_files(store) == before


# --------------------------------------------------------------------------- damaged indexes


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_one_clear_error(damage, fresh):
    """Every damage is seen, as a StoreError naming the index, when the index is opened
    or by the first call that meets it; no other exception ever leaves the store."""
    DAMAGE[damage](fresh)
    before = store_files(fresh)
    errors = []
    try:
        store = open_store(str(fresh))
    except StoreError as e:
        errors.append(e)
    else:
        with store:
            calls = {"stats": store.stats, "attribute": lambda: attribute(SNIPPET.read_text(), store, lang="Python"),
                     "lookup": lambda: store.lookup(np.arange(-50, 50, dtype=np.int64)),
                     "files": lambda: store.files(range(1, 200)),
                     "content": lambda: [store.content(f.sha) for f in store.files(range(1, 5)).values()]}
            for call in calls.values():
                try:
                    call()
                except StoreError as e:
                    errors.append(e)
    assert errors, "the damage is noticed"
    assert all(str(fresh) in str(e) and "\n" not in str(e) for e in errors), errors
    assert store_files(fresh) == before, "reading a damaged index does not change it"


# --------------------------------------------------------------------------- a full disk


def test_a_full_disk_stops_indexing_cleanly_and_a_rerun_finishes_the_index(tmp_path, env):
    code = tmp_path / "click"
    code.mkdir()
    for f in click_files():
        shutil.copy(f, code / f.name)
    reference = tmp_path / "reference.db"
    for source in (SAMPLE, code):
        assert run_cli(["--store", reference, "index", source, "--license", "BSD-3-Clause"], env=env,
                       timeout=300).returncode == 0
    with tmpfs(tmp_path / "small", "6m") as disk:
        store = disk / "index.db"
        first = run_cli(["--store", store, "index", SAMPLE, "--license", "BSD-3-Clause"], env=env, timeout=300)
        assert_clean(first.returncode, first.stderr, allowed=(0,))
        full = run_cli(["--store", store, "index", code, "--license", "BSD-3-Clause"], env=env, timeout=300)
        assert_clean(full.returncode, full.stderr, allowed=(2,))
        assert "is full" in full.stderr and "cannot rollback" not in full.stderr
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] >= 113, "the first run's files are kept"
        db.close()
        remount(disk, "rw,size=64m")
        again = run_cli(["--store", store, "index", code, "--license", "BSD-3-Clause"], env=env, timeout=300)
        assert_clean(again.returncode, again.stderr, allowed=(0,))
        with open_store(str(store)) as done, open_store(str(reference)) as ref:
            assert answers(done) == answers(ref)


# --------------------------------------------------------------------------- credentials


SECRET = "s3cr3t-pw"
URLS = [f"ftp://user:{SECRET}@host/x.db", f"sqlite://user:{SECRET}@host/x.db",
        f"http://user:{SECRET}@127.0.0.1:1/idx", f"https://user:{SECRET}@127.0.0.1:1/idx",
        f"s3://key:{SECRET}@bucket/x", f"mysql://root:{SECRET}@db:3306/attrib", f"file://me:{SECRET}@/tmp/x.db"]


@pytest.mark.parametrize("url", URLS)
def test_no_message_shows_a_store_urls_credentials(url, monkeypatch, tmp_path):
    monkeypatch.setenv("ATTRIB_ES_RETRY_SECONDS", "0.2")
    monkeypatch.chdir(tmp_path)
    assert SECRET not in redact(url)
    for args in (["stats"], ["scan", SNIPPET], ["index", SNIPPET], ["serve", "--port", "0"]):
        r = invoke(["--store", url, *args])
        assert_clean(r.code, r.text, r.exception, allowed=(2,))
        assert SECRET not in r.text, r.text
    assert list(tmp_path.iterdir()) == [], "nothing was created"


def test_two_writers_building_the_word_index_at_once_add_every_file_once(fresh):
    """Two server threads (or processes) that catch the word index up at the same time."""
    import threading

    stores = [open_store(str(fresh), mode="write") for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def search(store) -> None:
        try:
            barrier.wait()
            store.full_text(["def"], limit=1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=search, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    assert not errors, errors
    db = sqlite3.connect(fresh)
    rowids = [r[0] for r in db.execute("SELECT rowid FROM fulltext")]
    files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    db.close()
    assert len(rowids) == len(set(rowids)) == files
