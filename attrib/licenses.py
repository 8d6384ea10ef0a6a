"""What a source's license asks of someone who reuses its code.

The Stack records each repository's licenses as SPDX ids (``max_stars_repo_licenses``).
This module turns those ids into three answers, all pure functions and cached:

1. :func:`normalize` — canonical SPDX spelling (``"mit"`` → ``"MIT"``,
   ``"GPL-3.0"`` → ``"GPL-3.0-only"``) through ``license-expression``.
2. :func:`category` — the kind of license, from the ScanCode LicenseDB index bundled
   with ``license-expression``, mapped to attrib's categories (see :data:`CATEGORIES`).
3. :func:`obligation` — what reuse requires: a ``"notice"``, ``"copyleft"`` terms,
   ``"none"``, or ``"unknown"``.

:mod:`attrib.policy` then turns categories into verdicts.

ScanCode has eleven categories; attrib keeps four and folds the rest:

- Public Domain → ``public-domain``; Permissive → ``permissive``;
  Copyleft Limited → ``copyleft-limited``; Copyleft → ``copyleft``.
- Proprietary Free, Free Restricted, Source-available, Commercial → ``restricted``:
  use is limited beyond a notice (fees, field of use, no redistribution).
- Unstated License, CLA, Patent License and ids not in the index → ``unknown``.

CLAs govern contributions *into* a project and patent licenses accompany a copyright
license; neither tells what copying the code requires, hence ``unknown``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_license_index,
    get_spdx_licensing,
)

PUBLIC_DOMAIN = "public-domain"
PERMISSIVE = "permissive"
UNKNOWN = "unknown"
COPYLEFT_LIMITED = "copyleft-limited"
COPYLEFT = "copyleft"
RESTRICTED = "restricted"

#: attrib's categories, least restrictive first. ``unknown`` sits between permissive
#: and copyleft: it outranks a known permissive license in an ``AND`` (we cannot vouch
#: for the unknown part) but never hides a known copyleft one.
CATEGORIES: tuple[str, ...] = (
    PUBLIC_DOMAIN, PERMISSIVE, UNKNOWN, COPYLEFT_LIMITED, COPYLEFT, RESTRICTED,
)
_RANK = {name: rank for rank, name in enumerate(CATEGORIES)}

_SCANCODE_CATEGORIES: Mapping[str, str] = MappingProxyType({
    "Public Domain": PUBLIC_DOMAIN,
    "Permissive": PERMISSIVE,
    "Copyleft Limited": COPYLEFT_LIMITED,
    "Copyleft": COPYLEFT,
    "Proprietary Free": RESTRICTED,
    "Free Restricted": RESTRICTED,
    "Source-available": RESTRICTED,
    "Commercial": RESTRICTED,
    "Unstated License": UNKNOWN,
    "CLA": UNKNOWN,
    "Patent License": UNKNOWN,
})

_OBLIGATIONS: Mapping[str, str] = MappingProxyType({
    PUBLIC_DOMAIN: "none",
    PERMISSIVE: "notice",
    COPYLEFT_LIMITED: "copyleft",
    COPYLEFT: "copyleft",
})

Verdict = Literal["pass", "notice", "fail"]
#: Verdicts, least severe first.
VERDICTS: tuple[Verdict, ...] = ("pass", "notice", "fail")


@lru_cache(maxsize=1)
def _licensing() -> Licensing:
    return get_spdx_licensing()


@lru_cache(maxsize=1)
def _categories_by_key() -> Mapping[str, str]:
    """Lower-cased SPDX key (primary or alias) → attrib category, from ScanCode's index."""
    table: dict[str, str] = {}
    for entry in get_license_index():
        mapped = _SCANCODE_CATEGORIES.get(entry.get("category") or "", UNKNOWN)
        for key in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or ())]:
            if key:
                table.setdefault(key.lower(), mapped)
    return MappingProxyType(table)


@lru_cache(maxsize=1)
def _spdx_ids() -> Mapping[str, str]:
    """Lower-cased SPDX id or alias → its canonical id, from ScanCode's index: what
    ``Licensing.parse`` makes of a single id (tested equal for every id and alias),
    without building the expression parser, which takes a tenth of a second."""
    table: dict[str, str] = {}
    for entry in get_license_index():
        canonical = entry.get("spdx_license_key")
        for key in [canonical, *(entry.get("other_spdx_license_keys") or ())]:
            if key and canonical:
                table.setdefault(key.lower(), canonical)
    return MappingProxyType(table)


@lru_cache(maxsize=4096)
def _normalize_one(license_id: str) -> str:
    known = _spdx_ids().get(license_id.lower())
    if known is not None:
        return known
    try:
        parsed = _licensing().parse(license_id, validate=False)
    except ExpressionError:
        return license_id
    return license_id if parsed is None else str(parsed)


