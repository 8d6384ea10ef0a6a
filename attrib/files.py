"""Reading and decoding what to attribute, and what to index: files, blobs, text.

:func:`decode` turns a :class:`RawFile` (bytes read from disk or git, or text from a
dataset row) into a :class:`~attrib.records.SourceFile`, or says why it is skipped:
binary, empty, undecodable, over-size and minified files are skipped with a reason,
never attributed or indexed half-way and never a crash. The same rules serve ``attrib
index``, ``attrib scan`` and ``attrib check`` (which relaxes them for source code), so
all see a file the same way.

A file's id is always the git blob sha of the bytes decoded here, computed here: what
a source says about it (The Stack's ``hexsha``) is not trusted, so a crafted row cannot
take over another blob's identity (and its provenance and licenses).

Files on disk are read the same way by ``attrib index`` and ``attrib scan``:
:func:`walk_directory` lists a directory (sorted; dependency, build and hidden folders
and hidden files left out), and :func:`read_confined` reads a file only inside its tree:
a symlink is never followed, nor a folder that leads out of the tree, and only regular
files are opened -- FIFOs, sockets and devices are skipped without being opened, so
nothing blocks. :func:`inputs` expands what ``attrib scan`` is given (files,
directories, ``-`` for standard input).
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from attrib.errors import InputError
from attrib.languages import from_path
from attrib.records import SourceFile

DEFAULT_MAX_FILE_BYTES = 1_000_000
"""Files larger than this are skipped (The Stack v1.2 itself dropped files over 1 MB)."""

#: Reasons a file is skipped by :func:`decode`, in the order they are checked. Files on
#: disk are skipped with their own reasons too: ``symlink``, ``not-regular``,
#: ``outside-tree`` and ``unreadable`` (:func:`read_confined`); dataset rows
#: ``too-large`` and ``too-deep`` (:mod:`attrib.indexer.sources.jsonrows`).
SKIP_REASONS = ("binary", "too-large", "empty", "undecodable", "long-lines")


@dataclass(frozen=True)
class RawFile:
    """A file as a source delivers it, before decoding and filtering.

    ``data`` is ``bytes`` for files read from disk and ``str`` for dataset rows (The
    Stack stores decoded text). A source never says what the content's id is:
    :func:`decode` computes the git blob sha of the bytes, so no row can claim another
    blob's identity (a dataset's ``hexsha`` column is not trusted).
    """

    data: bytes | str
    repo: str
    path: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    lang: str | None = None
    stars: int | None = None
    first_seen: str | None = None
    """The earliest date known for the repository (ISO 8601), for :mod:`attrib.origin`."""
    licenses_given: bool = False
    """The user named the licenses (``attrib index --license``): they apply as given,
    whatever the file's header says."""


@dataclass(frozen=True)
class Skipped:
    """A file (or dataset row) that is not attributed or indexed, and why: counted,
    never a crash."""

    path: str
    reason: str
    detail: str


