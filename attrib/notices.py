"""Attribution notices: the credit that permissive licenses ask for, as a file.

Permissive licenses (MIT, BSD, Apache-2.0, ...) let anyone reuse code on one condition:
keep the copyright and license notice. The policy says which licenses a project credits
(``require-notice``: by default permissive, unknown and restricted ones).
:func:`notices_from_report` lists, from a report, every source the policy requires a
notice for; :func:`render` writes them as a Markdown notice file, one section per
source file::

    ## psf/requests — requests/structures.py
    - License: Apache-2.0 (https://spdx.org/licenses/Apache-2.0.html)
    - Source: https://github.com/psf/requests/blob/<commit>/requests/structures.py
    - Used in: src/app.py lines 4–99 (source lines 4–99)

:func:`merge` adds new notices to an existing file's without dropping or duplicating
any: a source is identified by its repository and path. Names come from indexed data and
from file names, so control characters in them are written as escapes
(:func:`attrib.formats.escape.printable`): a name cannot start a line of its own.

:func:`read_notices` reads a project's notice files, inside its tree only.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from attrib.confine import inside, read_regular
from attrib.formats.escape import printable
from attrib.report import Report

HEADER = """# Third-party notices

Parts of this project match code from the projects below. Their licenses ask that the
copyright and license notices be kept; see each source for the full notice.
This file is maintained by attrib (`attrib generate --notice`, `attrib notice`).
"""

_SECTION = re.compile(r"^## (?P<repo>\S+) — (?P<path>.+)$", re.M)


@dataclass(frozen=True)
class Notice:
    """One source file to credit: where it is, under which licenses, and where it was used."""

    repo: str
    path: str
    url: str
    licenses: tuple[str, ...]
    used_in: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """(repository, path) as the notice file spells them."""
        return printable(self.repo), printable(self.path)


def notices_from_report(report: Report) -> list[Notice]:
    """The best source of every finding in ``report`` that needs a notice under the
    policy (:attr:`attrib.report.Finding.needs_notice`: the one rule ``attrib notice``
    and ``attrib generate --notice`` share), one per source file, in order of first
    appearance."""
    found: dict[tuple[str, str], Notice] = {}
    for entry in report.files:
        for finding in entry.findings:
            if not finding.needs_notice:
                continue
            source, match = finding.best, finding.match
            generated = entry.scope is not None and entry.scope.kind == "generated"
            first, last = finding.lines if generated else (match.start_line, match.end_line)
            use = (f"{entry.path} lines {first}–{last} "
                   f"(source lines {source.start_line}–{source.end_line})")
            key = (source.repo, source.path)
            old = found.get(key)
            uses = (old.used_in if old else ()) + (use,)
            found[key] = Notice(source.repo, source.path, source.url.split("#")[0], finding.license.ids,
                                tuple(dict.fromkeys(uses)))
    return list(found.values())


def render(notices: Iterable[Notice]) -> str:
    """The notice file for ``notices``."""
    parts = [HEADER]
    for n in notices:
        licenses = ", ".join(f"{i} (https://spdx.org/licenses/{i}.html)" for i in map(printable, n.licenses)) \
            or "not recorded"
        repo, path = n.key
        lines = [f"## {repo} — {path}", f"- License: {licenses}", f"- Source: {printable(n.url)}"]
        lines += [f"- Used in: {printable(use)}" for use in n.used_in]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def credited(text: str) -> set[tuple[str, str]]:
    """(repository, path) of every source an existing notice file credits."""
    return {(m["repo"], m["path"].strip()) for m in _SECTION.finditer(text)}


def merge(existing: str, new: Iterable[Notice]) -> str:
    """``existing`` notice file text with the sections of ``new`` sources it lacks
    appended; ``existing`` is returned unchanged when it credits them all."""
    have = credited(existing)
    missing = [n for n in new if n.key not in have]
    if not existing.strip():
        return render(missing)
    if not missing:
        return existing
    return existing.rstrip("\n") + "\n\n" + render(missing).split(HEADER, 1)[1].lstrip("\n")


def update(path: Path, new: Iterable[Notice]) -> str | None:
    """The text of the notice file at ``path`` (a regular file, or none yet) with the
    sections of ``new`` sources it lacks added; None when it credits them all."""
    data = read_regular(path, "the notice file")
    existing = data.decode("utf-8", "replace") if data is not None else ""
    merged = merge(existing, new)
    return None if merged == existing else merged


def read_notices(root: Path, notice_files: Iterable[str]) -> str:
    """The text of the project's notice files that exist (names relative to the
    repository ``root``; one leading outside it is an error), lower-cased. A source is
    acknowledged when its repository's ``owner/name`` appears in that text, as
    ``attrib notice`` writes it or in a hand-written credit."""
    parts = []
    for name in notice_files:
        data = read_regular(inside(root, name, "notice_files:"), "the notice file")
        if data is not None:
            parts.append(data.decode("utf-8", "replace").lower() + "\n")
    return "".join(parts)
