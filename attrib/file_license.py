"""A source file's own license, from its header: what it says, and how it says it.

A file can carry a license other than its repository's: a permissively licensed
project vendors a GPL file that keeps its ``SPDX-License-Identifier: GPL-2.0-only`` or
its GPL header. :func:`file_license` reads a file's header comments
(:func:`attrib.header.header`) for that evidence, strongest first:

1. ``spdx-tag``: an ``SPDX-License-Identifier: <expression>`` line (REUSE, the Linux
   kernel) -- the file's own, *explicit* statement, parsed with ``license-expression``;
2. ``license-text``: the text of a license or of its standard notice ("This program is
   free software; you can redistribute it ... GNU General Public License ... version
   2", "Permission is hereby granted, free of charge, ..."), recognised by
   ``licenseclassifier`` (Go licensecheck's templates of the SPDX License List);
3. ``license-name``: a notice that names a license from the SPDX License List by its
   id or name ("Licensed under the Apache License 2.0", "governed by a MIT license",
   "License: ISC"; :mod:`attrib.license_list`).

``bench/file_licenses.py`` compares these libraries with the alternatives on real
headers (BENCHMARKS.md, "File licenses"). How file and repository licenses combine
into the license a match is judged by is :func:`attrib.licenses.effective`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from license_expression import ExpressionError, get_spdx_licensing

from attrib.header import Header
from attrib.licenses import normalize

Evidence = Literal["spdx-tag", "license-text", "license-name", ""]

_SPDX_TAG = re.compile(r"SPDX-License-Identifier:\s*(?P<expression>.+?)\s*(?:\*/|-->|\*\)|-\}|%>|\?>)?\s*$")
_LICENSE_WORD = re.compile(r"licen[cs]|governed by|released under|distributed under", re.IGNORECASE)
_LEGAL = re.compile(r"licen[cs]|governed by|released under|distributed under|warrant|liab|software|permission|"
                    r"redistribut|provided|condition|notice|public domain", re.IGNORECASE)
_COPYRIGHT_LINE = re.compile(r"^\s*(?:copyright\b|\(c\)|©|spdx-filecopyrighttext:)", re.IGNORECASE)


@dataclass(frozen=True)
class FileLicense:
    """The licenses a file's header states, and the kind of evidence (``""``: none)."""

    ids: tuple[str, ...] = ()
    evidence: Evidence = ""

    @property
    def explicit(self) -> bool:
        """Whether the file names its license itself, in an SPDX tag: it then applies
        whatever the repository says."""
        return self.evidence == "spdx-tag"


NONE = FileLicense()


def file_license(head: Header) -> FileLicense:
    """The license evidence in a file's header.

    >>> from attrib.header import Header
    >>> file_license(Header(("SPDX-License-Identifier: GPL-2.0-only",)))
    FileLicense(ids=('GPL-2.0-only',), evidence='spdx-tag')
    >>> file_license(Header(("Licensed under the Apache License 2.0 (the License).",)))
    FileLicense(ids=('Apache-2.0',), evidence='license-name')
    >>> file_license(Header(("Copyright 2020 Acme", "def f(): pass")))
    FileLicense(ids=(), evidence='')
    """
    for line in head.lines:
        tag = spdx_tag(line)
        if tag:
            ids = expression_ids(tag)
            if ids:
                return FileLicense(ids, "spdx-tag")
    return _detect(_legal_part(head.lines))


def _legal_part(lines: tuple[str, ...]) -> str:
    """The header without its copyright statements and without what follows the
    paragraph of its last legal wording (a module docstring, a description): the same
    license notice then reads the same in every file that carries it, and is recognised
    once (:func:`_detect` is cached)."""
    from attrib.copyrights import copyrights

    statements = copyrights(Header(lines))
    kept = [line for line in lines
            if not (_COPYRIGHT_LINE.match(line) and any(s.startswith(" ".join(line.split())) for s in statements))]
    last = max((i for i, line in enumerate(kept) if _LEGAL.search(line)), default=-1)
    if last < 0:
        return ""
    end = next((i for i in range(last + 1, len(kept)) if not kept[i].strip()), len(kept))  # the paragraph's end
    return "\n".join(kept[:end])


@lru_cache(maxsize=4096)
def _detect(text: str) -> FileLicense:
    if not _LICENSE_WORD.search(text) and "permission" not in text.lower():
        return NONE
    ids = _license_texts(text)
    if ids:
        return FileLicense(ids, "license-text")
    ids = _license_names(text)
    return FileLicense(ids, "license-name") if ids else NONE


def spdx_tag(line: str) -> str | None:
    """The expression of an ``SPDX-License-Identifier:`` tag on ``line``, without a
    comment closer after it; None when the line has none.

    >>> spdx_tag("/* SPDX-License-Identifier: MIT OR Apache-2.0 */")
    'MIT OR Apache-2.0'
    """
    found = _SPDX_TAG.search(line)
    return found.group("expression") if found and found.group("expression") else None


def expression_ids(expression: str) -> tuple[str, ...]:
    """The license ids of an SPDX expression, normalised; ``()`` when it does not parse
    or names a license ``license-expression`` does not know (``LicenseRef-`` ids are
    kept). An exception after ``WITH`` stays with its license (``GPL-2.0-only WITH
    Linux-syscall-note``): it changes what the license asks."""
    licensing = _licensing()
    try:
        parsed = licensing.parse(expression, validate=False)
    except ExpressionError:
        return ()
    if parsed is None:
        return ()
    if any(not key.startswith("LicenseRef-") for key in licensing.unknown_license_keys(parsed)):
        return ()
    return normalize(str(symbol) for symbol in licensing.license_symbols(parsed, decompose=False))


@lru_cache(maxsize=1)
def _licensing():
    return get_spdx_licensing()


def _license_texts(text: str) -> tuple[str, ...]:
    from licenseclassifier import identify_license

    # No coverage threshold: a header is mostly copyright lines and prose around the
    # license notice; the templates themselves are what must match.
    return normalize(found.id for found in identify_license(text, 0.0))


@lru_cache(maxsize=1)
def _name_pattern() -> re.Pattern[str]:
    """Notices that name a listed license: "licensed under (the) X", "X license",
    "License: X", "governed by a X license", ... where X is an SPDX id (3 characters or
    more) or an SPDX license name."""
    from attrib.license_list import license_list

    names = {name.lower() for entry in license_list().licenses.values()
             for name in (entry.id, entry.name) if len(name) >= 3}
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    lead = (r"(?:licen[cs]ed under|licen[cs]e:|released under|distributed under|available under|"
            r"governed by|subject to)\s+(?:the\s+terms\s+of\s+)?(?:the\s+|an?\s+)?")
    return re.compile(rf"(?:{lead}(?P<a>{alternatives})(?![\w.+-]))|(?<![\w.+-])(?P<b>{alternatives})\s+licen[cs]e\b")


@lru_cache(maxsize=1)
def _ids_by_name() -> dict[str, str]:
    """Lower-cased SPDX id or name -> id (a current id before a deprecated one)."""
    from attrib.license_list import license_list

    table: dict[str, str] = {}
    for entry in sorted(set(license_list().licenses.values()), key=lambda e: e.deprecated):
        table.setdefault(entry.id.lower(), entry.id)
        table.setdefault(entry.name.lower(), entry.id)
    return table


def _license_names(text: str) -> tuple[str, ...]:
    ids = _ids_by_name()
    flat = " ".join(text.lower().split())
    return normalize(ids[m.group("a") or m.group("b")] for m in _name_pattern().finditer(flat))
