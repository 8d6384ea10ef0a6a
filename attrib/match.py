"""Attribute text to indexed sources: the one function every caller uses.

``attribute(text, store)`` is what ``attrib scan``, ``attrib check``, ``attrib generate``
and the web API all call, so they give the same answer for the same code:

1. cut the query into windows (one per line) and MinHash them, like the index;
2. look their LSH band keys up in the store; rank candidate files by the bands their
   windows share with the query's;
3. align the query against each candidate's stored text (:mod:`attrib.align`) to get
   exact line ranges and a similarity; when identifiers differ, the renaming must be
   consistent (one-to-one);
4. keep a region only when it is unlikely to be there by chance (:func:`chance`): how
   long and how distinctive the aligned code is, measured by how many windows of the
   whole index share its structure -- code that thousands of files hold says nothing
   about any one of them;
5. group regions from different files that cover the same query lines into one
   :class:`~attrib.records.Match` listing every source, best first.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .align import EXACT_RATIO, RENAME_CONSISTENCY, Region, align, extend_edges
from .errors import StoreError
from .fingerprint import STREAMS, Windows, windows
from .languages import from_path
from .lexer import Lexed, lex
from .params import DEFAULT_PARAMS, FingerprintParams, check_compatible
from .records import Match, SourceSpan
from .store import Store, StoredFile

MAX_CHANCE = 0.01  # the default of MatchOptions.max_chance and of the policy's max_chance
CONTEXT_TOKENS = 16  # tokens either side that tell a copy of the same code from the same piece in other code
FOLLOW_PRIOR = 1.0  # weight of the index-wide count against other repositories' holders (:func:`_region_chance`)


@dataclass(frozen=True)
class MatchOptions:
    """Thresholds that decide what counts as a copy.

    A stored file is a candidate when one of its windows shares ``min_band_hits`` of
    the LSH bands with a query window of the exact stream, or with
    ``min_renamed_windows`` query windows of the abstracted stream (the
    ``max_candidates`` best are verified). An aligned region is reported when it covers
    ``min_lines`` lines, renames consistently when fewer than ``exact_ratio`` of its
    tokens are identical (``min_consistency`` of the renamed identifiers map one to
    one), and the expected number of regions at least this long and this distinctive
    that an index of this size would hold by chance is at most ``max_chance``
    (:func:`chance`).
    """

    max_chance: float = MAX_CHANCE
    min_lines: int = 2
    exact_ratio: float = EXACT_RATIO
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
    qwin = {stream: windows(query, stream, params, stride=1) for stream in STREAMS}
    candidates = _candidates(qwin, store, params, options)
    if not candidates:
        return []
    counts = WindowCounts.of(qwin, store, params)
    stored = store.files(list(candidates))
    # Best evidence first; equal evidence by content (sha), not by the store's ids, so
    # every store verifies the same candidates. A file whose shared windows could not
    # make any region unlikely enough by chance is not worth aligning.
    ranked = sorted((fid for fid in candidates if fid in stored),
                    key=lambda fid: (-candidates[fid].score, stored[fid].sha))[: options.max_candidates]
    repos = Counter(repo for fid in ranked for repo in {p.repo for p in stored[fid].provenance})
    ranked = [fid for fid in ranked if counts.best_chance(
        candidates[fid], max(repos[p.repo] for p in stored[fid].provenance) if stored[fid].provenance else 1)
        <= options.max_chance]
    aligned: list[tuple[Region, StoredFile, Lexed, list[str]]] = []
    evidence: list[Evidence] = []
    for file_id in ranked:
        hit, f = candidates[file_id], stored[file_id]
        # Align only around the hits: a copy reaches at most a window or so past its
        # first and last hit windows (REACH lines; twice that in the source, which may be
        # laid out differently).
        near = np.flatnonzero((query.line >= hit.q_first - REACH) & (query.line <= hit.q_last + REACH))
        margin = 2 * REACH + (hit.q_last - hit.q_first)
        s_lines = _file_lines(f)
        source = _lexed(f, s_lines, hit.s_first - margin, hit.s_last + margin)
        s_near = source.select((source.line >= hit.s_first - margin) & (source.line <= hit.s_last + margin))
        own = np.zeros(2 * len(qwin["abst"]), dtype=np.int64)
        own[hit.windows] = hit.own
        for r in align(query.select(near), s_near, params.shingle, min_tokens=params.window_tokens,
                       min_tokens_renamed=params.window_tokens):
            if _consistent(r, options):
                same = query.norm[near[r.q_aligned]] == s_near.norm[r.s_aligned]
                aligned.append((r, f, source, s_lines))
                evidence.append(Evidence(near[r.q_aligned], same, r.identical, own, s_near.norm, r.s_aligned))
    if not aligned:
        return []
    _count_related(evidence, [(r, f) for r, f, _, _ in aligned])
    odds = chance(evidence, qwin["abst"], counts)
    q_lines = _lines(text)
    found = [(extend_edges(r, query, source, q_lines, s_lines), f, e)
             for (r, f, source, s_lines), e in zip(aligned, odds) if e <= options.max_chance]
    return _group(found)


@dataclass
class Evidence:
    """What the chance of one aligned region is computed from: the query positions of
    its aligned tokens (ascending) and which of them are identical to the source;
    whether the whole region is; per query window (exact stream, then abstract), how
    many stored windows of the source file itself it matches (``own``); the source's
    tokens and the one aligned with each position (``held[at]``); and, for each file of
    the source's own repositories holding the same code (the source included), the
    query positions where it does (``copies``)."""

    positions: np.ndarray
    same: np.ndarray
    identical: bool
    own: np.ndarray
    held: np.ndarray
    at: np.ndarray
    copies: list[np.ndarray] = field(default_factory=list)
    others: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def related(self, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """How many files of the source's own repositories (the source included) hold
        the same code as each query window ``first[i]:stop[i]`` the region covers."""
        held = np.zeros(len(first), dtype=np.int64)
        for c in self.copies:
            held += _covers(c, first, stop)
        return np.maximum(held, 1)

    def pairs(self, first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per query window ``first[i]:stop[i]`` of the region (consecutive, in query
        order): how many other repositories hold the window before it (``before``), and
        how many of those hold the two together, in one aligned region (``both``)."""
        before = np.zeros(len(first), dtype=np.int64)
        both = np.zeros(len(first), dtype=np.int64)
        for regions in self.others.values():
            prev_any = np.zeros(len(first), dtype=bool)
            pair_any = np.zeros(len(first), dtype=bool)
            for c in regions:
                held = _covers(c, first, stop)
                prev_any[1:] |= held[:-1]
                pair_any[1:] |= held[:-1] & held[1:]
            before += prev_any
            both += pair_any
        return before, both


