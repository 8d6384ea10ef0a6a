"""Attribute text to indexed sources: the one function every caller uses.

``attribute(text, store)`` is what ``attrib scan``, ``attrib check``, ``attrib generate``
and the web API all call, so they give the same answer for the same code:

1. cut the query into windows (one per line) and MinHash them, like the index;
2. look their LSH band keys up in the store; rank candidate files by the bands their
   windows share with the query's;
3. align the query against each candidate's stored text (:mod:`attrib.align`) to get
   exact line ranges and a similarity, and keep only regions that are real copies:
   long enough, varied enough (not boilerplate or repetition) and -- when identifiers
   differ -- consistently renamed;
4. group regions from different files that cover the same query lines into one
   :class:`~attrib.records.Match` listing every source, best first.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .align import EXACT_RATIO, RENAME_CONSISTENCY, Region, align, extend_edges
from .errors import StoreError
from .fingerprint import STREAMS, windows
from .languages import from_path
from .lexer import Lexed, lex
from .params import DEFAULT_PARAMS, check_compatible
from .records import Match, SourceSpan
from .store import Store, StoredFile


@dataclass(frozen=True)
class MatchOptions:
    """Thresholds that decide what counts as a copy.

    A stored file is a candidate when one of its windows shares ``min_band_hits`` of
    the LSH bands with a query window of the exact stream, or with
    ``min_renamed_windows`` query windows of the abstracted stream (the
    ``max_candidates`` best are verified). A region is reported when it covers at least ``min_lines`` lines and
    ``min_tokens`` aligned tokens with ``min_distinct`` different shingles. When fewer
    than ``exact_ratio`` of its tokens are identical (a renamed copy), it must also be
    longer (``min_tokens_renamed``, ``min_lines_renamed``, ``min_distinct_renamed``)
    and rename consistently (``min_consistency``).
    """

    min_lines: int = 3
    min_tokens: int = 16
    min_distinct: int = 10
    exact_ratio: float = EXACT_RATIO
    min_tokens_renamed: int = 40
    min_lines_renamed: int = 4
    min_distinct_renamed: int = 24
    min_consistency: float = RENAME_CONSISTENCY
    max_candidates: int = 16
    min_band_hits: int = 3
    min_renamed_windows: int = 2


DEFAULT_OPTIONS = MatchOptions()


def attribute(text: str, store: Store, *, lang: str | None = None, path: str | None = None,
              options: MatchOptions = DEFAULT_OPTIONS) -> list[Match]:
    """Every span of ``text`` found in the index, with its sources, in query order.

    ``lang`` is a The Stack language name; without it the language is guessed from
    ``path``, else the text is treated as plain text.
    """
    params = store.params()
    if params is None:
        raise StoreError(f"the index at {store.location} is empty: add code with `attrib index SOURCE`")
    check_compatible(params, DEFAULT_PARAMS, store.location)
    query = lex(text, lang or from_path(path))
    if len(query) < params.shingle:
        return []
    candidates = _candidates(query, store, options)
    if not candidates:
        return []
    stored = store.files(list(candidates))
    # Best evidence first; equal evidence by content (sha), not by the store's ids, so
    # every store verifies the same candidates.
    ranked = sorted((fid for fid in candidates if fid in stored),
                    key=lambda fid: (-candidates[fid].score, stored[fid].sha))[: options.max_candidates]
    found: list[tuple[Region, StoredFile]] = []
    q_lines = _lines(text)
    for file_id in ranked:
        hit, f = candidates[file_id], stored[file_id]
        # Align only around the hits: a copy reaches at most a window or so past its
        # first and last hit windows (REACH lines; twice that in the source, which may be
        # laid out differently).
        q_near = query.select((query.line >= hit.q_first - REACH) & (query.line <= hit.q_last + REACH))
        margin = 2 * REACH + (hit.q_last - hit.q_first)
        s_lines = _lines(f.content)
        source = _lexed(f, s_lines, hit.s_first - margin, hit.s_last + margin)
        s_near = source.select((source.line >= hit.s_first - margin) & (source.line <= hit.s_last + margin))
        regions = align(q_near, s_near, params.shingle, min_tokens=options.min_tokens,
                        min_tokens_renamed=options.min_tokens_renamed)
        accepted = [r for r in regions if _accept(r, options)]
        found.extend((extend_edges(r, query, source, q_lines, s_lines), f) for r in accepted)
    return _group(found)


def _lines(text: str) -> list[str]:
    """Lines numbered the way the lexer numbers them."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