def normalize(ids: Iterable[str]) -> tuple[str, ...]:
    """Canonical SPDX spelling of each id or expression, deduplicated, first seen first.

    Ids ``license-expression`` does not know (``"LicenseRef-x"``) and text it cannot
    parse are kept as given; blank entries are dropped.

    >>> normalize(["mit", "MIT", "GPL-3.0", "MIT or Apache-2.0"])
    ('MIT', 'GPL-3.0-only', 'MIT OR Apache-2.0')
    """
    seen: dict[str, None] = {}
    for license_id in ids:
        stripped = license_id.strip()
        if stripped:
            seen.setdefault(_normalize_one(stripped), None)
    return tuple(seen)


def most_restrictive(categories: Iterable[str]) -> str:
    """The strictest of ``categories`` (``unknown`` when there are none)."""
    return max(categories, key=_RANK.__getitem__, default=UNKNOWN)


def least_restrictive(categories: Iterable[str]) -> str:
    """The most permissive of ``categories`` (``unknown`` when there are none)."""
    return min(categories, key=_RANK.__getitem__, default=UNKNOWN)


def _category_of(node: object) -> str:
    """Category of a parsed expression: ``OR`` lets the user pick the most permissive
    choice, ``AND`` and ``WITH`` bind them to every part, so the strictest wins."""
    if isinstance(node, LicenseWithExceptionSymbol):
        return most_restrictive(map(_category_of, (node.license_symbol, node.exception_symbol)))
    if isinstance(node, LicenseSymbol):
        return _categories_by_key().get(node.key.lower(), UNKNOWN)
    if isinstance(node, OR):
        return least_restrictive(map(_category_of, node.args))
    if isinstance(node, AND):
        return most_restrictive(map(_category_of, node.args))
    return UNKNOWN


@lru_cache(maxsize=4096)
def category(license_id: str) -> str:
    """attrib category of one SPDX id or expression; ``unknown`` if it is not in the index.

    >>> category("MIT"), category("GPL-3.0-or-later"), category("MIT OR GPL-3.0")
    ('permissive', 'copyleft', 'permissive')
    """
    known = _spdx_ids().get(license_id.lower())
    if known is not None:
        return _categories_by_key().get(known.lower(), UNKNOWN)
    try:
        parsed = _licensing().parse(license_id, validate=False)
    except ExpressionError:
        return UNKNOWN
    return _category_of(parsed)


def obligation(license_category: str) -> str:
    """What reusing code of this category requires.

    ``"notice"`` (keep the copyright and license notice: permissive), ``"copyleft"``
    (share-alike terms: copyleft and copyleft-limited), ``"none"`` (public domain) or
    ``"unknown"`` (read the terms: unknown and restricted licenses).
    """
    return _OBLIGATIONS.get(license_category, "unknown")


@dataclass(frozen=True)
class LicenseInfo:
    """The licenses of one source and what they add up to."""

    ids: tuple[str, ...]
    category: str
    obligation: str


def describe(ids: Iterable[str]) -> LicenseInfo:
    """Normalize a source's licenses and combine them.

    Several licenses on one repository all apply (an implicit ``AND``), so the most
    restrictive category wins; a source without licenses is ``unknown``.
    """
    normalized = normalize(ids)
    combined = most_restrictive(map(category, normalized))
    return LicenseInfo(ids=normalized, category=combined, obligation=obligation(combined))



def effective(file_ids: Iterable[str], repo_ids: Iterable[str], explicit: bool) -> tuple[str, ...]:
    """The licenses a file's code is judged by, from its own and its repository's.

    The file's when it names them itself (``explicit``: an SPDX tag); else, when the
    two disagree, whichever is stricter (the repository's when it is as strict: it is
    what the repository's owners declared); the repository's when the file says
    nothing.

    >>> effective(["GPL-2.0-only"], ["MIT"], explicit=True), effective(["MIT"], ["GPL-3.0"], explicit=True)
    (('GPL-2.0-only',), ('MIT',))
    >>> effective(["GPL-2.0-or-later"], ["MIT"], explicit=False), effective(["MIT"], ["GPL-3.0"], explicit=False)
    (('GPL-2.0-or-later',), ('GPL-3.0-only',))
    >>> effective([], ["MIT"], explicit=False)
    ('MIT',)
    """
    file_ids, repo_ids = normalize(file_ids), normalize(repo_ids)
    if not file_ids:
        return repo_ids
    if explicit or not repo_ids:
        return file_ids
    stricter_file = _RANK[describe(file_ids).category] > _RANK[describe(repo_ids).category]
    return file_ids if stricter_file else repo_ids


def worst_verdict(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe of ``verdicts``; ``"pass"`` when there are none."""
    return max(verdicts, key=VERDICTS.index, default="pass")
