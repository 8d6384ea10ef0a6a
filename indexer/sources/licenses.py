"""Which licenses a repository or a file is under, as SPDX ids.

The evidence, for one file, strongest first:

1. an ``SPDX-License-Identifier: <expression>`` line in a license file's first 20 lines
   (the REUSE convention); a source file's own license is read by
   :mod:`attrib.evidence` when it is indexed, for every source;
2. the repository's license files at its root — ``LICENSE``, ``LICENCE``, ``COPYING``,
   ``UNLICENSE`` in any case, alone or with a suffix (``LICENSE.txt``, ``LICENSE-MIT``,
   ``COPYING.LESSER``) — recognised from their text;
3. the license a manifest declares (``pyproject.toml``, ``package.json``,
   ``Cargo.toml``), used only when no license file is recognised.

Recognising a license text: every copy of a license keeps a few phrases verbatim
(MIT's "permission is hereby granted, free of charge, to any person obtaining a copy",
BSD's "redistribution and use in source and binary forms"), while line wrapping,
comment markers, quotes and punctuation vary. So the text is lower-cased, stripped of
comment markers and punctuation other than ``, . ; : / + -``, and whitespace-collapsed;
then each license's phrases are looked for. The GNU licenses need care because their
texts mention each other (GPL-3.0 has a section about the AGPL; MPL-2.0 lists the GPL
family as "Secondary Licenses"): a GNU license counts only from its dated title
("GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007") or from the standard grant ("the
GNU General Public License as published by the Free Software Foundation; either
version 2").

Ids are returned in the order their evidence appears, without duplicates. GNU licenses
found from their text are returned as the version-only ids (``GPL-3.0``): the text
alone cannot tell "only" from "or later". Declared SPDX expressions are split into their
license ids (``MIT OR Apache-2.0`` → ``("MIT", "Apache-2.0")``; exceptions after
``WITH`` only relax a license and are dropped) and normalised by ``license-expression``.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

try:  # Python 3.11+; on 3.10 manifests in TOML are simply not consulted.
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - exercised only on Python 3.10
    tomllib = None  # type: ignore[assignment]

from license_expression import ExpressionError, get_spdx_licensing

from attrib.file_license import spdx_tag
from attrib.languages import from_path

log = logging.getLogger(__name__)

HEADER_LINES = 20
"""How many leading lines of a file may carry its ``SPDX-License-Identifier``."""

_MAX_LICENSE_FILE_BYTES = 1 << 20
_LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|unlicense)([-._].*)?$", re.IGNORECASE)
_TEXT_LANGUAGES = {None, "Markdown", "reStructuredText"}  # LICENSE, .txt, .md, .rst
_COMMENT_LEADER = re.compile(r"^\s*(#+|//+|/?\*+|--+|;+|%+|!+|rem\s)")


# ---------------------------------------------------------------------------------------
# Declared licenses: SPDX headers and manifests


def spdx_header(data: bytes | str) -> str | None:
    """The ``SPDX-License-Identifier`` expression in the first lines of a file, if any.

    >>> spdx_header("#!/bin/sh\\n# SPDX-License-Identifier: GPL-2.0-only\\necho hi\\n")
    'GPL-2.0-only'
    >>> spdx_header(b"/* SPDX-License-Identifier: MIT OR Apache-2.0 */\\nint x;")
    'MIT OR Apache-2.0'
    """
    head = data[:8192]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    for line in text.splitlines()[:HEADER_LINES]:
        expression = spdx_tag(line)
        if expression:
            return expression
    return None


def declared_ids(value: str) -> tuple[str, ...]:
    """SPDX ids from a declared license: an SPDX expression, else a license name.

    ``NOASSERTION`` and ``NONE`` (SPDX's "unknown") give ``()``; a name that is not an
    expression ("MIT License", "BSD") falls back to :func:`identify_license_text`.

    >>> declared_ids("(MIT OR Apache-2.0)"), declared_ids("GPL-2.0-only WITH Classpath-exception-2.0")
    (('MIT', 'Apache-2.0'), ('GPL-2.0-only',))
    >>> declared_ids("MIT License"), declared_ids("NOASSERTION")
    (('MIT',), ())
    """
    value = value.strip()
    if value.upper() in {"", "NOASSERTION", "NONE", "UNLICENSED"}:
        return ()
    ids = _spdx_expression_ids(value)
    return ids if ids is not None else identify_license_text(value)


@lru_cache(maxsize=1)
def _licensing():
    return get_spdx_licensing()


def _spdx_expression_ids(expression: str) -> tuple[str, ...] | None:
    """License ids of a valid SPDX expression; ``None`` when it is not one."""
    licensing = _licensing()
    try:
        parsed = licensing.parse(expression, validate=False)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    unknown = licensing.unknown_license_keys(parsed)
    if any(not key.startswith("LicenseRef-") for key in unknown):
        return None
    ids = []
    for symbol in licensing.license_symbols(parsed, decompose=False):
        # "X WITH exception" is one symbol; its license_symbol is X.
        ids.append(getattr(symbol, "license_symbol", symbol).key)
    return _unique(ids)


def manifest_licenses(root: Path) -> tuple[str, ...]:
    """Licenses declared in ``pyproject.toml``, ``package.json`` or ``Cargo.toml`` at ``root``.

    A malformed manifest is ignored (logged): it is a fallback, not a reason to stop.
    """
    for name, read in (("pyproject.toml", _pyproject), ("package.json", _package_json),
                       ("Cargo.toml", _cargo_toml)):
        path = root / name
        if not path.is_file():
            continue
        try:
            ids = read(path)
        except (OSError, ValueError) as exc:  # tomllib/json decode errors are ValueErrors
            log.warning("ignoring the license in %s: %s", path, exc)
            continue
        if ids:
            return ids
    return ()


def _load_toml(path: Path) -> dict:
    if tomllib is None:
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _table(data: object, *keys: str) -> dict:
    """``data[k1][k2]…`` when every level is a table, else ``{}``."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _pyproject(path: Path) -> tuple[str, ...]:
    data = _load_toml(path)
    for value in (_table(data, "project").get("license"),
                  _table(data, "tool", "poetry").get("license")):
        if isinstance(value, str):  # PEP 639: an SPDX expression; Poetry: an id
            return declared_ids(value)
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return declared_ids(value["text"])
        if isinstance(value, dict) and isinstance(value.get("file"), str):
            return license_file_ids(path.parent / value["file"])
    return ()


def _cargo_toml(path: Path) -> tuple[str, ...]:
    value = _table(_load_toml(path), "package").get("license")
    return declared_ids(value) if isinstance(value, str) else ()


def _package_json(path: Path) -> tuple[str, ...]:
    data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    if not isinstance(data, dict):
        return ()
    declared = data.get("license", data.get("licenses"))
    entries = declared if isinstance(declared, list) else [declared]
    ids: list[str] = []
    for entry in entries:  # "MIT", {"type": "MIT"} (legacy), or a list of either
        value = entry.get("type") if isinstance(entry, dict) else entry
        if isinstance(value, str):
            ids.extend(declared_ids(value))
    return _unique(ids)


# ---------------------------------------------------------------------------------------
# License files


def is_license_file(name: str) -> bool:
    """Whether a file name is one a repository keeps its license text in.

    >>> [is_license_file(n) for n in ("LICENSE", "licence.md", "COPYING.LESSER", "LICENSE-MIT")]
    [True, True, True, True]
    >>> [is_license_file(n) for n in ("licenses.py", "license_check.go", "LICENSE.html")]
    [False, False, False]
    """
    return bool(_LICENSE_FILE.match(name)) and from_path(name) in _TEXT_LANGUAGES


def license_file_ids(path: Path) -> tuple[str, ...]:
    """SPDX ids recognised in one license file (``()`` if unreadable or unrecognised)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_LICENSE_FILE_BYTES)
    except OSError as exc:
        log.warning("cannot read license file %s: %s", path, exc)
        return ()
    text = data.decode("utf-8", "replace")
    expression = spdx_header(text)
    declared = declared_ids(expression) if expression else ()
    return declared or identify_license_text(text)


def detect_repo_licenses(root: Path) -> tuple[str, ...]:
    """A repository's licenses: its root license files, else its manifests, else ``()``.

    ``COPYING`` (GPL-3.0) next to ``COPYING.LESSER`` (LGPL-3.0) is how the LGPL asks to
    be shipped — the LGPL-3.0 is written as additions to the GPL-3.0 — so that pair
    means LGPL-3.0 alone.
    """
    try:
        names = sorted(entry.name for entry in root.iterdir()
                       if is_license_file(entry.name) and entry.is_file())
    except OSError as exc:
        log.warning("cannot list %s for license files: %s", root, exc)
        names = []
    ids = _unique(i for name in names for i in license_file_ids(root / name))
    if "LGPL-3.0" in ids and "GPL-3.0" in ids:
        ids = tuple(i for i in ids if i != "GPL-3.0")
    return ids or manifest_licenses(root)


# ---------------------------------------------------------------------------------------
# Recognising license text


def _phrase(words: str) -> str:
    """A regex for a phrase whose words may be separated by optional , ; : punctuation."""
    return r"[,;:]? ".join(re.escape(word) for word in words.split())


_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_GNU_FAMILY = r"gnu (?:(affero|lesser|library) )?general public license"
# The dated title every GNU license text starts with: "GNU GENERAL PUBLIC LICENSE
# Version 2, June 1991". The date keeps out mentions such as MPL-2.0's "the GNU General
# Public License, Version 2.0, the GNU Lesser General Public License, ...".
_GNU_TITLE = re.compile(_GNU_FAMILY + r",? version (\d+(?:\.\d+)?),? (?:\d{1,2} )?" + _MONTH)
# The standard grant: "under the terms of the GNU General Public License as published by
# the Free Software Foundation; either version 2 of the License" (or "..., version 2, as
# published by"; or GitHub's short title "GNU General Public License v3.0").
_GNU_GRANT = re.compile(
    _GNU_FAMILY + r"(?: as published by the free software foundation[,;]? (?:either )?version"
    r" (\d+(?:\.\d+)?)|, version (\d+(?:\.\d+)?),? as published by| v(\d+(?:\.\d+)?)\b"
    r"| version (\d+(?:\.\d+)?) as published by)"
)
_GNU_IDS = {
    ("", "1"): "GPL-1.0", ("", "2"): "GPL-2.0", ("", "3"): "GPL-3.0",
    ("library", "2"): "LGPL-2.0", ("lesser", "2.1"): "LGPL-2.1", ("lesser", "3"): "LGPL-3.0",
    ("affero", "3"): "AGPL-3.0",
}

_MIT_GRANT = _phrase("permission is hereby granted, free of charge, to any person obtaining a copy")
_MIT_CONDITION = _phrase("the above copyright notice and this permission notice shall be included")
_BSD_GRANT = _phrase("redistribution and use in source and binary forms, with or without "
                     "modification, are permitted provided that")
_BSD_ADVERTISING = _phrase("all advertising materials mentioning features or use of this software")
_BSD_ENDORSE = _phrase("to endorse or promote products derived from this software")
_ISC_GRANT = (_phrase("permission to use, copy, modify,") + r"[,;:]? (?:and/or |and )?"
              + _phrase("distribute this software for any purpose with or without fee is hereby granted"))
_ISC_CONDITION = _phrase("provided that the above copyright notice and this permission notice appear")

# (SPDX id, pattern that must match, pattern that must not match), checked in order.
_TEXT_RULES: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = [
    (spdx, re.compile(must), re.compile(must_not) if must_not else None)
    for spdx, must, must_not in [
        ("Apache-2.0", r"apache license,? version 2\.0|apache\.org/licenses/license-2\.0", None),
        ("MIT", _MIT_GRANT + r".*?" + _MIT_CONDITION, None),
        ("MIT-0", _MIT_GRANT, _MIT_CONDITION + "|" + _phrase("subject to the following conditions")),
        ("NCSA", _phrase("to deal with the software without restriction") + "|ncsa open source license", None),
        ("BSD-4-Clause", _BSD_GRANT + r".*?" + _BSD_ADVERTISING, None),
        ("BSD-3-Clause", _BSD_GRANT + r".*?" + _BSD_ENDORSE, _BSD_ADVERTISING),
        ("BSD-2-Clause", _BSD_GRANT, _BSD_ENDORSE + "|" + _BSD_ADVERTISING),
        ("ISC", _ISC_GRANT + r".*?" + _ISC_CONDITION, None),
        ("0BSD", _ISC_GRANT, _ISC_CONDITION),
        ("MPL-2.0", r"mozilla public license,? v(?:ersion)?\.? ?2\.0", None),
        ("EPL-2.0", r"eclipse public license,? v(?:ersion)?\.? ?2\.0", None),
        ("EPL-1.0", r"eclipse public license,? v(?:ersion)?\.? ?1\.0", None),
        ("BSL-1.0", r"boost software license|" + _phrase(
            "permission is hereby granted, free of charge, to any person or organization"
            " obtaining a copy of the software and accompanying documentation covered by"
            " this license"), None),
        ("Zlib", _phrase("altered source versions must be plainly marked as such, and must"
                         " not be misrepresented as being the original software"), None),
        ("Unlicense", _phrase("this is free and unencumbered software released into the "
                              "public domain"), None),
        ("CC0-1.0", r"\bcc0 1\.0\b|creative commons zero|creativecommons\.org/publicdomain/zero/1\.0", None),
        ("Python-2.0", r"python software foundation license|psf license agreement", None),
    ]
]

# Names and ids that identify a license on their own, for short texts ("MIT License",
# "Licensed under GPLv3", a bare "Apache-2.0"). Consulted only when no full-text rule
# matched, since a long text may mention other licenses in passing.
_NAME_RULES: list[tuple[str, re.Pattern[str]]] = [
    (spdx, re.compile(r"(?<![\w.-])(?:" + names + r")(?![\w-])"))
    for spdx, names in [
        ("AGPL-3.0", r"agpl-?3\.0|agpl ?v?3"),
        ("LGPL-3.0", r"lgpl-?3\.0|lgpl ?v?3"),
        ("LGPL-2.1", r"lgpl-?2\.1|lgpl ?v?2\.1"),
        ("GPL-3.0", r"gpl-?3\.0|gpl ?v?3"),
        ("GPL-2.0", r"gpl-?2\.0|gpl ?v?2"),
        ("Apache-2.0", r"apache-2\.0|apache license 2\.0|apache 2\.0|apache2|apache software license"),
        ("MIT", r"mit|mit license|expat"),
        ("BSD-3-Clause", r"bsd-3-clause|bsd 3-clause|3-clause bsd|new bsd license|modified bsd license"),
        ("BSD-2-Clause", r"bsd-2-clause|bsd 2-clause|2-clause bsd|simplified bsd license|freebsd license"),
        ("0BSD", r"0bsd"),
        ("ISC", r"isc|isc license"),
        ("MPL-2.0", r"mpl-2\.0|mpl 2\.0"),
        ("EPL-2.0", r"epl-2\.0"),
        ("BSL-1.0", r"bsl-1\.0|boost license"),
        ("CC0-1.0", r"cc0-1\.0|cc0"),
        ("Unlicense", r"unlicense|the unlicense"),
        ("Zlib", r"zlib|zlib license"),
        ("Python-2.0", r"python-2\.0|psf-2\.0|psf license"),
    ]
]


def normalize_text(text: str) -> str:
    """Lower-case, comment markers and most punctuation removed, whitespace collapsed.

    >>> normalize_text(' * Permission is hereby granted, "free of charge",\\n *  to any person')
    'permission is hereby granted, free of charge, to any person'
    """
    lines = (_COMMENT_LEADER.sub("", line) for line in text.lower().splitlines())
    unquoted = re.sub(r"[\"'`\u2018\u2019\u201c\u201d]", "", " ".join(lines))
    kept = re.sub(r"[^a-z0-9.,;:/+\-]+", " ", unquoted)
    # Punctuation left standing alone (a "--" rule, a " - " dash) separates no words.
    kept = re.sub(r"(?<!\S)[.,;:/+\-]+(?!\S)", " ", kept)
    return " ".join(kept.split())


def identify_license_text(text: str) -> tuple[str, ...]:
    """SPDX ids of the license(s) a text states, in order of appearance; ``()`` if none.

    >>> identify_license_text("Licensed under the Apache License, Version 2.0 (the 'License')")
    ('Apache-2.0',)
    >>> identify_license_text("This program is free software; you can redistribute it under the"
    ...     " terms of the GNU General Public License as published by the Free Software"
    ...     " Foundation; either version 2 of the License, or (at your option) any later version.")
    ('GPL-2.0',)
    """
    flat = normalize_text(text)
    found: list[tuple[int, str]] = []
    for pattern in (_GNU_TITLE, _GNU_GRANT):
        for gnu in pattern.finditer(flat):
            family = gnu.group(1) or ""
            version = next(v for v in gnu.groups()[1:] if v)
            version = version[:-2] if version.endswith(".0") else version
            spdx = _GNU_IDS.get((family, version))
            if spdx:
                found.append((gnu.start(), spdx))
    for spdx, must, must_not in _TEXT_RULES:
        match = must.search(flat)
        if match and not (must_not and must_not.search(flat)):
            found.append((match.start(), spdx))
    if not found:
        for spdx, pattern in _NAME_RULES:
            match = pattern.search(flat)
            if match:
                found.append((match.start(), spdx))
    return _unique(spdx for _, spdx in sorted(found))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
