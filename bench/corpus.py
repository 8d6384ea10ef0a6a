"""Build a corpus of real Python code in The Stack v1.2 parquet schema.

The rows come from source distributions of pure-Python PyPI packages with known licenses
(pinned below with the SPDX id of each). Every ``.py`` file of each sdist becomes one row,
laid out like The Stack on the hub::

    OUT/data/python/train-00000-of-0000N.parquet

Downloads go through ``pip download`` (sdists only) and are cached under
``bench/data/sdists/``. Used by the accuracy benchmark (``bench/accuracy.py``) and to
regenerate the bundled sample (``scripts/make_sample.py``).

    python bench/corpus.py --out /tmp/corpus                 # the benchmark's indexed set
    python bench/corpus.py --out /tmp/c --packages six,idna  # a chosen few
"""
from __future__ import annotations

import argparse
import email.parser
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from indexer.filters import git_blob_sha  # the same blob id the indexer computes

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "sdists"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    license: str  # SPDX id, as The Stack's max_stars_repo_licenses holds them
    repo: str | None = None  # GitHub owner/name where PKG-INFO does not name it

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


# Pinned packages: name, version, SPDX license. Pure Python, sdist on PyPI.
PACKAGES: dict[str, Package] = {p.name: p for p in [
    # permissive
    Package("attrs", "23.2.0", "MIT"),
    Package("click", "8.1.7", "BSD-3-Clause"),
    Package("six", "1.16.0", "MIT"),
    Package("idna", "3.7", "BSD-3-Clause"),
    Package("jinja2", "3.1.4", "BSD-3-Clause"),
    Package("itsdangerous", "2.2.0", "BSD-3-Clause"),
    Package("werkzeug", "3.0.3", "BSD-3-Clause"),
    Package("flask", "3.0.3", "BSD-3-Clause"),
    Package("requests", "2.31.0", "Apache-2.0"),
    Package("urllib3", "2.2.1", "MIT"),
    Package("pyparsing", "3.1.2", "MIT"),
    Package("tomli", "2.0.1", "MIT"),
    Package("pluggy", "1.5.0", "MIT"),
    Package("colorama", "0.4.6", "BSD-3-Clause"),
    Package("markdown", "3.6", "BSD-3-Clause"),
    Package("html5lib", "1.1", "MIT"),
    Package("pycparser", "2.22", "BSD-3-Clause"),
    Package("ply", "3.11", "BSD-3-Clause", "dabeaz/ply"),
    Package("bottle", "0.12.25", "MIT", "bottlepy/bottle"),
    Package("more-itertools", "10.2.0", "MIT"),
    Package("sortedcontainers", "2.4.0", "Apache-2.0", "grantjenks/python-sortedcontainers"),
    Package("toolz", "0.12.1", "BSD-3-Clause"),
    Package("decorator", "5.1.1", "BSD-2-Clause"),
    Package("jsonschema", "4.21.1", "MIT"),
    Package("pyflakes", "3.2.0", "MIT"),
    Package("pycodestyle", "2.11.1", "MIT", "PyCQA/pycodestyle"),
    Package("isort", "5.13.2", "MIT"),
    Package("tabulate", "0.9.0", "MIT"),
    Package("docopt", "0.6.2", "MIT", "docopt/docopt"),
    Package("sqlparse", "0.5.0", "BSD-3-Clause"),
    Package("python-gnupg", "0.5.2", "BSD-3-Clause"),
    Package("cachetools", "5.3.3", "MIT"),
    Package("mccabe", "0.7.0", "MIT"),
    # copyleft (weak and strong)
    Package("chardet", "5.2.0", "LGPL-2.1-or-later"),
    Package("paramiko", "3.4.0", "LGPL-2.1-or-later"),
    Package("astroid", "3.1.0", "LGPL-2.1-or-later"),
    Package("mutagen", "1.47.0", "GPL-2.0-or-later"),
    Package("pathspec", "0.12.1", "MPL-2.0"),
]}

# The benchmark's indexed packages and its held-out ones (never indexed: negatives and
# the unrelated context lines of embedded queries).
BENCH_INDEXED = [
    "attrs", "click", "six", "idna", "chardet", "jinja2", "itsdangerous", "werkzeug",
    "flask", "requests", "urllib3", "tomli", "pluggy", "colorama",
    "markdown", "html5lib", "pycparser", "ply", "bottle", "more-itertools",
    "sortedcontainers", "toolz", "decorator", "jsonschema", "pyflakes", "pycodestyle",
    "isort", "paramiko", "mutagen", "pathspec",
]
BENCH_HELD_OUT = ["tabulate", "docopt", "sqlparse", "python-gnupg", "cachetools", "mccabe"]
QUICK_INDEXED = ["attrs", "click", "six", "idna", "chardet", "itsdangerous", "requests",
                 "tomli", "colorama", "decorator", "pathspec"]
