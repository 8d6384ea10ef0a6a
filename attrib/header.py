"""The header of a source file: the comments at its top, where licenses and copyrights live.

A file states its own license and its authors' copyright in the comments it opens with
(``/* Copyright ... Licensed under ... */``, ``# SPDX-License-Identifier: MIT``, a
Python module docstring). :func:`header` returns that text with the comment markers
removed, and the lines it came from, so that :mod:`attrib.file_license` and
:mod:`attrib.copyrights` look only where a notice is written, never at code or at
strings that happen to mention a license.

What counts as the header: starting at the first line, blank lines, a shebang,
``<?php`` and ``'use strict'`` are passed over; then every comment (line
comments, block comments, and for Python a leading triple-quoted docstring) is taken
until the first line of code. Only the first :data:`MAX_LINES` lines (and
:data:`MAX_CHARS` characters) are read, so a file of any size costs the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from attrib.languages import resolve

MAX_LINES = 200
"""Lines of a file read for its header."""

MAX_CHARS = 32_768
"""Characters of a file read for its header."""

_PASSED_OVER = re.compile(r"^\s*(?:<\?php|<\?|['\"]use strict['\"];?)\s*$", re.IGNORECASE)
_DECORATION = re.compile(r"^[\s*#/!;%=\-_+~<>|]*$")  # a line of stars, dashes, ...
_LEADER = re.compile(r"^\s*(?:\*+(?!/)|//+!?|#+|--+|;+|%+|!+|\|)?\s?")
_TRIPLE = re.compile(r'^\s*[rRbBuU]{0,2}("""|\'\'\')')


@dataclass(frozen=True)
class Header:
    """The comment text at the top of a file, markers removed, one entry per line."""

    lines: tuple[str, ...]
    first_line: int = 1
    """1-based line of the file the first entry comes from (0 when there is none)."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __bool__(self) -> bool:
        return any(line.strip() for line in self.lines)


def header(text: str, lang: str | None) -> Header:
    """The header comments of ``text``, a file in language ``lang`` (The Stack's name;
    ``None``: guessed from the markers that open the file).

    >>> header("#!/usr/bin/env python\\n# Copyright 2020 A. Person\\n# MIT\\nimport os\\n", "Python").lines
    ('Copyright 2020 A. Person', 'MIT')
    >>> header('/*\\n * Copyright (c) Acme\\n */\\n#include <x.h>\\n', "C").lines
    ('', 'Copyright (c) Acme', '')
    """
    syntax = resolve(lang)
    lines = text[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_LINES]
    line_markers = syntax.line_comments or ("#", "//", "--", ";")
    blocks = syntax.block_comments or (("/*", "*/"),)
    out: list[str] = []
    first = 0
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not out and ((i == 0 and stripped.startswith("#!")) or _PASSED_OVER.match(raw)):
            i += 1
            continue
        if not stripped:
            if out:
                out.append("")
            i += 1
            continue
        block = next(((a, b) for a, b in blocks if stripped.startswith(a)), None)
        docstring = _TRIPLE.match(raw) if syntax.triple_quotes or lang is None else None
        if block is not None or docstring is not None:
            end = block[1] if block else docstring.group(1)  # type: ignore[union-attr]
            start_at = raw.index(block[0]) + len(block[0]) if block else docstring.end()  # type: ignore[union-attr]
            body, i = _until(lines, i, start_at, end)
            first = first or (i - len(body) + 1)
            if out and out[-1]:
                out.append("")  # a new comment block is a new paragraph
            out.extend(body)
            continue
        marker = next((m for m in line_markers if stripped.startswith(m)), None)
        if marker is None:
            break
        first = first or i + 1
        out.append(_clean(stripped[len(marker):]))
        i += 1
    while out and not out[-1].strip():
        out.pop()
    return Header(tuple(out), first if out else 0)


def _until(lines: list[str], i: int, start_at: int, end: str) -> tuple[list[str], int]:
    """The lines of a block comment (or docstring) that starts on line ``i`` at column
    ``start_at`` and ends at ``end``; and the index of the line after it."""
    body: list[str] = []
    rest = lines[i][start_at:]
    while True:
        closed = rest.find(end)
        if closed >= 0:
            body.append(_clean(rest[:closed]))
            return body, i + 1
        body.append(_clean(rest))
        i += 1
        if i >= len(lines):
            return body, i
        rest = lines[i]


def _clean(line: str) -> str:
    """A comment line without its leading marker (`` * ``, ``//``, ``#``) and
    decoration."""
    if _DECORATION.match(line):
        return ""
    return _LEADER.sub("", line, count=1).rstrip()
