"""Accuracy benchmark: does attrib find where a (mutated) code span came from?

1. Builds a corpus of real PyPI packages in The Stack schema (``bench/corpus.py``):
   ~30 indexed packages (~14 MB of Python) and 6 held-out packages that are never indexed.
2. Indexes it through the real CLI: ``attrib index DIR --store sqlite:///DB --quiet``.
3. Draws spans of 6, 12 and 24 lines from indexed files (seeded, reproducible) and
   mutates each one five ways: verbatim, re-indented, comments and blank lines removed,
   identifiers renamed, embedded between unrelated held-out lines. Negatives are spans of
   held-out packages that do not occur in the indexed corpus.
4. Runs ``attrib.match.attribute`` in-process on every query and scores it; runs a
   Copilot-like baseline (an exact match of >= 150 characters after collapsing
   whitespace) on the same queries.
5. Prints a table and writes ``bench/results/accuracy.json`` (and the misses and false
   attributions, with their query text, to ``bench/results/accuracy-failures.json``).

    python bench/accuracy.py            # full run
    python bench/accuracy.py --quick    # fewer packages and queries
"""
from __future__ import annotations

import argparse
import ast
import builtins
import hashlib
import io
import json
import keyword
import math
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import token as tok
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

MUTATIONS = ["verbatim", "reindent", "nocomments", "renamed", "embedded"]
LENGTHS = [6, 12, 24]
BASELINE_CHARS = 150

# Recall targets per mutation and length (the rest of the targets are in check_targets).
def recall_target(mutation: str, length: int) -> float:
    if mutation == "renamed":
        return 0.6 if length <= 6 else 0.85
    return 0.95


# ---------------------------------------------------------------------------- files

@dataclass
class FileInfo:
    idx: int
    package: str
    sha: str
    repo: str
    path: str
    content: str
    lines: list[str]
    code: list[bool]          # per line: holds a token other than a comment
    imports: list[bool]       # per line: an import statement's line
    tokens: list | None       # full-file tokens, None if the file does not tokenize
    indent_unit: str = "    "
    in_string: list[bool] = field(default_factory=list)  # per line: inside a multi-line string
    clean: list[bool] = field(default_factory=list)      # per line: starts outside strings and brackets
    tree: object = None       # ast of the file, None if it does not parse


def analyse(idx: int, package: str, row: dict) -> FileInfo:
    content = row["content"]
    lines = content.splitlines()
    n = len(lines)
    code = [False] * n
    imports = [False] * n
    toks = None
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(content).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        toks = None
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree, toks = None, None
    if toks is not None:
        skip = {tok.COMMENT, tok.NL, tok.NEWLINE, tok.INDENT, tok.DEDENT, tok.ENDMARKER}
        first_of_logical = True
        in_import = False
        for t in toks:
            if t.type in skip:
                if t.type == tok.NEWLINE:
                    first_of_logical, in_import = True, False
                continue
            if first_of_logical:
                in_import = t.type == tok.NAME and t.string in ("import", "from")
                first_of_logical = False
            for r in range(t.start[0], min(t.end[0], n) + 1):
                if 1 <= r <= n:
                    code[r - 1] = True
                    if in_import:
                        imports[r - 1] = True
    in_string = [False] * n
    clean = [False] * n
    if toks is not None:
        depth = 0
        depth_at: list[int | None] = [None] * (n + 2)
        for t in toks:
            r = t.start[0]
            if r <= n and depth_at[r] is None:
                depth_at[r] = depth
            if t.type == tok.OP:
                if t.string in "([{":
                    depth += 1
                elif t.string in ")]}":
                    depth -= 1
            elif t.type == tok.STRING and t.end[0] > t.start[0]:
                for r2 in range(t.start[0] + 1, min(t.end[0], n) + 1):
                    in_string[r2 - 1] = True
        clean = [depth_at[r] == 0 and not in_string[r - 1] for r in range(1, n + 1)]
    info = FileInfo(idx, package, row["hexsha"], row["max_stars_repo_name"],
                    row["max_stars_repo_path"], content, lines, code, imports, toks,
                    _indent_unit(toks) if toks else "    ", in_string, clean, tree)
    return info


