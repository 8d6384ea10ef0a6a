"""Accuracy benchmark: does attrib find where a (mutated) code span came from, in every
major language of The Stack?

1. Builds a corpus of real code with known licenses from the registries
   (``bench/corpus.py``): for each language, pinned packages to index (permissive,
   weak-copyleft and copyleft; up to ``--max-package-mb`` each) and held-out packages
   that are never indexed, in two groups: ``dev`` (for developing the matcher) and
   ``final`` (for the last evaluation only, ``--split final``).
2. Indexes every language into one index through the real CLI:
   ``attrib index DIR --store sqlite:///DB --quiet``.
3. Per language, draws spans of 6, 12 and 24 lines from indexed files (seeded,
   reproducible; the dev split draws from half of the indexed files, the final split
   from the other half) and mutates each one five ways (``bench/codeinfo.py``):
   verbatim, re-indented, comments and blank lines removed, identifiers renamed,
   embedded between unrelated held-out lines. Negatives are spans of held-out packages
   with no true source in the index: no run of 150 whitespace-collapsed characters in
   common with an indexed file (those that have one are reported apart, as "shared").
   ``--with-kernel MB`` adds MB of Linux kernel code to the index (accuracy at scale).
4. Runs ``attrib.match.attribute`` in-process on every query and scores it; runs a
   Copilot-like baseline (an exact match of >= 150 characters after collapsing
   whitespace) on the same queries.
5. Prints a table per language and writes ``bench/results/accuracy.json`` (and the
   misses and false attributions, with their query text, to
   ``bench/results/accuracy-failures.json``).

    python bench/accuracy.py                    # every language, dev split
    python bench/accuracy.py --quick --lang Go  # fewer queries, one language
    python bench/accuracy.py --split final      # the held-out evaluation
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import codeinfo  # noqa: E402
import corpus  # noqa: E402

MUTATIONS = ["verbatim", "reindent", "nocomments", "renamed", "embedded"]
LENGTHS = [6, 12, 24]
BASELINE_CHARS = 150
FALSE_ATTRIBUTION_TARGET = 0.005
IOU_TARGET = 0.9


def recall_target(mutation: str, length: int) -> float:
    if mutation == "renamed":
        return 0.70 if length <= 6 else 0.85
    return 0.90 if length <= 6 else 0.95


# ---------------------------------------------------------------------------- files

class Files:
    """The files of one language and group (indexed or held out), analysed on demand."""

    def __init__(self, lang: str, rows: list[tuple[str, dict]], first_idx: int):
        self.lang = lang
        self.rows = rows
        self.first_idx = first_idx
        self._cache: dict[int, codeinfo.CodeFile] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, i: int) -> codeinfo.CodeFile:
        if i not in self._cache:
            package, row = self.rows[i]
            self._cache[i] = codeinfo.analyse(self.first_idx + i, package, self.lang, row)
        return self._cache[i]


def usable(f: codeinfo.CodeFile) -> bool:
    """The lexer read the file (almost) without errors: mutations can be trusted."""
    return f.errors <= 0.002 * len(f.tokens) and len(f.lines) > 0


def eligible_starts(f: codeinfo.CodeFile, length: int) -> list[int]:
    """0-based start lines of spans with real content: >= max(4, L/2) code lines, >= 4 of
    them not import lines, first and last line not blank, first line not inside a
    multi-line string or comment."""
    n = len(f.lines)
    if n < length or not usable(f):
        return []
    need = max(4, length // 2)
    code = np.cumsum([0] + [int(c) for c in f.code])
    nonimp = np.cumsum([0] + [int(c and not i) for c, i in zip(f.code, f.imports)])
    starts = np.arange(0, n - length + 1)
    ok = ((code[starts + length] - code[starts]) >= need) & ((nonimp[starts + length] - nonimp[starts]) >= 4)
    return [int(s) for s in starts[ok]
            if f.lines[s].strip() and f.lines[s + length - 1].strip() and not f.inside[s]]


# ---------------------------------------------------------------------------- queries

@dataclass
class Query:
    qid: str
    lang: str
    kind: str                  # a mutation, or "negative"
    length: int
    text: str
    planted: tuple[int, int] | None   # 1-based inclusive lines of the span in the text
    origin: dict                       # file, lines and package of the span
    true_shas: set[str] = field(default_factory=set)
    true_paths: set[tuple[str, str]] = field(default_factory=set)
    span_norm: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return self.text.count("\n")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def context_chunk(held: Files, rng: random.Random, k: int) -> list[str]:
    """k contiguous real lines (mostly code) from a held-out file, starting and ending
    outside strings, comments and brackets so that they do not change how the span lexes."""
    for _ in range(20000):
        f = held.get(rng.randrange(len(held)))
        n = len(f.lines)
        if n < k or not usable(f):
            continue
        a = rng.randrange(0, n - k + 1)
        if sum(f.code[a:a + k]) >= k // 2 and f.clean[a] and (a + k == n or f.clean[a + k]):
            return f.lines[a:a + k]
    raise RuntimeError(f"no held-out {held.lang} context found")


def draw(files: Files, choices: list[int], length: int, rng: random.Random,
         chosen: set[tuple[int, int]]) -> tuple[codeinfo.CodeFile, int] | None:
    """A random (file, start) with an eligible span of ``length`` lines, not drawn before."""
    pool = list(choices)
    while pool:
        i = rng.randrange(len(pool))
        f = files.get(pool[i])
        starts = eligible_starts(f, length)
        if not starts:
            pool[i] = pool[-1]
            pool.pop()
            continue
        for _ in range(20):
            a = rng.choice(starts)
            if (f.idx, a) not in chosen:
                chosen.add((f.idx, a))
                return f, a
        pool[i] = pool[-1]
        pool.pop()
    return None


def make_queries(lang: str, indexed: Files, sources: list[int], held: Files, per_cell: int, negatives: int,
                 seed: int, corpus_norm: "CorpusText", shares) -> list[Query]:
    """Five mutations of ``per_cell`` spans per length drawn from ``sources``, and
    ``negatives`` held-out spans for which ``shares(text)`` is false."""
    rng = random.Random(f"{seed}:{lang}")
    queries: list[Query] = []
    for length in LENGTHS:
        chosen: set[tuple[int, int]] = set()
        for n in range(per_cell):
            got = draw(indexed, sources, length, rng, chosen)
            if got is None:
                break
            f, a = got
            b = a + length
            span = f.lines[a:b]
            origin = {"package": f.package, "repo": f.repo, "path": f.path, "sha": f.sha,
                      "start_line": a + 1, "end_line": b}
            norm = normalise(join(span))
            shas = corpus_norm.shas_containing(norm)
            base = f"{lang}-L{length}-{n:03d}"
            qseed = rng.randrange(1 << 30)
            renamed, nren = codeinfo.rename_identifiers(f, a, b, qseed)
            pre = context_chunk(held, rng, rng.randint(8, 15))
            post = context_chunk(held, rng, rng.randint(8, 15))
            variants = {
                "verbatim": (span, {}),
                "reindent": (codeinfo.reindent(f, a, b, rng.choice(codeinfo.other_units(f.indent_unit))), {}),
                "nocomments": (codeinfo.strip_comments(f, a, b), {}),
                "renamed": (renamed, {"renamed_names": nren}),
                "embedded": (pre + span + post, {}),
            }
            for mut in MUTATIONS:
                lines, extra = variants[mut]
                planted = (len(pre) + 1, len(pre) + length) if mut == "embedded" else (1, len(lines))
                queries.append(Query(f"{mut}-{base}", lang, mut, length, join(lines), planted,
                                     origin, shas | {f.sha}, {(f.repo, f.path)}, norm, extra))
    # Negatives: held-out spans with no true source in the index, i.e. sharing no run of
    # BASELINE_CHARS whitespace-collapsed characters with an indexed file (what the exact
    # baseline would call a copy). Held-out spans that do share one are kept apart as
    # "shared": code two packages really hold in common (a trait's method signatures, a
    # build script copied between crates), reported separately, never as negatives.
    per_len = [negatives // len(LENGTHS)] * len(LENGTHS)
    per_len[-1] += negatives - sum(per_len)
    for length, want in zip(LENGTHS, per_len):
        chosen = set()
        n = tries = 0
        while n < want and tries < 50 * want:
            tries += 1
            got = draw(held, list(range(len(held))), length, rng, chosen)
            if got is None:
                break
            f, a = got
            span = f.lines[a:a + length]
            kind = "shared" if shares(join(span)) else "negative"
            queries.append(Query(f"{kind}-{lang}-L{length}-{n:03d}", lang, kind, length,
                                 join(span), None,
                                 {"package": f.package, "repo": f.repo, "path": f.path,
                                  "start_line": a + 1, "end_line": a + length}, span_norm=normalise(join(span))))
            n += kind == "negative"
    return queries


class CorpusText:
    """The whitespace-normalised indexed corpus, to find every file holding a span."""

    def __init__(self, rows: list[dict]):
        parts, starts, pos = [], [], 0
        for row in rows:
            t = normalise(row["content"])
            starts.append(pos)
            parts.append(t)
            pos += len(t) + 1
        self.text = "\0".join(parts)
        self.starts = np.array(starts)
        self.shas = [row["hexsha"] for row in rows]

    def shas_containing(self, norm: str) -> set[str]:
        needle = norm.strip()
        out: set[str] = set()
        if not needle:
            return out
        i = self.text.find(needle)
        while i >= 0:
            k = int(np.searchsorted(self.starts, i, side="right")) - 1
            out.add(self.shas[k])
            i = self.text.find(needle, i + 1)
        return out


# ---------------------------------------------------------------------------- baseline

class CharWindows:
    """64-bit polynomial hashes of every ``w``-character window of a text."""

    B = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64

    def __init__(self, w: int = BASELINE_CHARS):
        self.w = w
        self._pows(1 << 16)

    def _pows(self, n: int) -> None:
        binv = pow(self.B, -1, 1 << 64)
        bp = np.full(n, self.B, dtype=np.uint64)
        bp[0] = 1
        bip = np.full(n, binv, dtype=np.uint64)
        bip[0] = 1
        self.bp = np.cumprod(bp, dtype=np.uint64)
        self.bip = np.cumprod(bip, dtype=np.uint64)

    def __call__(self, text: str) -> np.ndarray:
        """Hash of text[i:i+w] for every i (sum c[j] * B**(i+w-1-j) mod 2**64)."""
        w = self.w
        if len(text) < w:
            return np.zeros(0, dtype=np.uint64)
        if len(text) + 1 > len(self.bp):
            self._pows(2 * len(text) + w + 1)
        c = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = len(c)
        s = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(c * self.bip[:n], dtype=np.uint64, out=s[1:])
        i = np.arange(n - w + 1)
        return (s[i + w] - s[i]) * self.bp[i + w - 1]


def sharing(texts: list[str], contents, w: int = BASELINE_CHARS) -> list[bool]:
    """Which ``texts`` share a run of at least ``w`` whitespace-collapsed characters with
    one of ``contents`` (an iterable of file texts, read once: a corpus too big to hold,
    such as a gigabyte of kernel code). The negatives' definition, as :class:`ExactBaseline`
    applies it to the benchmark's own corpus."""
    hashes = CharWindows(w)
    mine = [hashes(normalise(t)) for t in texts]
    wanted = np.unique(np.concatenate(mine)) if mine else np.zeros(0, dtype=np.uint64)
    seen = np.zeros(len(wanted), dtype=bool)
    maybe = np.zeros(1 << 26, dtype=bool)  # a one-probe filter on the low bits, before the exact search
    low = np.uint64((1 << 26) - 1)
    maybe[(wanted & low).astype(np.int64)] = True
    for content in contents:
        h = hashes(normalise(content))
        h = h[maybe[(h & low).astype(np.int64)]]
        at = np.searchsorted(wanted, h)
        ok = at < len(wanted)
        at = at[ok]
        seen[at[wanted[at] == h[ok]]] = True
    found = wanted[seen]
    return [bool(np.isin(h, found).any()) for h in mine]


