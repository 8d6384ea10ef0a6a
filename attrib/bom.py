"""What an SBOM says about a scan: the scanned files, the spans copied into them, and the
indexed files those spans come from, with their licenses and copyright lines.

The SPDX and CycloneDX renderers (:mod:`attrib.formats.spdx`,
:mod:`attrib.formats.cyclonedx`) take this typed object, so both say the same thing
as the JSON report they are made from (:func:`from_report`). SPDX wants a checksum of
every file it names; those are computed at the edge, from the scanned text and the
index's stored text (:func:`checksum`), and passed in.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from attrib import __version__


@dataclass(frozen=True)
class BomSource:
    """An indexed file that holds a copied span, and what is known of it."""

    repo: str
    path: str
    commit: str
    url: str
    sha: str
    start_line: int
    end_line: int
    licenses: tuple[str, ...]
    """The effective licenses (what the verdict uses)."""
    file_licenses: tuple[str, ...] = ()
    repo_licenses: tuple[str, ...] = ()
    copyrights: tuple[str, ...] = ()
    similarity: float = 1.0
    kind: str = "exact"
    origin: bool = False
    origin_reason: str = ""
    sha1: str | None = None
    """SHA-1 of the file's text as UTF-8 (None when the index no longer has it)."""
    byte_range: tuple[int, int] | None = None
    """First and last byte of the span in that text (1-based, inclusive)."""

    @property
    def repo_url(self) -> str:
        return f"https://github.com/{self.repo}"


@dataclass(frozen=True)
class BomSpan:
    """Lines of a scanned file (1-based, inclusive) and every source holding them,
    the likely origin first."""

    start_line: int
    end_line: int
    sources: tuple[BomSource, ...]
    verdict: str = "pass"


@dataclass(frozen=True)
class BomFile:
    path: str
    """As the report names it (relative, see :func:`attrib.notices.use_path`)."""
    spans: tuple[BomSpan, ...]
    sha1: str | None = None


@dataclass(frozen=True)
class Bom:
    files: tuple[BomFile, ...]
    index_name: str
    created: datetime
    tool: str = f"attrib-{__version__}"

    @property
    def sources(self) -> tuple[BomSource, ...]:
        """Every source once (by repository, path and commit), first seen first."""
        seen: dict[tuple[str, str, str], BomSource] = {}
        for file in self.files:
            for span in file.spans:
                for source in span.sources:
                    seen.setdefault((source.repo, source.path, source.commit), source)
        return tuple(seen.values())


def checksum(text: str) -> str:
    """SHA-1 of a text's UTF-8 bytes."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def byte_range(text: str, first: int, last: int) -> tuple[int, int]:
    """The bytes (1-based, inclusive, of the UTF-8 text) of lines ``first..last``.

    >>> byte_range("ab\\nçd\\nef\\n", 2, 2)
    (4, 6)
    """
    lines = text.encode("utf-8", "surrogatepass").split(b"\n")
    start = sum(len(line) + 1 for line in lines[:first - 1]) + 1
    end = start + sum(len(line) + 1 for line in lines[first - 1:last]) - 2
    return start, max(start, end)


def from_report(report: Mapping[str, Any], file_text: Callable[[str], str | None] = lambda path: None,
                source_text: Callable[[str], str | None] = lambda sha: None,
                created: datetime | None = None) -> Bom:
    """The BOM of a schema-v1 report. ``file_text(path)`` and ``source_text(blob sha)``
    give the texts of the scanned and the indexed files, for checksums and byte
    ranges."""
    from attrib.notices import use_path

    files = []
    for entry in report["files"]:
        spans = []
        for match in entry["matches"]:
            sources = tuple(_source(s, source_text) for s in (match["source"], *match.get("alternatives", ())))
            spans.append(BomSpan(match["query"]["start_line"], match["query"]["end_line"], sources,
                                 match.get("verdict") or entry.get("verdict") or "pass"))
        text = file_text(entry["path"])
        files.append(BomFile(use_path(entry["path"]), tuple(spans), checksum(text) if text is not None else None))
    return Bom(tuple(files), report.get("index", {}).get("name", ""),
               created or datetime.now(timezone.utc).replace(microsecond=0))


def _source(source: Mapping[str, Any], texts: Callable[[str], str | None]) -> BomSource:
    text = texts(source.get("sha", ""))
    return BomSource(
        repo=source["repo"], path=source["path"], commit=source.get("commit", ""), url=source["url"],
        sha=source.get("sha", ""), start_line=source["start_line"], end_line=source["end_line"],
        licenses=tuple(source.get("licenses") or ()), file_licenses=tuple(source.get("file_licenses") or ()),
        repo_licenses=tuple(source.get("repo_licenses") or ()), copyrights=tuple(source.get("copyrights") or ()),
        similarity=source.get("similarity", 1.0), kind=source.get("kind", "exact"),
        origin=bool(source.get("origin")), origin_reason=source.get("origin_reason", ""),
        sha1=checksum(text) if text is not None else None,
        byte_range=byte_range(text, source["start_line"], source["end_line"]) if text is not None else None)
