"""Helpers for the edge-case tests: real small file systems, another user, damaged
stores, the CLI in-process with a time limit, and what "left intact" means.

* :func:`tmpfs` mounts a real tmpfs of a given size (a disk that fills up, or is
  remounted read-only). It needs root and the right to mount (CI's container has both);
  elsewhere the tests that use it skip.
* :func:`as_other_user` runs a command as ``nobody`` (root only), so a store's
  permissions really apply.
* :func:`invoke` runs ``attrib`` in-process (click's runner), under a ``SIGALRM`` time
  limit, and returns exit code, output and any exception that escaped.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "stack-sample"
SNIPPET = ROOT / "examples" / "snippet.py"
IS_ROOT = os.geteuid() == 0
NOBODY = 65534


# --------------------------------------------------------------------------- file systems


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` (e.g. ``"4m"``) mounted on ``folder``, unmounted after."""
    folder.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount(folder: Path, options: str) -> None:
    """Remount the tmpfs on ``folder`` (``"ro"``, ``"rw,size=64m"``)."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True, capture_output=True)


def as_other_user(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``cmd`` run as ``nobody`` (root only: the tests that need it skip otherwise)."""
    if not IS_ROOT or shutil.which("setpriv") is None:
        pytest.skip("running as another user needs root and setpriv")
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd],
                          capture_output=True, text=True, **kwargs)


def readable_by_all(*paths: Path) -> None:
    """Let another user read (not write) ``paths`` and search the folders above them."""
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)
        for parent in path.resolve().parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o005)


# --------------------------------------------------------------------------- stores


def store_files(store: Path) -> dict[str, bytes]:
    """The bytes of a store and of the write-ahead log beside it: "left intact" means
    equal. (A reader may leave SQLite's empty log and its shared-memory index behind,
    as SQLite's read-only connections do; neither holds data.)"""
    out = {}
    for suffix in ("", "-wal", "-journal"):
        p = Path(f"{store}{suffix}")
        if p.is_file() and (suffix == "" or p.stat().st_size):
            out[suffix] = p.read_bytes()
    return out


def copy_store(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")
    return dst


def sql(store: Path, *statements: str, args: tuple = ()) -> None:
    """Change a SQLite store behind attrib's back (to damage it)."""
    db = sqlite3.connect(store)
    try:
        for s in statements:
            db.execute(s, args) if args else db.execute(s)
        db.commit()
    finally:
        db.close()


def overwrite(store: Path, offset: float, length: int, byte: int | None = None) -> None:
    """Overwrite ``length`` bytes at ``offset`` (a fraction of the size) with ``byte``,
    or with random bytes."""
    data = bytearray(store.read_bytes())
    at = int(len(data) * offset)
    data[at:at + length] = bytes([byte]) * length if byte is not None else os.urandom(length)
    store.write_bytes(bytes(data[:len(data)]))


def truncate(store: Path, fraction: float) -> None:
    data = store.read_bytes()
    store.write_bytes(data[:int(len(data) * fraction)])


#: Ways to damage a SQLite store: name -> function of the store's path.
DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated-half": lambda p: truncate(p, 0.5),
    "truncated-header": lambda p: truncate(p, 0.01),
    "header-zeroed": lambda p: overwrite(p, 0.0, 100, 0),
    "garbage-middle": lambda p: overwrite(p, 0.4, 40_000),
    "garbage-end": lambda p: overwrite(p, 0.9, 20_000),
    "pages-zeroed": lambda p: overwrite(p, 0.2, 200_000, 0),
    "no-files-table": lambda p: sql(p, "DROP TABLE files"),
    "no-rows-table": lambda p: sql(p, "DROP TABLE rows"),
    "no-windows-table": lambda p: sql(p, "DROP TABLE windows"),
    "no-provenance-table": lambda p: sql(p, "DROP TABLE provenance"),
    "no-meta-table": lambda p: sql(p, "DROP TABLE meta"),
    "schema-version-text": lambda p: sql(p, "UPDATE meta SET value = 'abc' WHERE key = 'schema_version'"),
    "schema-version-99": lambda p: sql(p, "UPDATE meta SET value = '99' WHERE key = 'schema_version'"),
    "params-not-json": lambda p: sql(p, "UPDATE meta SET value = '{not json' WHERE key = 'params'"),
    "params-a-list": lambda p: sql(p, "UPDATE meta SET value = '[1, 2]' WHERE key = 'params'"),
    "content-not-zlib": lambda p: sql(p, "UPDATE files SET content = x'00112233445566778899'"),
    "content-as-text": lambda p: sql(p, "UPDATE files SET content = 'plain text'"),
    "content-truncated-zlib": lambda p: sql(p, "UPDATE files SET content = ?",
                                            args=(zlib.compress(b"x = 1\n" * 1000)[:20],)),
    "content-not-utf8": lambda p: sql(p, "UPDATE files SET content = ?", args=(zlib.compress(b"\xff\xfe\xfd" * 50),)),
    "postings-odd-length": lambda p: sql(p, "UPDATE rows SET data = x'00112233445566'"),
    "window-lines-short": lambda p: sql(p, "UPDATE windows SET lines = x'01'"),
    "postings-as-number": lambda p: sql(p, "UPDATE rows SET data = 42"),
    "licenses-not-json": lambda p: sql(p, "UPDATE provenance SET licenses = 'MIT'"),
    "licenses-a-number": lambda p: sql(p, "UPDATE provenance SET licenses = '5'"),
    "lang-a-blob": lambda p: sql(p, "UPDATE files SET lang = x'ff00'"),
    "sizes-as-text": lambda p: sql(p, "UPDATE files SET size = 'big'"),
}


# --------------------------------------------------------------------------- the CLI in-process


@dataclass
class Result:
    code: int
    out: str
    err: str
    exception: BaseException | None

    @property
    def text(self) -> str:
        return self.out + self.err


class Timeout(Exception):
    pass


def invoke(args: list, *, input: bytes | str | None = None, seconds: int = 60, cwd: Path | None = None) -> Result:
    """``attrib ARGS`` in this process (click's runner), failing after ``seconds``."""
    from click.testing import CliRunner

    from attrib.cli.main import cli

    def alarm(signum, frame):
        raise Timeout(f"attrib {' '.join(map(str, args))} ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
    escaped = result.exception if result.exception and not isinstance(result.exception, SystemExit) else None
    if isinstance(escaped, Timeout):
        raise escaped
    return Result(result.exit_code, result.stdout, result.stderr, escaped)


def run_cli(args: list, *, env: dict, timeout: float = 60, input: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``attrib`` in a subprocess (for hangs, signals, native crashes)."""
    return subprocess.run([sys.executable, "-m", "attrib", *map(str, args)], env=env, input=input,
                          capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT)


def assert_clean(code: int, text: str, exception: BaseException | None = None, *,
                 allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """Exit code in ``allowed``, no traceback, no escaped exception, and an exit 2 says
    why in one ``error:`` line (not the last-resort "a bug in attrib" one)."""
    assert exception is None, f"an exception escaped: {exception!r}\n{text}"
    assert "Traceback" not in text, text
    assert "a bug in attrib" not in text, text
    assert code in allowed, f"exit {code}\n{text}"
    if code == 2:
        assert any(line.lower().startswith("error") for line in text.splitlines()), text


def marker() -> str:
    """A string that appears nowhere but where a test puts it."""
    return f"SECRET_{uuid.uuid4().hex}"
