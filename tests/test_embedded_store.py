"""The embedded store's layout: a lookup reads only the rows it needs, merges keep every
posting, an index in the old format is refused with one clear line."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attrib.errors import StoreError
from attrib.records import SourceFile
from attrib.store import IndexEntry, open_store
from attrib.store import postings as pst
from attrib.store.sqlite import FANOUT, SQLiteStore
from attrib.store.window_rows import WindowRow, WindowRows

ROOT = Path(__file__).resolve().parents[1]


def entry(n: int, keys: np.ndarray, lines: np.ndarray) -> IndexEntry:
    text = f"x = {n}\n"
    f = SourceFile(content=text, sha=f"{n:040x}", repo=f"r/{n}", path=f"f{n}.c", lang="C", licenses=("MIT",),
                   size=len(text))
    return IndexEntry(f, keys, lines)


def read_bytes() -> int:
    """Bytes this process has read through read() calls so far (page cache included)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """8 million postings of random keys in 160 batches (merged into a few runs);
    returns (path, the keys of each file by number)."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    rng = np.random.default_rng(5)
    keys = {}
    with open_store(str(path), mode="create") as store:
        for batch in range(160):
            entries = []
            for i in range(4):
                n = batch * 4 + i
                k = rng.integers(-2**63, 2**63 - 1, 12_500, dtype=np.int64)
                keys[n] = k
                entries.append(entry(n, k, np.repeat(np.arange(1, 2501), 5)))
            store.add(entries)
    return path, keys


def test_a_lookup_reads_a_small_part_of_the_index(big):
    path, keys = big
    size = path.stat().st_size
    assert size > 40_000_000
    store = open_store(str(path))
    assert isinstance(store, SQLiteStore)
    runs = store._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 1 < runs < 2 * FANOUT  # merged, but not finished: several runs to read
    wanted = np.r_[keys[7][:400], keys[201][-400:]]  # 800 keys, as a 100-line query has
    before = read_bytes()
    hits = store.lookup(wanted)
    read = read_bytes() - before
    # At most about one page per key and run (and the window table's few pages), however
    # large the index: the whole index is many times that.
    page = store._db.execute("PRAGMA page_size").fetchone()[0]
    assert read < 1.2 * len(wanted) * runs * page + (1 << 20), f"{read:,} bytes read from {runs} runs"
    assert read < size / 4, f"a lookup read {read:,} bytes of a {size:,}-byte index"
    assert len(wanted) <= len(hits) <= len(wanted) + 3
    got = set(zip(hits.keys.tolist(), hits.file_ids.tolist()))
    files = store.files(sorted(set(hits.file_ids.tolist())))
    names = {fid: f.provenance[0].repo for fid, f in files.items()}
    assert {(int(k), "r/7") for k in keys[7][:400]} | {(int(k), "r/201") for k in keys[201][-400:]} <= \
        {(k, names[f]) for k, f in got}
    store.close()


def test_finish_merges_into_one_run_and_keeps_every_posting(big, tmp_path):
    path, keys = big
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(path)
    src.backup(dst := sqlite3.connect(copy))
    src.close()
    dst.close()
    with open_store(str(copy), mode="write") as store:
        before = store.stats().postings
        store.finish()
        assert store._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
        assert store.stats().postings == before == 640 * 12_500
        probe = np.r_[keys[0][:300], keys[639][:300], keys[320][:200]]
        before = read_bytes()
        hits = store.lookup(probe)
        read = read_bytes() - before
        # Every posting asked for; at most a stray one of a key sharing its 36-bit hash.
        assert 800 <= len(hits) <= 803 and set(hits.keys.tolist()) == set(probe.tolist())
        page = store._db.execute("PRAGMA page_size").fetchone()[0]
        assert read < 1.2 * len(probe) * page + (1 << 20) < copy.stat().st_size / 8
    assert copy.stat().st_size < path.stat().st_size  # merged runs' pages given back


def test_windows_sharing_keys_and_lines_survive_merging(tmp_path):
    """Many small batches, merged and finished: every (key, file, line) is found, with
    min_shared counting distinct keys per window."""
    rng = np.random.default_rng(9)
    truth = []
    with open_store(str(tmp_path / "m.db"), mode="create") as store:
        for n in range(3 * FANOUT):
            lines = np.array([3, 3, 3, 9, 9, 40], dtype=np.int64)
            k = rng.integers(-2**63, 2**63 - 1, 6, dtype=np.int64)
            store.add([entry(n, k, lines)])
            truth += [(int(a), n, int(b)) for a, b in zip(k, lines)]
        store.finish()
        query = np.array([t[0] for t in truth], dtype=np.int64)
        hits = store.lookup(query)
        repo = {fid: int(f.provenance[0].repo[2:]) for fid, f in store.files(set(hits.file_ids.tolist())).items()}
        assert sorted(zip(hits.keys.tolist(), (repo[f] for f in hits.file_ids.tolist()), hits.lines.tolist())) \
            == sorted(truth)
        three = store.lookup(query, min_shared=3)
        assert set(three.lines.tolist()) == {3} and len(three) == 3 * 3 * FANOUT


def test_key_hash_is_a_bijection_prefix_and_layout_round_trips():
    keys = np.array([0, 1, 2, 42, -1, 2**62], dtype=np.int64)
    h = pst.key_hash(keys)
    assert len(set(h.tolist())) == len(keys) and int(h.max()) < 2**pst.KEY_BITS
    windows = np.array([5, 6, 7, 8, 9, 1000], dtype=np.int64)
    layout = pst.Layout.fit(len(keys), 5, 1000)
    buckets, rows = pst.encode(h, windows, layout)
    back_h, back_w = pst.decode(buckets.tolist(), rows, layout)
    assert sorted(zip(back_h.tolist(), back_w.tolist())) == sorted(zip(h.tolist(), windows.tolist()))


def test_an_index_in_the_old_format_is_refused_with_one_clear_line(tmp_path):
    old = tmp_path / "old.db"
    db = sqlite3.connect(old)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "INSERT INTO meta VALUES ('schema_version', '1');"
                     "CREATE TABLE segments (id INTEGER PRIMARY KEY, n INTEGER, keys BLOB, refs BLOB);")
    db.commit()
    db.close()
    before = old.read_bytes()
    with pytest.raises(StoreError, match="older format"):
        open_store(str(old))
    done = subprocess.run([sys.executable, "-m", "attrib", "--store", str(old), "scan",
                           str(ROOT / "examples" / "snippet.py")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error:") and "older format" in line and "index the code again" in line
    assert old.read_bytes() == before


def test_stats_report_the_index_size(tmp_path):
    with open_store(str(tmp_path / "s.db"), mode="create") as store:
        store.add([entry(1, np.arange(1000, dtype=np.int64), np.arange(1000, dtype=np.int64))])
        s = store.stats()
    assert s.index_bytes == (tmp_path / "s.db").stat().st_size or s.index_bytes > 0
    assert s.bytes_per_mb == pytest.approx(s.index_bytes / (s.bytes / 1e6))
    assert json.loads(json.dumps(s.index_bytes)) == s.index_bytes


def test_two_writers_at_once_store_everything_once(tmp_path):
    """Two ``attrib index`` processes into one new store at the same time (their batches,
    merges and finish take turns on the write lock): the same index as one after the
    other, nothing lost, nothing twice."""
    sample = ROOT / "examples" / "stack-sample"
    click_dir = tmp_path / "click"
    click_dir.mkdir()
    from realcode import click_files
    for f in click_files():
        (click_dir / f.name).write_bytes(f.read_bytes())
    sources = [[str(sample)], [str(click_dir), "--repo", "pallets/click", "--license", "BSD-3-Clause"]]

    def index(store: Path, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "attrib", "--store", str(store), "index", *args,
                                 "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def summary(store: Path) -> tuple:
        with open_store(str(store)) as s:
            st = s.stats()
            return st.files, st.sources, st.postings, st.languages, st.licenses

    sequential = tmp_path / "one-after-the-other.db"
    for args in sources:
        done = index(sequential, args)
        assert done.wait(300) == 0, done.stderr.read()
    together = tmp_path / "together.db"
    runs = [index(together, args) for args in sources]
    for run in runs:
        assert run.wait(300) == 0, run.stderr.read()
    assert summary(together) == summary(sequential)
    with open_store(str(together)) as a, open_store(str(sequential)) as b:
        for store in (a, b):
            (n,) = store._db.execute("SELECT COUNT(*) FROM files").fetchone()
            (distinct,) = store._db.execute("SELECT COUNT(DISTINCT sha) FROM files").fetchone()
            assert n == distinct
        text = (click_dir / click_files()[0].name).read_text()
        from attrib.match import attribute
        assert [m.sources[0].path for m in attribute(text, a, lang="Python")] == \
            [m.sources[0].path for m in attribute(text, b, lang="Python")]


@pytest.mark.parametrize("top", [5_000, 2**40])  # window ids packed with the hash into one integer, or too wide
def test_first_per_key_keeps_each_keys_lowest_windows(top):
    rng = np.random.default_rng(top % 97)
    hashes = pst.key_hash(rng.integers(0, 40, 3_000))  # 40 keys, many postings each
    windows = rng.integers(0, top, 3_000)
    got_h, got_w = pst.first_per_key(hashes, windows, 7)
    pairs = sorted(zip(hashes.tolist(), windows.tolist()))
    want = [p for i, p in enumerate(pairs) if sum(q[0] == p[0] for q in pairs[:i]) < 7]
    assert list(zip(got_h.tolist(), got_w.tolist())) == want
    assert got_w.dtype == np.int64 and got_h.dtype == np.uint64


def test_key_counts_after_a_lookup_count_postings_added_since(tmp_path):
    """The key counts of a query reuse the postings its lookup read, but never stale ones:
    a file added in between (by this connection or another) is counted."""
    path = str(tmp_path / "c.db")
    keys = np.arange(1, 9, dtype=np.int64)
    lines = np.arange(1, 9, dtype=np.int64)
    with open_store(path, mode="create") as writer:
        writer.add([entry(1, keys, lines)])
        reader = open_store(path)
        assert len(reader.lookup(keys)) == 8 and reader.key_counts(keys).counts.tolist() == [1] * 8
        assert len(writer.lookup(keys)) == 8
        writer.add([entry(2, keys, lines)])
        assert writer.key_counts(keys).counts.tolist() == [2] * 8
        assert reader.key_counts(keys).counts.tolist() == [2] * 8
        writer.finish()  # merged into one new run
        assert reader.key_counts(keys).counts.tolist() == [2] * 8
        assert len(reader.lookup(keys)) == 16
        reader.close()


def test_window_rows_place_the_windows_of_rows_kept_and_start_over_when_full():
    rows = [WindowRow(first, 100 + first, np.arange(1, n + 1, dtype="<u2") * 2)
            for first, n in ((20, 10), (0, 5), (5, 3))]
    cache = WindowRows(max_windows=19)  # the three rows hold 18 windows
    asked = np.array([1, 4, 6, 19, 29, 30])
    assert not cache.places(asked)[2].any()
    cache.add(rows)
    files, lines, known = cache.places(asked)
    assert known.tolist() == [True, True, True, False, True, False]
    assert files[known].tolist() == [100, 100, 105, 120] and lines[known].tolist() == [4, 10, 4, 20]
    cache.add([WindowRow(40, 140, np.array([7, 9], dtype="<u2"))])  # no room left: the kept rows go
    files, lines, known = cache.places(np.array([1, 41]))
    assert known.tolist() == [False, True] and files[1] == 140 and lines[1] == 9
    cache.add(rows[:1])  # and come back when read again
    assert cache.places(np.array([1, 25, 41]))[2].tolist() == [False, True, True]


def test_lookups_through_a_small_window_cache_place_windows_like_a_fresh_reader(big):
    """Rows kept from earlier lookups, some forgotten, give the same (file, line) as SQLite."""
    path, keys = big
    reader = open_store(str(path))
    assert isinstance(reader, SQLiteStore)
    reader._window_rows = WindowRows(max_windows=6_000)  # two files of 2,500 windows: hits, misses, start-overs
    for n in (3, 7, 3, 11, 300, 7, 3):
        wanted = keys[n][:300]
        fresh = open_store(str(path))
        want, got = fresh.lookup(wanted), reader.lookup(wanted)
        fresh.close()
        assert got.keys.tolist() == want.keys.tolist() and got.file_ids.tolist() == want.file_ids.tolist()
        assert got.lines.tolist() == want.lines.tolist()
    reader.close()


def test_a_file_longer_than_65535_lines_is_placed_but_not_kept(tmp_path):
    path = str(tmp_path / "long.db")
    keys = np.arange(1, 5, dtype=np.int64)
    with open_store(path, mode="create") as store:
        store.add([entry(1, keys, np.array([3, 70_000, 70_000, 90_000], dtype=np.int64))])
    reader = open_store(path)
    assert isinstance(reader, SQLiteStore)
    for _ in range(2):  # read from SQLite both times
        hits = reader.lookup(keys)
        assert sorted(zip(hits.keys.tolist(), hits.lines.tolist())) == [(1, 3), (2, 70_000), (3, 70_000), (4, 90_000)]
    assert reader._window_rows.places(np.array([0]))[2].tolist() == [False]
    reader.close()


@pytest.mark.parametrize("window_hi", [1_000, 2**33])  # encoded with one sort of (hash, window), or a lexsort
def test_a_runs_rows_decode_sorted_and_select_sorted_finds_every_wanted_posting(window_hi):
    rng = np.random.default_rng(3)
    h = pst.key_hash(rng.integers(0, 500, 20_000))
    windows = rng.integers(0, window_hi, 20_000)
    layout = pst.Layout.fit(len(h), 0, window_hi)
    buckets, rows = pst.encode(h, windows, layout)
    back_h, back_w = pst.decode(buckets.tolist(), rows, layout)
    order = np.lexsort((back_w, back_h))
    assert np.array_equal(order, np.arange(len(order)))  # sorted by (hash, window) as stored
    wanted = np.unique(pst.key_hash(np.arange(0, 1_000, 7)))
    assert np.array_equal(pst.select_sorted(back_h, wanted), np.flatnonzero(np.isin(back_h, wanted)))