def _covers(positions: np.ndarray, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Which query windows ``first[i]:stop[i]`` have every token among ``positions``."""
    inside = np.zeros(max(int(stop.max(initial=0)), int(positions.max(initial=-1)) + 1) + 1, dtype=np.int64)
    inside[positions] = 1
    cum = np.concatenate(([0], np.cumsum(inside)))
    return cum[stop] - cum[first] == stop - first


def _count_related(evidence: list[Evidence], regions: list[tuple[Region, StoredFile]]) -> None:
    """Set ``copies``: the files sharing a repository with a region's source that hold
    the same code, and where -- the query tokens both regions align, from the first to
    the last of which the two sources hold the same tokens -- so that copies within one
    project (a bundle and its sources, a file vendored twice) are one piece of evidence,
    not many, window by window: a copy that holds only part of the region (a module's
    function without the wrapper of its AMD build) is one with it there. Files of the
    project that only look alike (other drivers of one kernel, per-type variants, the
    same accessors under other names) are other code, and count as such."""
    repos = [{p.repo for p in f.provenance} for _, f in regions]
    for i, (r, _) in enumerate(regions):
        evidence[i].copies = [c for j, (o, _) in enumerate(regions)
                              if repos[i] & repos[j] and _overlap(r, o) > 0
                              for c in [_same_code(evidence[i], evidence[j])] if len(c)]
        for j, (o, _) in enumerate(regions):
            if repos[i] & repos[j] or not repos[j] or _overlap(r, o) == 0:
                continue
            held = _held_by_other(evidence[i], evidence[j])
            if len(held) and not _same_context(evidence[i], evidence[j], held):
                evidence[i].others.setdefault(min(repos[j]), []).append(held)


def _same_code(a: Evidence, b: Evidence) -> np.ndarray:
    """The query positions where ``b``'s source is a copy of ``a``'s: those both align,
    if from the first to the last of them the two sources hold the same tokens (the ones
    between included), not a variant under other names; else none."""
    common, ia, ib = np.intersect1d(a.positions, b.positions, assume_unique=True, return_indices=True)
    if len(ia) == 0:
        return common
    sa, sb = a.at[ia], b.at[ib]
    return common if np.array_equal(a.held[sa.min():sa.max() + 1], b.held[sb.min():sb.max() + 1]) else common[:0]


def _held_by_other(a: Evidence, b: Evidence) -> np.ndarray:
    """The query positions of ``a``'s region that another repository's region ``b`` holds
    as well: the same tokens where ``a`` is identical to its source, the same structure
    (aligned at all) where it is not."""
    theirs = b.positions[b.same] if a.identical else b.positions
    return np.intersect1d(a.positions, theirs, assume_unique=True)


def _same_context(a: Evidence, b: Evidence, common: np.ndarray) -> bool:
    """Whether ``b``'s source holds the same tokens as ``a``'s on both sides of the code
    they hold in common (``common``: query positions), a window's worth each way: a copy
    of the same code (vendored, forked, from one ancestor), not the same piece written
    into other code (a signature with another body, a prologue of another class)."""
    ia = np.searchsorted(a.positions, common)
    ib = np.searchsorted(b.positions, common)
    sa, sb = a.at[ia], b.at[ib]
    a0, a1, b0, b1 = int(sa.min()), int(sa.max()) + 1, int(sb.min()), int(sb.max()) + 1
    return bool(np.array_equal(a.held[max(a0 - CONTEXT_TOKENS, 0):a0], b.held[max(b0 - CONTEXT_TOKENS, 0):b0])
                and np.array_equal(a.held[a1:a1 + CONTEXT_TOKENS], b.held[b1:b1 + CONTEXT_TOKENS]))


def _overlap(a: Region, b: Region) -> int:
    return max(0, min(a.q_end_line, b.q_end_line) - max(a.q_start_line, b.q_start_line) + 1)


@dataclass(frozen=True)
class WindowCounts:
    """The document frequency of each query window (one store call per query):
    ``exact`` stored windows identical to it (the fewest holders of one of its exact
    bands), ``alike`` stored windows sharing a band of its structure (the most holders of
    one of its abstract bands), out of ``total`` stored windows."""

    exact: np.ndarray
    alike: np.ndarray
    shape: np.ndarray  # stored windows with exactly its structure (the fewest holders of one abstract band)
    total: float

    @classmethod
    def of(cls, qwin: dict[str, Windows], store: Store, params: FingerprintParams) -> "WindowCounts":
        norm, abst = qwin["norm"], qwin["abst"]
        found = store.key_counts(np.concatenate([norm.keys.ravel(), abst.keys.ravel()]))
        counts = found.counts.reshape(2, len(norm), params.bands)
        return cls(counts[0].min(axis=1).astype(np.float64), counts[1].max(axis=1).astype(np.float64),
                   counts[1].min(axis=1).astype(np.float64), max(found.postings / (len(STREAMS) * params.bands), 1.0))

    def best_chance(self, hit: "_Hit", related: int) -> float:
        """A bound on the chance of any region a candidate file could give: every window
        it shares counted (its own repeats and ``related`` copies once), each with its
        neighbour -- the index keeps every other line, so a copy's windows match at every
        other line -- and nothing taken off for idioms."""
        n = len(self.exact)
        counts = np.where(hit.windows < n, self.exact[hit.windows % n], self.alike[hit.windows % n])
        counts = np.maximum(counts - (hit.own - 1) - (related - 1), 1)
        best: dict[int, float] = {}  # per query window, its best stream
        for w, b in zip(hit.windows % n, np.log2(self.total / counts)):
            best[w] = max(best.get(w, 0.0), b)
        return float(self.total * np.exp2(-2 * sum(best.values())))


def chance(regions: list[Evidence], abst: Windows, counts: "WindowCounts") -> list[float]:
    """For each aligned region, the expected number of regions at least as long and as
    distinctive that an index of this size holds by chance (smaller: stronger evidence).

    A query window whose tokens are all aligned is weighed by its document frequency:
    if ``c`` of the index's ``W`` windows hold it, it carries ``log2(W / c)`` bits,
    spread over its tokens. In a region identical to the source, windows are counted as
    written (names included); in a near one (renamed, edited) by their structure,
    counting every stored window that shares one of its bands -- the near variants a
    chance look-alike could be. The source's own repeats of a window and copies within
    its project (``related``) are not other evidence of commonness, so they count once. The index keeps
    a window at every other line only, so one line's count is a thin sample: a window is
    taken to be as common as the commonest of it and its neighbours (and one with no
    stored counterpart, as common as its nearest neighbour that has one). A token counts
    the bits of the rarest window covering it, and a window that repeats within the
    region counts once.

    With ``B`` bits over a region, the ``W`` stored windows are expected to hold
    ``W * 2**-B`` such regions by chance when windows are independent. (The number is
    per region, not per query: the same code gets the same answer whether it is scanned
    alone, in a whole file, in a diff or as it streams out of a model.) They are not
    when code is idiomatic, which is why in a region that is not identical (renamed,
    edited) a run of consecutive windows whose exact structure other code holds too
    counts as its rarest one: look-alike structure seen elsewhere -- accessors,
    ``equals``, middleware wrappers -- comes as a package, and only structure seen
    nowhere else adds up. Consecutive windows are not independent either, identical
    or not: where regions of other repositories (not the source's) hold a window
    inside other code (other tokens around it: a copy of the same code, vendored or
    forked, is no such evidence; :func:`_same_context`) and
    ``b`` of the ``a`` that do also hold the next one, the next window carries
    ``-log2((b + f * p) / (a + f))`` bits at most, ``p = c / W`` its own frequency and
    ``f`` = ``FOLLOW_PRIOR`` the weight of that index-wide estimate -- an interpolated
    conditional frequency, so that code an interface mandates (trait-method signatures,
    ``equals`` prologues), which other projects hold line after line, adds up to about
    one window. Where no other repository holds the window, ``a = 0`` and nothing
    changes. Long rare regions get tiny numbers, short or common ones
    (boilerplate, accessors, ``__eq__``, ``main``) large ones; and as the index grows,
    ``W`` and the counts of common code grow together.
    """
    if len(abst) == 0:
        return [float("inf")] * len(regions)
    return [_region_chance(e, *_windows_inside(e, abst), abst, counts) for e in regions]


def _windows_inside(e: Evidence, abst: Windows) -> tuple[np.ndarray, np.ndarray]:
    """The query windows all of whose tokens a region aligns, and which of those it
    aligns to identical tokens."""
    width = abst.stop - abst.first
    aligned = np.zeros(int(abst.stop.max()) + 1, dtype=np.int64)
    same = np.zeros_like(aligned)
    ok = e.positions < len(aligned)
    aligned[e.positions[ok]] = 1
    same[e.positions[ok & e.same]] = 1
    cums = [np.concatenate(([0], np.cumsum(x))) for x in (aligned, same)]
    full = np.flatnonzero(cums[0][abst.stop] - cums[0][abst.first] == width)
    return full, cums[1][abst.stop[full]] - cums[1][abst.first[full]] == width[full]


def _region_chance(e: Evidence, sel: np.ndarray, same: np.ndarray, abst: Windows, counts: "WindowCounts") -> float:
    """:func:`chance` of one region, from the windows it covers (``sel``; ``same``: those
    it covers with identical tokens)."""
    if len(sel) == 0:
        return float("inf")
    n, width, total = len(abst), abst.stop - abst.first, counts.total
    # The source's own repeats of a window count once: a loop written five times in
    # one file says nothing about how common it is elsewhere.
    as_written = counts.exact[sel] - np.maximum(e.own[sel] - 1, 0)
    seen = np.maximum(counts.alike[sel] - np.maximum(e.own[n + sel] - 1, 0), 0)
    # A window whose structure was never stored (a query starting inside a string
    # reads its words as names) is still counted as written when it is identical.
    seen = as_written if e.identical else np.where((seen == 0) & same, as_written, seen)
    if not np.any(seen > 0):
        return float("inf")
    related = e.related(abst.first[sel], abst.stop[sel])  # copies of the source in its project, window by window
    count = np.maximum(_smoothed(seen, abst.first[sel]) - (related - 1), 1)
    bits = np.maximum(np.log2(total / count), 0.0)
    # Windows are not independent: where other repositories hold a window, how often
    # the next window follows it there is the evidence the next one adds (a prologue,
    # a trait-method signature: once its first line is there, the rest is not news).
    before, both = e.pairs(abst.first[sel], abst.stop[sel])
    follows = (both + FOLLOW_PRIOR * count / total) / (before + FOLLOW_PRIOR)
    bits = np.minimum(bits, np.maximum(-np.log2(follows), 0.0))
    _, first_seen = np.unique(abst.keys[sel], axis=0, return_index=True)
    keep = np.zeros(len(sel), dtype=bool)
    keep[first_seen] = True  # a window repeated in the region counts once
    if not e.identical:  # a run of windows whose very structure other code has too counts once
        shape = np.maximum(counts.shape[sel] - np.maximum(e.own[n + sel] - 1, 0), 0)
        common = (_smoothed(shape, abst.first[sel]) if np.any(shape > 0) else shape) - (related - 1) > 1
        block = np.cumsum(np.r_[True, common[1:] != common[:-1]])
        for b in np.unique(block[common]):
            members = np.flatnonzero((block == b) & keep)
            if len(members) > 1:
                keep[members] = False
                keep[members[np.argmax(bits[members])]] = True
    token_bits = np.zeros(int(abst.stop[sel].max()), dtype=np.float64)
    for w, b in zip(sel[keep], bits[keep] / width[sel[keep]]):
        np.maximum(token_bits[abst.first[w]:abst.stop[w]], b, out=token_bits[abst.first[w]:abst.stop[w]])
    return float(total * np.exp2(-token_bits.sum()))


def _smoothed(seen: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Counts of consecutive windows, each as common as the commonest of it and its
    neighbours, and an unobserved one (0) as its nearest observed neighbour: the index
    keeps a window at every other line, so one line's count is a thin sample."""
    observed = np.flatnonzero(seen > 0)
    seen = seen[observed[np.abs(first[:, None] - first[observed][None, :]).argmin(axis=1)]]
    return np.maximum(seen, np.maximum(np.r_[seen[1:], 0], np.r_[0, seen[:-1]]))


def _consistent(r: Region, o: MatchOptions) -> bool:
    """Long enough, and -- when identifiers differ -- consistently renamed."""
    if r.lines < o.min_lines:
        return False
    return r.exact_ratio >= o.exact_ratio or r.consistency >= o.min_consistency


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
    windows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False, repr=False)
    # the query windows sharing bands with the file: exact-stream ones numbered first,
    # then the abstract stream's (n + window); and how many of the file's own stored
    # windows each one matches
    own: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False, repr=False)


