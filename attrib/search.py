"""Full-text search over the indexed code: query terms, hits and highlighted snippets.

Stores find the files (:meth:`attrib.store.Store.full_text`: SQLite FTS5 on the
embedded store, a full-text query on Elasticsearch); this module turns a query into
terms and a found file into a :class:`SearchHit` with the lines worth showing. A term
matches a word that starts with it, case-insensitively (``caseins`` finds
``CaseInsensitiveDict``), and a file must hold every term.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from attrib.records import Provenance, permalink

WORD = re.compile(r"\w+")
MAX_TERMS = 8
SNIPPET_LINES = 3
SNIPPET_WIDTH = 240


@dataclass(frozen=True)
class Snippet:
    """A line of a hit (1-based) with the character spans to highlight."""

    line: int
    text: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SearchHit:
    """A file that holds the query's terms, where it was seen, and its best lines."""

    repo: str
    path: str
    commit: str
    lang: str | None
    licenses: tuple[str, ...]
    snippets: tuple[Snippet, ...]

    @property
    def url(self) -> str:
        line = self.snippets[0].line if self.snippets else None
        return permalink(self.repo, self.commit, self.path, line)


def search_terms(query: str) -> list[str]:
    """The distinct lower-cased words of ``query``, in order, at most ``MAX_TERMS``."""
    return list(dict.fromkeys(w.lower() for w in WORD.findall(query)))[:MAX_TERMS]


def snippets(content: str, terms: Sequence[str]) -> tuple[Snippet, ...]:
    """Up to ``SNIPPET_LINES`` lines holding the most distinct terms, in file order."""
    scored = []
    for number, line in enumerate(content.split("\n"), 1):
        spans, found = [], set()
        for word in WORD.finditer(line):
            lowered = word.group().lower()
            hit = next((t for t in terms if lowered.startswith(t)), None)
            if hit is not None:
                spans.append((word.start(), word.end()))
                found.add(hit)
        if spans:
            scored.append((-len(found), number, line, spans))
    best = sorted(sorted(scored)[:SNIPPET_LINES], key=lambda s: s[1])
    return tuple(_clip(number, line, spans) for _, number, line, spans in best)


def _clip(number: int, line: str, spans: list[tuple[int, int]]) -> Snippet:
    """A long line cut to ``SNIPPET_WIDTH`` characters around its first hit."""
    if len(line) <= SNIPPET_WIDTH:
        return Snippet(number, line, tuple(spans))
    start = max(0, min(spans[0][0] - 40, len(line) - SNIPPET_WIDTH))
    end = start + SNIPPET_WIDTH
    kept = tuple((max(a, start) - start, min(b, end) - start) for a, b in spans if b > start and a < end)
    return Snippet(number, line[start:end], kept)


def make_hit(content: str, lang: str | None, provenance: Sequence[Provenance], terms: Sequence[str],
             license: str | None = None) -> SearchHit | None:
    """The hit for a found file: its best provenance (holding ``license`` when that
    filter is given) and snippets; None when no provenance qualifies."""
    seen = [p for p in provenance if license is None or license in p.licenses]
    if not seen:
        return None
    p = seen[0]
    return SearchHit(p.repo, p.path, p.commit, lang, p.licenses, snippets(content, terms))