def _indent_unit(toks) -> str:
    widths = []
    for t in toks:
        if t.type == tok.INDENT:
            if "\t" in t.string:
                return "\t"
            widths.append(len(t.string))
    g = 0
    for w in widths:
        g = math.gcd(g, w)
    return " " * (g or 4)


def eligible_starts(f: FileInfo, length: int) -> list[int]:
    """0-based start lines of spans with real content: >= max(4, L/2) code lines, >= 4 of
    them not import lines, first and last line not blank, first line not inside a
    multi-line string, and the file tokenizes and parses (the mutations need both)."""
    n = len(f.lines)
    if f.tokens is None or n < length:
        return []
    need = max(4, length // 2)
    code = np.cumsum([0] + [int(c) for c in f.code])
    nonimp = np.cumsum([0] + [int(c and not i) for c, i in zip(f.code, f.imports)])
    starts = np.arange(0, n - length + 1)
    ok = ((code[starts + length] - code[starts]) >= need) & \
         ((nonimp[starts + length] - nonimp[starts]) >= 4)
    return [int(s) for s in starts[ok]
            if f.lines[s].strip() and f.lines[s + length - 1].strip()
            and not f.in_string[s]]


# ---------------------------------------------------------------------------- mutations

def join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def reindent(f: FileInfo, a: int, b: int, rng: random.Random) -> list[str]:
    """Change the indentation unit consistently (4 spaces -> 2 spaces or a tab, ...)."""
    unit = f.indent_unit
    if unit == "\t":
        new = rng.choice(["    ", "  "])
    elif unit == "  ":
        new = rng.choice(["    ", "\t"])
    else:
        new = rng.choice(["  ", "\t"] if unit == "    " else ["    ", "\t"])
    out = []
    for line in f.lines[a:b]:
        stripped = line.lstrip(" \t")
        lead = line[: len(line) - len(stripped)]
        if unit == "\t":
            levels, rest = lead.count("\t"), lead.replace("\t", "")
        else:
            width = len(lead.expandtabs(8))
            levels, rem = divmod(width, len(unit))
            rest = " " * rem
        out.append(new * levels + rest + stripped if stripped else "")
    return out


def strip_comments(f: FileInfo, a: int, b: int) -> list[str]:
    """Drop COMMENT tokens (keep docstrings) and then blank lines outside strings."""
    cut: dict[int, int] = {}
    in_string: set[int] = set()
    for t in f.tokens:
        if t.type == tok.COMMENT:
            cut[t.start[0]] = t.start[1]
        elif t.type == tok.STRING and t.end[0] > t.start[0]:
            in_string.update(range(t.start[0] + 1, t.end[0] + 1))
    out = []
    for i in range(a, b):
        line = f.lines[i]
        row = i + 1
        if row in cut:
            line = line[: cut[row]].rstrip()
        if not line.strip() and row not in in_string:
            continue
        out.append(line)
    return out


_KEEP_NAMES = set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist) | {
    "self", "cls"}