def _candidates(qwin: dict[str, Windows], store: Store, params: FingerprintParams,
                options: MatchOptions) -> dict[int, _Hit]:
    """Files whose windows share band keys with the query's, strongest evidence first.

    A (query window, stored window) pair counts when it shares ``min_band_hits`` bands;
    per such query window a file scores the shared bands, doubled for the exact stream.
    """
    keys: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for weight, stream in zip((2, 1), STREAMS):
        w = qwin[stream]
        keys.append(w.keys.ravel())
        owners.append(np.repeat(np.arange(len(w)) + sum(len(x) for x in weights), params.bands))
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
    pair_starts = np.flatnonzero(new_pair)
    band_hits = np.diff(np.r_[pair_starts, len(window)])
    keep = band_hits >= options.min_band_hits
    strong, strength = pair_starts[keep], band_hits[keep]
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
    np.maximum.at(full, inverse[once], (best_bands == params.bands).astype(float))
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
    # Per kept file, its query windows and how many of its stored windows each one matches.
    pair_size = np.diff(np.r_[once, len(s_window)])
    grouped = np.argsort(inverse[once], kind="stable")
    bounds = np.searchsorted(inverse[once][grouped], np.stack((order, order + 1)))
    hit_windows, own = s_window[once][grouped], pair_size[grouped]
    q_first, q_last, s_first, s_last = spans
    return {int(files[i]): _Hit(int(q_first[i]), int(q_last[i]), int(s_first[i]), int(s_last[i]), float(score[i]),
                                hit_windows[a:b], own[a:b])
            for i, a, b in zip(order.tolist(), bounds[0].tolist(), bounds[1].tolist())}


