"""Bounded input: dataset rows are checked for size and depth before they are parsed,
compressed files are read as streams, and a row cannot choose its own id.

The native crash (a 40 KB row nested 20,000 levels deep segfaulted inside pyarrow) and
the memory blow-up (one 512 MiB line in a small ``.jsonl.gz``) run the real CLI in a
subprocess, so a crash is an exit status and the peak memory is the kernel's count.
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.errors import InputError
from edges import ROOT, SAMPLE, SNIPPET, assert_clean, invoke, run_cli, store_files
from attrib.files import git_blob_sha
from attrib.indexer.sources import open_source
from attrib.indexer.sources import stack as stack_source
from attrib.files import Skipped
from attrib.indexer.sources.jsonrows import MAX_DEPTH, row_depth

GOOD = {"content": "def double(x):\n    y = x * 2\n    return y\n", "max_stars_repo_name": "me/good",
        "max_stars_repo_path": "good.py", "lang": "Python"}


def write_rows(path: Path, lines: list[bytes]) -> Path:
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def row(**extra) -> bytes:
    return json.dumps({**GOOD, **extra}).encode()


def nested(depth: int) -> bytes:
    return b'{"content": "x = 1\\n", "meta": ' + b"[" * depth + b"]" * depth + b"}"


def reference_depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}\n\t/u0'),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet='k"\\[{'), inner, max_size=4),
    max_leaves=60)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_row_depth_counts_nesting_outside_strings(value):
    text = json.dumps(value).encode()
    assert row_depth(text) == reference_depth(value) or (
        reference_depth(value) <= MAX_DEPTH and row_depth(text) <= MAX_DEPTH and
        text.count(b"[") + text.count(b"{") <= MAX_DEPTH), "exact, or both within the cheap bound"


def test_row_depth_is_exact_past_the_cheap_bound():
    for depth in (MAX_DEPTH + 1, 500, 20_000):
        assert row_depth(nested(depth)) == depth + 1
    quoted = json.dumps({"content": "[" * 5000 + '\\"{' * 300, "ok": [[1]]}).encode()
    assert row_depth(quoted) == 3


@pytest.mark.parametrize("name", ["deep.jsonl", "deep.jsonl.gz", "deep.json"])
def test_a_deeply_nested_row_is_skipped_and_counted_not_a_crash(name, tmp_path, env):
    file = write_rows(tmp_path / name, [row(), nested(20_000), row(content="print('two')\n")])
    done = run_cli(["--store", tmp_path / "i.db", "index", file], env=env, timeout=120)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert "Indexed 2 files" in done.stderr and "1 too-deep" in done.stderr, done.stderr


def test_a_deeply_nested_json_array_document_is_an_error(tmp_path, env):
    file = tmp_path / "rows.json"
    file.write_bytes(b"[" + row() + b"," + nested(20_000) + b"]")
    done = run_cli(["--store", tmp_path / "i.db", "index", file], env=env, timeout=120)
    assert_clean(done.returncode, done.stderr, allowed=(2,))
    assert "rows.json" in done.stderr and "deeper" in done.stderr


def test_a_huge_compressed_line_is_read_as_a_stream(tmp_path, env):
    """512 MiB of one line in a 0.5 MB gzip file: skipped as too large, and the process
    never holds it (its peak memory stays far below the line's size)."""
    file = tmp_path / "huge.jsonl.gz"
    pack = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = b"a" * (1 << 20)
    with file.open("wb") as out:
        out.write(pack.compress(row() + b'\n{"content": "'))
        for _ in range(512):
            out.write(pack.compress(chunk))
        out.write(pack.compress(b'"}\n' + row(content="print('after')\n") + b"\n"))
        out.write(pack.flush())
    assert file.stat().st_size < 2 << 20
    # Started from a small Python process: Linux counts the memory a parent has when it
    # forks into the child's peak, and this test process may be large by now.
    measure = ("import json, resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, "
               "text=True); print(json.dumps([done.returncode, done.stderr, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "attrib", "--store",
                          str(tmp_path / "i.db"), "index", str(file)], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    code, stderr, peak_kb = json.loads(out.stdout)
    assert_clean(code, stderr, allowed=(0,))
    assert "Indexed 2 files" in stderr and "1 too-large" in stderr, stderr
    assert peak_kb < 450 * 1024, f"peak {peak_kb // 1024} MB for a 512 MiB line"


@pytest.mark.parametrize("lines, says", [
    ([row(), b"{not json"], "line 2 is not valid JSON"),
    ([row(), b"[1, 2, 3]"], "line 2 is a JSON list"),
    ([b'"just a string"'], "line 1 is a JSON str"),
    ([row(), b"\xff\xfe{}"], "line 2 is not valid JSON"),
    ([json.dumps({"text": "no content column"}).encode()], "no 'content' column"),
])
def test_rows_that_are_not_rows_are_an_error_naming_the_file(lines, says, tmp_path):
    file = write_rows(tmp_path / "rows.jsonl", lines)
    with pytest.raises(InputError, match=f"rows.jsonl.*{says}"):
        list(open_source(str(file)))


@pytest.mark.parametrize("damage", ["truncated", "not-gzip", "empty"])
def test_a_damaged_gzip_file_is_an_error_naming_it(damage, tmp_path, env):
    file = tmp_path / "rows.jsonl.gz"
    data = gzip.compress(b"\n".join(row(content=f"x{i} = {i}\n") for i in range(2000)))
    file.write_bytes({"truncated": data[: len(data) // 2], "not-gzip": b"plain text, not gzip\n" * 100,
                      "empty": b""}[damage])
    store = tmp_path / "i.db"
    r = invoke(["--store", store, "index", file])
    assert_clean(r.code, r.text, r.exception, allowed=(2,))
    assert ("rows.jsonl.gz" if damage != "empty" else "nothing was indexed") in r.text
    if damage != "empty":
        assert not store.exists(), "a failed first run leaves no empty index behind"


def test_a_json_array_file_and_blank_lines_read_as_rows(tmp_path):
    array = tmp_path / "rows.json"
    array.write_text(json.dumps([GOOD, {**GOOD, "content": "y = 2\n"}], indent=2))
    assert [r.data for r in open_source(str(array))] == [GOOD["content"], "y = 2\n"]
    lines = write_rows(tmp_path / "gaps.jsonl", [b"", row(), b"   ", row(content="z = 3\n"), b""])
    assert [r.path for r in open_source(str(lines))] == ["good.py", "good.py"]


def test_a_long_row_is_skipped_by_the_size_it_would_need(tmp_path):
    big = "x = 1\n" * 400_000  # 2.4 MB: over the 1 MB file limit, and its row over 6 x 1 MB
    file = write_rows(tmp_path / "rows.jsonl", [row(), row(content=big * 3), row(content="ok = 1\n")])
    items = list(open_source(str(file)))
    assert [type(i).__name__ for i in items] == ["RawFile", "Skipped", "RawFile"]
    assert items[1].reason == "too-large" and items[1].path == "rows.jsonl#1"
    small = list(open_source(str(file), max_file_bytes=100))
    assert f"over {6 * 100 + 65536:,} bytes" in small[1].detail, "the limit follows --max-file-size"


def test_a_parquet_schema_nested_too_deep_is_refused_from_its_footer(tmp_path):
    kind = pa.string()
    for _ in range(MAX_DEPTH + 5):
        kind = pa.list_(kind)
    file = tmp_path / "deep.parquet"
    pq.write_table(pa.table({"content": ["x = 1\n"], "meta": pa.array([None], type=kind)}), file)
    with pytest.raises(InputError, match="deep.parquet.*nest"):
        open_source(str(file))


def test_a_parquet_row_group_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch):
    file = tmp_path / "big.parquet"
    pq.write_table(pa.table({"content": [f"x_{i} = {i}\n" * 1000 for i in range(50)]}), file, row_group_size=50)
    assert len(list(open_source(str(file)))) == 50
    monkeypatch.setattr(stack_source, "MAX_ROW_GROUP_BYTES", 10_000)
    with pytest.raises(InputError, match="big.parquet: row group 0 holds .* uncompressed"):
        open_source(str(file))


def test_a_row_cannot_take_over_another_files_identity(tmp_path, env):
    """A crafted row claims the ``hexsha`` of the sample's LGPL file, under MIT with a
    million stars: without the check its provenance lands on the LGPL blob and the scan
    names MIT first. With it, the row is just another blob (its own sha)."""
    store = tmp_path / "i.db"
    assert run_cli(["--store", store, "index", SAMPLE], env=env, timeout=300).returncode == 0
    scan = json.loads(run_cli(["--store", store, "scan", SNIPPET, "--format", "json"], env=env).stdout)
    source = scan["files"][0]["matches"][0]["source"]
    assert source["licenses"] == ["LGPL-2.1-or-later"]
    lgpl_sha = next(m["source"]["sha"] for m in scan["files"][0]["matches"])
    crafted = write_rows(tmp_path / "crafted.jsonl", [json.dumps({
        "content": "print('nothing to see')\n", "hexsha": lgpl_sha, "max_stars_repo_name": "evil/relicensed",
        "max_stars_repo_path": "chardet/universaldetector.py", "max_stars_repo_licenses": ["MIT"],
        "max_stars_count": 1_000_000, "lang": "Python"}).encode()])
    done = run_cli(["--store", store, "index", crafted], env=env, timeout=120)
    assert_clean(done.returncode, done.stderr, allowed=(0,))
    assert "Indexed 1 files" in done.stderr, "a new blob, not provenance of the LGPL one"
    again = json.loads(run_cli(["--store", store, "scan", SNIPPET, "--format", "json"], env=env).stdout)
    match = again["files"][0]["matches"][0]
    assert match["source"]["licenses"] == ["LGPL-2.1-or-later"] and match["other_sources"] == 0
    assert again["files"][0]["verdict"] == "fail"
    assert git_blob_sha(b"print('nothing to see')\n") != lgpl_sha


def test_skipped_rows_do_not_change_the_store(tmp_path):
    store = tmp_path / "i.db"
    good = write_rows(tmp_path / "good.jsonl", [row()])
    assert invoke(["--store", store, "index", good]).code == 0
    before = store_files(store)
    bad = write_rows(tmp_path / "bad.jsonl", [nested(100), b"{oops"])
    r = invoke(["--store", store, "index", bad])
    assert_clean(r.code, r.text, r.exception, allowed=(2,))
    assert store_files(store) == before
    (deep,) = open_source(str(write_rows(tmp_path / "deep.jsonl", [nested(100)])))
    assert isinstance(deep, Skipped) and deep.reason == "too-deep"
