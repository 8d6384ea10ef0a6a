"""Real C code at any size: the Linux kernel from Debian's ``linux-source`` packages,
written in The Stack v1.2 parquet schema.

``apt-get download linux-source-6.12 linux-source-6.1`` fetches the kernel sources as
Debian ships them (cached under ``bench/data/linux/``); every ``.c`` and ``.h`` file of
each version becomes one row (``lang`` = ``C``, repository ``torvalds/linux``, license
``GPL-2.0-only``), deduplicated by blob sha -- two kernel versions share most files, and
The Stack is deduplicated the same way. Rows are put in a fixed pseudo-random order (by a
hash of version and path), so any prefix is a fair sample of the whole; a corpus of
``N`` MB is the shortest prefix holding ``N`` MB, so every smaller corpus is part of
every bigger one. Files whose path hashes into the held-out slice (1 in 64, in both
versions) are in no corpus: :func:`held_out` gives them, as code the index never saw.

    python bench/linux.py --mb 10 100 1000      # writes bench/data/linux/c-<N>mb/data/c/
"""
from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import stack_row, write_stack  # noqa: E402

CACHE = HERE / "data" / "linux"
PACKAGES = ("linux-source-6.12", "linux-source-6.1")  # newest first: its copy of a blob is kept
HELD_OUT = 64  # one path in HELD_OUT is never indexed
MAX_FILE_BYTES = 1_000_000  # attrib's default file size limit
ROW_GROUP_ROWS = 1000  # about 16 MB of code: a reader holds one row group at a time


@dataclass(frozen=True)
class KernelFile:
    version: str
    path: str
    content: str

    @property
    def order(self) -> bytes:
        return hashlib.sha1(f"{self.version}/{self.path}".encode()).digest()

    @property
    def held_out(self) -> bool:
        return hashlib.sha1(self.path.encode()).digest()[0] % HELD_OUT == 0


def debs(cache: Path = CACHE) -> list[Path]:
    """The ``linux-source`` packages, downloaded once with ``apt-get download``."""
    cache.mkdir(parents=True, exist_ok=True)
    found = []
    for name in PACKAGES:
        have = sorted(cache.glob(f"{name}_*.deb"))
        if not have:
            print(f"downloading {name} (apt-get download)", file=sys.stderr)
            subprocess.run(["apt-get", "download", name], cwd=cache, check=True)
            have = sorted(cache.glob(f"{name}_*.deb"))
        found.append(have[-1])
    return found


def kernel_files(deb: Path) -> list[KernelFile]:
    """Every ``.c``/``.h`` file of the kernel tarball inside a ``linux-source`` package."""
    version = deb.name.split("_")[0].removeprefix("linux-source-")
    fsys = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(fsys)) as outer:
        inner = next(m for m in outer.getmembers() if m.name.endswith(".tar.xz"))
        data = outer.extractfile(inner).read()  # type: ignore[union-attr]
    del fsys
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|xz") as tf:
        for m in tf:
            if not m.isfile() or not m.name.endswith((".c", ".h")) or m.size > MAX_FILE_BYTES:
                continue
            raw = tf.extractfile(m).read()  # type: ignore[union-attr]
            if b"\0" in raw:
                continue
            out.append(KernelFile(version, m.name.split("/", 1)[1], raw.decode("utf-8", "replace")))
    return out


def all_files(cache: Path = CACHE) -> list[KernelFile]:
    """Both versions' files, one per blob, in the corpus order."""
    seen: set[str] = set()
    files = []
    for deb in debs(cache):
        print(f"reading {deb.name}", file=sys.stderr)
        for f in kernel_files(deb):
            sha = hashlib.sha1(f.content.encode()).hexdigest()
            if sha not in seen:
                seen.add(sha)
                files.append(f)
    files.sort(key=lambda f: f.order)
    return files


def row(f: KernelFile) -> dict:
    r = stack_row(f.content, "torvalds/linux", f.path, hashlib.sha1(f"v{f.version}".encode()).hexdigest(),
                  ["GPL-2.0-only"])
    r.update(ext=f.path.rsplit(".", 1)[1], lang="C")
    return r


def corpus_dir(mb: int, cache: Path = CACHE) -> Path:
    return cache / f"c-{mb}mb"


def build(sizes_mb: list[int], cache: Path = CACHE) -> dict[int, Path]:
    """Write (once) a corpus of each size; returns their folders (``attrib index`` them)."""
    want = {mb: corpus_dir(mb, cache) for mb in sizes_mb}
    missing = [mb for mb, d in want.items() if not (d / "done").exists()]
    if missing or not (cache / "held-out" / "done").exists():
        everything = all_files(cache)
        files = [f for f in everything if not f.held_out]
        kept = [row(f) for f in everything if f.held_out]
        write_stack(kept, cache / "held-out", lang_dir="c", shard_bytes=64 << 20, row_group_rows=ROW_GROUP_ROWS)
        (cache / "held-out" / "done").write_text(f"{len(kept)} files\n")
        for mb in missing:
            rows, size = [], 0
            for f in files:
                if size >= mb * 1e6:
                    break
                rows.append(row(f))
                size += rows[-1]["size"]
            if size < mb * 1e6:
                raise SystemExit(f"only {size / 1e6:.0f} MB of kernel code: cannot build {mb} MB")
            write_stack(rows, want[mb], lang_dir="c", shard_bytes=64 << 20, row_group_rows=ROW_GROUP_ROWS)
            (want[mb] / "done").write_text(f"{len(rows)} files, {size} bytes\n")
            print(f"{want[mb]}: {len(rows):,} files, {size / 1e6:.1f} MB", file=sys.stderr)
    return want


def held_out(cache: Path = CACHE) -> Path:
    """The folder of the held-out files (in no corpus), written by :func:`build`."""
    return cache / "held-out"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, nargs="+", default=[10, 100, 1000], help="corpus sizes in MB")
    args = ap.parse_args(argv)
    for mb, d in build(args.mb).items():
        print(mb, d, (d / "done").read_text().strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
