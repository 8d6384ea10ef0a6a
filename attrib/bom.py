"""What an SBOM says about a scan: the scanned files, the spans copied into them, and the
indexed files those spans come from, with their licenses and copyright lines.

The SPDX and CycloneDX renderers (:mod:`attrib.formats.spdx`,
:mod:`attrib.formats.cyclonedx`) take the typed :class:`attrib.report.Report` and make
this object of it (:func:`from_report`), so both say what the JSON report says: the
same spans, sources and licenses. SPDX wants a checksum of every file it names and the
byte range of every snippet: the scanned files' texts are in the report, the indexed
files' come from the store (``source_text``, given by the front end that has it open).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from attrib import __version__
from attrib.licenses import describe
from attrib.records import SourceSpan
from attrib.report import Report


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


def from_report(report: Report, source_text: Callable[[str], str | None] = lambda sha: None,
                created: datetime | None = None) -> Bom:
    """The BOM of ``report``: its files (their attributed text gives their checksums),
    each finding's lines and sources, likely origin first, with the finding's verdict.
    ``source_text(blob sha)`` gives an indexed file's text (``Store.content``), for its
    checksum and the span's byte range; each text is read once."""
    from attrib.notices import use_path

    texts: dict[str, str | None] = {}

    def text_of(sha: str) -> str | None:
        if sha not in texts:
            texts[sha] = source_text(sha)
        return texts[sha]

    files = []
    for entry in report.files:
        spans = []
        for finding in entry.findings:
            match = finding.match
            sources = tuple(_source(span, n == 0, match.origin_reason if n == 0 else "", text_of(span.sha))
                            for n, span in enumerate(match.sources))
            spans.append(BomSpan(match.start_line, match.end_line, sources, finding.verdict))
        sha1 = checksum(entry.text) if entry.text is not None else None
        files.append(BomFile(use_path(entry.path), tuple(spans), sha1))
    return Bom(tuple(files), report.index.name, created or datetime.now(timezone.utc).replace(microsecond=0))


def _source(span: SourceSpan, origin: bool, origin_reason: str, text: str | None) -> BomSource:
    """A source as the JSON report gives it (its licenses as :func:`describe` writes
    them); the first of a match's sources is its likely origin."""
    return BomSource(
        repo=span.repo, path=span.path, commit=span.commit, url=span.url, sha=span.sha,
        start_line=span.start_line, end_line=span.end_line, licenses=describe(span.licenses).ids,
        file_licenses=span.file_licenses, repo_licenses=span.repo_licenses, copyrights=span.copyrights,
        similarity=round(span.similarity, 3), kind=span.kind, origin=origin, origin_reason=origin_reason,
        sha1=checksum(text) if text is not None else None,
        byte_range=byte_range(text, span.start_line, span.end_line) if text is not None else None)