def _group(found: list[tuple[Region, StoredFile, float]]) -> list[Match]:
    """Merge regions covering the same query lines into matches with all their sources."""
    found.sort(key=lambda rf: (-rf[0].aligned, -rf[0].similarity))
    groups: list[tuple[Region, list[tuple[Region, StoredFile, float]]]] = []
    for region, f, odds in found:
        for lead, members in groups:
            overlap = min(lead.q_end_line, region.q_end_line) - max(lead.q_start_line, region.q_start_line) + 1
            span = max(lead.q_end_line, region.q_end_line) - min(lead.q_start_line, region.q_start_line) + 1
            size = region.q_end_line - region.q_start_line + 1
            if overlap / span >= 0.5:
                members.append((region, f, odds))
                break
            if overlap >= 0.8 * size:  # mostly inside a bigger match: not worth its own
                break
        else:
            groups.append((region, [(region, f, odds)]))
    matches = []
    for lead, members in groups:
        spans = [_span(r, f, p, odds) for r, f, odds in members for p in f.provenance]
        # The strongest evidence first (it names the true file among near-identical
        # siblings), then the most similar, the longest, the most starred.
        spans.sort(key=lambda s: (s.chance, -s.similarity, -(s.end_line - s.start_line),
                                  -(s.stars or 0), s.repo, s.path))
        matches.append(Match(start_line=lead.q_start_line, end_line=lead.q_end_line, sources=tuple(spans)))
    matches.sort(key=lambda m: (m.start_line, m.end_line))
    return matches


