"""Rows of local JSON data files (``.jsonl``, ``.json``, gzipped or not), read with limits.

pyarrow's JSON reader (what ``datasets`` uses) has none: a 40 KB row nested 20,000
levels deep crashes it natively, and one 1.1 GB line in a 1.1 MB ``.jsonl.gz`` is
held whole (7.8 GB of memory). Here a file is read as a stream -- a gzip file is
decompressed as it is read -- in chunks of :data:`CHUNK` bytes, and every row is
checked before it is parsed:

* a line longer than ``max_row_bytes`` is skipped (``too-large``) without being held:
  the rest of it is read and dropped;
* a line nested deeper than :data:`MAX_DEPTH` is skipped (``too-deep``); the depth is
  measured on the bytes, outside strings, so the parser never recurses further;
* anything else is parsed by the standard ``json`` module; a line that is not a JSON
  object is an error naming the file and the line, as a damaged file should be.

Blank lines are not rows. A ``.json`` file that holds one JSON array of rows rather
than JSON Lines is read whole, up to :data:`MAX_DOCUMENT_BYTES` (larger ones are an
error that says to write JSON Lines).
"""
from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from attrib.errors import InputError
from attrib.files import Skipped

CHUNK = 1 << 20
MAX_DEPTH = 64
"""The Stack's rows are two levels deep (an object holding lists of licenses)."""
MAX_DOCUMENT_BYTES = 64 << 20

_BRACKETS = np.zeros(256, dtype=np.int8)
_BRACKETS[[ord("["), ord("{")]] = 1
_BRACKETS[[ord("]"), ord("}")]] = -1

Row = dict[str, Any]


def json_rows(file: Path, max_row_bytes: int) -> Iterator[Row | Skipped]:
    """The rows of ``file`` (dicts), or :class:`Skipped` for rows over the limits;
    :class:`InputError` names the file (and line) when it is not JSON rows at all."""
    try:
        with _open(file) as stream:
            first, skipped_lines = _first_byte(stream)
            if first == b"[":
                yield from _array_rows(file, stream)
                return
            number = 0
            for line_no, line in _lines(stream, max_row_bytes, first, skipped_lines):
                if line is not None and not line.strip():
                    continue
                label = f"{file.name}#{number}"
                number += 1
                if line is None:
                    yield Skipped(label, "too-large", f"line {line_no} is over {max_row_bytes:,} bytes")
                    continue
                yield _parse(file, line_no, line, label)
    except (OSError, EOFError, zlib.error) as exc:  # gzip damage, a truncated stream, a read error
        raise _failure(file, f"{type(exc).__name__}: {exc}") from None


def row_depth(data: bytes) -> int:
    """How deeply ``data`` (JSON text) nests arrays and objects, brackets inside
    strings not counted. Linear, and it works on the positions of quotes, backslashes
    and brackets only; nearly free for a row that holds few brackets at all."""
    opens = data.count(b"[") + data.count(b"{")
    if opens <= MAX_DEPTH:
        return opens
    b = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(b == ord('"'))
    slashes = np.flatnonzero(b == ord("\\"))
    if len(slashes) and len(quotes):
        # A quote is escaped when an odd run of backslashes ends just before it.
        order = np.arange(len(slashes))
        run_start = np.maximum.accumulate(np.where(np.r_[True, np.diff(slashes) != 1], order, 0))
        run_length = order - run_start + 1
        at = np.minimum(np.searchsorted(slashes, quotes - 1), len(slashes) - 1)
        escaped = (slashes[at] == quotes - 1) & (run_length[at] % 2 == 1)
        quotes = quotes[~escaped]
    brackets = np.flatnonzero(_BRACKETS[b])
    outside = np.searchsorted(quotes, brackets) % 2 == 0  # an even number of quotes before it
    steps = _BRACKETS[b[brackets[outside]]].astype(np.int64)
    return int(np.cumsum(steps).max(initial=0))


def _parse(file: Path, line_no: int, line: bytes, label: str) -> Row | Skipped:
    if row_depth(line) > MAX_DEPTH:
        return Skipped(label, "too-deep", f"line {line_no} nests deeper than {MAX_DEPTH} levels")
    try:
        row = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise _failure(file, f"line {line_no} is not valid JSON ({exc})") from None
    if not isinstance(row, dict):
        raise _failure(file, f"line {line_no} is a JSON {type(row).__name__}, not an object (a row)")
    return row


def _array_rows(file: Path, stream: BinaryIO) -> Iterator[Row | Skipped]:
    """The rows of a file holding one JSON array (read whole, within the limits)."""
    data = b"[" + stream.read(MAX_DOCUMENT_BYTES)
    if stream.read(1):
        raise _failure(file, f"it is one JSON document of over {MAX_DOCUMENT_BYTES >> 20} MiB: write it as "
                             "JSON Lines (one row per line) instead")
    if row_depth(data) > MAX_DEPTH + 1:
        raise _failure(file, f"it nests deeper than {MAX_DEPTH} levels")
    try:
        rows = json.loads(data)
    except ValueError as exc:
        raise _failure(file, f"it is not valid JSON ({exc})") from None
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _failure(file, f"item {number} of its array is a JSON {type(row).__name__}, not an object")
        yield row


def _lines(stream: BinaryIO, limit: int, head: bytes, number: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for every line of ``stream`` after ``head`` (the bytes of
    the line already read, which follows ``number`` lines); ``None`` for a line over
    ``limit`` bytes, dropped as it is read."""
    held = bytearray(head)
    over = False
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            number += 1
            piece = chunk[start:end]
            too_long = over or len(held) + len(piece) > limit
            yield number, None if too_long else bytes(held + piece)
            held.clear()
            over = False
            start = end + 1
        rest = chunk[start:]
        if over or len(held) + len(rest) > limit:
            over = True
            held.clear()
        else:
            held += rest
    if held or over:
        yield number + 1, None if over else bytes(held)


def _first_byte(stream: BinaryIO) -> tuple[bytes, int]:
    """The first byte that is not white space (read from ``stream``), or b"", and how
    many lines ended before it."""
    lines = 0
    while True:
        byte = stream.read(1)
        if not byte or not byte.isspace():
            return byte, lines
        lines += byte == b"\n"


def _open(file: Path) -> BinaryIO:
    if file.name.lower().endswith(".gz"):
        return gzip.open(file, "rb")  # type: ignore[return-value]
    return file.open("rb")


def _failure(file: Path, what: str) -> InputError:
    return InputError(f"cannot read {file}: {what} — the file is damaged or not in the format its name says; "
                      "export it again, or leave it out of the input")
