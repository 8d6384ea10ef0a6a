"""Consistent answers while the index changes: a long-lived process (``attrib serve``,
a store kept open) answers exactly as a fresh process does after every indexing run,
segment merges included.

The embedded store merges its runs of postings (at the end of every indexing run, and
by size tier), so indexing one file per run makes merges; before the fix a merged
segment took the id of one it replaced and a reader that had cached that id kept the
old postings. Run ids are never reused either.
"""
from __future__ import annotations

import sqlite3

import httpx
import pytest

from attrib.formats.json import report_dict
from attrib.indexer import pipeline
from attrib.scan import scan_text
from attrib.store import Credentials, open_store
from realcode import click_files, raw
from test_web import Server

ROUNDS = 9  # two merges of four segments, and one segment left over


def matches_json(text: str, store) -> list[dict]:
    """The report's matches for ``text`` (schema v1), as the API and scan give them."""
    return report_dict(scan_text(text, store, lang="Python", path="q.py"))["files"][0]["matches"]


def query(path) -> str:
    """A 40-line excerpt from the middle of a file: a copy of it, to attribute."""
    lines = path.read_text().splitlines()
    middle = len(lines) // 2
    return "\n".join(lines[middle - 20:middle + 20]) + "\n"


def found_in(matches: list[dict], path) -> bool:
    return any(m["source"]["path"] == f"src/click/{path.name}" for m in matches)


def segments(db_path) -> dict[int, bytes]:
    """The embedded store's runs of postings: id -> their rows (a row's id is the run's
    id << 32 | its bucket)."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {run: b"".join(data for (data,) in db.execute(
                    "SELECT data FROM rows WHERE id >= ? AND id < ? ORDER BY id", (run << 32, (run + 1) << 32)))
                for (run,) in db.execute("SELECT id FROM runs")}
    finally:
        db.close()


@pytest.fixture(params=["sqlite", "elastic"])
def target(request, tmp_path):
    """(store url, credentials) of a new, empty index."""
    if request.param == "sqlite":
        return str(tmp_path / "live.db"), Credentials()
    node = request.getfixturevalue("es_node")
    return request.getfixturevalue("es_store_url"), Credentials(node.user, node.password)


def test_a_store_kept_open_sees_every_committed_run_like_a_fresh_one(target, tmp_path):
    url, credentials = target
    files = click_files()[:ROUNDS]
    with open_store(url, mode="create", credentials=credentials) as writer:
        pipeline.run([raw(files[0])], writer)
    reader = open_store(url, credentials=credentials)  # kept open for the whole test
    ever: dict[int, bytes] = {}  # every segment seen so far
    try:
        for n in range(1, ROUNDS + 1):
            if n > 1:  # one `attrib index` run: open, add, close
                with open_store(url, mode="create", credentials=credentials) as writer:
                    pipeline.run([raw(files[n - 1])], writer)
            if not url.startswith("http"):
                now = segments(url)
                assert all(ever.get(i, keys) == keys for i, keys in now.items()), \
                    f"run {n}: a new segment took the id of an old one"
                ever.update(now)
            with open_store(url, credentials=credentials) as fresh:
                for f in files[:n]:
                    text = query(f)
                    live, new = matches_json(text, reader), matches_json(text, fresh)
                    assert found_in(new, f), f"{f.name} is indexed after run {n}"
                    assert live == new, f"run {n}: the long-lived reader differs for {f.name}"
        if not url.startswith("http"):
            assert len(ever) > len(segments(url)) + 4, "merges happened (more ids seen than remain)"
    finally:
        reader.close()


def test_a_running_server_answers_like_a_fresh_process_after_indexing(tmp_path, env):
    path = tmp_path / "served.db"
    files = click_files()[:ROUNDS]
    with open_store(str(path), mode="create") as writer:
        pipeline.run([raw(files[0])], writer)
    server = Server(str(path), env)
    try:
        for n in range(1, ROUNDS + 1):
            if n > 1:
                with open_store(str(path), mode="create") as writer:
                    pipeline.run([raw(files[n - 1])], writer)
            with open_store(str(path)) as fresh:
                for f in files[:n]:
                    text = query(f)
                    got = httpx.post(server.url + "/api/attribute", json={"code": text, "lang": "Python",
                                                                          "path": "q.py"}, timeout=60)
                    assert got.status_code == 200, got.text
                    served, new = got.json()["files"][0]["matches"], matches_json(text, fresh)
                    assert found_in(new, f)
                    assert served == new, f"run {n}: the server differs from a fresh process for {f.name}"
            newest = files[n - 1]
            word = next(w for w in ("def", "class", "import") if w in newest.read_text())
            hits = httpx.get(server.url + "/api/search", params={"q": word, "limit": 50}, timeout=60).json()["hits"]
            assert any(h["path"] == f"src/click/{newest.name}" for h in hits), "full-text search sees it too"
        stats = httpx.get(server.url + "/api/stats", timeout=30).json()
        assert stats["files"] == ROUNDS
    finally:
        server.stop()