class ExactBaseline:
    """Copilot-like filter: an exact match of >= 150 characters after collapsing every
    run of whitespace to one space. 64-bit polynomial hashes of every 150-character
    window of every indexed file, sorted, looked up with numpy."""

    def __init__(self, files: list[_Indexed], w: int = BASELINE_CHARS):
        self.w = w
        self.windows = CharWindows(w)
        hs, ids = [], []
        for i, f in enumerate(files):
            h = self.windows(normalise(f.content))
            hs.append(h)
            ids.append(np.full(len(h), i, dtype=np.int32))
        h = np.concatenate(hs)
        ids = np.concatenate(ids)
        order = np.argsort(h, kind="stable")
        self.h, self.ids = h[order], ids[order]
        self.shas = [f.sha for f in files]

    def attribute(self, text: str) -> list[dict]:
        """Matches as dicts: start_line, end_line (query), shas (sources)."""
        chars, line_of = [], []
        for m in re.finditer(r"\s+|\S+", text):
            s = m.group()
            line = text.count("\n", 0, m.start()) + 1
            if s[0].isspace():
                chars.append(" ")
                line_of.append(line)
            else:
                chars.append(s)
                line_of.extend([line] * len(s))
        norm = "".join(chars)
        h = self.windows(norm)
        if len(h) == 0:
            return []
        lo = np.searchsorted(self.h, h, side="left")
        hi = np.searchsorted(self.h, h, side="right")
        hit = np.nonzero(hi > lo)[0]
        if len(hit) == 0:
            return []
        matches, cur = [], None
        for i in hit:
            i = int(i)
            srcs = set(self.ids[lo[i]:min(hi[i], lo[i] + 50)].tolist())
            if cur and i <= cur[1]:
                cur[1] = i + self.w
                cur[2] |= srcs
            else:
                if cur:
                    matches.append(cur)
                cur = [i, i + self.w, srcs]
        matches.append(cur)
        out = []
        for s, e, srcs in matches:
            while s < e and norm[s] == " ":
                s += 1
            while e > s and norm[e - 1] == " ":
                e -= 1
            out.append({"start_line": line_of[s], "end_line": line_of[e - 1],
                        "shas": [self.shas[k] for k in sorted(srcs)]})
        return out


