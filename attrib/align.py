"""Token-level alignment of a query against one stored file.

Candidates from the LSH lookup only say "these windows look alike". Alignment checks
it against the real source and finds the exact extent of each copy:

1. every shingle of the query is looked up among the source's, both as written
   (weight 2) and with identifiers abstracted (weight 1, so renamed copies align);
   shingles repeated all over the source only count on diagonals others support;
2. hits on one diagonal (source position - query position) form *runs*; where runs
   compete for the same query tokens the best one wins; runs that follow each other
   on both sides chain, and chains a few lines apart join (this tolerates edits);
3. each chain is measured: tokens aligned, tokens identical, how varied it is, and
   whether differing identifiers map one-to-one (a renamed copy) or not (look-alikes);
4. the result becomes line ranges on both sides, from the first to the last query line
   that is fully aligned -- for a copy, identical -- so unrelated code around an
   embedded copy is not reported; :func:`extend_edges` then takes in identical
   comment and import lines next to it.

Pure functions over :class:`attrib.lexer.Lexed`; no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .fingerprint import shingles
from .lexer import Lexed, token_hashes

MAX_REPEATS = 32  # a shingle occurring more often than this in the source is skipped as noise
_BRACKETS = np.unique(token_hashes(" ".join("()[]{};,")))  # lines of these alone close or open code
RENAME_CONSISTENCY = 0.9  # identifiers mapping one-to-one at least this often read as a renaming
EXACT_RATIO = 0.9  # a region this share of whose aligned tokens are identical is a copy, not a renaming


@dataclass(frozen=True)
class Region:
    """One aligned stretch of query and source, with the evidence for it."""

    q_start_line: int
    q_end_line: int
    s_start_line: int
    s_end_line: int
    aligned: int  # query tokens in the lines aligned to source tokens (abstractly equal)
    exact: int  # of those, identical tokens
    q_tokens: int  # query tokens in [q_start_line, q_end_line]
    s_tokens: int  # source tokens in [s_start_line, s_end_line]
    lines: int  # query lines with aligned tokens
    distinct: int  # distinct shingles aligned: low for repetitive code
    distinct_abst: int  # the same with identifiers abstracted: low for look-alike structure
    consistency: float  # share of renamed identifiers mapping one-to-one (1.0: exact copy; 0.0: too short to tell)
    identical: bool  # same token sequence on both sides (whitespace and comments aside)
    # positions of the region's aligned token pairs in the query and the source given to
    # align, in query order
    q_aligned: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False, repr=False)
    s_aligned: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False, repr=False)

    @property
    def exact_ratio(self) -> float:
        return self.exact / self.aligned if self.aligned else 0.0

    @property
    def similarity(self) -> float:
        return 1.0 if self.identical else min(self.exact / max(self.q_tokens, self.s_tokens, 1), 0.999)


def align(query: Lexed, source: Lexed, k: int, *, min_tokens: int = 1, min_tokens_renamed: int = 1) -> list[Region]:
    """Aligned regions between ``query`` and ``source``, largest first, not overlapping in the query.

    Regions with fewer than ``min_tokens`` aligned tokens are dropped; a source that
    cannot hold a region of ``min_tokens`` identical or ``min_tokens_renamed`` look-alike
    tokens is rejected before any alignment.
    """
    nq, ns = shingles(query.norm, k), shingles(source.norm, k)
    aq, as_ = shingles(query.abst, k), shingles(source.abst, k)
    if len(nq) == 0 or len(ns) == 0:
        return []
    exact, alike = _Matches.of(nq, ns), _Matches.of(aq, as_)
    # Cheap rejection: a region of n aligned tokens shares at least n - k + 1 shingles.
    if np.count_nonzero(exact.counts) < min_tokens - k + 1 \
            and np.count_nonzero(alike.counts) < max(min_tokens, min_tokens_renamed) - k + 1:
        return []
    # Identical shingles weigh 2, look-alike (abstract) ones 1: among look-alike diagonals
    # (repetitive code) the true copy wins, and a renamed copy still aligns.
    qi, sj, weight = _weighted_pairs([_shingle_pairs(exact), _shingle_pairs(alike)], [2, 1], len(ns))
    if len(qi) == 0:
        return []
    runs = _select(*_runs(qi, sj, weight, gap=k), k)
    chains = _join_neighbours(_chain(runs, max_gap=3 * k), query, source, k)
    # A chain aligns at most the tokens its runs cover: skip those that cannot reach min_tokens.
    chains = [c for c in chains if sum(b + k - a for a, b, _, _ in c) >= min_tokens]
    # how many bracket tokens each query line holds
    brackets = np.bincount(query.line[np.isin(query.norm, _BRACKETS)], minlength=int(query.line.max()) + 1)
    measured = (_measure(query, source, nq, aq, c, k, brackets, min_tokens=min_tokens,
                         renamed_from=min_tokens_renamed) for c in chains)
    regions = sorted((r for r in measured if r is not None and r.aligned >= min_tokens), key=lambda r: -r.aligned)
    kept: list[Region] = []
    for r in regions:
        if all(_overlap(r, o) < 0.5 * r.lines for o in kept):
            kept.append(r)
    return kept


def _weighted_pairs(pairs: list[tuple[np.ndarray, np.ndarray]], weights: list[int],
                    n_source: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of (query, source) position pairs, each with the highest weight it got."""
    qi = np.concatenate([p[0] for p in pairs])
    sj = np.concatenate([p[1] for p in pairs])
    w = np.concatenate([np.full(len(p[0]), wt, dtype=np.int64) for p, wt in zip(pairs, weights)])
    order = np.argsort(-w, kind="stable")
    _, first = np.unique((qi * (n_source + 1) + sj)[order], return_index=True)
    keep = order[first]
    return qi[keep], sj[keep], w[keep]