def _span(r: Region, f: StoredFile, p, odds: float) -> SourceSpan:
    return SourceSpan(repo=p.repo, path=p.path, commit=p.commit, start_line=r.s_start_line,
                      end_line=r.s_end_line, licenses=p.licenses, stars=p.stars, lang=f.lang, sha=f.sha,
                      similarity=round(r.similarity, 4), kind="exact" if r.identical else "near", chance=odds,
                      first_seen=p.first_seen, file_licenses=f.file_licenses, repo_licenses=p.repo_licenses,
                      copyrights=f.copyrights)


_LINES: OrderedDict[str, tuple[list[str], int]] = OrderedDict()
_LINES_MAX_CHARS = 64_000_000
_lines_chars = 0
_LINES_LOCK = threading.Lock()


def _file_lines(f: StoredFile) -> list[str]:
    """The lines of a stored file, remembered (by content) since scans keep hitting the
    same files: splitting a large bundle again for every query costs more than aligning.
    Shared by every thread under a lock; the lists are never changed once made."""
    global _lines_chars
    with _LINES_LOCK:
        hit = _LINES.get(f.sha)
        if hit is not None:
            _LINES.move_to_end(f.sha)
            return hit[0]
    made = _lines(f.content)
    with _LINES_LOCK:
        if f.sha not in _LINES:
            _LINES[f.sha] = (made, len(f.content))
            _lines_chars += len(f.content)
            while _lines_chars > _LINES_MAX_CHARS and len(_LINES) > 1:
                _lines_chars -= _LINES.popitem(last=False)[1][1]
        return _LINES[f.sha][0]