QUICK_HELD_OUT = ["tabulate", "docopt"]

# The bundled sample (examples/stack-sample): a few permissive packages and one copyleft.
SAMPLE = ["six", "idna", "itsdangerous", "requests", "chardet"]

# The Stack v1.2 column order.
COLUMNS = [
    "hexsha", "size", "ext", "lang",
    "max_stars_repo_path", "max_stars_repo_name", "max_stars_repo_head_hexsha",
    "max_stars_repo_licenses", "max_stars_count",
    "max_stars_repo_stars_event_min_datetime", "max_stars_repo_stars_event_max_datetime",
    "max_issues_repo_path", "max_issues_repo_name", "max_issues_repo_head_hexsha",
    "max_issues_repo_licenses", "max_issues_count",
    "max_issues_repo_issues_event_min_datetime", "max_issues_repo_issues_event_max_datetime",
    "max_forks_repo_path", "max_forks_repo_name", "max_forks_repo_head_hexsha",
    "max_forks_repo_licenses", "max_forks_count",
    "max_forks_repo_forks_event_min_datetime", "max_forks_repo_forks_event_max_datetime",
    "content", "avg_line_length", "max_line_length", "alphanum_fraction",
]


def download(pkg: Package, cache: Path = CACHE) -> Path:
    """The sdist of ``pkg`` (downloaded once, then from the cache)."""
    dest = cache / f"{pkg.name}-{pkg.version}"
    found = _sdist_in(dest)
    if found:
        return found
    dest.mkdir(parents=True, exist_ok=True)
    # --no-binary for the package only: build requirements may come as wheels (fast).
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
           "--disable-pip-version-check", "--no-binary", pkg.name, pkg.pin, "-d", str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = _sdist_in(dest)
    if not found:
        # Old setup.py files import pkg_resources, which new setuptools dropped: pip
        # only gets the sdist after preparing its metadata, so retry with an older one.
        constraints = dest / "build-constraints.txt"
        constraints.write_text("setuptools<70\n")
        env = dict(os.environ, PIP_CONSTRAINT=str(constraints))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        found = _sdist_in(dest)
    if not found:
        raise RuntimeError(f"pip download {pkg.pin} failed:\n{proc.stderr[-2000:]}")
    return found


def _sdist_in(dest: Path) -> Path | None:
    if not dest.is_dir():
        return None
    for f in sorted(dest.iterdir()):
        if f.name.endswith((".tar.gz", ".tgz", ".zip", ".tar.bz2")):
            return f
    return None


def _members(archive: Path):
    """Yield (path, bytes) of every regular file in an sdist archive."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)
    else:
        with tarfile.open(archive) as tf:
            for m in tf.getmembers():
                if m.isfile():
                    fh = tf.extractfile(m)
                    if fh is not None:
                        yield m.name, fh.read()


_GITHUB = re.compile(r"https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+)", re.I)


def repo_name(pkg_info: bytes | None, name: str) -> str:
    """``owner/name`` of the project's GitHub repository from PKG-INFO, else pypi/<name>."""
    if pkg_info:
        msg = email.parser.BytesParser().parsebytes(pkg_info, headersonly=True)
        urls = []
        for value in msg.get_all("Project-URL") or []:
            label, _, url = value.partition(",")
            rank = 0 if re.search(r"source|repo|code|github", label, re.I) else 1
            urls.append((rank, url.strip()))
        for key in ("Home-page", "Download-URL"):
            if msg.get(key):
                urls.append((2, msg[key].strip()))
        for _, url in sorted(urls, key=lambda u: u[0]):
            m = _GITHUB.match(url)
            if m:
                owner, repo = m.group(1), m.group(2)
                if repo.endswith(".git"):
                    repo = repo[:-4]
                return f"{owner}/{repo}"
    return f"pypi/{name}"


def package_rows(pkg: Package, cache: Path = CACHE) -> list[dict]:
    """One Stack-schema row per ``.py`` file of the package's sdist."""
    archive = download(pkg, cache)
    files = list(_members(archive))
    # sdists hold one top directory ``name-version/``; paths are given inside it.
    top = {p.split("/", 1)[0] for p, _ in files}
    strip = len(top) == 1
    pkg_info = None
    for p, data in files:
        if strip and p.count("/") == 1 and p.endswith("/PKG-INFO"):
            pkg_info = data
    repo = pkg.repo or repo_name(pkg_info, pkg.name)
    head = hashlib.sha1(pkg.pin.encode()).hexdigest()
    rows = []
    for p, data in sorted(files):
        if not p.endswith(".py"):
            continue
        path = p.split("/", 1)[1] if strip and "/" in p else p
        if b"\0" in data:
            continue
        content = data.decode("utf-8", errors="replace")
        rows.append(stack_row(content, repo, path, head, [pkg.license]))
    return rows