# ---------------------------------------------------------------------------- scoring

def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    union = max(a[1], b[1]) - min(a[0], b[0]) + 1
    return inter / union


def score(q: Query, matches: list[dict]) -> dict:
    """matches: dicts with start_line, end_line and sources [{sha, repo, path}]."""
    best, best_iou, top1 = None, 0.0, False
    overlapping_wrong = False
    true_iou = 0.0  # best IoU of any match naming a true source, hit or not
    for m in matches:
        if q.planted is None:
            break
        v = iou((m["start_line"], m["end_line"]), q.planted)
        true = [s for s in m["sources"] if s["sha"] in q.true_shas
                or (s.get("repo"), s.get("path")) in q.true_paths]
        if true:
            true_iou = max(true_iou, v)
        if v >= 0.5 and true:
            if v > best_iou:
                best, best_iou = m, v
                top1 = m["sources"][0] in true
        elif v > 0 and not true:
            overlapping_wrong = True
    outside = 0
    if q.planted is not None:
        outside = sum(1 for m in matches
                      if m["end_line"] < q.planted[0] or m["start_line"] > q.planted[1])
    if best is not None or q.planted is None:
        why = None
    elif not matches:
        why = "no match"
    elif true_iou > 0:
        why = "span too short (IoU < 0.5)"
    elif overlapping_wrong:
        why = "wrong source only"
    else:
        why = "match outside the span only"
    return {"hit": best is not None, "iou": best_iou, "top1": top1,
            "matches": len(matches), "wrong_source_overlap": overlapping_wrong,
            "outside": outside, "miss": why, "true_iou": round(true_iou, 3)}


