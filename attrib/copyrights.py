"""Copyright statements from a file's header comments.

MIT, BSD, Apache-2.0 and most other licenses ask that the *copyright notice* be kept
with the code, so a notice that credits a source quotes the lines its authors wrote:
``Copyright (c) 2010-2016 Kenneth Reitz``, ``© 2019 Acme Inc.``, ``Portions Copyright
(C) 2001 Jane Doe``. :func:`copyrights` finds them in a header
(:func:`attrib.header.header`): a line (or a REUSE ``SPDX-FileCopyrightText:`` tag)
is a statement when it starts (after an optional
``Portions``) with ``Copyright``, ``(c)`` or ``©`` and then names a year or a holder,
or when it says ``Copyright (C) <year>`` further on (the Mozilla notice's "Portions
created by the Initial Developer are Copyright (C) 2001").

License texts mention copyright too ("the above copyright notice", "COPYRIGHT HOLDERS
AND CONTRIBUTORS", "Copyright law"); those lines name no holder and are left out.
A statement cut at a comma, an ``and`` or ``All rights`` goes on with the next line,
and so does one cut after its year when the next line is short (the holder's name).
Statements are returned as written (whitespace collapsed), first seen first, without
duplicates, and at most :data:`MAX_STATEMENTS` of them.
"""
from __future__ import annotations

import re

from attrib.header import Header

MAX_STATEMENTS = 20
"""Statements kept per file: a header listing hundreds of contributors is cut here."""

MAX_LENGTH = 300
"""Characters kept of one statement."""

_TAG = re.compile(r"^SPDX-FileCopyrightText:\s*", re.IGNORECASE)  # REUSE
_STATEMENT = re.compile(
    r"^(?:portions\s+|parts\s+)?(?:copyright\b|\(c\)|©)", re.IGNORECASE)
_INSIDE = re.compile(r"\bcopyright\s*(?:\(c\)|©)\s*(?:19|20)\d\d\b", re.IGNORECASE)
_UNFINISHED = re.compile(r"(?:,|\band|&|\bby|all rights)$", re.IGNORECASE)
_ENDS_WITH_YEAR = re.compile(r"\b(?:19|20)\d\d$")
MAX_HOLDER_LINE = 60
"""A line after a statement that ends with its year is the holder's name only when it
is this short (not the license text that follows)."""
_HOLDER = re.compile(
    r"^(?:portions\s+|parts\s+)?(?:copyright\b\s*:?\s*(?:\(c\)|©)?|\(c\)|©)\s*(?:\(c\)|©)?\s*(?P<rest>.*)$",
    re.IGNORECASE)
_NOT_A_HOLDER = re.compile(
    r"^(?:notice|holders?\b|owners?\b|and\b|law\b|laws\b|statement|license|licence|information|"
    r"protection|the above|this\b|\.|,|$)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def copyrights(head: Header) -> tuple[str, ...]:
    """The copyright statements of a header.

    >>> from attrib.header import Header
    >>> copyrights(Header(("Copyright (c) 2010-2016 Kenneth Reitz", "",
    ...     "THE SOFTWARE IS PROVIDED ... COPYRIGHT HOLDERS BE LIABLE", "(C) 2001  Jane Doe,",
    ...     "  John Roe", "SPDX-FileCopyrightText: 2024 Acme Inc.")))
    ('Copyright (c) 2010-2016 Kenneth Reitz', '(C) 2001 Jane Doe, John Roe', '2024 Acme Inc.')
    """
    found: dict[str, None] = {}
    lines = [" ".join(line.split()) for line in head.lines]
    for at, line in enumerate(lines):
        statement = _TAG.sub("", line)
        tagged = statement != line
        inside = not _STATEMENT.match(statement) and _INSIDE.search(statement) is not None
        if not (tagged and statement) and not inside and not _STATEMENT.match(statement):
            continue
        following = lines[at + 1] if at + 1 < len(lines) else ""
        if _continues(statement, following):
            statement = f"{statement} {following}"
        rest = _HOLDER.match(statement)
        holder = rest.group("rest") if rest else ""
        if not tagged and not inside and _NOT_A_HOLDER.match(holder) and not _YEAR.search(holder):
            continue
        found.setdefault(statement[:MAX_LENGTH], None)
        if len(found) == MAX_STATEMENTS:
            break
    return tuple(found)


def _continues(statement: str, following: str) -> bool:
    """Whether the ``following`` line finishes ``statement`` (see the module docstring)."""
    if not following or _STATEMENT.match(_TAG.sub("", following)):
        return False
    if _ENDS_WITH_YEAR.search(statement):
        return len(following) <= MAX_HOLDER_LINE
    return _UNFINISHED.search(statement) is not None