def _join_neighbours(chains: list[list["Run"]], query: Lexed, source: Lexed, k: int,
                     gap_lines: int = 4) -> list[list["Run"]]:
    """Join chains that follow each other on both sides with a small, matching gap.

    Repetitive code (a run of similar test methods) can split one copy into pieces when
    look-alike diagonals win some stretches; the pieces are one copy.
    """
    out: list[list[Run]] = []
    for chain in sorted(chains, key=lambda c: c[0][0]):
        if out:
            prev = out[-1]
            q_end, s_end = prev[-1][1] + k - 1, prev[-1][1] + prev[-1][2] + k - 1
            q_next, s_next = chain[0][0], chain[0][0] + chain[0][2]
            if s_end < len(source) and 0 <= s_next < len(source):
                dq = int(query.line[q_next] - query.line[q_end])
                ds = int(source.line[s_next] - source.line[s_end])
                if 0 < dq <= gap_lines and 0 < ds <= gap_lines + 2 and abs(dq - ds) <= 2:
                    out[-1] = prev + chain
                    continue
        out.append(chain)
    return out


@dataclass(frozen=True)
class _Matches:
    """Where each query shingle occurs among the source's: the source positions
    ``order[lo[i]:lo[i] + counts[i]]`` hold query shingle ``i``."""

    order: np.ndarray
    lo: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, hq: np.ndarray, hs: np.ndarray) -> "_Matches":
        # (shingle, position) as one integer: one plain sort is a stable argsort, several times faster
        keyed = np.sort((hs.astype(np.uint64) << np.uint64(32)) | np.arange(len(hs), dtype=np.uint64))
        order = (keyed & np.uint64(0xFFFFFFFF)).astype(np.int64)
        sorted_hs = (keyed >> np.uint64(32)).astype(hs.dtype)
        lo = np.searchsorted(sorted_hs, hq, side="left")
        return cls(order, lo, np.searchsorted(sorted_hs, hq, side="right") - lo)