def attrib_matches(matches) -> list[dict]:
    return [{"start_line": m.start_line, "end_line": m.end_line,
             "sources": [{"sha": s.sha, "repo": s.repo, "path": s.path,
                          "start_line": s.start_line, "end_line": s.end_line,
                          "similarity": round(float(s.similarity), 4), "kind": s.kind,
                          "chance": float(f"{s.chance:.3g}")}
                         for s in m.sources]}
            for m in matches]


SWEEP = [10.0 ** e for e in range(-12, 3)]


def below(matches: list[dict], t: float) -> list[dict]:
    """The matches as a matcher with ``max_chance = t`` would report them (approximately:
    the sources at or under ``t``; a match with none left is dropped)."""
    out = []
    for m in matches:
        kept = [s for s in m["sources"] if s["chance"] <= t]
        if kept:
            out.append({**m, "sources": kept})
    return out


def sweep(queries: list[Query], raw: list[list[dict]]) -> dict:
    """Recall per cell and false attributions at each ``max_chance`` of :data:`SWEEP`."""
    out = {}
    for t in SWEEP:
        scored = [score(q, below(ms, t)) for q, ms in zip(queries, raw)]
        s = summarise(queries, scored, [0.0] * len(queries))
        out[f"{t:g}"] = {"recall": {f"{mut} {L}": s["cells"][mut][str(L)]["recall"] for mut in MUTATIONS
                                    for L in LENGTHS},
                         "false": s["negatives"]["rate"]}
    return out


def sweep_table(lang: str, result: dict) -> str:
    rows = [f"   {'max_chance':>10} {'6 lines':>8} {'12':>6} {'24':>6} {'ren 6':>6} {'ren 12':>6} {'ren 24':>6} {'false':>6}"]  # noqa: E501
    for t, r in result.items():
        low = {L: min(r["recall"][f"{m} {L}"] or 0 for m in MUTATIONS if m != "renamed") for L in LENGTHS}
        ren = {L: r["recall"][f"renamed {L}"] or 0 for L in LENGTHS}
        rows.append(f"   {t:>10} {low[6]:>8.3f} {low[12]:>6.3f} {low[24]:>6.3f} {ren[6]:>6.3f} {ren[12]:>6.3f} "
                    f"{ren[24]:>6.3f} {r['false'] or 0:>6.3f}")
    return f"{lang}: lowest recall of the non-renamed cells, renamed recall, false attributions\n" + "\n".join(rows)


def baseline_matches(matches, files_by_sha) -> list[dict]:
    out = []
    for m in matches:
        out.append({"start_line": m["start_line"], "end_line": m["end_line"],
                    "sources": [{"sha": sha, "repo": files_by_sha[sha].repo,
                                 "path": files_by_sha[sha].path} for sha in m["shas"]]})
    return out


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarise(queries: list[Query], scored: list[dict], latency: list[float]) -> dict:
    cells: dict = {}
    for mut in MUTATIONS:
        cells[mut] = {}
        for length in LENGTHS:
            rs = [s for q, s in zip(queries, scored) if q.kind == mut and q.length == length]
            hits = [s for s in rs if s["hit"]]
            cells[mut][str(length)] = {
                "n": len(rs), "hits": len(hits),
                "recall": round(len(hits) / len(rs), 4) if rs else None,
                "mean_iou": round(statistics.fmean(s["iou"] for s in hits), 4) if hits else None,
                "top1_true": round(sum(s["top1"] for s in hits) / len(rs), 4) if rs else None,
                "wrong_source_overlap": sum(s["wrong_source_overlap"] for s in rs),
                "matches_outside_span": sum(s["outside"] for s in rs),
                "misses": {why: sum(1 for s in rs if s["miss"] == why)
                           for why in sorted({s["miss"] for s in rs if s["miss"]})},
            }
    neg = [(q, s) for q, s in zip(queries, scored) if q.kind == "negative"]
    false = [q for q, s in neg if s["matches"] > 0]
    negs = {"n": len(neg), "false_attributions": len(false),
            "rate": round(len(false) / len(neg), 4) if neg else None,
            "by_length": {str(L): {"n": sum(1 for q, _ in neg if q.length == L),
                                   "false": sum(1 for q in false if q.length == L)}
                          for L in LENGTHS}}
    shared = [s for q, s in zip(queries, scored) if q.kind == "shared"]
    negs["shared"] = {"n": len(shared), "attributed": sum(1 for s in shared if s["matches"] > 0)}
    all_hits = [s for q, s in zip(queries, scored) if q.planted is not None and s["hit"]]
    lines = sum(q.lines for q in queries)
    return {
        "cells": cells, "negatives": negs,
        "mean_iou": round(statistics.fmean(s["iou"] for s in all_hits), 4) if all_hits else None,
        "top1_true": round(sum(s["top1"] for s in all_hits) / len(all_hits), 4) if all_hits else None,
        "latency_ms": {"p50": round(pct(latency, 0.5) * 1000, 2),
                       "p95": round(pct(latency, 0.95) * 1000, 2),
                       "mean": round(statistics.fmean(latency) * 1000, 2) if latency else None,
                       "per_100_lines": round(sum(latency) / max(lines, 1) * 100_000, 2)},
    }


