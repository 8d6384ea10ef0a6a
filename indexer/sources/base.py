"""The records every source yields: a file to decode, or why one was skipped."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_FILE_BYTES = 1_000_000
"""Files larger than this are skipped (The Stack v1.2 itself dropped files over 1 MB)."""


@dataclass(frozen=True)
class RawFile:
    """A file as a source delivers it, before decoding and filtering.

    ``data`` is ``bytes`` for files read from disk and ``str`` for dataset rows (The
    Stack stores decoded text). A source never says what the content's id is: the
    pipeline computes the git blob sha of the bytes it stores, so no row can claim
    another blob's identity (a dataset's ``hexsha`` column is not trusted).
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
    """A file (or dataset row) that is not indexed, and why: counted, never a crash."""

    path: str
    reason: str
    detail: str
