"""License policy: what a project accepts, what it must credit, what it refuses.

A :class:`Policy` maps each license category (:data:`attrib.licenses.CATEGORIES`) and,
optionally, single SPDX ids to an action:

* ``allow`` -> verdict ``pass``;
* ``require-notice`` -> verdict ``notice``: acceptable once the source is credited in
  the project's notice file (``attrib notice`` writes it);
* ``deny`` -> verdict ``fail``.

The default: public-domain code is allowed, permissive, unknown and restricted code
requires a notice (for unknown and restricted ones, a person should read the terms
before crediting them), copyleft and copyleft-limited code is denied.

A project sets its own in ``.attrib.toml`` at its root, or ``[tool.attrib]`` in
``pyproject.toml`` (the same keys)::

    min_lines = 4                    # ignore copies shorter than this (lines)
    min_similarity = 0.9             # ... or less similar than this (0-1)
    max_chance = 0.001               # report a copy only when an index this size would hold a
                                     # region this long and distinctive by chance fewer times
    ignore_sources = ["acme/widgets", "acme/*"]   # repositories (globs) never reported
    notice_files = ["THIRD_PARTY_NOTICES", "NOTICE", "NOTICE.md"]
    exclude = ["generated/**"]       # paths never checked (like .attribignore)

    [categories]                     # [tool.attrib.categories] in pyproject.toml
    permissive = "allow"
    copyleft-limited = "require-notice"

    [licenses]                       # single SPDX ids override their category
    "GPL-2.0-only" = "deny"

:func:`load` reads such a file; every mistake is a :class:`PolicyError` (exit 2) that
names the file, the key and its line.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attrib.errors import AttribError
from attrib.match import DEFAULT_OPTIONS, MAX_CHANCE, MatchOptions
from attrib.licenses import (
    CATEGORIES,
    COPYLEFT,
    COPYLEFT_LIMITED,
    PERMISSIVE,
    PUBLIC_DOMAIN,
    category,
    normalize,
    worst_verdict,
)

ACTIONS: Mapping[str, str] = MappingProxyType({"allow": "pass", "require-notice": "notice", "deny": "fail"})
DEFAULT_NOTICE_FILES = ("THIRD_PARTY_NOTICES", "THIRD_PARTY_NOTICES.md", "NOTICE", "NOTICE.md")
POLICY_FILE = ".attrib.toml"


class PolicyError(AttribError):
    """The policy file is invalid; the message names the file, key and line."""


@dataclass(frozen=True)
class Policy:
    """Verdicts by license category and SPDX id, and which matches count at all."""

    verdicts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({
        PUBLIC_DOMAIN: "pass",
        PERMISSIVE: "notice",
        COPYLEFT_LIMITED: "fail",
        COPYLEFT: "fail",
    }))
    otherwise: str = "notice"
    licenses: Mapping[str, str] = field(default_factory=dict)  # SPDX id -> verdict
    min_lines: int = 1
    min_similarity: float = 0.0
    max_chance: float = MAX_CHANCE
    ignore_sources: tuple[str, ...] = ()
    notice_files: tuple[str, ...] = DEFAULT_NOTICE_FILES
    exclude: tuple[str, ...] = ()
    origin: str = "the default policy"

    def verdict(self, license_category: str, licenses: Iterable[str] = ()) -> str:
        """The verdict for a source of this category with these licenses.

        A license named in ``licenses`` overrides its category; several licenses of one
        source all apply, so the worst verdict wins.
        """
        ids = tuple(licenses)
        if ids and any(i in self.licenses for i in ids):
            return worst_verdict(self.licenses.get(i) or self.verdicts.get(category(i), self.otherwise)
                                 for i in ids)
        return self.verdicts.get(license_category, self.otherwise)

    def match_options(self) -> MatchOptions:
        """The matcher's options under this policy (its ``max_chance``)."""
        return replace(DEFAULT_OPTIONS, max_chance=self.max_chance)

    def ignores(self, repo: str) -> bool:
        """Whether matches from this repository are never reported (``ignore_sources``)."""
        return any(fnmatchcase(repo, pattern) for pattern in self.ignore_sources)


DEFAULT_POLICY = Policy()


def verdict_for(categories: Iterable[str], policy: Policy = DEFAULT_POLICY) -> str:
    """Verdict for the matches of a file, given their categories: the worst one wins,
    and a file without matches passes.

    >>> verdict_for([]), verdict_for(["permissive", "public-domain"]), verdict_for(["copyleft"])
    ('pass', 'notice', 'fail')
    """
    return worst_verdict(map(policy.verdict, categories))


def discover(root: Path) -> Path | None:
    """The policy file of the project at ``root``: ``.attrib.toml``, else a
    ``pyproject.toml`` with a ``[tool.attrib]`` table, else None."""
    own = root / POLICY_FILE
    if own.is_file():
        return own
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and re.search(r"^\s*\[\s*tool\.attrib(\.|\s*\])", _read(pyproject), re.M):
        return pyproject
    return None


