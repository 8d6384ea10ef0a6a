"""Decode a raw file and decide whether it can be indexed (or scanned).

Binary, empty, undecodable, over-size and minified files are skipped with a reason,
never indexed half-way and never a crash. The same rules serve ``attrib index`` and
``attrib scan`` so both see a file the same way.

A file's id is always the git blob sha of the bytes decoded here, computed here: what
a source says about it (The Stack's ``hexsha``) is not trusted, so a crafted row cannot
take over another blob's identity (and its provenance and licenses).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from attrib.languages import from_path
from attrib.records import SourceFile

from .sources.base import DEFAULT_MAX_FILE_BYTES, RawFile, Skipped

#: Reasons a file is skipped by :func:`decode`, in the order they are checked. Sources
#: skip with their own reasons too: ``symlink``, ``not-regular``, ``outside-tree`` and
#: ``unreadable`` files on disk (:mod:`.sources.local`), ``too-large`` and ``too-deep``
#: dataset rows (:mod:`.sources.jsonrows`).
SKIP_REASONS = ("binary", "too-large", "empty", "undecodable", "long-lines")

__all__ = ["SKIP_REASONS", "Limits", "Skipped", "decode", "git_blob_sha"]


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
