"""Writing what a command produces to the files its options name: reports (``-o``,
``--report``), SARIF (``--sarif``), summaries (``--summary``), notice files (``--notice``,
``attrib notice``) and generated code.

* A regular file, new or existing, is written whole to a temporary file beside it and
  renamed over it: a failure (a full disk, a write error, an interruption) never leaves a
  half-written file where a good one was. An existing file keeps its permissions; a link
  to a file is written through (the file it points to is replaced).
* A FIFO (``>(...)`` process substitution, a named pipe) or a device (``/dev/stdout``,
  ``/dev/null``) is written in place. A FIFO is only opened when a reader is waiting, so
  a write can never hang on one.
* Every failure -- a directory, a missing folder, no permission, ``/dev/full``, a full
  disk -- is one :class:`InputError` that names the file and the reason (exit 2).

:func:`check_writable` looks at every target before the command does its work, so that a
long check does not end in "cannot write".
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from attrib.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from attrib.report import Report
    from attrib.store import Store


def check_writable(*paths: str | Path | None) -> None:
    """Refuse, before any work, output files that cannot be written: a directory, a
    missing folder, a read-only file or folder."""
    for path in paths:
        if path:
            _preflight(Path(path))


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` (see the module docstring)."""
    _write(Path(path), text.encode("utf-8"), append=False)


def append_text(path: str | Path, text: str) -> None:
    """Add ``text`` (UTF-8) at the end of ``path``, creating it if missing."""
    _write(Path(path), text.encode("utf-8"), append=True)


def _preflight(path: Path) -> None:
    st = _stat(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot write {path}: it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return  # a FIFO or a device: checked when it is opened
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
    if st is not None and not os.access(path, os.W_OK):
        raise InputError(f"cannot write {path}: permission denied (the file is read-only)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {path}: permission denied (the folder {folder} is not writable)")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None


def _write(path: Path, data: bytes, append: bool) -> None:
    _preflight(path)
    st = _stat(path)
    try:
        if st is None or stat.S_ISREG(st.st_mode):
            _replace(path.resolve(), data, st, append)
        else:
            _stream(path, data, append, fifo=stat.S_ISFIFO(st.st_mode))
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise InputError(f"cannot write {path}: nothing is reading from it") from None
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def _replace(real: Path, data: bytes, st: os.stat_result | None, append: bool) -> None:
    """Write a regular file by way of a temporary file in its folder and a rename."""
    temporary = real.with_name(f".attrib-{os.urandom(6).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as fh:
            if append and st is not None:
                with open(real, "rb") as old:
                    while block := old.read(1 << 20):
                        fh.write(block)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(temporary, stat.S_IMODE(st.st_mode))
        os.replace(temporary, real)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _stream(path: Path, data: bytes, append: bool, fifo: bool) -> None:
    """Write a FIFO or device in place; a FIFO only when a reader is there (no hang)."""
    flags = os.O_WRONLY | (os.O_APPEND if append else 0) | (os.O_NONBLOCK if fifo else 0)
    fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
    if fifo:
        os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def emit_report(report: Report, fmt: str, path: str | Path | None, console: Console | None = None, *,
                show_code: bool = True, open_store: Callable[[], Store] | None = None) -> None:
    """Write ``report`` in format ``fmt`` to the file ``path``, else to ``console``
    (text, with colours on a terminal) or standard output (other formats). The SBOM
    formats read the indexed files' texts (checksums, byte ranges) from the store
    ``open_store`` opens."""
    from attrib.formats import SBOM_FORMATS, render

    if fmt == "text" and not path:
        from attrib.formats.text import render_text

        if console is None:
            from rich.console import Console

            console = Console(highlight=False)
        render_text(report, console, show_code=show_code)
        return
    if fmt in SBOM_FORMATS and open_store is not None:
        with open_store() as store:
            rendered = render(report, fmt, source_text=store.content)
    else:
        rendered = render(report, fmt)
    if path:
        write_text(path, rendered)
    else:
        click.echo(rendered, nl=False)