REACH = 12  # lines a copy may extend past the windows that found it


@dataclass(frozen=True)
class _Hit:
    """Where a candidate file was hit (first and last line of the windows, on both sides)
    and how strongly (the ranking score)."""

    q_first: int
    q_last: int
    s_first: int
    s_last: int
    score: float


def _candidates(query: Lexed, store: Store, options: MatchOptions) -> dict[int, _Hit]:
    """Files whose windows share band keys with the query's, strongest evidence first.

    A (query window, stored window) pair counts when it shares ``min_band_hits`` bands;
    per such query window a file scores the shared bands, doubled for the exact stream.
    """
    keys, owners, weights, starts, ends = [], [], [], [], []
    for weight, stream in zip((2, 1), STREAMS):
        w = windows(query, stream, DEFAULT_PARAMS, stride=1)
        keys.append(w.keys.ravel())
        owners.append(np.repeat(np.arange(len(w)) + sum(map(len, weights)), DEFAULT_PARAMS.bands))
        weights.append(np.full(len(w), weight))
        starts.append(w.start_line)
        ends.append(w.end_line)
    qkeys, qowner, qweight = np.concatenate(keys), np.concatenate(owners), np.concatenate(weights)
    qstart, qend = np.concatenate(starts), np.concatenate(ends)
    hits = store.lookup(qkeys, min_shared=options.min_band_hits)
    if len(hits) == 0:
        return {}
    order = np.argsort(qkeys, kind="stable")
    sorted_keys = qkeys[order]
    lo = np.searchsorted(sorted_keys, hits.keys, side="left")
    counts = np.searchsorted(sorted_keys, hits.keys, side="right") - lo
    total = int(counts.sum())
    offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    window = qowner[order[offsets]]
    file_ids = np.repeat(hits.file_ids, counts)
    lines = np.repeat(hits.lines, counts)
    # How many bands each (query window, stored window) pair shares.
    order = np.lexsort((lines, file_ids, window))
    window, file_ids, lines = window[order], file_ids[order], lines[order]
    new_pair = np.r_[True, (window[1:] != window[:-1]) | (file_ids[1:] != file_ids[:-1]) | (lines[1:] != lines[:-1])]
    starts = np.flatnonzero(new_pair)
    band_hits = np.diff(np.r_[starts, len(window)])
    keep = band_hits >= options.min_band_hits
    strong, strength = starts[keep], band_hits[keep]
    if len(strong) == 0:
        return {}
    s_window, s_file, s_line = window[strong], file_ids[strong], lines[strong]
    # A file scores, per query window that strongly hits it, the bands of its best stored
    # window times the stream's weight: an identical copy outranks near copies of it.
    once = np.flatnonzero(np.r_[True, (s_window[1:] != s_window[:-1]) | (s_file[1:] != s_file[:-1])])
    best_bands = np.maximum.reduceat(strength, once)
    files, inverse = np.unique(s_file, return_inverse=True)
    score = np.bincount(inverse[once], weights=qweight[s_window[once]] * best_bands, minlength=len(files))
    # Look-alike structure alone is weak evidence: without an exact window, a file needs
    # several abstract ones, or one that shares every band.
    exact_windows = np.bincount(inverse[once], weights=qweight[s_window[once]] == 2, minlength=len(files))
    abstract_windows = np.bincount(inverse[once], weights=qweight[s_window[once]] == 1, minlength=len(files))
    full = np.zeros(len(files))
    np.maximum.at(full, inverse[once], (best_bands == DEFAULT_PARAMS.bands).astype(float))
    score[(exact_windows == 0) & (abstract_windows < options.min_renamed_windows) & (full == 0)] = 0
    spans = []
    for values, reduce in ((qstart[s_window], np.minimum), (qend[s_window], np.maximum),
                           (s_line, np.minimum), (s_line, np.maximum)):
        out = np.full(len(files), values[0])
        reduce.at(out, inverse, values)
        spans.append(out)
    order = np.argsort(-score, kind="stable")
    order = order[score[order] > 0]
    if len(order) > options.max_candidates:  # keep the ties of the last place: `attribute` breaks them
        last = score[order[options.max_candidates - 1]]
        order = order[score[order] >= last][: 4 * options.max_candidates]
    return {int(files[i]): _Hit(*(int(x[i]) for x in spans), float(score[i])) for i in order}


