"""Store contract tests: every store implementation passes these.

Each test runs on the embedded SQLite store and on a real Elasticsearch node.
"""
import re
import sqlite3

import numpy as np
import pytest

from attrib.errors import ParamsMismatch, StoreError
from attrib.params import DEFAULT_PARAMS, FingerprintParams
from attrib.store import Credentials, IndexEntry, open_store
from attrib.store.sqlite import SQLiteStore
from attrib.indexer import pipeline
from realcode import click_files, raw


@pytest.fixture(params=["sqlite", "elastic"])
def new_store(request, tmp_path):
    if request.param == "sqlite":
        store = open_store(str(tmp_path / "s.db"), mode="create")
    else:
        node = request.getfixturevalue("es_node")
        url = request.getfixturevalue("es_store_url")
        store = open_store(url, mode="create", credentials=Credentials(node.user, node.password))
    yield store
    store.close()


def test_reindexing_is_idempotent_and_records_new_provenance(new_store):
    files = [raw(p) for p in click_files()[:4]]
    first = pipeline.run(files, new_store)
    before = new_store.stats()
    again = pipeline.run(files, new_store)
    assert first.indexed == 4 and again.indexed == 0 and again.already == 4
    assert new_store.stats().postings == before.postings
    fork = [raw(p, repo="someone/fork") for p in click_files()[:2]]
    pipeline.run(fork, new_store)
    after = new_store.stats()
    assert after.files == 4 and after.sources == 6 and after.repos == 2


def test_content_and_full_text_search(new_store):
    files = click_files()[:6]
    pipeline.run([raw(p) for p in files], new_store)
    pipeline.run([raw(files[0], repo="gnu/clickfork", licenses=("GPL-3.0-only",))], new_store)
    wanted = next(p for p in files if "def " in p.read_text())
    text = wanted.read_text()
    sha = new_store.files(new_store.full_text(["def"], limit=50))
    assert any(f.content == text for f in sha.values())
    stored = next(f for f in sha.values() if f.content == text)
    assert new_store.content(stored.sha) == text and new_store.content("0" * 40) is None
    word = max(set(re.findall(r"[A-Za-z_]{8,}", text)), key=text.count)  # a long word of that file
    hits = new_store.search(word[:6], limit=20)
    assert any(h.path.endswith(wanted.name) for h in hits), "a prefix of a word finds its file"
    hit = next(h for h in hits if h.path.endswith(wanted.name))
    line = hit.snippets[0]
    a, b = line.highlights[0]
    assert line.text == text.split("\n")[line.line - 1][:len(line.text)]
    assert line.text[a:b].lower().startswith(word[:6].lower())
    assert new_store.search(word, lang="Rust") == []
    gpl = new_store.search("def", license="GPL-3.0-only", limit=20)
    assert [(h.repo, h.licenses) for h in gpl] == [("gnu/clickfork", ("GPL-3.0-only",))]
    assert new_store.search("  ...  ") == []


def test_lookup_returns_every_posting_of_a_key(new_store):
    pipeline.run([raw(p) for p in click_files()[:3]], new_store)
    new_store.add([IndexEntry(raw_file("x"), np.array([42, 42, 7], dtype=np.int64), np.array([1, 5, 9]))])
    hits = new_store.lookup(np.array([42, 7, 99], dtype=np.int64))
    got = sorted(zip(hits.keys.tolist(), hits.lines.tolist()))
    assert got == [(7, 9), (42, 1), (42, 5)]
    (fid,) = set(hits.file_ids.tolist())
    stored = new_store.files([fid])[fid]
    assert stored.content == "print('x')\n" and stored.provenance[0].repo == "me/x"


def test_lookup_can_ask_for_windows_sharing_several_keys(new_store):
    def entry(name, keys, lines):
        return IndexEntry(raw_file(name), np.array(keys, dtype=np.int64), np.array(lines, dtype=np.int64))

    new_store.add([entry("a", [1, 2, 3, 1, 9], [5, 5, 5, 9, 9]), entry("b", [1, 2], [3, 3]), entry("c", [3], [1])])
    query = np.array([3, 2, 1, 2], dtype=np.int64)

    def windows(min_shared):
        hits = new_store.lookup(query, min_shared=min_shared)
        names = {fid: f.provenance[0].path for fid, f in new_store.files(set(hits.file_ids.tolist())).items()}
        return sorted((names[f], line, key) for f, line, key in zip(*(h.tolist() for h in (
            hits.file_ids, hits.lines, hits.keys))))

    assert windows(1) == [("a.py", 5, 1), ("a.py", 5, 2), ("a.py", 5, 3), ("a.py", 9, 1), ("b.py", 3, 1),
                          ("b.py", 3, 2), ("c.py", 1, 3)]
    assert windows(2) == [("a.py", 5, 1), ("a.py", 5, 2), ("a.py", 5, 3), ("b.py", 3, 1), ("b.py", 3, 2)]
    assert windows(3) == [("a.py", 5, 1), ("a.py", 5, 2), ("a.py", 5, 3)]


def test_key_counts_are_document_frequencies(new_store):
    def entry(name, keys, lines):
        return IndexEntry(raw_file(name), np.array(keys, dtype=np.int64), np.array(lines, dtype=np.int64))

    assert new_store.key_counts(np.array([5], dtype=np.int64)).counts.tolist() == [0]  # an empty store
    new_store.add([entry("a", [1, 2, 3, 1], [5, 5, 5, 40]), entry("b", [1, 2], [3, 3]), entry("c", [1], [1])])
    new_store.add([entry("d", [1, 4], [7, 7])])
    got = new_store.key_counts(np.array([2, 1, 99, 4, 2], dtype=np.int64))
    # key 1 is held by four files, twice by file a (a store may count that once)
    assert got.counts[[0, 2, 3, 4]].tolist() == [2, 0, 1, 2]
    assert 4 <= got.counts[1] <= 5  # files holding it <= count <= postings holding it
    assert got.postings == 9
    assert got.counts.dtype == np.int64


