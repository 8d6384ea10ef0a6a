"""Sources: real parquet/JSON files, real git repositories, the real (unreachable) hub.

Nothing here mocks ``datasets`` or git: files are written with pyarrow and git itself,
and the hub tests run the real code path in a subprocess against an endpoint that
refuses connections, so they also prove the failure is fast.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attrib.errors import InputError
from attrib.languages import from_path, lang_key
from attrib.evidence import file_evidence
from attrib.files import RawFile, Skipped, decode
from attrib.indexer.sources import Source, open_source
from attrib.indexer.pipeline import with_evidence
from attrib.indexer.sources.licenses import (
    declared_ids,
    detect_repo_licenses,
    identify_license_text,
    is_license_file,
    spdx_header,
)
from attrib.indexer.sources.local import repo_name_from_remote
from realcode import MIT_TEXT

REPO_ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------
# Stack-schema files


def stack_row(i: int, lang: str = "Python", ext: str = "py", **extra) -> dict:
    """A row with The Stack v1.2's columns (max_issues_* / max_forks_* included)."""
    content = f"def f{i}(x):\n    return x + {i}\n"
    row = {
        "content": content, "size": len(content), "lang": lang, "ext": ext,
        "hexsha": f"{i:040x}",
        "avg_line_length": 15.0, "max_line_length": 20, "alphanum_fraction": 0.7,
    }
    for prefix, count in (("max_stars", i), ("max_issues", 1), ("max_forks", 2)):
        row.update({
            f"{prefix}_repo_name": f"owner{i % 3}/repo{i % 3}",
            f"{prefix}_repo_path": f"src/file{i}.{ext}",
            f"{prefix}_repo_head_hexsha": "c" * 40,
            f"{prefix}_repo_licenses": ["MIT", "Apache-2.0"],
            f"{prefix}_count": count,
        })
    row.update(extra)
    return row


def write_parquet(path: Path, rows: list[dict], row_group_size: int = 50) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def test_parquet_rows_map_to_rawfiles(tmp_path):
    file = write_parquet(tmp_path / "train.parquet", [stack_row(i) for i in range(120)])
    source = open_source(str(file))
    items = list(source)
    assert isinstance(source, Source)
    assert source.estimated_total() == 120 and len(items) == 120
    assert "train.parquet" in source.describe()
    first = items[7]
    assert first == RawFile(
        data="def f7(x):\n    return x + 7\n", repo="owner1/repo1", path="src/file7.py",
        commit="c" * 40, licenses=("MIT", "Apache-2.0"), lang="Python", stars=7,
    ), "hexsha is not trusted: the pipeline computes every id from the content"
    assert list(source) == items, "a second iteration starts over"


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.gz", "rows.json"])
def test_json_formats(tmp_path, name):
    rows = [stack_row(i) for i in range(5)]
    if name == "rows.json":
        (tmp_path / name).write_text(json.dumps(rows))
    else:
        write_jsonl(tmp_path / name, rows)
    items = list(open_source(str(tmp_path / name)))
    assert [r.path for r in items] == [f"src/file{i}.py" for i in range(5)]
    assert items[0].licenses == ("MIT", "Apache-2.0")


def stack_layout(root: Path) -> Path:
    """The Stack's hub layout: data/<lang>/train-*.parquet, plus a README."""
    data = root / "the-stack"
    write_parquet(data / "data/python/train-00000-of-00002.parquet",
                  [stack_row(i) for i in range(0, 30)])
    write_parquet(data / "data/python/train-00001-of-00002.parquet",
                  [stack_row(i) for i in range(30, 40)])
    write_parquet(data / "data/java/train-00000-of-00001.parquet",
                  [stack_row(i, "Java", "java") for i in range(40, 60)])
    write_parquet(data / "data/c-sharp/train-00000-of-00001.parquet",
                  [stack_row(i, "C#", "cs") for i in range(60, 65)])
    (data / "README.md").write_text("# The Stack (sample)\n")
    (data / ".gitattributes").write_text("*.parquet filter=lfs\n")
    return data


def test_directory_in_stack_layout(tmp_path):
    data = stack_layout(tmp_path)
    source = open_source(str(data))
    assert source.describe() == f"4 parquet files under {data}"
    assert source.estimated_total() == 65
    assert sorted(r.lang for r in source).count("Python") == 40


def _files(source) -> list[tuple]:
    return sorted((r.repo, r.path, r.lang, r.data, r.licenses, r.stars, r.first_seen) for r in source)


