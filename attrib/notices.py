"""Attribution notices: the credit that permissive licenses ask for, as a file.

Permissive licenses (MIT, BSD, Apache-2.0, ...) let anyone reuse code on one condition:
keep the copyright and license notice. The policy says which licenses a project credits
(``require-notice``: by default permissive, unknown and restricted ones).
:func:`notices_from_report` lists, from a report, every source the policy requires a
notice for; :func:`render` writes them as a Markdown notice file, one section per
source file, with the copyright lines found in the source file's header
(:mod:`attrib.copyrights`), and at the end the full text of each license once (from
the SPDX License List, :mod:`attrib.license_list`)::

    ## psf/requests — requests/structures.py
    - License: Apache-2.0 (https://spdx.org/licenses/Apache-2.0.html)
    - Copyright: Copyright 2019 Kenneth Reitz
    - Source: https://github.com/psf/requests/blob/<commit>/requests/structures.py
    - Commit: https://github.com/psf/requests/commit/<commit>
    - Used in: src/app.py lines 4–99 (source lines 4–99)

    # License texts

    ### Apache-2.0 — Apache License 2.0
    ````text
    Apache License ...
    ````

"Used in" names the file as the report does: paths relative to the repository or the
folder that was scanned, never an absolute path given on the command line
(:func:`use_path`).

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

TEXTS_HEADER = "# License texts"

_SECTION = re.compile(r"^## (?P<repo>\S+) — (?P<path>.+)$", re.M)
_TEXT = re.compile(r"^### (?P<id>\S+) — ", re.M)
_FENCE = "````"


@dataclass(frozen=True)
class Notice:
    """One source file to credit: where it is, under which licenses, and where it was used."""

    repo: str
    path: str
    url: str
    licenses: tuple[str, ...]
    used_in: tuple[str, ...] = ()
    commit: str = ""
    copyrights: tuple[str, ...] = ()
    """The copyright lines of the source file's header."""

    @property
    def key(self) -> tuple[str, str]:
        """(repository, path) as the notice file spells them."""
        return printable(self.repo), printable(self.path)


def notices_from_report(report: Report, root: Path | None = None) -> list[Notice]:
    """The best source of every finding in ``report`` that needs a notice under the
    policy (:attr:`attrib.report.Finding.needs_notice`: the one rule ``attrib notice``
    and ``attrib generate --notice`` share), one per source file, in order of first
    appearance; "Used in" names files relative to ``root`` (the project's, see
    :func:`use_path`)."""
    found: dict[tuple[str, str], Notice] = {}
    for entry in report.files:
        for finding in entry.findings:
            if not finding.needs_notice:
                continue
            source, match = finding.best, finding.match
            generated = entry.scope is not None and entry.scope.kind == "generated"
            first, last = finding.lines if generated else (match.start_line, match.end_line)
            use = (f"{use_path(entry.path, root)} lines {first}–{last} "
                   f"(source lines {source.start_line}–{source.end_line})")
            key = (source.repo, source.path)
            old = found.get(key)
            uses = (old.used_in if old else ()) + (use,)
            found[key] = Notice(source.repo, source.path, source.url.split("#")[0], finding.license.ids,
                                tuple(dict.fromkeys(uses)), source.commit, source.copyrights)
    return list(found.values())


def use_path(path: str, root: Path | None = None) -> str:
    """How "Used in" names a file: relative to ``root`` (the project, by default the
    working folder) when it lies inside it, else its name as given when that is
    relative, else only its file name -- never an absolute path.

    >>> use_path("src/app.py"), use_path("/home/me/p/src/app.py", Path("/home/me/p")), use_path("/tmp/x.py", Path("/p"))
    ('src/app.py', 'src/app.py', 'x.py')
    """
    candidate = Path(path)
    if not candidate.is_absolute():
        return path
    try:
        return candidate.relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return candidate.name


def section(n: Notice) -> str:
    """One source's section of the notice file."""
    licenses = ", ".join(f"{i} (https://spdx.org/licenses/{i}.html)" for i in map(printable, n.licenses)) \
        or "not recorded"
    repo, path = n.key
    lines = [f"## {repo} — {path}", f"- License: {licenses}"]
    lines += [f"- Copyright: {printable(c)}" for c in n.copyrights] or \
        ["- Copyright: no copyright line in the source file's header; see the source"]
    lines.append(f"- Source: {printable(n.url)}")
    if n.commit:
        lines.append(f"- Commit: https://github.com/{repo}/commit/{printable(n.commit)}")
    lines += [f"- Used in: {printable(use)}" for use in n.used_in]
    return "\n".join(lines) + "\n"


def license_texts(ids: Iterable[str]) -> str:
    """The full text of each license in ``ids`` that the SPDX License List has, once
    each, as the notice file's closing sections."""
    from attrib.license_list import listed

    parts = []
    for license_id in dict.fromkeys(ids):
        entry = listed(license_id)
        if entry is None or entry.text is None:
            continue
        text = entry.text.strip("\n").replace(_FENCE, "'" * len(_FENCE))
        parts.append(f"### {entry.id} — {printable(entry.name)}\n{_FENCE}text\n{text}\n{_FENCE}\n")
    return "\n".join(parts)


def render(notices: Iterable[Notice]) -> str:
    """The notice file for ``notices``."""
    notices = list(notices)
    parts = [HEADER, *map(section, notices)]
    texts = license_texts(i for n in notices for i in n.licenses)
    if texts:
        parts += [TEXTS_HEADER + "\n", texts]
    return "\n".join(parts)


def credited(text: str) -> set[tuple[str, str]]:
    """(repository, path) of every source an existing notice file credits."""
    return {(m["repo"], m["path"].strip()) for m in _SECTION.finditer(text)}


def merge(existing: str, new: Iterable[Notice]) -> str:
    """``existing`` notice file text with the sections of ``new`` sources it lacks
    added (before its license texts) and the texts of their licenses it lacks
    appended; ``existing`` is returned unchanged when it credits them all."""
    have = credited(existing)
    missing = [n for n in new if n.key not in have]
    if not existing.strip():
        return render(missing)
    if not missing:
        return existing
    marker = f"\n{TEXTS_HEADER}\n"
    head, found, tail = existing.partition(marker)
    present = {m["id"] for m in _TEXT.finditer(tail)} if found else set()
    from attrib.license_list import listed

    needed = [i for n in missing for i in n.licenses if (e := listed(i)) is None or e.id not in present]
    head = head.rstrip("\n") + "\n\n" + "\n".join(map(section, missing))
    texts = license_texts(needed)
    if found:
        tail = tail.rstrip("\n") + ("\n\n" + texts if texts else "\n")
        return head + marker + tail
    return head + (f"\n{TEXTS_HEADER}\n\n{texts}" if texts else "")


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
