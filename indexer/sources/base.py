"""The one record type every source yields."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawFile:
    """A file as a source delivers it, before decoding and filtering.

    ``data`` is ``bytes`` for files read from disk and ``str`` for dataset rows (The
    Stack stores decoded text). ``sha`` is the git blob sha1 when the source knows it
    (The Stack's ``hexsha``, git's blob id); the pipeline computes it otherwise.
    """

    data: bytes | str
    repo: str
    path: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    lang: str | None = None
    stars: int | None = None
    sha: str | None = None
