"""Which of the files holding a span is its likely origin, and which are copies.

Popular code is copied: a span of zlib is in zlib and in hundreds of repositories'
``third_party/zlib``. The report names one source first, the one whose license the
verdict uses, so that one should be the *origin*. :func:`rank` orders the sources of
one match with what the index knows about them:

1. the evidence first, loosely: sources within :data:`SIMILARITY_SLACK` of the most
   similar one, whose region is about as unlikely by chance as the strongest one's
   (within :data:`CHANCE_SLACK`: copies of one file hold the same region), are
   candidates; the rest (a different version of the code, a sibling file sharing part
   of it) come after, in the order they came (the matcher's: strongest evidence first);
2. among candidates, a file that is not under a vendored folder (:mod:`attrib.vendored`)
   before one that is: ``vendor/``, ``third_party/``, ``node_modules/`` hold copies;
3. then the earliest date known for the repository (The Stack's
   ``max_stars_repo_stars_event_min_datetime``, a local repository's commit date):
   code existed where it was seen first;
4. then the most stars (a widely followed project is more often copied from than
   copying), then the repository and path, so the order is stable.

The first source is the likely origin; :class:`Origin` says why in words, and how
many copies (the other sources) there are. Everything here is a pure function.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from attrib.vendored import vendored_dir

SIMILARITY_SLACK = 0.05
"""Sources this much less similar than the best still compete to be the origin."""
CHANCE_SLACK = 10.0
"""Sources whose region is up to this many times likelier by chance than the strongest
one's still compete (an order of magnitude: less than one window's evidence)."""


class Candidate(Protocol):
    """What ranking needs of a source (:class:`attrib.records.SourceSpan` has it)."""

    @property
    def repo(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def stars(self) -> int | None: ...
    @property
    def similarity(self) -> float: ...
    @property
    def first_seen(self) -> str | None: ...
    @property
    def chance(self) -> float: ...


@dataclass(frozen=True)
class Origin:
    """Why the first source is taken for the origin, and how many copies there are."""

    reason: str
    copies: int


T = TypeVar("T", bound=Candidate)


def rank(sources: Sequence[T]) -> tuple[list[T], Origin]:
    """``sources`` ordered likely origin first, and why.

    >>> from types import SimpleNamespace as S
    >>> a = S(repo="madler/zlib", path="inflate.c", stars=5000, similarity=1.0, first_seen="2011-09-10", chance=0.0)
    >>> b = S(repo="x/app", path="third_party/zlib/inflate.c", stars=90000, similarity=1.0, first_seen="2009-01-01",
    ...       chance=0.0)
    >>> ordered, origin = rank([b, a])
    >>> ordered[0].repo, origin.copies, origin.reason
    ('madler/zlib', 1, 'the other sources are under vendored folders (third_party)')
    """
    if not sources:
        return [], Origin("", 0)
    best = max(s.similarity for s in sources)
    strongest = min(s.chance for s in sources)

    def candidate(s: T) -> bool:
        return s.similarity >= best - SIMILARITY_SLACK and s.chance <= strongest * CHANCE_SLACK

    candidates = [s for s in sources if candidate(s)]
    ordered = sorted(candidates, key=_origin_key) + [s for s in sources if not candidate(s)]
    return ordered, Origin(_reason(ordered[0], candidates), len(sources) - 1)


def _origin_key(source: Candidate) -> tuple:
    return (vendored_dir(source.path) is not None,
            source.first_seen is None, source.first_seen or "",
            -(source.stars or 0), source.repo, source.path)


def _reason(origin: Candidate, rivals: Sequence[Candidate]) -> str:
    """Why ``origin`` comes first among the equally similar ``rivals`` (itself included)."""
    rivals = [r for r in rivals if r is not origin]
    if not rivals:
        return "the only source"
    vendored = sorted({v for r in rivals if (v := vendored_dir(r.path))})
    if vendored_dir(origin.path) is None and vendored and all(vendored_dir(r.path) for r in rivals):
        return f"the other sources are under vendored folders ({', '.join(vendored)})"
    same_folder = [r for r in rivals if (vendored_dir(r.path) is None) == (vendored_dir(origin.path) is None)]
    if origin.first_seen and all(not r.first_seen or r.first_seen > origin.first_seen for r in same_folder):
        return f"seen first ({origin.first_seen[:10]})"
    if all((r.stars or 0) < (origin.stars or 0) for r in same_folder):
        return f"the most stars ({origin.stars})"
    return "the first of equally likely sources"