def _shingle_pairs(m: _Matches) -> tuple[np.ndarray, np.ndarray]:
    """(query position, source position) pairs with equal shingles.

    A shingle that occurs more than ``MAX_REPEATS`` times in the source (repetitive
    code) only pairs up on diagonals that rarer shingles already support.
    """
    frequent = m.counts > MAX_REPEATS
    qi, sj = _expand(m.lo, np.where(frequent, 0, m.counts), m.order)
    if frequent.any() and len(qi):
        fq, fs = _expand(m.lo, np.where(frequent, np.minimum(m.counts, 4096), 0), m.order)
        supported = np.zeros(len(m.order) + len(m.lo) + 1, dtype=bool)  # by diagonal + query length
        supported[sj - qi + len(m.lo)] = True
        keep = supported[fs - fq + len(m.lo)]
        qi, sj = np.concatenate([qi, fq[keep]]), np.concatenate([sj, fs[keep]])
    return qi, sj


def _expand(lo: np.ndarray, counts: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (query position, source position) for ``counts`` matches starting at ``lo``."""
    total = int(counts.sum())
    qi = np.repeat(np.arange(len(lo)), counts)
    offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return qi, order[offsets]


Run = tuple  # (first query pos, last query pos, diagonal, score)


def _runs(qi: np.ndarray, sj: np.ndarray, weight: np.ndarray,
          gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of hits on one diagonal: arrays of first query pos, last query pos, diagonal, score."""
    d = sj - qi
    order = np.lexsort((qi, d))
    qi, d, weight = qi[order], d[order], weight[order]
    brk = np.flatnonzero((d[1:] != d[:-1]) | (qi[1:] - qi[:-1] > gap)) + 1
    starts = np.concatenate(([0], brk))
    ends = np.concatenate((brk, [len(qi)])) - 1
    score = np.add.reduceat(weight, starts)
    keep = ends - starts >= 2  # at least three hits: k + 2 tokens on one diagonal
    return qi[starts[keep]], qi[ends[keep]], d[starts[keep]], score[keep]


def _select(first: np.ndarray, last: np.ndarray, diag: np.ndarray, score: np.ndarray, k: int) -> list[Run]:
    """Keep the runs that are the best run at most of the query tokens they cover.

    Where runs on different diagonals cover the same query tokens, the higher score
    (ties: the earlier run) wins each token; a run that wins fewer than half is dropped.
    """
    if len(first) == 0:
        return []
    priority = np.empty(len(first), dtype=np.int64)
    priority[np.lexsort((first, -score))] = np.arange(len(first))[::-1]
    lengths = last + k - first
    run_of = np.repeat(np.arange(len(first)), lengths)
    pos = np.repeat(first - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
    best = np.full(int(pos.max()) + 1, -1, dtype=np.int64)
    np.maximum.at(best, pos, priority[run_of])
    wins = np.bincount(run_of, weights=priority[run_of] == best[pos], minlength=len(first))
    keep = np.flatnonzero(2 * wins > lengths)
    return sorted(zip(first[keep].tolist(), last[keep].tolist(), diag[keep].tolist(), score[keep].tolist()))


def _chain(runs: list[Run], max_gap: int) -> list[list[Run]]:
    """Chain runs that follow each other in the query with nearby diagonals."""
    chains: list[list[Run]] = []
    for run in runs:
        last = chains[-1][-1] if chains else None
        # follows in the query, and in the source too (a copy is never read backwards)
        if last is not None and run[0] - last[1] <= max_gap and abs(run[2] - last[2]) <= max_gap \
                and run[0] + run[2] > last[1] + last[2]:
            chains[-1].append(run)
        else:
            chains.append([run])
    return chains


def _measure(q: Lexed, s: Lexed, nq: np.ndarray, aq: np.ndarray, chain: list[Run], k: int, brackets: np.ndarray,
             min_tokens: int = 1, renamed_from: int = 1) -> Region | None:
    """The region a chain of runs covers, if it aligns ``min_tokens`` tokens; a renaming is
    only measured from ``renamed_from`` tokens. ``brackets``: how many bracket tokens each
    query line holds."""
    qpos, spos = _pairs(q, s, chain, k)
    if len(qpos) < min_tokens:
        return None
    edges = _edge_lines(q, s, qpos, spos, brackets, renamed_from)
    if edges is None:
        return None
    a, b = edges
    qlines = q.line[qpos]
    lines = _sorted_unique(qlines)[0]
    inside = (qlines >= a) & (qlines <= b)
    qpos, spos = qpos[inside], spos[inside]
    if len(qpos) < min_tokens:
        return None
    sa, sb = int(s.line[spos].min()), int(s.line[spos].max())
    exact = int(np.count_nonzero(q.norm[qpos] == s.norm[spos]))
    starts = qpos[qpos < len(nq)]
    q_seg = q.norm[_line_span(q, a, b)]
    s_seg = s.norm[_line_span(s, sa, sb)]
    # Identical: the query's lines are, token for token, the stretch of source between
    # the first and last aligned tokens (a copy may end inside a source line: a line a
    # model has not finished, a call cut short).
    s_run = s.norm[int(spos.min()):int(spos.max()) + 1]
    return Region(
        q_start_line=a, q_end_line=b, s_start_line=sa, s_end_line=sb,
        aligned=len(qpos), exact=exact, q_tokens=len(q_seg), s_tokens=len(s_seg),
        lines=int(np.count_nonzero((lines >= a) & (lines <= b))), distinct=len(np.unique(nq[starts])),
        distinct_abst=len(np.unique(aq[starts])),
        consistency=(1.0 if exact >= EXACT_RATIO * len(qpos)
                     else _consistency(q.norm[qpos], s.norm[spos], q.ident[qpos] & s.ident[spos])
                     if len(qpos) >= renamed_from else 0.0),
        identical=len(q_seg) == len(s_run) and bool(np.array_equal(q_seg, s_run)),
        q_aligned=qpos.astype(np.int64), s_aligned=spos.astype(np.int64))


def _line_span(lexed: Lexed, a: int, b: int) -> slice:
    """The tokens of lines ``a..b`` (token lines never decrease)."""
    return slice(int(np.searchsorted(lexed.line, a, side="left")), int(np.searchsorted(lexed.line, b, side="right")))


def _pairs(q: Lexed, s: Lexed, chain: list[Run], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The aligned token pairs of a chain of runs, in query order: each token on either
    side aligned once, and only pairs that are identical or alike once names are abstracted."""
    if len(chain) == 1:  # one diagonal: every token once already
        qpos = np.arange(chain[0][0], chain[0][1] + k)
        spos = qpos + chain[0][2]
    else:
        chain = sorted(chain, key=lambda r: -r[3])  # where runs overlap, the best one decides
        qpos = np.concatenate([np.arange(a, b + k) for a, b, _, _ in chain])
        spos = np.concatenate([np.arange(a, b + k) + d for a, b, d, _ in chain])
        qpos, first = np.unique(qpos, return_index=True)
        spos = spos[first]
        spos, first = np.unique(spos, return_index=True)  # each source token aligns once
        qpos = qpos[first]
        order = np.argsort(qpos, kind="stable")
        qpos, spos = qpos[order], spos[order]
    ok = (spos >= 0) & (spos < len(s)) & (qpos < len(q))
    qpos, spos = qpos[ok], spos[ok]
    ok = (q.abst[qpos] == s.abst[spos]) | (q.norm[qpos] == s.norm[spos])
    return qpos[ok], spos[ok]


def _edge_lines(q: Lexed, s: Lexed, qpos: np.ndarray, spos: np.ndarray, brackets: np.ndarray,
                renamed_from: int) -> tuple[int, int] | None:
    """The first and last query lines of the region the aligned pairs make, if any.

    Interior lines may be partly edited, but the first and last lines must be fully
    aligned: a shingle that ends a copy reaches k-1 tokens into the next line, and a
    copy does not start with the closing brackets of the code before it.
    An exact copy ends on identical lines: look-alike code next to it is not part of
    it, unless the identical part is the smaller one and the whole reads as one
    consistent renaming (a renamed copy with a few lines that no renaming touched)."""
    qlines = q.line[qpos]
    same = q.norm[qpos] == s.norm[spos]
    lines, first, aligned_per_line = _sorted_unique(qlines)
    identical_per_line = np.add.reduceat(same.astype(np.int64), first)
    tokens_per_line = np.searchsorted(q.line, lines, side="right") - np.searchsorted(q.line, lines, side="left")
    content = brackets[lines] < tokens_per_line  # a line that is more than brackets
    edges = _from_content(np.flatnonzero(aligned_per_line == tokens_per_line), content)
    if len(edges) == 0:
        return None
    a, b = int(lines[edges[0]]), int(lines[edges[-1]])
    exact_edges = _from_content(np.flatnonzero(identical_per_line == tokens_per_line), content)
    if len(exact_edges):
        a2, b2 = int(lines[exact_edges[0]]), int(lines[exact_edges[-1]])
        inner = (qlines >= a2) & (qlines <= b2)
        if (a2, b2) != (a, b) and np.count_nonzero(same & inner) >= EXACT_RATIO * np.count_nonzero(inner):
            within = (qlines >= a) & (qlines <= b)
            renamed = (_consistency(q.norm[qpos[within]], s.norm[spos[within]],
                                    (q.ident[qpos] & s.ident[spos])[within])
                       if np.count_nonzero(within) >= renamed_from and 2 * (b2 - a2 + 1) < b - a + 1 else 0.0)
            if renamed < RENAME_CONSISTENCY:
                a, b = a2, b2
    return a, b


def _sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_counts=True)`` of values already in
    order (the lines of aligned tokens, in query order), without sorting them again."""
    first = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.zeros(0, np.int64)
    return values[first], first, np.diff(np.r_[first, len(values)])


def _from_content(edges: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Candidate edge lines from the first one with content: a copy does not start with a
    line of brackets alone (those of the code before it look alike anywhere)."""
    return edges[np.cumsum(content[edges]) > 0]


def _consistency(qn: np.ndarray, sn: np.ndarray, ident: np.ndarray) -> float:
    """Share of aligned identifier pairs that agree with a one-to-one renaming."""
    qn, sn = qn[ident], sn[ident]
    if len(qn) == 0:
        return 1.0
    return min(_agree(qn, sn), _agree(sn, qn)) / len(qn)


def _agree(a: np.ndarray, b: np.ndarray) -> int:
    """Pairs whose ``b`` is the most frequent partner of their ``a``, counted."""
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    pair_start = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
    pair_count = np.diff(np.r_[pair_start, len(a)])
    first_of_a = np.flatnonzero(np.r_[True, a[pair_start[1:]] != a[pair_start[:-1]]])
    return int(np.maximum.reduceat(pair_count, first_of_a).sum())


def _overlap(a: Region, b: Region) -> int:
    return max(0, min(a.q_end_line, b.q_end_line) - max(a.q_start_line, b.q_start_line) + 1)


def extend_edges(r: Region, query: Lexed, source: Lexed, q_lines: list[str], s_lines: list[str]) -> Region:
    """Widen a region over identical neighbouring lines that carry no tokens.

    Comments, license headers and imports are not tokens, so alignment stops short of
    them; where the lines just outside the region read the same on both sides (spacing
    aside), they were copied too. Blank lines are crossed but never become an edge.
    """
    q_has = _lines_with_tokens(query)
    s_has = _lines_with_tokens(source)

    def same(i: int, j: int) -> bool:
        return (1 <= i <= len(q_lines) and 1 <= j <= len(s_lines) and not q_has[i] and not s_has[j]
                and q_lines[i - 1].split() == s_lines[j - 1].split())

    a, sa, i, j = r.q_start_line, r.s_start_line, r.q_start_line - 1, r.s_start_line - 1
    while same(i, j):
        if q_lines[i - 1].strip():
            a, sa = i, j
        i, j = i - 1, j - 1
    b, sb, i, j = r.q_end_line, r.s_end_line, r.q_end_line + 1, r.s_end_line + 1
    while same(i, j):
        if q_lines[i - 1].strip():
            b, sb = i, j
        i, j = i + 1, j + 1
    if (a, b) == (r.q_start_line, r.q_end_line):
        return r
    return replace(r, q_start_line=a, q_end_line=b, s_start_line=sa, s_end_line=sb)


def _lines_with_tokens(lexed: Lexed) -> np.ndarray:
    has = np.zeros(lexed.n_lines + 2, dtype=bool)
    has[lexed.line] = True
    return has