@pytest.mark.parametrize("langs", [frozenset(), frozenset({"python"}), frozenset({"java", "c-sharp"})])
def test_hub_reader_streams_what_the_local_reader_reads(tmp_path, langs):
    """The hub's reader (``datasets`` streaming, one part per data/<lang> folder) run on a
    local folder in the hub's layout gives the files the local parquet reader gives."""
    from attrib.indexer.sources.stack import stream_stack

    data = stack_layout(tmp_path)
    streamed = stream_stack(str(data), langs=langs)
    assert len(streamed.parts) == max(1, len(langs))
    local = open_source(str(data), langs=sorted(langs))
    assert _files(streamed) == _files(local)
    assert len(_files(streamed)) == {frozenset(): 65, frozenset({"python"}): 40}.get(langs, 25)


def test_hub_reader_shards_by_data_file(tmp_path):
    """A shard streams only its share of the data files (as listed by the hub), and the
    shards together are the whole dataset, each file once."""
    from attrib.indexer.sources.shard import Shard
    from attrib.indexer.sources.stack import stream_stack

    data = stack_layout(tmp_path)
    listed = [str(f.relative_to(data)) for f in sorted(data.rglob("*")) if f.is_file()]
    shards = [stream_stack(str(data), shard=Shard(i, 2), list_files=lambda: listed) for i in range(2)]
    assert all(len(s.parts) == 2 for s in shards)
    together = _files(shards[0]) + _files(shards[1])
    assert sorted(together) == _files(open_source(str(data))) and len(together) == 65


@pytest.mark.parametrize("langs, expected", [
    (["python"], {"Python": 40}),
    (["Python", "JAVA"], {"Python": 40, "Java": 20}),
    (["c-sharp"], {"C#": 5}),
    (["C#"], {"C#": 5}),
])
def test_lang_filter_is_case_and_spelling_insensitive(tmp_path, langs, expected):
    items = list(open_source(str(stack_layout(tmp_path)), langs=langs))
    counts: dict[str, int] = {}
    for item in items:
        counts[item.lang] = counts.get(item.lang, 0) + 1
    assert counts == expected


def test_lang_folders_of_other_languages_are_not_opened(tmp_path):
    data = stack_layout(tmp_path)
    (data / "data/java/train-00000-of-00001.parquet").write_bytes(b"not parquet at all")
    source = open_source(str(data), langs=["Python"])
    assert source.estimated_total() == 40, "python folders only: parquet footers count exactly"
    assert len(list(source)) == 40


def test_mixed_file_is_filtered_row_by_row(tmp_path):
    rows = [stack_row(i, "Python" if i % 2 else "Go", "py" if i % 2 else "go") for i in range(10)]
    file = write_parquet(tmp_path / "mixed.parquet", rows)
    source = open_source(str(file), langs=["go"])
    assert source.estimated_total() is None, "how many rows are Go is unknown until read"
    assert [r.lang for r in source] == ["Go"] * 5


def test_limit_stops_after_n_rows_across_files(tmp_path):
    data = stack_layout(tmp_path)
    source = open_source(str(data), langs=["python"], limit=35)
    items = list(source)
    assert len(items) == 35 and {r.lang for r in items} == {"Python"}
    assert source.estimated_total() == 35
    assert open_source(str(data), limit=10).estimated_total() == 10
    assert list(open_source(str(data), limit=0)) == []


def test_only_content_is_required(tmp_path):
    rows = [{"content": "print('a')\n"}, {"content": None}, {"content": "print('b')\n"}]
    file = write_jsonl(tmp_path / "bare.jsonl", rows)
    items = list(open_source(str(file)))
    assert [(r.data, r.repo, r.path, r.commit, r.licenses, r.lang, r.stars) for r in items] == [
        ("print('a')\n", "", "bare.jsonl#0", "", (), None, None),
        ("print('b')\n", "", "bare.jsonl#2", "", (), None, None),
    ], "a row without content is not a file; the others keep their row number as path"
    given = list(open_source(str(file), repo="acme/dump", commit="abc", licenses=("MIT",)))
    assert {(r.repo, r.commit, r.licenses) for r in given} == {("acme/dump", "abc", ("MIT",))}


