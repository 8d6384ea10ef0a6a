"""Turn source text into the token streams that fingerprints and alignment work on.

A copy must be found after it was re-indented, stripped of comments and blank lines,
or had its identifiers renamed. So the lexer:

1. drops comments (per language, leaving comment markers inside strings, characters,
   template and regular-expression literals alone),
2. splits the text into tokens -- runs of word characters and single punctuation
   characters -- ignoring all whitespace,
3. drops boilerplate statements (imports, includes, package lines, include guards,
   ``if __name__ == "__main__":``; per language, see :mod:`attrib.languages`) so they
   never count as copied code on their own,
4. gives every token two 64-bit hashes: ``norm`` (the token itself) and ``abst``, where
   every identifier that is not a keyword (nor a word inside a literal) becomes one
   placeholder (one per language family), so that a consistently renamed copy has the
   same ``abst`` stream as its source.

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
LEXER_VERSION = 3

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
    text, literals = _strip(text, syntax)
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    starts, ends, norm = _split_and_hash(data)
    newlines = np.flatnonzero(data == 10)
    line = (np.searchsorted(newlines, starts, side="right") + 1).astype(np.int32)
    keywords = _keyword_hashes(syntax)
    at = np.minimum(np.searchsorted(keywords, norm), len(keywords) - 1)
    ident = _IDENT_START[data[starts]] & (keywords[at] != norm)
    if literals:
        ident &= ~_byte_mask(text, literals, len(data))[starts]
    abst = np.where(ident, _ident_hash(syntax.group), norm)
    lexed = Lexed(norm=norm, abst=abst, ident=ident, line=line, n_lines=len(newlines) + 1)
    boiler = boilerplate_lines(text, syntax) if len(lexed) else []
    if boiler:
        drop = np.zeros(lexed.n_lines + 2, dtype=bool)
        drop[boiler] = True
        lexed = lexed.select(~drop[line])
    return lexed


def strip_comments(text: str, syntax: Syntax) -> str:
    """``text`` without its comments, every newline kept so that line numbers do not move.

    Comment markers inside literals -- strings, characters, raw strings, template and
    regular-expression literals -- open nothing.
    """
    return _strip(text, syntax)[0]


def _strip(text: str, syntax: Syntax) -> tuple[str, list[tuple[int, int]]]:
    """The text without comments, and the (start, end) character spans of its literals.

    Words inside literals are data, not names: a renamed copy keeps them, so they are
    never abstracted.
    """
    pattern = _comment_regex(syntax)
    if pattern is None:
        return text, []
    pieces, literals, pos, shift = [], [], 0, 0
    for m in pattern.finditer(text):
        a, b = m.span()
        if m.group("keep") is not None:
            literals.append((a - shift, b - shift))
            continue
        newlines = text.count("\n", a, b)
        pieces += [text[pos:a], "\n" * newlines]
        shift += b - a - newlines
        pos = b
    if not pieces:
        return text, literals
    pieces.append(text[pos:])
    return "".join(pieces), literals


def _byte_mask(text: str, spans: list[tuple[int, int]], n_bytes: int) -> np.ndarray:
    """Byte positions (in the UTF-8 encoding of ``text``) inside the character ``spans``."""
    edges = np.zeros(len(text) + 1, dtype=np.int32)
    bounds = np.array(spans, dtype=np.int64)
    np.add.at(edges, bounds[:, 0], 1)
    np.add.at(edges, bounds[:, 1], -1)
    inside = np.cumsum(edges[:-1]) > 0
    if len(text) == n_bytes:  # ASCII: characters are bytes
        return inside
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    width = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    return np.repeat(inside, width)


def boilerplate_lines(text: str, syntax: Syntax) -> list[int]:
    """1-based numbers of the lines a boilerplate statement of ``syntax`` touches.

    Each rule is found through a literal it must contain (its needle): the rule's
    pattern is tried only at the start of the lines holding the needle, so a text pays
    for the few places that may be boilerplate, not for every character.
    """
    spans = []
    for needle, pattern in _boilerplate_rules(syntax):
        pos = text.find(needle)
        while pos >= 0:
            start = text.rfind("\n", 0, pos) + 1
            m = pattern.match(text, start)
            if m is not None and m.end() > pos:
                spans.append((m.start(), max(m.end() - 1, m.start())))
                pos = text.find(needle, m.end())
            else:
                nl = text.find("\n", pos)
                pos = -1 if nl < 0 else text.find(needle, nl)
    lines: list[int] = []
    line, at = 1, 0
    for a, b in sorted(spans):  # counting newlines from one span to the next: one pass
        line += text.count("\n", at, a)
        at = a
        lines.extend(range(line, line + text.count("\n", a, b) + 1))
    return lines


@lru_cache(maxsize=None)
def _boilerplate_rules(syntax: Syntax) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((needle, re.compile(pattern, re.M)) for needle, pattern in syntax.boilerplate)


@lru_cache(maxsize=None)
def _ident_hash(group: str) -> np.uint64:
    """The placeholder of abstracted identifiers: one per language family, so renamed
    code of one family never looks like another's (an abstracted list of names in
    JavaScript is not a Python one)."""
    return _fmix64(np.array([_IDENT_HASH ^ token_hashes(group or "text")[0]], dtype=_U64))[0]


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


@lru_cache(maxsize=None)
def _comment_regex(syntax: Syntax) -> re.Pattern[str] | None:
    """Literals (group ``keep``, left as they are) or comments (removed), whichever
    starts first."""
    comments = [re.escape(c) + r"[^\n]*" for c in syntax.line_comments]
    comments += [re.escape(a) + r"[\s\S]*?(?:" + re.escape(b) + r"|\Z)" for a, b in syntax.block_comments]
    if not comments:
        return None
    keep = []
    # Every alternative starts with a character it consumes, so the regex engine can
    # skip ahead to the next character that may open something (a lookbehind or an
    # anchor first would make it try every position).
    if syntax.raw_strings:
        keep += [r"b?r(?P<hashes>#*)\"[\s\S]*?\"(?P=hashes)",  # Rust r"..", r#".."#
                 r"(?:u8|[uUL])?R\"(?P<delim>[^()\\\s\"]{0,16})\([\s\S]*?\)(?P=delim)\""]  # C++ R"d(..)d"
    if syntax.triple_quotes:
        keep += [r'"""[\s\S]*?(?:"""|\Z)', r"'''[\s\S]*?(?:'''|\Z)"]
    keep.append(r'"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"')
    if syntax.char_literals:  # one character or escape: a Rust lifetime 'a opens nothing
        keep.append(r"'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]+|u\{[0-9a-fA-F]*\}|[0-7]{1,3}|[\s\S]))'")
    else:
        keep.append(r"'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'")
    if syntax.backtick_strings:
        keep.append(r"`[^`\\]*(?:\\[\s\S][^`\\]*)*`")
    if syntax.regex_literals:  # a slash where a value is expected opens a regular expression
        before = [r"[(,=:\[!&|?{};+\-*%<>~^]"] + [rf"\b{w}" for w in (
            "return", "typeof", "case", "in", "of", "else", "throw", "yield", "await", "void", "delete")]
        value_expected = "|".join(f"(?<={b}{gap}/)" for b in before for gap in ("", "[ \t]", "[ \t][ \t]"))
        keep.append(r"/(?:" + value_expected + r")(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])+/[A-Za-z]*")
    # One test of the next character decides whether anything can start here at all.
    starts = {a[0] for a, _ in syntax.block_comments} | {c[0] for c in syntax.line_comments} | set("\"'")
    starts |= {"`"} if syntax.backtick_strings else set()
    starts |= set("brRuUL") if syntax.raw_strings else set()
    starts |= {"/"} if syntax.regex_literals else set()
    first = "[" + "".join(re.escape(c) for c in sorted(starts)) + "]"
    return re.compile(f"(?={first})(?:(?P<keep>{'|'.join(keep)})|{'|'.join(comments)})", re.M)
