"""Turn source text into the token streams that fingerprints and alignment work on.

A copy must be found after it was re-indented, stripped of comments and blank lines,
or had its identifiers renamed. So the lexer:

1. drops comments (per language, leaving comment markers inside strings alone),
2. splits the text into tokens -- runs of word characters and single punctuation
   characters -- ignoring all whitespace,
3. drops trivial boilerplate lines (imports, includes, ``if __name__ == "__main__":``)
   so they never count as copied code on their own,
4. gives every token two 64-bit hashes: ``norm`` (the token itself) and ``abst``, where
   every identifier that is not a keyword becomes one placeholder, so that a
   consistently renamed copy has the same ``abst`` stream as its source.

Every token keeps its 1-based line number so that matches become exact line ranges.
Steps 2-4 run on numpy arrays of bytes (no Python loop per token), which is what lets
indexing run at many megabytes per second per core. Everything here is a pure function
of (text, language).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .frozen import frozen_cache
from .languages import Syntax, resolve

#: Bumped whenever tokenization changes; stored in every index and checked on query.
LEXER_VERSION = 2

_U64 = np.uint64
_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_BASE_INV = pow(_BASE, -1, 2**64)
_IDENT_HASH = np.uint64(0x9E3779B97F4A7C15)

# Byte classes: 0 whitespace, 1 word character (letters, digits, _, any non-ASCII), 2 punctuation.
_CLASS = np.full(256, 2, dtype=np.uint8)
_CLASS[[9, 10, 11, 12, 13, 32]] = 0
for _lo, _hi in ((48, 57), (65, 90), (97, 122), (95, 95), (128, 255)):
    _CLASS[_lo:_hi + 1] = 1
_IDENT_START = (_CLASS == 1)
_IDENT_START[48:58] = False  # digits start numbers, not identifiers


@dataclass(frozen=True)
class Lexed:
    """The token streams of one text.

    All arrays have one entry per token, in reading order. ``line`` is 1-based.
    ``n_lines`` counts every line of the text, blank and comment lines included.
    """

    norm: np.ndarray  # uint64: hash of the token
    abst: np.ndarray  # uint64: hash with identifiers abstracted
    ident: np.ndarray  # bool: token is an abstracted identifier
    line: np.ndarray  # int32: 1-based line of the token
    n_lines: int

    def __len__(self) -> int:
        return len(self.norm)

    def select(self, mask: np.ndarray) -> "Lexed":
        return Lexed(self.norm[mask], self.abst[mask], self.ident[mask], self.line[mask], self.n_lines)


def lex(text: str, lang: str | None) -> Lexed:
    """Lex ``text`` written in ``lang`` (a The Stack language name; None = plain text)."""
    syntax = resolve(lang)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_comments(text, syntax)
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    starts, ends, norm = _split_and_hash(data)
    newlines = np.flatnonzero(data == 10)
    line = (np.searchsorted(newlines, starts, side="right") + 1).astype(np.int32)
    keywords = _keyword_hashes(syntax)
    at = np.minimum(np.searchsorted(keywords, norm), len(keywords) - 1)
    ident = _IDENT_START[data[starts]] & (keywords[at] != norm)
    abst = np.where(ident, _IDENT_HASH, norm)
    lexed = Lexed(norm=norm, abst=abst, ident=ident, line=line, n_lines=len(newlines) + 1)
    rules = _active_rules(syntax, text) if len(lexed) else None
    if rules is not None:
        boiler = np.zeros(lexed.n_lines + 2, dtype=bool)
        boiler[_boilerplate_lines(lexed, rules)] = True
        lexed = lexed.select(~boiler[line])
    return lexed


def strip_comments(text: str, syntax: Syntax) -> str:
    """Remove comments, keeping every newline so that line numbers do not move.

    Texts without block comments take a fast path: each line that holds a comment
    marker is cut there, unless a quote comes before the marker, in which case a
    string-aware regex decides for that line. (A marker inside a multi-line string is
    then taken for a comment; the index and the query do the same, so copies match.)
    """
    pattern = _comment_regex(syntax)
    if pattern is None:
        return text
    if any(start in text for start, _ in syntax.block_comments):
        def replace(m: re.Match[str]) -> str:
            return m.group() if m.group(1) is not None else "\n" * m.group().count("\n")
        return pattern.sub(replace, text)
    markers = syntax.line_comments
    if not any(m in text for m in markers):
        return text
    lines = text.split("\n")
    hits = {i for m in markers for i, line in enumerate(lines) if m in line}
    for i in hits:
        line = lines[i]
        head = line[:min(p for p in map(line.find, markers) if p >= 0)]
        if "'" in head or '"' in head or "`" in head:
            lines[i] = "".join(filter(None, pattern.split(line)))
        else:
            lines[i] = head
    return "\n".join(lines)


def _split_and_hash(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token boundaries and a 64-bit polynomial hash of each token's bytes, vectorised."""
    if len(data) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=_U64)
    cls = _CLASS[data]
    word = cls == 1
    before = np.concatenate(([False], word[:-1]))
    after = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((cls == 2) | (word & ~before))
    ends = starts + 1
    ends[word[starts]] = np.flatnonzero(word & ~after) + 1
    # hash(s, e) = sum_{j=s}^{e-1} b_j * B^(e-1-j) = B^(e-1) * (P[e-1] - P[s-1]), P = prefix sums of b_j * B^-j
    powers, inverse = _powers(len(data))
    prefix = np.cumsum(data.astype(_U64) * inverse[:len(data)], dtype=_U64)
    below = np.where(starts > 0, prefix[np.maximum(starts - 1, 0)], _U64(0))
    raw = (prefix[ends - 1] - below) * powers[ends - 1]
    return starts, ends, _fmix64(raw ^ (ends - starts).astype(_U64) * _U64(0xC2B2AE3D27D4EB4F))


