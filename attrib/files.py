"""Reading and decoding what to attribute, and what to index: files, blobs, text.

:func:`decode` turns a :class:`RawFile` (bytes read from disk or git, or text from a
dataset row) into a :class:`~attrib.records.SourceFile`, or says why it is skipped:
binary, empty, undecodable, over-size and minified files are skipped with a reason,
never attributed or indexed half-way and never a crash. The same rules serve ``attrib
index``, ``attrib scan`` and ``attrib check`` (which relaxes them for source code), so
all see a file the same way.

:func:`walk_directory` lists a directory's files the way ``attrib index`` and ``attrib
scan`` both read one (sorted, dependency, build and hidden folders and hidden files
left out); :func:`inputs` expands what ``attrib scan`` is given (files, directories,
``-`` for standard input) into raw files.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from attrib.errors import InputError

from attrib.languages import from_path
from attrib.records import SourceFile


@dataclass(frozen=True)
class RawFile:
    """A file as a source delivers it, before decoding and filtering.

    ``data`` is ``bytes`` for files read from disk and ``str`` for dataset rows (The
    Stack stores decoded text). ``sha`` is the git blob sha1 when the source knows it
    (The Stack's ``hexsha``, git's blob id); :func:`decode` computes it otherwise.
    """

    data: bytes | str
    repo: str
    path: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    lang: str | None = None
    stars: int | None = None
    sha: str | None = None


#: Reasons a file is skipped, in the order they are checked.
SKIP_REASONS = ("binary", "too-large", "empty", "undecodable", "long-lines")


@dataclass(frozen=True)
class Limits:
    """Size caps. The Stack v1.2 itself dropped files over 1 MB and very long lines."""

    max_file_bytes: int = 1_000_000
    max_line_chars: int = 20_000
    max_replacement_ratio: float = 0.01  # share of undecodable bytes tolerated


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    detail: str


def git_blob_sha(data: bytes) -> str:
    """The git blob id of ``data`` (what The Stack calls ``hexsha``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def decode(raw: RawFile, limits: Limits = Limits()) -> SourceFile | Skipped:
    """A :class:`SourceFile` ready to fingerprint, or why it must be skipped."""
    data = raw.data
    if isinstance(data, str):
        if "\0" in data:
            return Skipped(raw.path, "binary", "contains NUL characters")
        encoded = data.encode("utf-8", "surrogatepass")
        text = data
    else:
        encoded = data
        if b"\0" in data:
            return Skipped(raw.path, "binary", "contains NUL bytes")
        text = ""
    if len(encoded) > limits.max_file_bytes:
        return Skipped(raw.path, "too-large", f"{len(encoded):,} bytes (limit {limits.max_file_bytes:,})")
    if not encoded.strip():
        return Skipped(raw.path, "empty", "no content")
    if isinstance(data, bytes):
        text = data.decode("utf-8", "replace")
        bad = text.count("\ufffd") - data.count("\ufffd".encode())
        if bad > limits.max_replacement_ratio * max(len(text), 1):
            return Skipped(raw.path, "undecodable", f"{bad:,} bytes are not valid UTF-8")
    longest = max(map(len, text.split("\n")))
    if longest > limits.max_line_chars:
        return Skipped(raw.path, "long-lines",
                       f"a line of {longest:,} characters (limit {limits.max_line_chars:,}): minified or generated")
    return SourceFile(content=text, sha=raw.sha or git_blob_sha(encoded), repo=raw.repo, path=raw.path,
                      commit=raw.commit, licenses=tuple(raw.licenses), lang=raw.lang or from_path(raw.path),
                      stars=raw.stars, size=len(encoded))


# ---------------------------------------------------------------------------------------
# files on disk

log = logging.getLogger(__name__)

SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", "dist", "build"})


@dataclass(frozen=True)
class Entry:
    """A file to read: its path as recorded (relative to the repository), where it is
    on disk, and its git blob sha when git vouches for the content on disk."""

    path: str
    disk: Path
    sha: str | None = None


def walk_directory(root: Path) -> Iterator[Entry]:
    """Regular files under ``root`` in sorted order, skipping dependency, build and
    hidden folders (:data:`SKIPPED_DIRS`, ``.*``) and hidden files (``.env`` and the
    like are not code to attribute, and may hold secrets). Links are not followed."""
    for folder, subfolders, names in os.walk(root, onerror=_log_walk_error):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(names):
            file = Path(folder, name)
            if name.startswith(".") or file.is_symlink() or not file.is_file():
                continue
            yield Entry(file.relative_to(root).as_posix(), file)


def _log_walk_error(exc: OSError) -> None:
    log.warning("skipping %s: %s", exc.filename, exc.strerror or exc)


@dataclass(frozen=True)
class Input:
    """One input of a scan: its name in reports, where its bytes are (a file, or the
    bytes themselves for standard input), its language when known, and whether it was
    named explicitly (a file that cannot be scanned is then an error, not a skip)."""

    name: str
    source: Path | bytes
    lang: str | None
    explicit: bool

    def raw(self) -> RawFile:
        """The input's bytes (read now, for a file)."""
        data = self.source if isinstance(self.source, bytes) else read(self.source)
        return RawFile(data, repo="", path=self.name, lang=self.lang)


def inputs(paths: Iterable[str | Path], lang: str | None = None) -> list[Input]:
    """Every input ``paths`` name: a file, every source file of a directory
    (recursively), or ``-`` for standard input (read now). ``lang`` is the language of
    standard input and of files whose name does not tell it. A path that does not exist
    is an :class:`InputError`."""
    found = []
    for p in map(str, paths):
        if p == "-":
            found.append(Input("<stdin>", sys.stdin.buffer.read(), lang, True))
            continue
        path = Path(p)
        if path.is_dir():
            for entry in walk_directory(path):
                guessed = from_path(entry.path)
                if guessed is not None or lang is not None:  # else not source code
                    found.append(Input(str(entry.disk), entry.disk, guessed or lang, False))
        elif path.is_file():
            found.append(Input(str(path), path, from_path(path.name) or lang, True))
        else:
            raise InputError(f"no such file or directory: {p}")
    return found


def read(path: Path) -> bytes:
    """A file's bytes; an :class:`InputError` naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
