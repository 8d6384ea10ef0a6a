"""``attrib scan`` as a library call: attribute files, directories or text, and judge them.

:func:`scan` reads what it is given (:func:`attrib.files.inputs`), attributes each
file with :func:`attrib.match.attribute` and has the judge (:mod:`attrib.judge`) give the
verdicts, under ``policy`` and the project's notice text; :func:`scan_text` does the
same for one text (pasted code, the web API). :func:`attribute_file` is the step every
front end shares: one text attributed and judged into a
:class:`~attrib.report.FileReport`.

>>> from attrib import open_store, scan                          # doctest: +SKIP
>>> with open_store("demo.db") as store:                        # doctest: +SKIP
...     report = scan(["examples/snippet.py"], store)
...     [(f.lines, f.best.repo, f.verdict) for f in report.findings]
[((4, 25), 'chardet/chardet', 'fail')]
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from attrib.errors import InputError
from attrib.files import Input, Limits, Skipped, decode, inputs
from attrib.judge import Judge, unreadable
from attrib.match import attribute
from attrib.policy import DEFAULT_POLICY, Policy
from attrib.report import FileReport, IndexInfo, Report, Scope
from attrib.store import Store

Progress = Callable[[str, int, int], None]
"""Called with an input's name, its number (from 1) and the number of inputs, before
it is attributed."""


def scan(paths: Iterable[str | Path], store: Store, policy: Policy = DEFAULT_POLICY, *, notices: str = "",
         lang: str | None = None, progress: Progress | None = None) -> Report:
    """Attribute the files ``paths`` name (files, directories, ``-`` for standard input)
    and judge them under ``policy``; ``notices`` is the lower-cased text of the
    project's notice files (:class:`attrib.project.Project`), which acknowledge the
    sources they credit.

    A file named explicitly that cannot be scanned (binary, too large, ...) is reported
    with an ``error``; such files found in a directory are only counted in
    ``Report.skipped``. Finding no source file at all is an :class:`InputError`.
    """
    paths = list(paths)
    found = inputs(paths, lang)
    if not found:
        raise InputError("no source files found in " + ", ".join(map(str, paths)))
    judge = Judge(policy, notices)
    files: list[FileReport] = []
    skipped: dict[str, int] = {}
    for n, item in enumerate(found, 1):
        if progress is not None:
            progress(item.name, n, len(found))
        result = _scan_one(item, store, judge)
        if isinstance(result, Skipped):
            skipped[result.reason] = skipped.get(result.reason, 0) + 1
        else:
            files.append(result)
    return judge.report(files, IndexInfo.of(store.stats()), skipped=skipped)


def _scan_one(item: Input, store: Store, judge: Judge) -> FileReport | Skipped:
    raw = item.read()
    decoded = raw if isinstance(raw, Skipped) else decode(raw, Limits())
    if isinstance(decoded, Skipped):
        if not item.explicit:
            return decoded
        return unreadable(item.name, f"{decoded.reason}: {decoded.detail}")
    return attribute_file(decoded.content, store, judge, name=item.name, lang=decoded.lang)


def scan_text(text: str, store: Store, policy: Policy = DEFAULT_POLICY, *, notices: str = "",
              path: str | None = None, lang: str | None = None) -> Report:
    """Attribute and judge one text (pasted code); ``path`` names it in the report and
    tells its language when ``lang`` does not."""
    judge = Judge(policy, notices)
    entry = attribute_file(text, store, judge, name=path or "<pasted>", path=path, lang=lang)
    return judge.report([entry], IndexInfo.of(store.stats()))


def attribute_file(text: str, store: Store, judge: Judge, *, name: str, path: str | None = None,
                   lang: str | None = None, scope: Scope | None = None,
                   path_bytes: bytes | None = None) -> FileReport:
    """One text attributed (:func:`attrib.match.attribute`) and judged: the step every
    front end shares. ``name`` is the file's name in the report, ``path`` the name that
    tells its language (default: ``name``), ``scope`` the lines that count."""
    matches = attribute(text, store, lang=lang, path=name if path is None else path,
                        options=judge.policy.match_options())
    return judge.file(name, text, matches, scope=scope, lang=lang, path_bytes=path_bytes)