def test_odd_values_do_not_crash(tmp_path):
    rows = [
        stack_row(1, max_stars_count=math.nan, max_stars_repo_licenses=None),
        stack_row(2, max_stars_repo_name=None),  # falls back to the forks copy
    ]
    items = list(open_source(str(write_parquet(tmp_path / "odd.parquet", rows))))
    assert items[0].stars is None and items[0].licenses == ()
    assert items[1].repo == "owner2/repo2" and items[1].stars == 2


def test_missing_content_column_names_file_and_columns(tmp_path):
    file = write_parquet(tmp_path / "wrong.parquet", [{"text": "x", "lang": "Python"}])
    with pytest.raises(InputError, match=r"wrong\.parquet has no 'content' column \(it has: text, lang\)"):
        list(open_source(str(file)))


def test_truncated_parquet_fails_at_open_naming_the_file(tmp_path):
    good = write_parquet(tmp_path / "good.parquet", [stack_row(i) for i in range(200)])
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match=r"cannot read .*broken\.parquet: .*magic bytes"):
        open_source(str(broken))


def test_damaged_row_group_fails_during_iteration_naming_the_file(tmp_path, capfd):
    """The footer is intact, so the file opens; pyarrow fails when it decompresses a page
    ("Corrupt snappy compressed data") — only during iteration, and without the file
    name, which the source adds."""
    data = tmp_path / "data"
    write_parquet(data / "a.parquet", [stack_row(i) for i in range(10)])
    damaged = write_parquet(data / "b.parquet", [stack_row(i) for i in range(200)])
    raw = bytearray(damaged.read_bytes())
    raw[100: len(raw) // 2] = b"\xab" * (len(raw) // 2 - 100)
    damaged.write_bytes(bytes(raw))
    source = open_source(str(data))
    seen = []
    with pytest.raises(InputError, match=r"cannot read .*b\.parquet"):
        for item in source:
            seen.append(item)
    assert len(seen) == 10, "the good file was read before the damaged one failed"
    assert "Failed to" not in capfd.readouterr().err, "datasets' own error log is silenced"


def test_invalid_json_fails_naming_the_file(tmp_path):
    file = write_jsonl(tmp_path / "rows.jsonl", [stack_row(i) for i in range(3)])
    with file.open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(InputError, match=r"cannot read .*rows\.jsonl: .*JSON"):
        list(open_source(str(file)))


# ---------------------------------------------------------------------------------------
# The hub


def run_hub_open(env_overrides: dict[str, str], spec: str = "hf:bigcode/the-stack"):
    """Open a hub source in a fresh interpreter (huggingface_hub reads its settings at
    import); return (exit code, output, seconds)."""
    script = (
        "import sys\n"
        "from attrib.errors import InputError\n"
        "from attrib.indexer.sources import open_source\n"
        "try:\n"
        f"    open_source({spec!r}, langs=['python'])\n"
        "except InputError as exc:\n"
        "    print(exc); sys.exit(2)\n"
        "print('opened')\n"
    )
    env = {**os.environ, **env_overrides}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=120)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def refused_endpoint() -> str:
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_hub_message(output: str):
    assert "cannot stream bigcode/the-stack from the Hugging Face Hub" in output
    assert "https://huggingface.co/datasets/bigcode/the-stack" in output
    assert "HF_TOKEN" in output and "huggingface-cli login" in output
    assert "pass their local path" in output
    assert "Traceback" not in output and "Retrying" not in output


def test_unreachable_hub_fails_fast_with_one_clear_message():
    code, output, seconds = run_hub_open({"HF_ENDPOINT": refused_endpoint(), "HF_HUB_OFFLINE": "0"})
    assert code == 2, output
    assert_hub_message(output)
    assert "cannot be reached" in output
    assert seconds < 30, "no retry back-off"


def test_offline_mode_fails_fast():
    code, output, seconds = run_hub_open({"HF_HUB_OFFLINE": "1"})
    assert code == 2, output
    assert_hub_message(output)
    assert "HF_HUB_OFFLINE" in output and seconds < 30


def test_real_hub_from_this_machine_fails_clearly_or_opens():
    """Whatever the network here: no access → the clear error, in bounded time."""
    code, output, seconds = run_hub_open({"HF_HUB_OFFLINE": "0"})
    if code == 0:
        pytest.skip("this machine can read bigcode/the-stack")
    assert code == 2, output
    assert_hub_message(output)
    assert seconds < 60


def test_bad_dataset_id():
    with pytest.raises(InputError, match="not a Hugging Face dataset id"):
        open_source("hf:not a dataset")


# ---------------------------------------------------------------------------------------
# Local directories and git repositories


