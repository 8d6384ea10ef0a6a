"""Files a project names for itself, read only inside its tree and only when regular.

A repository under review is untrusted input: its ``.attrib.toml`` could name
``notice_files = ["../../x"]``, and any of its files could be a symbolic link to
somewhere else or a FIFO. :func:`inside` resolves a name the project gives, relative to
the repository root, to its real path and refuses it when it leaves the tree (an absolute
path, a ``..`` component, or a link leading out). :func:`read_regular` reads a regular
file only: a FIFO, a device or a socket is an error, never a hang, and the size is
capped so that a huge file cannot exhaust memory.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from attrib.errors import InputError

MAX_PROJECT_FILE = 16 * 1024 * 1024  # a policy, notice or ignore file larger than this is refused


def name_problem(name: str) -> str | None:
    """Why ``name``, relative to some tree, leaves it by its spelling alone (an absolute
    path, a ``..`` component), or None."""
    if not name or "\0" in name:
        return "not a file name"
    pure = PurePosixPath(name)
    if pure.is_absolute():
        return "an absolute path leads outside the repository (names are relative to its root)"
    if ".." in pure.parts:
        return "'..' leads outside the repository"
    return None


def escape_reason(root: Path, name: str) -> str | None:
    """Why ``name`` (relative to ``root``) leads outside the tree, or None when it stays
    inside. Symbolic links are followed as far as they exist."""
    problem = name_problem(name)
    if problem is not None:
        return problem
    real_root = root.resolve()
    real = (root / name).resolve()
    if real != real_root and real_root not in real.parents:
        return f"a symbolic link leads outside the repository (to {real})"
    return None


def inside(root: Path, name: str, what: str) -> Path:
    """The real path of ``name`` under ``root``; an :class:`InputError` naming ``what``
    when it leads outside the tree."""
    reason = escape_reason(root, name)
    if reason is not None:
        raise InputError(f"{what} {name}: {reason}")
    return (root / name).resolve()


def read_regular(path: Path, what: str, limit: int = MAX_PROJECT_FILE) -> bytes | None:
    """The bytes of the regular file at ``path``, or None when nothing is there.

    Anything else at ``path`` (a directory, FIFO, device, socket), a file over ``limit``
    bytes, or a read error is an :class:`InputError` that names ``what`` and the path.
    The file is opened without blocking, so a FIFO with no writer cannot hang.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"{what} {path} is not a regular file ({_kind(mode)})")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as e:
            raise InputError(f"cannot read {what} {path}: {e.strerror}") from None
    if len(data) > limit:
        raise InputError(f"{what} {path} is larger than {limit:,} bytes")
    return data


def _kind(mode: int) -> str:
    for test, word in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a file"