@dataclass(frozen=True)
class Limits:
    """Size caps. The Stack v1.2 itself dropped files over 1 MB and very long lines."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_line_chars: int = 20_000
    max_replacement_ratio: float = 0.01  # share of undecodable bytes tolerated


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
    return SourceFile(content=text, sha=git_blob_sha(encoded), repo=raw.repo, path=raw.path,
                      commit=raw.commit, licenses=tuple(raw.licenses), lang=raw.lang or from_path(raw.path),
                      stars=raw.stars, size=len(encoded), first_seen=raw.first_seen)


# ---------------------------------------------------------------------------------------
# files on disk

SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", "venv", "dist", "build"})


@dataclass(frozen=True)
class Entry:
    """A file to read: its path as recorded (relative to the repository) and where it
    is on disk."""

    path: str
    disk: Path


def walk_directory(root: Path) -> Iterator[Entry]:
    """Every file under ``root`` in sorted order, skipping the folders and files that
    are not the project's own code (see the module docstring). Links to files and
    special files are listed too, for :func:`read_confined` to skip and count; links to
    folders are never descended into."""
    for folder, subfolders, names in os.walk(root, onerror=_log_walk_error):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                file = Path(folder, name)
                yield Entry(file.relative_to(root).as_posix(), file)


def _log_walk_error(exc: OSError) -> None:
    import logging  # only when a folder cannot be listed

    logging.getLogger(__name__).warning("skipping %s: %s", exc.filename, exc.strerror or exc)


def read_confined(entry: Entry, root: Path, max_bytes: int) -> bytes | Skipped:
    """The bytes of a regular file inside ``root`` (at most ``max_bytes`` + 1 of them:
    one more says it is too large), or why it is skipped.

    ``entry.disk`` must lie under ``root``: its folder is resolved and must stay inside
    ``root`` (a folder replaced by a link to elsewhere leads out); the file itself is
    looked at without following a link, and only a regular file is opened (a FIFO
    would block the open, a device could do anything), with ``O_NOFOLLOW`` and checked
    again once open, so a file swapped meanwhile is not read either.
    """
    def skip(reason: str, detail: str) -> Skipped:
        return Skipped(entry.path, reason, detail)

    folder = Path(os.path.realpath(entry.disk.parent))
    if not folder.is_relative_to(Path(os.path.realpath(root))):
        return skip("outside-tree", f"its folder leads out of {root} (to {folder})")
    try:
        before = os.lstat(entry.disk)
    except OSError as exc:
        return skip("unreadable", exc.strerror or str(exc))
    if stat.S_ISLNK(before.st_mode):
        return skip("symlink", f"a link to {_link_target(entry.disk)}, not followed")
    if not stat.S_ISREG(before.st_mode):
        return skip("not-regular", f"a {_kind(before.st_mode)}, not a regular file")
    if before.st_size > max_bytes:
        return skip("too-large", f"{before.st_size:,} bytes (limit {max_bytes:,})")
    try:
        fd = os.open(entry.disk, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return skip("symlink", "replaced by a link while being read, not followed")
        return skip("unreadable", exc.strerror or str(exc))
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            return skip("not-regular", "replaced while being read")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            return skip("unreadable", exc.strerror or str(exc))
    if len(data) > max_bytes:
        return skip("too-large", f"over {max_bytes:,} bytes (limit {max_bytes:,})")
    return data


def regular_file_problem(path: Path) -> str | None:
    """Why ``path`` (named by the user, links followed) is not a file to read, or None."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return f"it is a {_kind(mode)}, not a regular file"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symlink")):
        if test(mode):
            return name
    return "special file"


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


@dataclass(frozen=True)
class Input:
    """One input of a scan: its name in reports, its language when known, whether it was
    named explicitly (a file that cannot be scanned is then an error, not a skip), and
    its bytes: read already (standard input), or a file to read inside ``root``."""

    name: str
    lang: str | None
    explicit: bool
    data: bytes | None = None
    entry: Entry | None = None
    root: Path | None = None

    def read(self, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawFile | Skipped:
        """The input's bytes (read now, for a file), or why it is skipped."""
        if self.entry is not None and self.root is not None:
            data = read_confined(self.entry, self.root, max_bytes)
            if isinstance(data, Skipped):
                return data
        else:
            data = self.data or b""
        return RawFile(data, repo="", path=self.name, lang=self.lang)


def inputs(paths: Iterable[str | Path], lang: str | None = None,
           max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[Input]:
    """Every input ``paths`` name: a file, every source file of a directory
    (recursively, read as ``attrib index`` reads one), or ``-`` for standard input (at
    most ``max_bytes`` + 1 bytes of it, read now). ``lang`` is the language of standard
    input and of files whose name does not tell it. A path named explicitly may be a
    link, but must lead to a regular file or a directory; one that does not exist is an
    :class:`InputError`."""
    found = []
    for p in map(str, paths):
        if p == "-":
            found.append(Input("<stdin>", lang, True, data=sys.stdin.buffer.read(max_bytes + 1)))
            continue
        path = Path(p)
        if not path.exists():
            raise InputError(f"no such file or directory: {p}")
        problem = regular_file_problem(path)
        if problem:
            raise InputError(f"cannot scan {p}: {problem}")
        if path.is_dir():
            for entry in walk_directory(path):
                guessed = from_path(entry.path)
                if guessed is not None or lang is not None:  # else not source code
                    found.append(Input(str(entry.disk), guessed or lang, False, entry=entry, root=path))
        else:
            real = path.resolve()
            found.append(Input(str(path), from_path(path.name) or lang, True, entry=Entry(str(path), real),
                               root=real.parent))
    return found