APACHE_TEXT = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.
"""

GPL3_TEXT = """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.

  13. Use with the GNU Affero General Public License.

  Notwithstanding any other provision of this License, you have
permission to link or combine any covered work with a work licensed
under version 3 of the GNU Affero General Public License into a single
combined work, and to convey the resulting work.

  If your program is a subroutine library, you may consider it more useful
to permit linking proprietary applications with the library.  If this is
what you want to do, use the GNU Lesser General Public License instead of
this License.
"""

LGPL3_TEXT = """                   GNU LESSER GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

  This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.
"""

BSD3_TEXT = """BSD 3-Clause License

Copyright (c) 2020, The Widget Authors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.
"""

BSD2_TEXT = BSD3_TEXT.split("3. Neither")[0].replace("BSD 3-Clause License", "")

ISC_TEXT = """ISC License

Copyright (c) 2019, Someone

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
"""

MPL2_TEXT = """Mozilla Public License Version 2.0
==================================

1.12. "Secondary License"
    means either the GNU General Public License, Version 2.0, the GNU Lesser
    General Public License, Version 2.1, the GNU Affero General Public
    License, Version 3.0, or any later versions of those licenses.
"""

GPL2_NOTICE = """/*
 * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation; either version 2 of the License, or
 * (at your option) any later version.
 */