def defined_names(f: FileInfo) -> set[str]:
    """Names the file itself binds: functions, classes, parameters, assignment, loop,
    with/except targets and assigned attributes (``self.x = ...``)."""
    tree = f.tree
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            out.add(node.attr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
    return out


def renamable(f: FileInfo) -> tuple[set[str], list]:
    """Names to rename and the NAME tokens (with a keep flag) of the file.

    Renamed: names the file defines (functions, classes, parameters, locals, globals,
    attributes it assigns), everywhere they occur, also as attributes and keyword
    arguments. Kept: keywords, builtins, self/cls, dunders, names bound by import
    statements and attributes reached through them (``os.path.join``), and every name the
    file does not define (the APIs it calls: ``result.exit_code``, ``ignore_unknown_options=``).
    """
    imported: set[str] = set()
    first, in_import = True, False
    for t in f.tokens:
        if t.type in (tok.NL, tok.COMMENT, tok.INDENT, tok.DEDENT):
            continue
        if t.type == tok.NEWLINE:
            first, in_import = True, False
            continue
        if first:
            in_import = t.type == tok.NAME and t.string in ("import", "from")
            first = False
        if in_import and t.type == tok.NAME:
            imported.add(t.string)
    rename = {n for n in defined_names(f) - imported - _KEEP_NAMES
              if not (n.startswith("__") and n.endswith("__"))}
    names: list = []
    keep_chain = False
    prev = None
    for t in f.tokens:
        if t.type == tok.NAME:
            s = t.string
            after_dot = prev is not None and prev.string == "."
            keep = s not in rename or (after_dot and keep_chain)
            keep_chain = (s in imported and not after_dot) or (after_dot and keep_chain)
            names.append((t, keep))
        elif t.type not in (tok.NL, tok.COMMENT) and t.string != ".":
            keep_chain = False
        if t.type not in (tok.NL, tok.COMMENT):
            prev = t
    return rename, names


def rename_identifiers(f: FileInfo, a: int, b: int, seed: int) -> tuple[list[str], int]:
    """Rename every renamable name in lines a..b consistently: foo -> v_3a1."""
    rename, names = renamable(f)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    edits: dict[int, list] = {}
    for t, keep in names:
        row = t.start[0]
        if keep or not (a < row <= b):
            continue
        if t.string not in mapping:
            h = hashlib.sha1(f"{seed}:{t.string}".encode()).hexdigest()
            k = 3
            while f"v_{h[:k]}" in used:
                k += 1
            mapping[t.string] = f"v_{h[:k]}"
            used.add(mapping[t.string])
        edits.setdefault(row, []).append((t.start[1], t.end[1], mapping[t.string]))
    out = []
    for i in range(a, b):
        line = f.lines[i]
        for c0, c1, new in sorted(edits.get(i + 1, []), reverse=True):
            line = line[:c0] + new + line[c1:]
        out.append(line)
    return out, len(mapping)


# ---------------------------------------------------------------------------- queries

@dataclass
class Query:
    qid: str
    kind: str                  # a mutation, or "negative"
    length: int
    text: str
    planted: tuple[int, int] | None   # 1-based inclusive lines of the span in the text
    origin: dict                       # file, lines and package of the span
    true_shas: set[str] = field(default_factory=set)
    true_paths: set[tuple[str, str]] = field(default_factory=set)
    span_norm: str = ""
    extra: dict = field(default_factory=dict)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def context_chunk(held: list[FileInfo], rng: random.Random, k: int) -> list[str]:
    """k contiguous real lines (mostly code) from a held-out file, starting and ending
    outside strings and brackets so that they do not change how the span lexes."""
    for _ in range(10000):
        f = rng.choice(held)
        n = len(f.lines)
        if n < k or f.tokens is None:
            continue
        a = rng.randrange(0, n - k + 1)
        if (sum(f.code[a:a + k]) >= k // 2 and f.clean[a]
                and (a + k == n or f.clean[a + k])):
            return f.lines[a:a + k]
    raise RuntimeError("no held-out context found")


def make_queries(indexed: list[FileInfo], held: list[FileInfo], per_cell: int,
                 negatives: int, seed: int, corpus_norm: "CorpusText") -> list[Query]:
    rng = random.Random(seed)
    queries: list[Query] = []
    for length in LENGTHS:
        cands = [(f, eligible_starts(f, length)) for f in indexed]
        cands = [(f, s) for f, s in cands if s]
        chosen: set[tuple[int, int]] = set()
        n = 0
        while n < per_cell:
            f, starts = rng.choice(cands)
            a = rng.choice(starts)
            if (f.idx, a) in chosen:
                continue
            chosen.add((f.idx, a))
            b = a + length
            span = f.lines[a:b]
            origin = {"package": f.package, "repo": f.repo, "path": f.path, "sha": f.sha,
                      "start_line": a + 1, "end_line": b}
            norm = normalise(join(span))
            shas = corpus_norm.shas_containing(norm)
            base = f"L{length}-{n:03d}"
            qseed = rng.randrange(1 << 30)
            variants = {
                "verbatim": (span, {}),
                "reindent": (reindent(f, a, b, rng), {}),
                "nocomments": (strip_comments(f, a, b), {}),
            }
            renamed, nren = rename_identifiers(f, a, b, qseed)
            variants["renamed"] = (renamed, {"renamed_names": nren})
            pre = context_chunk(held, rng, rng.randint(8, 15))
            post = context_chunk(held, rng, rng.randint(8, 15))
            variants["embedded"] = (pre + span + post, {})
            for mut in MUTATIONS:
                lines, extra = variants[mut]
                if mut == "embedded":
                    planted = (len(pre) + 1, len(pre) + length)
                else:
                    planted = (1, len(lines))
                queries.append(Query(f"{mut}-{base}", mut, length, join(lines), planted,
                                     origin, shas | {f.sha}, {(f.repo, f.path)}, norm, extra))
            n += 1
    # negatives: held-out spans that do not occur in the indexed corpus
    per_len = [negatives // len(LENGTHS)] * len(LENGTHS)
    per_len[-1] += negatives - sum(per_len)
    for length, want in zip(LENGTHS, per_len):
        cands = [(f, eligible_starts(f, length)) for f in held]
        cands = [(f, s) for f, s in cands if s]
        chosen = set()
        n = tries = 0
        while n < want and tries < 50 * want:
            tries += 1
            f, starts = rng.choice(cands)
            a = rng.choice(starts)
            if (f.idx, a) in chosen:
                continue
            chosen.add((f.idx, a))
            span = f.lines[a:a + length]
            norm = normalise(join(span))
            if corpus_norm.shas_containing(norm):
                continue
            queries.append(Query(f"negative-L{length}-{n:03d}", "negative", length,
                                 join(span), None,
                                 {"package": f.package, "repo": f.repo, "path": f.path,
                                  "start_line": a + 1, "end_line": a + length}, span_norm=norm))
            n += 1
    return queries


class CorpusText:
    """The whitespace-normalised indexed corpus, to find every file holding a span."""

    def __init__(self, files: list[FileInfo]):
        parts, starts, pos = [], [], 0
        for f in files:
            t = normalise(f.content)
            starts.append(pos)
            parts.append(t)
            pos += len(t) + 1
        self.text = "\0".join(parts)
        self.starts = np.array(starts)
        self.shas = [f.sha for f in files]

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

class ExactBaseline:
    """Copilot-like filter: an exact match of >= 150 characters after collapsing every
    run of whitespace to one space. 64-bit polynomial hashes of every 150-character
    window of every indexed file, sorted, looked up with numpy."""

    B = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64

    def __init__(self, files: list[FileInfo], w: int = BASELINE_CHARS):
        self.w = w
        texts = [normalise(f.content) for f in files]
        maxlen = max(len(t) for t in texts) + w + 1
        self._pows(maxlen)
        hs, ids = [], []
        for i, t in enumerate(texts):
            h = self.windows(t)
            hs.append(h)
            ids.append(np.full(len(h), i, dtype=np.int32))
        h = np.concatenate(hs)
        ids = np.concatenate(ids)
        order = np.argsort(h, kind="stable")
        self.h, self.ids = h[order], ids[order]
        self.shas = [f.sha for f in files]

    def _pows(self, n: int) -> None:
        binv = pow(self.B, -1, 1 << 64)
        bp = np.full(n, self.B, dtype=np.uint64)
        bp[0] = 1
        bip = np.full(n, binv, dtype=np.uint64)
        bip[0] = 1
        self.bp = np.cumprod(bp, dtype=np.uint64)
        self.bip = np.cumprod(bip, dtype=np.uint64)

    def windows(self, text: str) -> np.ndarray:
        """Hash of text[i:i+w] for every i (sum c[j] * B**(i+w-1-j) mod 2**64)."""
        w = self.w
        if len(text) < w:
            return np.zeros(0, dtype=np.uint64)
        if len(text) + 1 > len(self.bp):
            self._pows(len(text) + w + 1)
        c = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = len(c)
        s = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(c * self.bip[:n], dtype=np.uint64, out=s[1:])
        i = np.arange(n - w + 1)
        return (s[i + w] - s[i]) * self.bp[i + w - 1]

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
                          "similarity": round(float(s.similarity), 4), "kind": s.kind}
                         for s in m.sources]}
            for m in matches]


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
    all_hits = [s for q, s in zip(queries, scored) if q.kind != "negative" and s["hit"]]
    by_len = {}
    for L in LENGTHS:
        xs = [t for q, t in zip(queries, latency) if q.length == L]
        by_len[str(L)] = {"p50": round(pct(xs, 0.5) * 1000, 2), "p95": round(pct(xs, 0.95) * 1000, 2)}
    return {
        "cells": cells, "negatives": negs,
        "mean_iou": round(statistics.fmean(s["iou"] for s in all_hits), 4) if all_hits else None,
        "latency_ms": {"p50": round(pct(latency, 0.5) * 1000, 2),
                       "p95": round(pct(latency, 0.95) * 1000, 2),
                       "mean": round(statistics.fmean(latency) * 1000, 2) if latency else None,
                       "max": round(max(latency) * 1000, 2) if latency else None,
                       "by_length": by_len},
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
    out["false attribution"] = {"target": 0.01, "value": r, "pass": r is not None and r <= 0.01}
    v = summary["mean_iou"]
    out["mean IoU"] = {"target": 0.9, "value": v, "pass": v is not None and v >= 0.9}
    return out


# ---------------------------------------------------------------------------- running

def build_corpus(indexed_names: list[str], held_names: list[str], work: Path):
    rows = corpus.build_rows(indexed_names + held_names)
    indexed_rows = [(n, r) for n in indexed_names for r in rows[n]]
    held_rows = [(n, r) for n in held_names for r in rows[n]]
    data_dir = work / "corpus"
    corpus.write_stack([r for _, r in indexed_rows], data_dir)
    indexed = [analyse(i, n, r) for i, (n, r) in enumerate(indexed_rows)]
    held = [analyse(len(indexed) + i, n, r) for i, (n, r) in enumerate(held_rows)]
    return indexed, held, data_dir / "data"


def run_index(data_dir: Path, db: Path, reuse: bool, fingerprint: str) -> dict:
    stamp = db.with_suffix(".corpus")
    url = f"sqlite:///{db}"
    if reuse and db.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return {"reused": True, "store": url}
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    exe = shutil.which("attrib")
    base = [exe] if exe else [sys.executable, "-m", "attrib"]
    cmd = base + ["--store", url, "--quiet", "index", str(data_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 2 and "no such option" in proc.stderr.lower():
        cmd = base + ["index", str(data_dir), "--store", url, "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"indexing failed ({proc.returncode}): {' '.join(cmd)}\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    stamp.write_text(fingerprint)
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {"reused": False, "store": url, "command": " ".join(cmd),
            "seconds": round(secs, 1), "store_bytes": size,
            "stdout_tail": proc.stdout[-500:]}


def load_matcher(url: str):
    """(attribute(text) -> list[Match], store): attrib's own entry point, in-process."""
    from attrib.match import attribute
    from attrib.store import open_store
    store = open_store(url)
    return (lambda text: attribute(text, store, lang="Python")), store


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
    for q, s, m in zip(queries, scored, raw):
        if q.kind == "negative":
            if s["matches"]:
                false.append({"qid": q.qid, "origin": q.origin, "text": q.text, "matches": m})
            continue
        if not s["hit"]:
            cell = missed.setdefault(f"{q.kind}-{q.length}", [])
            if len(cell) < limit:
                cell.append({"qid": q.qid, "why": s["miss"], "best_true_iou": s["true_iou"],
                             "planted": q.planted, "origin": q.origin,
                             "true_sources": len(q.true_shas), "extra": q.extra,
                             "text": q.text, "matches": m})
    return {"missed": missed, "false_attributions": false}


def table(att: dict, base: dict | None) -> str:
    lines = []
    hdr = f"{'mutation':11} {'lines':>5} {'n':>4}  {'recall':>6} {'IoU':>5} {'target':>6}"
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
                   f" {t:>5.2f}{mark}")
            if base:
                b = base["cells"][mut][str(L)]
                row += f"  | {_f(b['recall']):>8} {_f(b['mean_iou']):>8}"
            lines.append(row)
    n = att["negatives"]
    row = (f"{'negatives':11} {'all':>5} {n['n']:>4}  false-attribution {_f(n['rate'])} "
           f"({n['false_attributions']}) target <= 0.01")
    if base:
        row += f"  | baseline {_f(base['negatives']['rate'])}"
    lines.append(row)
    lines.append(f"mean IoU of hits: attrib {_f(att['mean_iou'])} (target >= 0.90)"
                 + (f", baseline {_f(base['mean_iou'])}" if base else ""))
    lat = att["latency_ms"]
    row = f"latency per query: attrib p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms"
    if base:
        bl = base["latency_ms"]
        row += f"; baseline p50 {bl['p50']:.2f} ms, p95 {bl['p95']:.2f} ms"
    lines.append(row)
    return "\n".join(lines)


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer packages and queries")
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--per-cell", type=int, help="queries per mutation x length (100; quick 20)")
    ap.add_argument("--negatives", type=int, help="negative queries (300; quick 60)")
    ap.add_argument("--work", type=Path, help="corpus and index dir (bench/data/accuracy[-quick])")
    ap.add_argument("--reuse-index", action="store_true",
                    help="keep an index built from the same corpus by an earlier run")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "accuracy.json")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--examples", type=int, default=10, help="misses kept per cell")
    args = ap.parse_args(argv)

    per_cell = args.per_cell or (20 if args.quick else 100)
    n_neg = args.negatives or (60 if args.quick else 300)
    work = args.work or HERE / "data" / ("accuracy-quick" if args.quick else "accuracy")
    work.mkdir(parents=True, exist_ok=True)
    idx_names = corpus.QUICK_INDEXED if args.quick else corpus.BENCH_INDEXED
    held_names = corpus.QUICK_HELD_OUT if args.quick else corpus.BENCH_HELD_OUT
    t_start = time.perf_counter()

    print(f"corpus: {len(idx_names)} indexed packages, {len(held_names)} held out", flush=True)
    indexed, held, data_dir = build_corpus(idx_names, held_names, work)
    fp = hashlib.sha1("".join(sorted(f.sha for f in indexed)).encode()).hexdigest()
    corpus_info = {
        "indexed_packages": {n: corpus.PACKAGES[n].pin + " " + corpus.PACKAGES[n].license
                             for n in idx_names},
        "held_out_packages": {n: corpus.PACKAGES[n].pin + " " + corpus.PACKAGES[n].license
                              for n in held_names},
        "indexed_files": len(indexed),
        "indexed_bytes": sum(len(f.content.encode()) for f in indexed),
        "held_out_files": len(held),
        "held_out_bytes": sum(len(f.content.encode()) for f in held),
        "fingerprint": fp,
    }
    print(f"  {corpus_info['indexed_files']} files, {corpus_info['indexed_bytes'] / 1e6:.1f} MB "
          f"indexed; {corpus_info['held_out_files']} files held out", flush=True)

    print("indexing through the CLI ...", flush=True)
    index_info = run_index(data_dir, work / "index.db", args.reuse_index, fp)
    print(f"  {'reused' if index_info['reused'] else str(index_info['seconds']) + ' s'}", flush=True)

    under_test = git_state()  # before importing the matcher: the code that runs
    matcher, store = load_matcher(f"sqlite:///{work / 'index.db'}")
    all_indexed = indexed
    # Queries come only from files the index holds (the indexer may skip some: size,
    # line length, ...); the baseline indexes the same files.
    known = store.known([f.sha for f in indexed])
    indexed = [f for f in indexed if f.sha in known]
    skipped = len(all_indexed) - len(indexed)
    index_info["files_in_store"] = len(indexed)
    index_info["files_skipped"] = skipped
    index_info["skipped_paths"] = sorted(f"{f.package}:{f.path}" for f in all_indexed
                                         if f.sha not in known)[:50]
    if skipped:
        print(f"  the index holds {len(indexed)} of {len(all_indexed)} files "
              f"({skipped} skipped by the indexer)", flush=True)

    t0 = time.perf_counter()
    ctext = CorpusText(all_indexed)
    queries = make_queries(indexed, held, per_cell, n_neg, args.seed, ctext)
    gen_secs = time.perf_counter() - t0
    print(f"{len(queries)} queries ({gen_secs:.1f} s)", flush=True)
    results: dict = {}
    raw_all: dict = {}
    # attrib
    scored, raw, lat = [], [], []
    t0 = time.perf_counter()
    errors = 0
    for i, q in enumerate(queries):
        t = time.perf_counter()
        try:
            ms = attrib_matches(matcher(q.text))
        except Exception as e:  # keep going: an exception is a miss, and reported
            errors += 1
            ms = []
            if errors <= 3:
                print(f"  attribute() raised on {q.qid}: {type(e).__name__}: {e}", flush=True)
        lat.append(time.perf_counter() - t)
        raw.append(ms)
        scored.append(score(q, ms))
        if (i + 1) % 250 == 0:
            print(f"  attrib {i + 1}/{len(queries)}", flush=True)
    att = summarise(queries, scored, lat)
    att["errors"] = errors
    att["seconds"] = round(time.perf_counter() - t0, 1)
    att["targets"] = check_targets(att)
    results["attrib"] = att
    raw_all["attrib"] = failure_examples(queries, scored, raw, args.examples)

    base = None
    if not args.no_baseline:
        t0 = time.perf_counter()
        bl = ExactBaseline(indexed)
        build = time.perf_counter() - t0
        by_sha = {f.sha: f for f in indexed}
        scored_b, raw_b, lat_b = [], [], []
        for q in queries:
            t = time.perf_counter()
            ms = baseline_matches(bl.attribute(q.text), by_sha)
            lat_b.append(time.perf_counter() - t)
            raw_b.append(ms)
            scored_b.append(score(q, ms))
        base = summarise(queries, scored_b, lat_b)
        base["build_seconds"] = round(build, 1)
        results["baseline"] = base
        raw_all["baseline"] = failure_examples(queries, scored_b, raw_b, 3)

    total = time.perf_counter() - t_start
    report = {
        "benchmark": "accuracy", "version": 1,
        "command": "python bench/accuracy.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "config": {"quick": args.quick, "seed": args.seed, "per_cell": per_cell,
                   "negatives": n_neg, "lengths": LENGTHS, "mutations": MUTATIONS,
                   "baseline": f"exact >= {BASELINE_CHARS} chars after collapsing whitespace",
                   "matcher": "attrib.match.attribute"},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": __import__("os").cpu_count()},
        "attrib_version": under_test,
        "corpus": corpus_info, "index": index_info,
        "queries": len(queries), "seconds_total": round(total, 1),
        **results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    fail_path = args.out.with_name(args.out.stem + "-failures.json")
    fail_path.write_text(json.dumps(raw_all, indent=2))
    print()
    print(table(att, base))
    passed = sum(t["pass"] for t in att["targets"].values())
    print(f"targets met: {passed}/{len(att['targets'])}; attribute() errors: {errors}")
    if index_info and not index_info.get("reused"):
        print(f"index: {index_info['seconds']} s, {index_info['store_bytes'] / 1e6:.1f} MB store")
    print(f"total {total:.0f} s; results in {args.out}, misses and false attributions in "
          f"{fail_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
