"""The data that flows through attrib: a source file to index, and a match to report.

Everything here is a plain, typed, immutable dataclass so that every layer (indexer,
stores, matcher, reports, CLI, web) speaks the same language.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceFile:
    """One decoded file ready to be fingerprinted and stored.

    ``sha`` is the git blob sha1 of the file's bytes (The Stack's ``hexsha``); it is the
    identity of the content, so the same file seen in two repositories is stored once
    with two provenance records.
    """

    content: str
    sha: str
    repo: str
    path: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    lang: str | None = None
    stars: int | None = None
    size: int = 0
    file_licenses: tuple[str, ...] = ()
    """The licenses the file's own header states (:mod:`attrib.evidence`)."""
    repo_licenses: tuple[str, ...] = ()
    """The repository's licenses as the source gave them; ``licenses`` are the
    effective ones (:func:`attrib.licenses.effective`)."""
    copyrights: tuple[str, ...] = ()
    first_seen: str | None = None
    """The earliest date known for the repository (ISO 8601): The Stack's
    ``max_stars_repo_stars_event_min_datetime``, a local repository's first commit."""

    def provenance(self) -> Provenance:
        """Where this file was seen, as the stores record it."""
        return Provenance(self.repo, self.path, self.commit, self.licenses, self.stars,
                          self.repo_licenses, self.first_seen)


@dataclass(frozen=True)
class Provenance:
    """Where a stored blob was seen: repository, path, commit and licenses (the
    effective ones; ``repo_licenses`` as the repository declared them)."""

    repo: str
    path: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    stars: int | None = None
    repo_licenses: tuple[str, ...] = ()
    first_seen: str | None = None


@dataclass(frozen=True)
class SourceSpan:
    """A line range of an indexed file that holds (a near copy of) the query span."""

    repo: str
    path: str
    commit: str
    start_line: int
    end_line: int
    licenses: tuple[str, ...]
    stars: int | None
    lang: str | None
    sha: str
    similarity: float
    kind: str  # "exact" | "near"
    chance: float = 0.0  # regions this long and distinctive expected in the index by chance (smaller: stronger)
    first_seen: str | None = None
    """The earliest date known for the repository (ISO 8601), for :mod:`attrib.origin`."""
    file_licenses: tuple[str, ...] = ()
    """The licenses the file's own header states."""
    repo_licenses: tuple[str, ...] = ()
    """The repository's declared licenses (``licenses`` are the effective ones)."""
    copyrights: tuple[str, ...] = ()
    """The copyright lines of the file's header."""

    @property
    def url(self) -> str:
        return permalink(self.repo, self.commit, self.path, self.start_line, self.end_line)


@dataclass(frozen=True)
class Match:
    """A maximal span of the query (1-based, inclusive lines) and every source holding it.

    ``sources`` is ordered likely origin first (:func:`attrib.origin.rank`): about as
    similar as the best, not under a vendored folder, seen first, most stars.
    """

    start_line: int
    end_line: int
    sources: tuple[SourceSpan, ...] = field(default_factory=tuple)
    origin_reason: str = field(default="", compare=False)
    """Why the first source is taken for the likely origin (:mod:`attrib.origin`); set
    when the match is made, with the sources put in that order."""

    def __post_init__(self) -> None:
        from attrib.origin import rank

        ordered, origin = rank(self.sources)
        object.__setattr__(self, "sources", tuple(ordered))
        object.__setattr__(self, "origin_reason", origin.reason)

    @property
    def best(self) -> SourceSpan:
        return self.sources[0]

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


def permalink(repo: str, commit: str, path: str, start_line: int | None = None,
              end_line: int | None = None) -> str:
    """GitHub permalink ``https://github.com/{repo}/blob/{commit}/{path}#L{a}-L{b}``.

    Without a commit the link points at ``HEAD``.
    """
    ref = commit or "HEAD"
    url = f"https://github.com/{repo}/blob/{ref}/{path}"
    if start_line is not None:
        url += f"#L{start_line}"
        if end_line is not None and end_line != start_line:
            url += f"-L{end_line}"
    return url
