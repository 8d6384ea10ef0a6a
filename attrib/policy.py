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
names the file, the key and its line. The policy is the project's, so it is held to the
project's tree: ``notice_files`` are relative to the repository root and may not leave
it (no absolute paths, no ``..``, no symbolic link leading out), and a policy file found
in the repository must be a regular file inside it.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from attrib.confine import escape_reason, name_problem, read_regular
from attrib.errors import AttribError, InputError
from attrib.licenses import (
    CATEGORIES,
    COPYLEFT,
    COPYLEFT_LIMITED,
    PERMISSIVE,
    PUBLIC_DOMAIN,
    Verdict,
    category,
    normalize,
    worst_verdict,
)

if TYPE_CHECKING:
    from attrib.match import MatchOptions

ACTIONS: Mapping[str, Verdict] = MappingProxyType({"allow": "pass", "require-notice": "notice", "deny": "fail"})
DEFAULT_NOTICE_FILES = ("THIRD_PARTY_NOTICES", "THIRD_PARTY_NOTICES.md", "NOTICE", "NOTICE.md")
POLICY_FILE = ".attrib.toml"


class PolicyError(AttribError):
    """The policy file is invalid; the message names the file, key and line."""


@dataclass(frozen=True)
class Policy:
    """Verdicts by license category and SPDX id, and which matches count at all."""

    verdicts: Mapping[str, Verdict] = field(default_factory=lambda: MappingProxyType({
        PUBLIC_DOMAIN: "pass",
        PERMISSIVE: "notice",
        COPYLEFT_LIMITED: "fail",
        COPYLEFT: "fail",
    }))
    otherwise: Verdict = "notice"
    licenses: Mapping[str, Verdict] = field(default_factory=lambda: MappingProxyType({}))  # SPDX id -> verdict
    min_lines: int = 1
    min_similarity: float = 0.0
    max_chance: float | None = None  # None: the matcher's default (attrib.match.MAX_CHANCE)
    ignore_sources: tuple[str, ...] = ()
    notice_files: tuple[str, ...] = DEFAULT_NOTICE_FILES
    exclude: tuple[str, ...] = ()
    origin: str = "the default policy"

    def verdict(self, license_category: str, licenses: Iterable[str] = ()) -> Verdict:
        """The verdict for a source of this category with these licenses.

        A license named in ``licenses`` overrides its category; several licenses of one
        source all apply, so the worst verdict wins.
        """
        ids = tuple(licenses)
        if ids and any(i in self.licenses for i in ids):
            return worst_verdict(self.licenses.get(i) or self.verdicts.get(category(i), self.otherwise)
                                 for i in ids)
        return self.verdicts.get(license_category, self.otherwise)

    def match_options(self) -> "MatchOptions":
        """The matcher's options under this policy (its ``max_chance``, when it sets one)."""
        from attrib.match import DEFAULT_OPTIONS  # imported here: the matcher pulls in numpy

        return DEFAULT_OPTIONS if self.max_chance is None else replace(DEFAULT_OPTIONS, max_chance=self.max_chance)

    def ignores(self, repo: str) -> bool:
        """Whether matches from this repository are never reported (``ignore_sources``)."""
        return any(fnmatchcase(repo, pattern) for pattern in self.ignore_sources)


DEFAULT_POLICY = Policy()


def discover(root: Path) -> Path | None:
    """The policy file of the project at ``root``: ``.attrib.toml``, else a
    ``pyproject.toml`` with a ``[tool.attrib]`` table, else None. A candidate that is a
    link out of the tree, or not a regular file, is a :class:`PolicyError`."""
    for name in (POLICY_FILE, "pyproject.toml"):
        path = root / name
        if not os.path.lexists(path):
            continue
        reason = escape_reason(root, name)
        if reason is not None:
            raise PolicyError(f"{path}: {reason}")
        if name == POLICY_FILE or re.search(r"^\s*\[\s*tool\.attrib(\.|\s*\])", _read(path), re.M):
            return path
    return None


def policy_file(root: Path, path: str | None = None) -> Policy:
    """The policy in ``path`` when given, else the one :func:`discover` finds at
    ``root``, else :data:`DEFAULT_POLICY`. ``notice_files`` are checked against ``root``."""
    if path is not None:
        return load(Path(path), root, option="--policy")
    found = discover(root)
    return load(found, root) if found else DEFAULT_POLICY