def policy_file(root: Path, path: str | None = None) -> Policy:
    """The policy in ``path`` when given, else the one :func:`discover` finds at
    ``root``, else :data:`DEFAULT_POLICY`."""
    if path is not None:
        if not Path(path).is_file():
            raise PolicyError(f"--policy {path}: no such file")
        return load(Path(path))
    found = discover(root)
    return load(found) if found else DEFAULT_POLICY


def load(path: Path) -> Policy:
    """The policy in ``path`` (``.attrib.toml``, or ``pyproject.toml``'s ``[tool.attrib]``)."""
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path}: not valid TOML: {e}") from None
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        prefix = ("tool", "attrib")
        data = data.get("tool", {}).get("attrib", {})
    return _parse(data, _Locator(path, text, prefix))


KEYS = ("min_lines", "min_similarity", "max_chance", "ignore_sources", "notice_files", "exclude", "categories",
        "licenses")


def _parse(data: dict[str, Any], where: "_Locator") -> Policy:
    for key in data:
        if key not in KEYS:
            raise where.error(key, f"unknown key {key!r}; the keys are: {', '.join(KEYS)}")
    verdicts = dict(DEFAULT_POLICY.verdicts)
    otherwise_verdicts = {c: DEFAULT_POLICY.otherwise for c in CATEGORIES if c not in verdicts}
    verdicts.update(otherwise_verdicts)
    categories = _table(data, "categories", where)
    for name, action in categories.items():
        if name not in CATEGORIES:
            raise where.error(name, f"unknown license category {name!r}; the categories are: "
                                    f"{', '.join(CATEGORIES)}", table="categories")
        verdicts[name] = _action(action, name, where, "categories")
    licenses = {}
    for spdx, action in _table(data, "licenses", where).items():
        [normalized] = normalize([spdx]) or (spdx,)
        licenses[normalized] = _action(action, spdx, where, "licenses")
    min_lines = data.get("min_lines", 1)
    if not isinstance(min_lines, int) or isinstance(min_lines, bool) or min_lines < 1:
        raise where.error("min_lines", f"min_lines must be a whole number of lines, 1 or more, not {min_lines!r}")
    min_similarity = data.get("min_similarity", 0.0)
    if isinstance(min_similarity, bool) or not isinstance(min_similarity, (int, float)) \
            or not 0 <= min_similarity <= 1:
        raise where.error("min_similarity", f"min_similarity must be a number from 0 to 1, not {min_similarity!r}")
    max_chance = data.get("max_chance", MAX_CHANCE)
    if isinstance(max_chance, bool) or not isinstance(max_chance, (int, float)) or not max_chance > 0:
        raise where.error("max_chance", f"max_chance must be a number above 0 (e.g. 0.001), not {max_chance!r}")
    return Policy(verdicts=MappingProxyType(verdicts), otherwise=DEFAULT_POLICY.otherwise,
                  licenses=MappingProxyType(licenses), min_lines=min_lines, min_similarity=float(min_similarity),
                  max_chance=float(max_chance),
                  ignore_sources=_strings(data, "ignore_sources", where, ()),
                  notice_files=_strings(data, "notice_files", where, DEFAULT_NOTICE_FILES),
                  exclude=_strings(data, "exclude", where, ()), origin=str(where.path))


def _table(data: dict[str, Any], key: str, where: "_Locator") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.error(key, f"{key} must be a table of NAME = \"allow|require-notice|deny\"")
    return value


def _action(value: Any, key: str, where: "_Locator", table: str) -> str:
    if value not in ACTIONS:
        raise where.error(key, f"{table}.{key} = {value!r}: use one of {', '.join(map(repr, ACTIONS))}",
                          table=table)
    return ACTIONS[value]


def _strings(data: dict[str, Any], key: str, where: "_Locator", default: tuple[str, ...]) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(key, f"{key} must be a list of non-empty strings, not {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class _Locator:
    """Finds the line of a key in the policy file, for error messages."""

    path: Path
    text: str
    prefix: tuple[str, ...]

    def error(self, key: str, message: str, table: str | None = None) -> PolicyError:
        line = self.line_of(key, table)
        return PolicyError(f"{self.path}{f', line {line}' if line else ''}: {message}")

    def line_of(self, key: str, table: str | None) -> int | None:
        wanted = ".".join((*self.prefix, table)) if table else ".".join(self.prefix)
        current = ""
        pattern = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*=')
        for number, line in enumerate(self.text.splitlines(), 1):
            header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header.group(1).replace(" ", "").replace('"', "")
                if table is None and current == ".".join((*self.prefix, key)):
                    return number  # the key is a table of its own: [categories]
                continue
            if current == wanted and pattern.match(line):
                return number
        return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(f"cannot read the policy file {path}: {getattr(e, 'strerror', None) or e}") from None