def check_targets(summary: dict) -> dict:
    out = {}
    for mut in MUTATIONS:
        for length in LENGTHS:
            c = summary["cells"][mut][str(length)]
            t = recall_target(mut, length)
            out[f"recall {mut} {length}"] = {"target": t, "value": c["recall"],
                                             "pass": c["recall"] is not None and c["recall"] >= t}
    r = summary["negatives"]["rate"]
    out["false attribution"] = {"target": FALSE_ATTRIBUTION_TARGET, "value": r,
                                "pass": r is not None and r <= FALSE_ATTRIBUTION_TARGET}
    v = summary["mean_iou"]
    out["mean IoU"] = {"target": IOU_TARGET, "value": v, "pass": v is not None and v >= IOU_TARGET}
    return out


# ---------------------------------------------------------------------------- running

def build_corpus(langs: list[str], split: str, max_bytes: int, work: Path):
    """Per language: indexed rows and held-out rows of the split; the indexed ones are
    written in The Stack schema under ``work/corpus/data/<language>/``."""
    data_dir = work / "corpus"
    indexed, held, idx = {}, {}, 0
    for name in langs:
        lang = corpus.LANGUAGES[name]
        rows = corpus.language_rows(lang, lang.indexed, max_bytes)
        flat = [(pkg, r) for pkg, rs in rows.items() for r in rs]
        corpus.write_stack([r for _, r in flat], data_dir, lang.folder)
        indexed[name] = Files(name, flat, idx)
        idx += len(flat)
        rows = corpus.language_rows(lang, getattr(lang, split), max_bytes)
        flat = [(pkg, r) for pkg, rs in rows.items() for r in rs]
        held[name] = Files(name, flat, idx)
        idx += len(flat)
    for stale in (data_dir / "data").glob("*"):
        if stale.name not in {corpus.LANGUAGES[n].folder for n in langs}:
            shutil.rmtree(stale)
    return indexed, held, data_dir / "data"