def test_key_counts_of_thousands_of_keys_in_order(new_store):
    """More keys than one count request holds (the Elasticsearch store asks 1,000 at a
    time): every count in the order asked, unknown keys 0."""
    keys = np.arange(1, 2601, dtype=np.int64) * 7919
    new_store.add([IndexEntry(raw_file(f"f{i}"), keys[i::3], np.arange(len(keys[i::3]), dtype=np.int64))
                   for i in range(3)])
    new_store.add([IndexEntry(raw_file("g"), keys[::5], np.arange(len(keys[::5]), dtype=np.int64))])
    asked = np.concatenate([keys[::-1], np.array([11, 13], dtype=np.int64)])
    expected = [1 + (i % 5 == 0) for i in range(len(keys))][::-1] + [0, 0]
    assert new_store.key_counts(asked).counts.tolist() == expected


def test_many_batches_are_all_found(new_store):
    for i in range(20):
        new_store.add([IndexEntry(raw_file(str(i)), np.arange(10, dtype=np.int64) + i, np.ones(10, dtype=np.int64))])
    hits = new_store.lookup(np.arange(40, dtype=np.int64))
    assert len(hits) == 200
    assert len(set(hits.file_ids.tolist())) == 20


def test_sqlite_merges_batches_into_few_segments(tmp_path):
    store = open_store(str(tmp_path / "s.db"), mode="create")
    for i in range(20):
        store.add([IndexEntry(raw_file(str(i)), np.arange(10, dtype=np.int64) + i, np.ones(10, dtype=np.int64))])
    assert isinstance(store, SQLiteStore)
    assert store._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] < 8


def test_failed_batch_leaves_nothing_behind(new_store):
    pipeline.run([raw(p) for p in click_files()[:2]], new_store)
    before = new_store.stats()
    bad = IndexEntry(raw_file("y"), np.array([1, 2], dtype=np.int64), np.array([1], dtype=np.int64))
    with pytest.raises(ValueError):
        new_store.add([IndexEntry(raw_file("z"), np.array([5], dtype=np.int64), np.array([1])), bad])
    after = new_store.stats()
    assert (after.files, after.sources, after.postings) == (before.files, before.sources, before.postings)


def test_params_are_recorded_and_other_params_refused(new_store):
    new_store.ensure_params(DEFAULT_PARAMS)
    assert new_store.params() == DEFAULT_PARAMS
    with pytest.raises(ParamsMismatch, match="window_tokens"):
        new_store.ensure_params(FingerprintParams(window_tokens=30))


def test_missing_store_and_foreign_files_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="no index at"):
        open_store(str(tmp_path / "missing.db"))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not an attrib index"):
        open_store(str(junk))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not an attrib index"):
        open_store(str(other))
    with pytest.raises(StoreError, match="sqlite"):
        open_store("sqlite://relative.db")


def test_sqlite_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    open_store("sqlite:///rel.db", mode="create").close()
    assert (tmp_path / "rel.db").exists()
    open_store(f"sqlite:///{tmp_path}/abs.db", mode="create").close()
    assert (tmp_path / "abs.db").exists()


def raw_file(name: str):
    from attrib.records import SourceFile
    text = f"print('{name}')\n"
    return SourceFile(content=text, sha=f"{name:0>40}", repo=f"me/{name}", path=f"{name}.py", lang="Python",
                      licenses=("MIT",), size=len(text))


def test_a_blobs_own_licenses_copyrights_and_its_repositorys_dates_are_kept(new_store):
    from attrib.match import attribute
    from attrib.files import RawFile

    code = click_files()[0].read_text()
    vendored = "# SPDX-License-Identifier: GPL-2.0-only\n# Copyright (C) 2019 Jane Hacker\n" + code
    pipeline.run([RawFile(vendored, repo="acme/widgets", path="third_party/x.py", licenses=("MIT",), lang="Python",
                          first_seen="2015-03-02T11:22:33"),
                  RawFile(vendored, repo="gnu/x", path="x.py", licenses=("GPL-2.0-only",), lang="Python")], new_store)
    [match, *_] = attribute(code, new_store, lang="Python")
    by_repo = {s.repo: s for s in match.sources}
    widgets = by_repo["acme/widgets"]
    assert (widgets.licenses, widgets.file_licenses, widgets.repo_licenses) == (
        ("GPL-2.0-only",), ("GPL-2.0-only",), ("MIT",))
    assert widgets.copyrights == ("Copyright (C) 2019 Jane Hacker",)
    assert widgets.first_seen == "2015-03-02T11:22:33" and by_repo["gnu/x"].first_seen is None


def test_an_index_of_the_previous_format_asks_to_be_indexed_again(new_store, request):
    # Schema 3 (each blob's own licenses and copyright lines, each place's repository
    # licenses and date) cannot be filled in from a version-2 index: its files must be read again.
    new_store.ensure_params(DEFAULT_PARAMS)
    if isinstance(new_store, SQLiteStore):
        with sqlite3.connect(new_store.path) as db:
            db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        again = dict(url=str(new_store.path))
    else:
        from attrib.store.elastic import META_ID

        new_store._es.update(index=new_store._ix["meta"], id=META_ID, doc={"schema_version": 2}, refresh=True)
        node = request.getfixturevalue("es_node")
        again = dict(url=request.getfixturevalue("es_store_url"), credentials=Credentials(node.user, node.password))
    url = again.pop("url")
    with pytest.raises(StoreError, match=r"older format \(version 2\).*index the code again"):
        open_store(url, **again)