_POWERS: list[np.ndarray] = [np.ones(1, dtype=_U64), np.ones(1, dtype=_U64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B^i and B^-i (mod 2**64) for i < n, grown on demand and kept."""
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]))
        for i, base in enumerate((_BASE, _BASE_INV)):
            table = np.full(size, base, dtype=_U64)
            table[0] = 1
            _POWERS[i] = np.cumprod(table, out=table)
    return _POWERS[0], _POWERS[1]


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: spreads the polynomial hash over all bits."""
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def token_hashes(text: str) -> np.ndarray:
    """The ``norm`` hashes of the tokens of ``text`` (no comment or boilerplate rules)."""
    return _split_and_hash(np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8))[2]


@frozen_cache(maxsize=None)
def _keyword_hashes(syntax: Syntax) -> np.ndarray:
    """Sorted hashes of the keywords (never empty: a lone 0 stands for "none")."""
    hashes = np.unique(token_hashes(" ".join(sorted(syntax.keywords))))
    return hashes if len(hashes) else np.zeros(1, dtype=_U64)


_COMBINE = _U64(0x100000001B3)


def _combine(norm: np.ndarray, at: np.ndarray, length: int) -> np.ndarray:
    """One hash for the ``length`` tokens starting at each position in ``at``."""
    h = norm[at].copy()
    for j in range(1, length):
        h = h * _COMBINE + norm[at + j]
    return h


@dataclass(frozen=True)
class _Rules:
    """Boilerplate rules grouped by length for vectorised matching.

    ``by_length`` holds (number of tokens, sorted hashes of prefix rules, sorted hashes of
    whole-line rules); ``heads`` the sorted hashes of every rule's first token.
    """

    by_length: tuple[tuple[int, np.ndarray, np.ndarray], ...]
    heads: np.ndarray


def _active_rules(syntax: Syntax, text: str) -> _Rules | None:
    """The rules that can apply to ``text``: those whose needle occurs in it."""
    present = {needle for needle in set(_needles(syntax).values()) if needle in text}
    active = tuple(rule for rule, needle in _needles(syntax).items() if needle in present)
    return _compile_rules(active) if active else None


@lru_cache(maxsize=None)
def _needles(syntax: Syntax) -> dict[str, str]:
    """rule -> a literal that any line it matches contains ("::" for trove classifiers)."""
    return {rule: "::" if ": :" in rule else max(re.findall(r"\w+", rule) or [rule.strip("$ ")], key=len)
            for rule in syntax.boilerplate}


@lru_cache(maxsize=256)
def _compile_rules(rules: tuple[str, ...]) -> _Rules:
    groups: dict[int, tuple[list[int], list[int]]] = {}
    heads = []
    for rule in rules:
        tokens = token_hashes(rule.rstrip("$"))
        heads.append(tokens[0])
        h = int(_combine(tokens, np.zeros(1, dtype=np.int64), len(tokens))[0])
        groups.setdefault(len(tokens), ([], []))[rule.endswith("$")].append(h)
    by_length = tuple((n, np.unique(np.array(p, dtype=_U64)), np.unique(np.array(w, dtype=_U64)))
                      for n, (p, w) in sorted(groups.items()))
    return _Rules(by_length, np.unique(np.array(heads, dtype=_U64)))


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _boilerplate_lines(lexed: Lexed, rules: _Rules) -> np.ndarray:
    """Line numbers whose tokens start with a boilerplate rule (plus ``import (`` blocks)."""
    line, norm, n = lexed.line, lexed.norm, len(lexed)
    first = np.flatnonzero(np.diff(line, prepend=-1) != 0)
    first = first[_member(norm[first], rules.heads)]  # lines that start like some rule
    marked = []
    for length, prefix, whole in rules.by_length:
        at = first[first + length <= n]
        at = at[line[at + length - 1] == line[at]]
        if len(at) == 0:
            continue
        h = _combine(norm, at, length)
        end = np.minimum(at + length, n - 1)
        ends_line = (at + length >= n) | (line[end] != line[at])
        marked.append(line[at[_member(h, prefix) | (_member(h, whole) & ends_line)]])
    lines = np.unique(np.concatenate(marked)) if marked else np.zeros(0, dtype=np.int32)
    return _with_parenthesised_blocks(lexed, lines)


_OPEN, _CLOSE = (token_hashes(c)[0] for c in "()")


def _with_parenthesised_blocks(lexed: Lexed, lines: np.ndarray) -> np.ndarray:
    """Extend ``import (`` / ``from x import (`` lines down to the line that closes them."""
    if len(lines) == 0:
        return lines
    line, norm = lexed.line, lexed.norm
    last_of_line = np.flatnonzero(np.diff(line, append=line[-1] + 1) != 0)
    ends_open = last_of_line[norm[last_of_line] == _OPEN]
    opening = np.intersect1d(line[ends_open], lines)
    extra = []
    for start in opening:
        closes = np.flatnonzero((line > start) & (norm == _CLOSE))
        stop = line[closes[0]] if len(closes) else start
        extra.append(np.arange(start + 1, stop + 1, dtype=line.dtype))
    return np.unique(np.concatenate([lines, *extra])) if extra else lines


@lru_cache(maxsize=None)
def _comment_regex(syntax: Syntax) -> re.Pattern[str] | None:
    comments = [re.escape(c) + r"[^\n]*" for c in syntax.line_comments]
    comments += [re.escape(a) + r"[\s\S]*?(?:" + re.escape(b) + r"|\Z)" for a, b in syntax.block_comments]
    if not comments:
        return None
    strings = []
    if syntax.triple_quotes:
        strings += [r'"""[\s\S]*?(?:"""|\Z)', r"'''[\s\S]*?(?:'''|\Z)"]
    strings += [r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"', r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"]
    if syntax.backtick_strings:
        strings.append(r"`[^`\\]*(?:\\.[^`\\]*)*`")
    return re.compile(f"({'|'.join(strings)})|{'|'.join(comments)}")
