"""Confinement: indexing (and scanning) a tree reads only the tree's own regular files.

A tracked file replaced by a symlink to a file outside the repository, a folder
replaced by a link that leads out, a FIFO, a socket or a device where code should be:
each is skipped and counted, nothing outside the tree reaches the index, and nothing
blocks. Real git repositories, real FIFOs and sockets (and a real device node where the
tests run as root); every ``attrib`` here runs in a subprocess with a time limit, so a
run that blocks on a FIFO fails the test instead of hanging it.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import zlib
from pathlib import Path

import pytest

from edges import IS_ROOT, assert_clean, marker, run_cli
from test_cli import git

CODE = "def add(a, b):\n    total = a + b\n    return total\n\n\ndef sub(a, b):\n    return a - b\n"


def stored_texts(store: Path) -> list[str]:
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return [zlib.decompress(blob).decode("utf-8", "surrogatepass")
                for (blob,) in db.execute("SELECT content FROM files")]
    finally:
        db.close()


def stored_paths(store: Path) -> set[str]:
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return {p for (p,) in db.execute("SELECT path FROM provenance")}
    finally:
        db.close()


def skipped_line(stderr: str) -> str:
    return next((line for line in stderr.splitlines() if line.startswith("Skipped")), "")


@pytest.fixture
def outside(tmp_path) -> dict[str, Path | str]:
    """Secrets outside every tree: a file, and a folder holding a file."""
    secret = marker()
    folder = tmp_path / "outside"
    (folder / "lib").mkdir(parents=True)
    (folder / "id_rsa").write_text(f"{secret} = 'the private key'\n")
    (folder / "lib" / "helpers.py").write_text(f"{secret}_2 = 'private helpers'\n")
    return {"secret": secret, "file": folder / "id_rsa", "folder": folder / "lib"}


def plant(tree: Path, outside: dict) -> None:
    """Links out of ``tree`` and special files where code should be."""
    (tree / "src" / "app.py").unlink(missing_ok=True)
    os.symlink(outside["file"], tree / "src" / "app.py")  # a file replaced by a link out
    lib = tree / "lib"
    if lib.exists():
        for f in lib.iterdir():
            f.unlink()
        lib.rmdir()
    os.symlink(outside["folder"], lib)  # a folder replaced by a link out
    (tree / "src" / "util.py").unlink(missing_ok=True)
    os.mkfifo(tree / "src" / "util.py")  # a file replaced by a FIFO
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "src" / "server.py"))  # a socket where code should be
    sock.close()
    if IS_ROOT:
        os.mknod(tree / "src" / "zero.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's device


def make_tree(root: Path) -> Path:
    for rel in ("src/app.py", "src/util.py", "src/good.py", "lib/helpers.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(CODE.replace("add", f"add_{rel.replace('/', '_').replace('.', '_')}"))
    return root


@pytest.mark.parametrize("kind", ["git work tree", "plain directory"])
def test_indexing_never_leaves_the_tree_and_counts_what_it_skips(kind, tmp_path, outside, env):
    tree = make_tree(tmp_path / "project")
    if kind == "git work tree":
        git(tree, "init", "-q")
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", "code")
    plant(tree, outside)
    store = tmp_path / "index.db"
    done = run_cli(["--store", store, "index", tree, "--license", "MIT"], env=env, timeout=120)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert stored_paths(store) == {"src/good.py"}, "only the tree's own regular file"
    assert not any(outside["secret"] in text for text in stored_texts(store)), "nothing from outside"
    skipped = skipped_line(done.stderr)
    if kind == "git work tree":  # git lists tracked files only: lib/helpers.py's folder now leads out
        expected = ["1 symlink", "1 not-regular", "1 outside-tree"]
    else:  # the walk sees the socket and the device too, and does not enter the linked folder
        expected = ["1 symlink", f"{3 if IS_ROOT else 2} not-regular"]
    assert all(e in skipped for e in expected), done.stderr


@pytest.mark.parametrize("name", ["pipe", "pipe.py", "rows.jsonl", "data.parquet"])
def test_indexing_a_fifo_is_an_error_not_a_hang(name, tmp_path, env):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    store = tmp_path / "index.db"
    done = run_cli(["--store", store, "index", fifo], env=env, timeout=60)
    assert_clean(done.returncode, done.stderr, allowed=(2,))
    assert "FIFO" in done.stderr and not store.exists()


@pytest.fixture(scope="module")
def scan_store(tmp_path_factory, env) -> Path:
    """An index to scan against (this file)."""
    store = tmp_path_factory.mktemp("confinement") / "index.db"
    assert run_cli(["--store", store, "index", Path(__file__)], env=env, timeout=120).returncode == 0
    return store


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
@pytest.mark.parametrize("command", ["index", "scan"])
def test_a_device_is_an_error_not_a_hang(device, command, tmp_path, env, scan_store):
    store = scan_store if command == "scan" else tmp_path / "index.db"
    before = store.read_bytes() if store.exists() else None
    done = run_cli(["--store", store, command, device], env=env, timeout=60)
    assert_clean(done.returncode, done.stderr, allowed=(2,))
    assert "character device" in done.stderr
    assert (store.read_bytes() if store.exists() else None) == before


def test_scanning_a_tree_reads_it_as_indexing_does(tmp_path, outside, env, scan_store):
    store = scan_store
    tree = make_tree(tmp_path / "project")
    plant(tree, outside)
    done = run_cli(["--store", store, "scan", tree, "--format", "json"], env=env, timeout=60)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert outside["secret"] not in done.stdout
    skipped = next(line for line in done.stderr.splitlines() if line.startswith("skipped:"))
    assert "1 symlink" in skipped and "not-regular" in skipped, skipped
    fifo = run_cli(["--store", store, "scan", tree / "src" / "util.py"], env=env, timeout=60)
    assert_clean(fifo.returncode, fifo.stderr, allowed=(2,))
    assert "FIFO" in fifo.stderr


def test_a_tracked_file_that_became_a_fifo_is_skipped_not_waited_for(tmp_path, env):
    tree = make_tree(tmp_path / "project")
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "code")
    (tree / "src" / "app.py").unlink()
    os.mkfifo(tree / "src" / "app.py")  # nothing ever writes to it: opening it to read would block
    done = run_cli(["--store", tmp_path / "index.db", "index", tree], env=env, timeout=60)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert "1 not-regular (e.g. src/app.py: a FIFO" in done.stderr


def test_a_data_folder_follows_links_to_files_and_skips_fifos(tmp_path, env):
    """The Hugging Face cache's dataset folders are links to blobs elsewhere: they are
    read. A FIFO or a dangling link among the data files is skipped and counted."""
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    (blobs / "abc123").write_text(json.dumps({"content": CODE, "lang": "Python"}) + "\n")
    data = tmp_path / "snapshot" / "data" / "python"
    data.mkdir(parents=True)
    os.symlink(blobs / "abc123", data / "train-0.jsonl")
    os.mkfifo(data / "train-1.jsonl")
    os.symlink(blobs / "gone", data / "train-2.jsonl")
    done = run_cli(["--store", tmp_path / "index.db", "index", tmp_path / "snapshot"], env=env, timeout=60)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert "Indexed 1 files" in done.stderr
    assert all(s in skipped_line(done.stderr) for s in ("1 not-regular", "1 unreadable")), done.stderr