"""


@pytest.mark.parametrize("text, expected", [
    (MIT_TEXT, ("MIT",)),
    (APACHE_TEXT, ("Apache-2.0",)),
    (GPL3_TEXT, ("GPL-3.0",)),
    (BSD3_TEXT, ("BSD-3-Clause",)),
    (BSD2_TEXT, ("BSD-2-Clause",)),
    (ISC_TEXT, ("ISC",)),
    (MPL2_TEXT, ("MPL-2.0",)),
    (LGPL3_TEXT, ("LGPL-3.0",)),
    (GPL2_NOTICE, ("GPL-2.0",)),
    ("This is free and unencumbered software released into the public domain.", ("Unlicense",)),
    ("Boost Software License - Version 1.0 - August 17th, 2003", ("BSL-1.0",)),
    ("Licensed under the MIT license.", ("MIT",)),
    ("All rights reserved. Do not copy.", ()),
])
def test_license_texts(text, expected):
    assert identify_license_text(text) == expected


def test_dual_license_file_lists_both_in_order():
    assert identify_license_text(APACHE_TEXT + "\n\n" + MIT_TEXT) == ("Apache-2.0", "MIT")


@pytest.mark.parametrize("name, ok", [
    ("LICENSE", True), ("license.txt", True), ("Licence.md", True), ("COPYING", True),
    ("UNLICENSE", True), ("LICENSE-MIT", True), ("COPYING.LESSER", True), ("LICENSE.rst", True),
    ("licenses.py", False), ("license_check.go", False), ("README.md", False),
])
def test_license_file_names(name, ok):
    assert is_license_file(name) is ok


def test_repo_license_files_and_lgpl_pair(tmp_path):
    (tmp_path / "LICENSE-MIT").write_text(MIT_TEXT)
    (tmp_path / "LICENSE-APACHE").write_text(APACHE_TEXT)
    assert set(detect_repo_licenses(tmp_path)) == {"MIT", "Apache-2.0"}
    lgpl = tmp_path / "lgpl"
    lgpl.mkdir()
    (lgpl / "COPYING").write_text(GPL3_TEXT)
    (lgpl / "COPYING.LESSER").write_text(LGPL3_TEXT)
    assert detect_repo_licenses(lgpl) == ("LGPL-3.0",)


def test_manifest_fallbacks(tmp_path):
    py = tmp_path / "py"
    py.mkdir()
    (py / "pyproject.toml").write_text('[project]\nname = "x"\nlicense = {text = "BSD 3-Clause"}\n')
    assert detect_repo_licenses(py) == ("BSD-3-Clause",)
    (py / "pyproject.toml").write_text('[project]\nname = "x"\nlicense = "MIT OR Apache-2.0"\n')
    assert detect_repo_licenses(py) == ("MIT", "Apache-2.0")
    js = tmp_path / "js"
    js.mkdir()
    (js / "package.json").write_text(json.dumps({"name": "x", "license": "ISC"}))
    assert detect_repo_licenses(js) == ("ISC",)
    (js / "package.json").write_text("{broken")
    assert detect_repo_licenses(js) == ()
    (tmp_path / "none").mkdir()
    assert detect_repo_licenses(tmp_path / "none") == ()


def test_spdx_headers():
    assert spdx_header("// SPDX-License-Identifier: Apache-2.0\npackage x\n") == "Apache-2.0"
    assert spdx_header("<!-- SPDX-License-Identifier: CC0-1.0 -->\n") == "CC0-1.0"
    late = "\n" * 25 + "# SPDX-License-Identifier: MIT\n"
    assert spdx_header(late) is None, "only the first 20 lines count"
    assert declared_ids("GPL-2.0-or-later WITH Classpath-exception-2.0") == ("GPL-2.0-or-later",)
    assert declared_ids("(MIT OR Apache-2.0)") == ("MIT", "Apache-2.0")
    assert file_evidence("# SPDX-License-Identifier: NOASSERTION\n", "Python").licenses(("MIT",)) == ("MIT",)
    assert file_evidence("# SPDX-License-Identifier: BSD-3-Clause\n", "Python").licenses(("MIT",)) == ("BSD-3-Clause",)
    assert file_evidence("x = 1\n", "Python").licenses(("MIT",)) == ("MIT",)


@pytest.mark.parametrize("url, name", [
    ("https://github.com/acme/widgets.git", "acme/widgets"),
    ("https://github.com/acme/widgets", "acme/widgets"),
    ("https://user:token@github.com/acme/widgets.git/", "acme/widgets"),
    ("git@github.com:acme/widgets.git", "acme/widgets"),
    ("github.com:acme/widgets", "acme/widgets"),
    ("ssh://git@github.com/acme/widgets.git", "acme/widgets"),
    ("ssh://git@gitlab.example.com:2222/group/sub/widgets.git", "group/sub/widgets"),
    ("git://github.com/acme/widgets.git", "acme/widgets"),
    ("/srv/git/widgets.git", None),
    ("../widgets", None),
    ("file:///srv/git/widgets.git", None),
    ("https://github.com/acme", None),
])
def test_remote_url_parsing(url, name):
    assert repo_name_from_remote(url) == name


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
         "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-C", str(repo), *args],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.fixture
def repo(tmp_path) -> Path:
    """A committed git repository with an MIT license and a GitHub origin."""
    root = tmp_path / "checkout"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "LICENSE", MIT_TEXT)
    write(root / "src/app.py", "def main():\n    return 42\n")
    write(root / "src/gpl_part.c", "// SPDX-License-Identifier: GPL-2.0-only\nint x;\n")
    write(root / "src/[id].tsx", "export default () => null;\n")
    write(root / "docs/read me.md", "# Docs\n")
    write(root / "data.bin", b"\x00\x01\x02binary")
    write(root / ".gitignore", "ignored.py\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    git(root, "remote", "add", "origin", "git@github.com:acme/widgets.git")
    write(root / "ignored.py", "print('ignored')\n")
    write(root / "untracked.py", "print('untracked')\n")
    return root


def test_git_repository(repo):
    source = open_source(str(repo))
    head = git(repo, "rev-parse", "HEAD")
    items = {r.path: r for r in source}
    # only code: LICENSE, .gitignore and data.bin name no language
    assert set(items) == {"docs/read me.md", "src/[id].tsx", "src/app.py", "src/gpl_part.c"}
    assert source.estimated_total() == 4
    assert source.describe() == f"git repository acme/widgets @ {head[:12]}"
    app = items["src/app.py"]
    assert app.data == b"def main():\n    return 42\n"
    assert (app.repo, app.commit, app.licenses, app.lang) == ("acme/widgets", head, ("MIT",), "Python")
    assert decode(app).sha == git(repo, "hash-object", "src/app.py"), "the index's id is git's blob id"
    gpl = with_evidence(decode(items["src/gpl_part.c"]))
    assert (gpl.licenses, gpl.file_licenses, gpl.repo_licenses) == (("GPL-2.0-only",), ("GPL-2.0-only",), ("MIT",)), \
        "the SPDX tag overrides"
    assert items["src/[id].tsx"].lang == "TypeScript"


def test_git_edge_cases(repo):
    write(repo / "src/app.py", "def main():\n    return 43\n")  # edited since commit
    (repo / "docs/read me.md").unlink()  # deleted from the work tree
    os.symlink("app.py", repo / "src/link.py")
    git(repo, "add", "src/link.py")
    read = list(open_source(str(repo)))
    items = {r.path: r for r in read if isinstance(r, RawFile)}
    assert decode(items["src/app.py"]).sha == git(repo, "hash-object", "src/app.py"), "the bytes on disk"
    assert items["src/app.py"].data.endswith(b"43\n")
    assert "docs/read me.md" not in items and "src/link.py" not in items
    assert [(r.path, r.reason) for r in read if isinstance(r, Skipped)] == [("docs/read me.md", "unreadable")]


def test_git_subdirectory_and_single_file(repo):
    items = list(open_source(str(repo / "src")))
    assert {r.path for r in items} == {"src/[id].tsx", "src/app.py", "src/gpl_part.c"}
    assert {r.licenses for r in items if r.path != "src/gpl_part.c"} == {("MIT",)}
    (single,) = list(open_source(str(repo / "src/[id].tsx")))
    assert (single.path, single.repo) == ("src/[id].tsx", "acme/widgets")
    assert decode(single).sha == git(repo, "hash-object", "src/[id].tsx")


def test_git_overrides_and_filters(repo):
    source = open_source(str(repo), repo="other/name", commit="deadbeef", licenses=("Apache-2.0",),
                         langs=["python", "C"])
    items = list(source)
    assert {r.path for r in items} == {"src/app.py", "src/gpl_part.c"}
    assert {(r.repo, r.commit, r.licenses) for r in items} == {("other/name", "deadbeef", ("Apache-2.0",))}
    assert source.estimated_total() == 2
    assert len(list(open_source(str(repo), limit=3))) == 3


def test_git_without_remote_or_commits(tmp_path):
    root = tmp_path / "fresh-project"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "main.go", "package main\n")
    git(root, "add", "main.go")  # staged, never committed
    (item,) = list(open_source(str(root)))
    assert (item.repo, item.commit, item.path, item.lang) == ("fresh-project", "", "main.go", "Go")
    assert decode(item).sha == git(root, "hash-object", "main.go")


def test_plain_directory_walk(tmp_path):
    root = tmp_path / "project"
    write(root / "pkg/mod.py", "x = 1\n")
    write(root / "pkg/util.rs", "fn main() {}\n")
    write(root / "COPYING", GPL3_TEXT)
    for skipped in ("node_modules/lib/index.js", ".venv/lib/site.py", "pkg/__pycache__/mod.pyc",
                    "dist/out.js", "build/gen.c", ".hidden/secret.py", "pkg/.env", "venv/x.py"):
        write(root / skipped, "skipped\n")
    source = open_source(str(root))
    items = list(source)
    assert [r.path for r in items] == ["pkg/mod.py", "pkg/util.rs"]  # COPYING is not code
    assert {(r.repo, r.commit, r.licenses) for r in items} == {("project", "", ("GPL-3.0",))}
    assert items[1].lang == "Rust" and items[0].data == b"x = 1\n"
    assert source.estimated_total() is None and source.describe() == f"directory {root.resolve()}"


def test_single_plain_file(tmp_path):
    file = write(tmp_path / "snippets/solo.js", "// SPDX-License-Identifier: MIT\nlet a = 1;\n")
    (item,) = list(open_source(str(file)))
    assert (item.path, item.repo, item.lang, item.licenses) == ("solo.js", "snippets", "JavaScript", ())
    assert with_evidence(decode(item)).licenses == ("MIT",), "the SPDX tag names the file's license"


# ---------------------------------------------------------------------------------------
# Dispatch


def test_dispatch(tmp_path):
    with pytest.raises(InputError, match="no such file or directory: .*missing"):
        open_source(str(tmp_path / "missing"))
    with pytest.raises(InputError, match="limit"):
        open_source(str(tmp_path), limit=-1)
    code = tmp_path / "code"
    write(code / "a.py", "a = 1\n")
    write(code / "b.py", "b = 2\n")
    write(code / "fixtures.json", "[]")
    assert "directory" in open_source(str(code)).describe(), "a code folder with some JSON is code"
    data = tmp_path / "dump"
    write_jsonl(data / "part-0.jsonl", [stack_row(0)])
    write(data / "README.md", "about\n")
    assert open_source(str(data)).describe() == f"1 data file under {data}"


def test_language_names():
    assert from_path("a/b/c.py") == "Python"
    assert from_path("x.cpp") == from_path("x.hpp") == "C++"
    assert from_path("Makefile") == "Makefile" and from_path(".bashrc") is None
    assert lang_key("C#") == lang_key("c-sharp") == "c-sharp"