_LEXED: OrderedDict[tuple[str, str | None], Lexed] = OrderedDict()
_LEXED_MAX_TOKENS = 4_000_000  # about 90 MB of token arrays
_lexed_tokens = 0
_LEXED_LOCK = threading.Lock()  # the web server's workers and generate's watcher match at once
SLICE_MARGIN = 40  # lines lexed beyond a slice, so comments and strings open before it settle


def _lexed(f: StoredFile, lines: list[str], first: int, last: int) -> Lexed:
    """The stored file lexed at least over lines ``first..last`` (file line numbers).

    Files much longer than the range are lexed over the range only (plus a margin);
    others are lexed whole and remembered, since scans keep hitting the same files.
    The cache is shared by every thread: it is used under a lock, and what it holds is
    read-only (a lexed file is never changed once made).
    """
    global _lexed_tokens
    first, last = max(1, first - SLICE_MARGIN), min(len(lines), last + SLICE_MARGIN)
    if len(lines) > 3 * (last - first + 1):
        piece = lex("\n".join(lines[first - 1:last]), f.lang)
        return Lexed(piece.norm, piece.abst, piece.ident, piece.line + np.int32(first - 1), len(lines))
    key = (f.sha, f.lang)
    with _LEXED_LOCK:
        hit = _LEXED.get(key)
        if hit is not None:
            _LEXED.move_to_end(key)
            return hit
    made = lex(f.content, f.lang)  # outside the lock: other threads keep matching meanwhile
    for array in (made.norm, made.abst, made.ident, made.line):
        array.flags.writeable = False
    with _LEXED_LOCK:
        hit = _LEXED.setdefault(key, made)
        if hit is made:
            _lexed_tokens += len(made)
            while _lexed_tokens > _LEXED_MAX_TOKENS and len(_LEXED) > 1:
                _lexed_tokens -= len(_LEXED.popitem(last=False)[1])
        return hit