def run_index(sources: list[Path], db: Path, reuse: bool, fingerprint: str) -> dict:
    stamp = db.with_suffix(".corpus")
    url = f"sqlite:///{db}"
    if reuse and db.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return {"reused": True, "store": url}
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    exe = shutil.which("attrib")
    base = [exe] if exe else [sys.executable, "-m", "attrib"]
    cmd = base + ["--store", url, "--quiet", "index", *map(str, sources)]
    if len(sources) > 1:  # a gigabyte of kernel code: every core
        cmd += ["--workers", str(os.cpu_count() or 1)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"indexing failed ({proc.returncode}): {' '.join(cmd)}\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    stamp.write_text(fingerprint)
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {"reused": False, "store": url, "command": " ".join(cmd),
            "seconds": round(secs, 1), "store_bytes": size, "stdout_tail": proc.stdout[-500:]}


def shares_named_source(text: str, matches, store) -> bool:
    """Whether ``text`` shares a run of BASELINE_CHARS whitespace-collapsed characters
    with one of the files ``matches`` name."""
    shas = {s.sha for m in matches for s in m.sources}
    return bool(shas) and sharing([text], (c for sha in sorted(shas) if (c := store.content(sha))))[0]


def run_kernel(queries, matcher, store) -> tuple[dict, list]:
    """bench/scale.py's kernel queries against this index: planted 100-line spans of the
    10 MB corpus (recall: half the lines, the source file named) and held-out spans
    (negatives; or shared, when they share a 150-character run with a file they are
    attributed to)."""
    import scale
    found = {"planted": 0, "negative": 0, "shared": 0}
    n = {"planted": 0, "negative": 0, "shared": 0}
    times, failures = [], []
    for q in queries:
        t = time.perf_counter()
        matches = matcher(q.text, "C")
        times.append(time.perf_counter() - t)
        kind = "planted" if q.sha else "shared" if shares_named_source(q.text, matches, store) else "negative"
        n[kind] += 1
        if scale.judge(q, matches):
            found[kind] += 1
            if kind != "planted":
                failures.append({"qid": q.name, "kind": kind, "text": q.text, "matches": attrib_matches(matches)})
    return {"planted": n["planted"], "recall": round(found["planted"] / max(n["planted"], 1), 3),
            "negatives": n["negative"], "false_attributions": found["negative"],
            "false_rate": round(found["negative"] / max(n["negative"], 1), 4),
            "shared": n["shared"], "shared_attributed": found["shared"],
            "p50_ms": round(pct(times, 0.5) * 1000, 1)}, failures


def load_matcher(url: str, max_chance: float | None):
    """(attribute(text, lang) -> list[Match], store): attrib's own entry point, in-process,
    with its default options or another ``max_chance``."""
    from attrib.match import DEFAULT_OPTIONS, attribute
    from attrib.store import open_store
    store = open_store(url)
    options = DEFAULT_OPTIONS if max_chance is None else replace(DEFAULT_OPTIONS, max_chance=max_chance)
    return (lambda text, lang: attribute(text, store, lang=lang, options=options)), store


def git_state() -> dict:
    """The commit of attrib under test, and whether its code differs from it."""
    root = HERE.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "attrib", "indexer", "cli"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except OSError:
        return {}
    return {"commit": head, "uncommitted_changes": bool(dirty)}


def failure_examples(queries, scored, raw, limit: int) -> dict:
    missed: dict = {}
    false = []
    shared = []
    for q, s, m in zip(queries, scored, raw):
        if q.planted is None:
            if s["matches"]:
                (false if q.kind == "negative" else shared).append(
                    {"qid": q.qid, "origin": q.origin, "text": q.text, "matches": m})
            continue
        if not s["hit"]:
            cell = missed.setdefault(f"{q.kind}-{q.length}", [])
            if len(cell) < limit:
                cell.append({"qid": q.qid, "why": s["miss"], "best_true_iou": s["true_iou"],
                             "planted": q.planted, "origin": q.origin,
                             "true_sources": len(q.true_shas), "extra": q.extra,
                             "text": q.text, "matches": m})
    return {"missed": missed, "false_attributions": false, "shared_attributed": shared}


def table(lang: str, att: dict, base: dict | None) -> str:
    lines = [f"== {lang}"]
    hdr = f"{'mutation':11} {'lines':>5} {'n':>4}  {'recall':>6} {'IoU':>5} {'top1':>5} {'target':>6}"
    if base:
        hdr += f"  | {'base rec':>8} {'base IoU':>8}"
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for mut in MUTATIONS:
        for L in LENGTHS:
            c = att["cells"][mut][str(L)]
            t = recall_target(mut, L)
            mark = " " if c["recall"] is not None and c["recall"] >= t else "*"
            row = (f"{mut:11} {L:>5} {c['n']:>4}  {_f(c['recall']):>6} {_f(c['mean_iou']):>5}"
                   f" {_f(c['top1_true']):>5} {t:>5.2f}{mark}")
            if base:
                b = base["cells"][mut][str(L)]
                row += f"  | {_f(b['recall']):>8} {_f(b['mean_iou']):>8}"
            lines.append(row)
    n = att["negatives"]
    mark = " " if n["rate"] is not None and n["rate"] <= FALSE_ATTRIBUTION_TARGET else "*"
    row = (f"{'negatives':11} {'all':>5} {n['n']:>4}  false attributions {_f(n['rate'])} "
           f"({n['false_attributions']}) target <= {FALSE_ATTRIBUTION_TARGET}{mark}")
    if base:
        row += f"  | baseline {_f(base['negatives']['rate'])}"
    lines.append(row)
    lines.append(f"{'shared':11} {'all':>5} {n['shared']['n']:>4}  held-out spans sharing >= {BASELINE_CHARS} "
                 f"characters with an indexed file (not negatives): {n['shared']['attributed']} attributed")
    lines.append(f"mean IoU of hits: attrib {_f(att['mean_iou'])} (target >= {IOU_TARGET})"
                 + (f", baseline {_f(base['mean_iou'])}" if base else ""))
    lat = att["latency_ms"]
    lines.append(f"latency per query: attrib p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
                 f"{lat['per_100_lines']:.1f} ms per 100 query lines")
    return "\n".join(lines)


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def run_language(lang: str, queries: list[Query], matcher, baseline, by_sha, examples: int) -> tuple[dict, dict]:
    scored, raw, lat = [], [], []
    t0 = time.perf_counter()
    errors = 0
    for q in queries:
        t = time.perf_counter()
        try:
            ms = attrib_matches(matcher(q.text, lang))
        except Exception as e:  # keep going: an exception is a miss, and reported
            errors += 1
            ms = []
            if errors <= 3:
                print(f"  attribute() raised on {q.qid}: {type(e).__name__}: {e}", flush=True)
        lat.append(time.perf_counter() - t)
        raw.append(ms)
        scored.append(score(q, ms))
    att = summarise(queries, scored, lat)
    att["sweep"] = sweep(queries, raw)
    att["errors"] = errors
    att["seconds"] = round(time.perf_counter() - t0, 1)
    att["targets"] = check_targets(att)
    result, failures = {"attrib": att}, {"attrib": failure_examples(queries, scored, raw, examples)}
    if baseline is not None:
        scored_b, raw_b, lat_b = [], [], []
        for q in queries:
            t = time.perf_counter()
            ms = baseline_matches(baseline.attribute(q.text), by_sha)
            lat_b.append(time.perf_counter() - t)
            raw_b.append(ms)
            scored_b.append(score(q, ms))
        result["baseline"] = summarise(queries, scored_b, lat_b)
        failures["baseline"] = failure_examples(queries, scored_b, raw_b, 3)
    return result, failures


@dataclass
class _Indexed:
    """What the baseline needs of an indexed file."""

    sha: str
    repo: str
    path: str
    content: str


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", action="append", choices=list(corpus.LANGUAGES),
                    help="a language to measure (repeatable; default: every one; every language is indexed)")
    ap.add_argument("--split", choices=["dev", "final"], default="dev",
                    help="which held-out packages and which half of the indexed files the queries come from")
    ap.add_argument("--quick", action="store_true", help="fewer queries (20 per cell, 60 negatives per language)")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--per-cell", type=int, help="queries per language x mutation x length (100; quick 20)")
    ap.add_argument("--negatives", type=int, help="negative queries per language (300; quick 60)")
    ap.add_argument("--max-package-mb", type=float, default=1.2, help="code taken from one package at most")
    ap.add_argument("--work", type=Path, default=HERE / "data" / "accuracy", help="corpus and index dir")
    ap.add_argument("--reuse-index", action="store_true",
                    help="keep an index built from the same corpus by an earlier run")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "accuracy.json")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--examples", type=int, default=10, help="misses kept per cell in the failures file")
    ap.add_argument("--max-chance", type=float, help="the matcher's max_chance (default: attrib's own)")
    ap.add_argument("--sweep", action="store_true",
                    help="report everything aligned (max_chance = inf) and print recall and false "
                         "attributions at each max_chance from 1e-12 to 100")
    ap.add_argument("--with-kernel", type=int, metavar="MB",
                    help="index the first MB of bench/linux.py's kernel code too (accuracy at scale), and "
                         "measure bench/scale.py's kernel queries against the same index")
    ap.add_argument("--kernel-queries", type=int, default=100, help="kernel planted spans and held-out spans, each")
    args = ap.parse_args(argv)

    per_cell = args.per_cell or (20 if args.quick else 100)
    n_neg = args.negatives or (60 if args.quick else 300)
    measured = args.lang or list(corpus.LANGUAGES)
    every = list(corpus.LANGUAGES)
    args.work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    print(f"corpus: {len(every)} languages ({args.split} split), up to {args.max_package_mb} MB per package", flush=True)  # noqa: E501
    indexed, held, data_dir = build_corpus(every, args.split, int(args.max_package_mb * 1e6), args.work)
    all_rows = [r for name in every for _, r in indexed[name].rows]
    from attrib.params import DEFAULT_PARAMS  # an index of other fingerprints is never reused
    fp = hashlib.sha1(("".join(sorted(r["hexsha"] for r in all_rows))
                       + json.dumps(DEFAULT_PARAMS.to_dict(), sort_keys=True)).encode()).hexdigest()
    corpus_info = {}
    for name in every:
        lang = corpus.LANGUAGES[name]
        corpus_info[name] = {
            "indexed_packages": {p.name: f"{p.ecosystem} {p.version} {p.license}" for p in lang.indexed},
            "held_out_packages": {p.name: f"{p.ecosystem} {p.version} {p.license}"
                                  for p in getattr(lang, args.split)},
            "indexed_files": len(indexed[name]),
            "indexed_bytes": sum(r["size"] for _, r in indexed[name].rows),
            "held_out_files": len(held[name]),
            "held_out_bytes": sum(r["size"] for _, r in held[name].rows),
        }
        print(f"  {name:10} {corpus_info[name]['indexed_files']:5} files {corpus_info[name]['indexed_bytes'] / 1e6:5.1f} MB "  # noqa: E501
              f"indexed; {corpus_info[name]['held_out_files']} files ({corpus_info[name]['held_out_bytes'] / 1e6:.1f} MB) "  # noqa: E501
              f"held out", flush=True)

    index_sources, db = [data_dir], args.work / "index.db"
    if args.with_kernel:
        import linux
        kernel = linux.build(sorted({10, args.with_kernel}))
        index_sources.append(kernel[args.with_kernel])
        db = args.work / f"index+kernel-{args.with_kernel}mb.db"
        fp = hashlib.sha1(f"{fp} {args.with_kernel} {kernel[args.with_kernel]}".encode()).hexdigest()
    print("indexing through the CLI ...", flush=True)
    index_info = run_index(index_sources, db, args.reuse_index, fp)
    print(f"  {'reused' if index_info['reused'] else str(index_info['seconds']) + ' s'}", flush=True)

    under_test = git_state()  # before importing the matcher: the code that runs
    matcher, store = load_matcher(f"sqlite:///{db}", float("inf") if args.sweep else args.max_chance)
    known = store.known([r["hexsha"] for r in all_rows])
    index_info["files_skipped"] = sum(1 for r in all_rows if r["hexsha"] not in known)
    ctext = CorpusText(all_rows)
    stored = [_Indexed(r["hexsha"], r["max_stars_repo_name"], r["max_stars_repo_path"], r["content"])
              for r in all_rows if r["hexsha"] in known]
    by_sha = {f.sha: f for f in stored}
    baseline = ExactBaseline(stored)  # it also tells negatives from code held-out packages share with indexed ones

    made = {}
    for name in measured:
        files = indexed[name]
        half = 0 if args.split == "dev" else 1
        # Queries come only from files the index holds, from this split's half of them.
        sources = [i for i, (_, r) in enumerate(files.rows)
                   if r["hexsha"] in known and int(r["hexsha"], 16) % 2 == half]
        t0 = time.perf_counter()
        made[name] = make_queries(name, files, sources, held[name], per_cell, n_neg, args.seed, ctext,
                                  lambda text: bool(baseline.attribute(text)))
        print(f"{name}: {len(made[name])} queries ({time.perf_counter() - t0:.0f} s to make)", flush=True)
    kernel_queries = []
    if args.with_kernel:
        import scale
        kernel_queries = scale.make_queries(kernel[10], args.kernel_queries, args.kernel_queries, args.seed)
        # The same definition of a negative against the kernel code in the index. A pass
        # over a gigabyte of kernel text takes too long, so a held-out span is checked
        # against the files attrib names for it: attributed to a file it shares a
        # 150-character run with, it is shared code, not a false attribution.
        held_out = [q for qs in made.values() for q in qs if q.kind == "negative"]
        t0 = time.perf_counter()
        for q in held_out:
            if shares_named_source(q.text, matcher(q.text, q.lang), store):
                q.kind = "shared"
        print(f"kernel: {sum(q.kind == 'shared' for q in held_out)} negatives share text with a file they are "
              f"attributed to ({time.perf_counter() - t0:.0f} s)", flush=True)

    results, failures = {}, {}
    for name, queries in made.items():
        results[name], failures[name] = run_language(name, queries, matcher,
                                                     None if args.no_baseline else baseline, by_sha, args.examples)
        print(table(name, results[name]["attrib"], results[name].get("baseline")), flush=True)
        if args.sweep:
            print(sweep_table(name, results[name]["attrib"]["sweep"]), flush=True)

    kernel_result = None
    if kernel_queries:
        kernel_result, failures["kernel"] = run_kernel(kernel_queries, matcher, store)
        print(f"kernel ({args.with_kernel} MB indexed): {json.dumps(kernel_result)}", flush=True)
    python_speed = results.get("Python", {}).get("attrib", {}).get("latency_ms", {}).get("per_100_lines")
    speed = {name: {"ms_per_100_lines": r["attrib"]["latency_ms"]["per_100_lines"],
                    "x_python": round(r["attrib"]["latency_ms"]["per_100_lines"] / python_speed, 2)
                    if python_speed else None} for name, r in results.items()}
    total = time.perf_counter() - t_start
    report = {
        "benchmark": "accuracy", "version": 2,
        "command": "python bench/accuracy.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "config": {"split": args.split, "quick": args.quick, "seed": args.seed, "per_cell": per_cell,
                   "max_chance": "inf (sweep)" if args.sweep else args.max_chance or "attrib's default",
                   "negatives_per_language": n_neg, "lengths": LENGTHS, "mutations": MUTATIONS,
                   "max_package_bytes": int(args.max_package_mb * 1e6),
                   "baseline": f"exact >= {BASELINE_CHARS} chars after collapsing whitespace",
                   "matcher": "attrib.match.attribute", "with_kernel_mb": args.with_kernel},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "attrib_version": under_test, "corpus": corpus_info, "index": index_info,
        "seconds_total": round(total, 1), "scan_speed": speed, "languages": results, "kernel": kernel_result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    fail_path = args.out.with_name(args.out.stem + "-failures.json")
    fail_path.write_text(json.dumps(failures, indent=2))
    print()
    print(f"{'language':10} {'targets':>8} {'false attr':>10} {'IoU':>6} {'ms/100 lines':>12} {'x Python':>8}")
    for name, r in results.items():
        att = r["attrib"]
        met = sum(t["pass"] for t in att["targets"].values())
        print(f"{name:10} {met:>3}/{len(att['targets']):<4} {_f(att['negatives']['rate']):>10} {_f(att['mean_iou']):>6} "  # noqa: E501
              f"{speed[name]['ms_per_100_lines']:>12.1f} {speed[name]['x_python'] or float('nan'):>8.2f}")
    if not index_info.get("reused"):
        print(f"index: {index_info['seconds']} s, {index_info['store_bytes'] / 1e6:.1f} MB store")
    print(f"total {total:.0f} s; results in {args.out}, misses and false attributions in {fail_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