def _accept(r: Region, o: MatchOptions) -> bool:
    if r.lines < o.min_lines or r.aligned < o.min_tokens or r.distinct < o.min_distinct:
        return False
    if r.exact_ratio >= o.exact_ratio:
        return True
    return (r.aligned >= o.min_tokens_renamed and r.lines >= o.min_lines_renamed
            and r.distinct_abst >= o.min_distinct_renamed and r.consistency >= o.min_consistency)


def _group(found: list[tuple[Region, StoredFile]]) -> list[Match]:
    """Merge regions covering the same query lines into matches with all their sources."""
    found.sort(key=lambda rf: (-rf[0].aligned, -rf[0].similarity))
    groups: list[tuple[Region, list[tuple[Region, StoredFile]]]] = []
    for region, f in found:
        for lead, members in groups:
            overlap = min(lead.q_end_line, region.q_end_line) - max(lead.q_start_line, region.q_start_line) + 1
            span = max(lead.q_end_line, region.q_end_line) - min(lead.q_start_line, region.q_start_line) + 1
            size = region.q_end_line - region.q_start_line + 1
            if overlap / span >= 0.5:
                members.append((region, f))
                break
            if overlap >= 0.8 * size:  # mostly inside a bigger match: not worth its own
                break
        else:
            groups.append((region, [(region, f)]))
    matches = []
    for lead, members in groups:
        spans = [_span(r, f, p) for r, f in members for p in f.provenance]
        spans.sort(key=lambda s: (-s.similarity, -(s.end_line - s.start_line), -(s.stars or 0), s.repo, s.path))
        matches.append(Match(start_line=lead.q_start_line, end_line=lead.q_end_line, sources=tuple(spans)))
    matches.sort(key=lambda m: (m.start_line, m.end_line))
    return matches


def _span(r: Region, f: StoredFile, p) -> SourceSpan:
    return SourceSpan(repo=p.repo, path=p.path, commit=p.commit, start_line=r.s_start_line,
                      end_line=r.s_end_line, licenses=p.licenses, stars=p.stars, lang=f.lang, sha=f.sha,
                      similarity=round(r.similarity, 4), kind="exact" if r.identical else "near",
                      first_seen=p.first_seen, file_licenses=f.file_licenses, repo_licenses=p.repo_licenses,
                      copyrights=f.copyrights)


_LEXED: OrderedDict[tuple[str, str | None], Lexed] = OrderedDict()
_LEXED_MAX_TOKENS = 4_000_000  # about 90 MB of token arrays
_lexed_tokens = 0
SLICE_MARGIN = 40  # lines lexed beyond a slice, so comments and strings open before it settle


def _lexed(f: StoredFile, lines: list[str], first: int, last: int) -> Lexed:
    """The stored file lexed at least over lines ``first..last`` (file line numbers).

    Files much longer than the range are lexed over the range only (plus a margin);
    others are lexed whole and remembered, since scans keep hitting the same files.
    """
    global _lexed_tokens
    first, last = max(1, first - SLICE_MARGIN), min(len(lines), last + SLICE_MARGIN)
    if len(lines) > 3 * (last - first + 1):
        piece = lex("\n".join(lines[first - 1:last]), f.lang)
        return Lexed(piece.norm, piece.abst, piece.ident, piece.line + np.int32(first - 1), len(lines))
    key = (f.sha, f.lang)
    hit = _LEXED.get(key)
    if hit is not None:
        _LEXED.move_to_end(key)
        return hit
    hit = _LEXED[key] = lex(f.content, f.lang)
    _lexed_tokens += len(hit)
    while _lexed_tokens > _LEXED_MAX_TOKENS and len(_LEXED) > 1:
        _lexed_tokens -= len(_LEXED.popitem(last=False)[1])
    return hit
