"""The CI gate: which copies in the changed lines break the policy.

:func:`prepare` reads what a check looks at -- the repository's selection (git), its
policy and notice files (:mod:`attrib.project`) and its ignore rules -- without
touching the index; :func:`run` attributes every selected file with
:func:`attrib.scan.attribute_file` (the step ``attrib scan`` takes) and has the judge
(:mod:`attrib.judge`) keep the matches that touch an added or changed line (a match may
extend into unchanged context) and give each a verdict:

* ``pass``: the license is allowed, or it requires a notice and the project's notice
  file credits the source's repository (``acknowledged``);
* ``notice``: the license requires a notice that is missing (a violation);
* ``fail``: the license is denied (a violation).

The result is a :class:`~attrib.report.Report` with a ``check`` section.

Source code cannot be hidden from the gate by what its bytes look like: a file in a
programming language (known from its name) is attributed even with NUL bytes (read as
spaces), bytes that are not UTF-8 or very long lines, which ``attrib scan`` and the
indexer skip. One larger than :data:`MAX_BYTES` is an error that names it (list it in
``.attribignore`` to leave it out), never a silent skip. Other files (images, data) are
skipped as the indexer would skip them, and counted.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from attrib.errors import InputError
from attrib.files import Limits, RawFile, Skipped, decode
from attrib.languages import from_path
from attrib.project import Project, open_project
from attrib.records import SourceFile
from attrib.report import CheckInfo, FileReport, IndexInfo, Report, Scope
from attrib.scan import attribute_file
from attrib.store import Store, indexed_stats

from .git import ChangedFile, Selection, repo_root, select, shown_path
from .ignore import Ignore

MAX_BYTES = 5_000_000
"""The largest file a check reads (attributing 5 MB of code takes about 10 s)."""
_SOURCE_LIMITS = Limits(max_file_bytes=MAX_BYTES, max_line_chars=MAX_BYTES, max_replacement_ratio=1.0)


@dataclass(frozen=True)
class Request:
    """What a check looks at: the project, the selected files and the ignore rules."""

    project: Project
    selection: Selection
    ignore: Ignore


def prepare(repo: str | Path = ".", *, base: str | None = None, staged: bool = False, all_files: bool = False,
            policy: str | Path | None = None) -> Request:
    """Read the repository holding ``repo``: its selection (see :func:`attrib.check.git.select`),
    its policy (``policy``, else the project's) and notice files, its ignore rules."""
    root = repo_root(Path(repo))
    project = open_project(root, policy)
    selection = select(root, base=base, staged=staged, all_files=all_files, max_bytes=MAX_BYTES)
    names = [f.name for f in selection.files] + [p.decode("utf-8", "surrogateescape") for p, _ in selection.too_large]
    return Request(project, selection, Ignore.for_repo(root, names, project.policy.exclude))


def run(request: Request, store: Store, progress: Callable[[ChangedFile, int], None] | None = None) -> Report:
    """Attribute the selected files and judge the matches in their changed lines.

    ``progress(file, n)`` is called before the n-th file (from 1) is attributed.
    """
    selection, ignore, judge = request.selection, request.ignore, request.project.judge
    stats = indexed_stats(store)  # an empty index would pass every change
    skipped = dict(selection.passed_over)
    _refuse_large_code(selection, ignore, skipped)
    files: list[FileReport] = []
    for n, changed in enumerate(selection.files, 1):
        if progress:
            progress(changed, n)
        if ignore.skips(changed.name):
            skipped["ignored"] = skipped.get("ignored", 0) + 1
            continue
        item = _decode(changed)
        if isinstance(item, Skipped):
            skipped[item.reason] = skipped.get(item.reason, 0) + 1
            continue
        files.append(attribute_file(item.content, store, judge, name=changed.shown, path=changed.name,
                                    lang=item.lang, scope=Scope.changed(changed.added),
                                    path_bytes=None if _is_utf8(changed.path) else changed.path))
    info = CheckInfo(mode=selection.mode, base=selection.base, selection=selection.description,
                     policy=request.project.policy.origin, files_selected=len(selection.files), skipped=skipped)
    return judge.report(files, IndexInfo.of(stats), check=info)


def _refuse_large_code(selection: Selection, ignore: Ignore, skipped: dict[str, int]) -> None:
    """Files too large to read: an error when they are code, else counted."""
    for path, size in selection.too_large:
        name = path.decode("utf-8", "surrogateescape")
        if ignore.skips(name):
            skipped["ignored"] = skipped.get("ignored", 0) + 1
        elif from_path(name):
            raise InputError(f"cannot check {shown_path(path)}: {size:,} bytes of code, more than the {MAX_BYTES:,} "
                             f"a check reads; list it in .attribignore to leave it out")
        else:
            skipped["too-large"] = skipped.get("too-large", 0) + 1


def _decode(changed: ChangedFile) -> SourceFile | Skipped:
    """The file as text to attribute. Source code is never skipped for its bytes (NUL
    bytes become spaces, others are replaced, long lines kept): a copy cannot hide
    behind them. Other files are skipped when the indexer would skip them."""
    lang = from_path(changed.name)
    if lang is None:
        return decode(RawFile(changed.data, repo="", path=changed.name), Limits())
    return decode(RawFile(changed.data.replace(b"\0", b" "), repo="", path=changed.name, lang=lang), _SOURCE_LIMITS)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