def stack_row(content: str, repo: str, path: str, head: str, licenses: list[str],
              stars: int | None = None) -> dict:
    data = content.encode("utf-8")
    lines = content.splitlines() or [""]
    row = {
        "hexsha": git_blob_sha(data),
        "size": len(data),
        "ext": "py",
        "lang": "Python",
        "content": content,
        "avg_line_length": sum(len(l) for l in lines) / len(lines),
        "max_line_length": max(len(l) for l in lines),
        "alphanum_fraction": (sum(c.isalnum() for c in content) / len(content)) if content else 0.0,
    }
    for kind in ("stars", "issues", "forks"):
        row[f"max_{kind}_repo_path"] = path
        row[f"max_{kind}_repo_name"] = repo
        row[f"max_{kind}_repo_head_hexsha"] = head
        row[f"max_{kind}_repo_licenses"] = list(licenses)
        row[f"max_{kind}_count"] = stars
        row[f"max_{kind}_repo_{kind}_event_min_datetime"] = None
        row[f"max_{kind}_repo_{kind}_event_max_datetime"] = None
    return row


def build_rows(names: list[str], cache: Path = CACHE, jobs: int = 3) -> dict[str, list[dict]]:
    """Rows of each named package (downloads in parallel)."""
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        raise SystemExit(f"unknown package(s) {', '.join(unknown)}; pinned ones: "
                         + ", ".join(sorted(PACKAGES)))
    pkgs = [PACKAGES[n] for n in names]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda p: download(p, cache), pkgs))
    return {p.name: package_rows(p, cache) for p in pkgs}


def schema():
    import pyarrow as pa

    strlist = pa.list_(pa.string())
    types = {
        "size": pa.int64(), "max_line_length": pa.int64(),
        "avg_line_length": pa.float64(), "alphanum_fraction": pa.float64(),
        "max_stars_count": pa.int64(), "max_issues_count": pa.int64(),
        "max_forks_count": pa.int64(),
        "max_stars_repo_licenses": strlist, "max_issues_repo_licenses": strlist,
        "max_forks_repo_licenses": strlist,
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def write_stack(rows: list[dict], out: Path, lang_dir: str = "python",
                shard_bytes: int = 4 << 20, row_group_rows: int | None = None) -> list[Path]:
    """Write rows as ``out/data/<lang_dir>/train-XXXXX-of-YYYYY.parquet`` (row groups of
    ``row_group_rows`` rows, else one per file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards: list[list[dict]] = [[]]
    size = 0
    for row in rows:
        if shards[-1] and size + row["size"] > shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(row)
        size += row["size"]
    d = Path(out) / "data" / lang_dir
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("train-*.parquet"):
        old.unlink()
    paths = []
    for i, shard in enumerate(shards):
        table = pa.Table.from_pylist(shard, schema=schema())
        path = d / f"train-{i:05d}-of-{len(shards):05d}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=row_group_rows)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output dir (gets data/python/)")
    ap.add_argument("--packages", help="comma-separated names from the pinned list "
                    "(default: the benchmark's indexed set)")
    ap.add_argument("--shard-mb", type=float, default=4.0, help="content MB per parquet file")
    ap.add_argument("--cache", type=Path, default=CACHE, help="sdist download cache")
    ap.add_argument("--list", action="store_true", help="print the pinned packages and exit")
    args = ap.parse_args(argv)
    if args.list:
        for p in PACKAGES.values():
            print(f"{p.pin:28} {p.license}")
        return 0
    names = args.packages.split(",") if args.packages else BENCH_INDEXED
    per_pkg = build_rows([n.strip() for n in names if n.strip()], args.cache)
    rows = [r for rs in per_pkg.values() for r in rs]
    paths = write_stack(rows, args.out, shard_bytes=int(args.shard_mb * (1 << 20)))
    total = sum(r["size"] for r in rows)
    for name, rs in per_pkg.items():
        print(f"{name:20} {len(rs):5} files {sum(r['size'] for r in rs) / 1e6:7.2f} MB  "
              f"{rs[0]['max_stars_repo_name'] if rs else ''}")
    print(f"{len(rows)} files, {total / 1e6:.2f} MB of code -> {len(paths)} parquet file(s) "
          f"under {args.out / 'data' / 'python'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