def load(path: Path, root: Path | None = None, option: str | None = None) -> Policy:
    """The policy in ``path`` (``.attrib.toml``, or ``pyproject.toml``'s ``[tool.attrib]``).

    With ``root``, the repository it applies to, ``notice_files`` that lead out of it
    through a symbolic link are refused too.
    """
    text = _read(path, option)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise PolicyError(f"{path}: not a usable policy: tables or arrays nested too deeply") from None
    prefix: tuple[str, ...] = ()
    where = _Locator(path, text, prefix)
    if path.name == "pyproject.toml":
        where = _Locator(path, text, ("tool", "attrib"))
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise PolicyError(f"{path}: tool must be a table")
        data = tool.get("attrib", {})
        if not isinstance(data, dict):
            raise where.error("attrib", "tool.attrib must be a table of the policy's keys")
    return _parse(data, where, root)


KEYS = ("min_lines", "min_similarity", "max_chance", "ignore_sources", "notice_files", "exclude", "categories",
        "licenses")


def _parse(data: dict[str, Any], where: "_Locator", root: Path | None) -> Policy:
    for key in data:
        if key not in KEYS:
            raise where.error(key, f"unknown key {key!r}; the keys are: {', '.join(KEYS)}")
    verdicts: dict[str, Verdict] = dict(DEFAULT_POLICY.verdicts)
    otherwise_verdicts = {c: DEFAULT_POLICY.otherwise for c in CATEGORIES if c not in verdicts}
    verdicts.update(otherwise_verdicts)
    categories = _table(data, "categories", where)
    for name, action in categories.items():
        if name not in CATEGORIES:
            raise where.error(name, f"unknown license category {name!r}; the categories are: "
                                    f"{', '.join(CATEGORIES)}", table="categories")
        verdicts[name] = _action(action, name, where, "categories")
    licenses: dict[str, Verdict] = {}
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
    exclude = _strings(data, "exclude", where, ())
    for pattern in exclude:
        problem = pattern_error(pattern)
        if problem:
            raise where.error("exclude", f"exclude: {pattern!r} is not a valid .gitignore pattern ({problem})")
    notice_files = _strings(data, "notice_files", where, DEFAULT_NOTICE_FILES)
    for name in notice_files:
        reason = escape_reason(root, name) if root is not None else name_problem(name)
        if reason:
            raise where.error("notice_files", f"notice_files: {name!r} must stay inside the repository: {reason}")
    max_chance = data.get("max_chance")
    if max_chance is not None and (isinstance(max_chance, bool) or not isinstance(max_chance, (int, float))
                                   or not max_chance > 0):
        raise where.error("max_chance", f"max_chance must be a number above 0 (e.g. 0.001), not {max_chance!r}")
    return Policy(verdicts=MappingProxyType(verdicts), otherwise=DEFAULT_POLICY.otherwise,
                  licenses=MappingProxyType(licenses), min_lines=min_lines, min_similarity=float(min_similarity),
                  max_chance=None if max_chance is None else float(max_chance),
                  ignore_sources=_strings(data, "ignore_sources", where, ()), notice_files=notice_files,
                  exclude=exclude, origin=str(where.path))


def pattern_error(pattern: str) -> str | None:
    """What is wrong with a ``.gitignore`` pattern (``exclude``, ``.attribignore``), or
    None when ``pathspec`` takes it."""
    import pathspec  # imported here: only a policy with patterns needs it

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except Exception as e:  # noqa: BLE001 - pathspec raises its own errors and re.error
        return str(e) or type(e).__name__
    return None


def _table(data: dict[str, Any], key: str, where: "_Locator") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.error(key, f"{key} must be a table of NAME = \"allow|require-notice|deny\"")
    return value


def _action(value: Any, key: str, where: "_Locator", table: str) -> Verdict:
    if not isinstance(value, str) or value not in ACTIONS:
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
        if line is None and table is not None:
            line = self.line_of(table, None)  # an inline table: categories = {...}
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


def _read(path: Path, option: str | None = None) -> str:
    """The policy file's text: a regular file, UTF-8."""
    try:
        data = read_regular(path, "the policy file")
    except InputError as e:
        raise PolicyError(str(e)) from None
    if data is None:
        raise PolicyError(f"{option} {path}: no such file" if option else f"no policy file {path}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError(f"cannot read the policy file {path}: not UTF-8 text ({e.reason} at byte {e.start})") \
            from None
