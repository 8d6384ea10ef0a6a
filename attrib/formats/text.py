"""Text output for people (``attrib scan``'s default), drawn with ``rich``.

For each file with matches or an error: a header with the path and the verdict, then
one block per match::

    src/app.py  notice
      L3–14  owner/name › pkg/x.py L120–131
        MIT · permissive · 93% near · +4 other sources
        likely origin: the other sources are under vendored folders (vendor)
        https://github.com/owner/name/blob/<sha>/pkg/x.py#L120-L131

(that third line also says when the file's own license is not its repository's).
and a closing summary. Colours mark verdicts (pass green, notice yellow, fail red) and
license categories. Every line is printed with ``soft_wrap`` so that rich neither wraps
nor crops it: a long permalink stays one clickable, copyable line. On a console that is
not a terminal rich writes no ANSI codes, so the output can be piped or logged.

Everything that comes from outside -- file names, indexed repository names, paths,
licenses, links, the query's own lines -- goes to rich as plain :class:`Text` (never as
markup) and with its control characters escaped (:func:`attrib.formats.escape.printable`),
so no name can restyle the output, move the cursor or forge a line.
"""
from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.style import Style
from rich.text import Text

from attrib.formats.escape import printable
from attrib.report import FileReport, Finding, Report

VERDICT_STYLES: Mapping[str, str] = {
    "pass": "bold green",
    "notice": "bold yellow",
    "fail": "bold red",
}

CATEGORY_STYLES: Mapping[str, str] = {
    "public-domain": "green",
    "permissive": "cyan",
    "unknown": "yellow",
    "copyleft-limited": "magenta",
    "copyleft": "red",
    "restricted": "red",
}


_VERDICT_WORDS: Mapping[str, tuple[str, str]] = {
    "pass": ("allowed", "green"),
    "acknowledged": ("credited in the notice file", "green"),
    "notice": ("NOTICE MISSING", "bold yellow"),
    "fail": ("LICENSE DENIED", "bold red"),
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _lines(start: int, end: int) -> str:
    """``L3–14`` for a range, ``L3`` for a single line."""
    return f"L{start}" if start == end else f"L{start}–{end}"


def _print(console: Console, text: Text) -> None:
    console.print(text, soft_wrap=True)


def _header(console: Console, entry: FileReport) -> None:
    header = Text.assemble((printable(entry.path), "bold"), "  ")
    if entry.error:
        header.append(f"error: {printable(entry.error)}", style="red")
    else:
        header.append(entry.verdict, style=VERDICT_STYLES.get(entry.verdict, ""))
    _print(console, header)


def _query_lines(console: Console, text: str, start: int, end: int) -> None:
    """The matched lines of the query, with dimmed 1-based line numbers."""
    width = len(str(end))
    for number, line in enumerate(text.splitlines()[start - 1:end], start=start):
        _print(console, Text.assemble("      ", (f"{number:>{width}} │ ", "dim"), printable(line.expandtabs())))


def _finding(console: Console, finding: Finding, scope: str | None, query_text: str | None) -> None:
    match, source, info = finding.match, finding.best, finding.license
    shown = ", ".join(_lines(a, b) for a, b in finding.scoped) if scope == "changed" else \
        _lines(match.start_line, match.end_line)
    header = Text.assemble(
        "  ", (shown, "bold"), "  ",
        (printable(source.repo), "bold"), " › ", printable(source.path), " ",
        _lines(source.start_line, source.end_line),
    )
    if scope == "generated" and finding.lines != (match.start_line, match.end_line):
        header.append(f"  (generated {_lines(*finding.lines)})", style="dim")
    _print(console, header)
    facts = Text("    ")
    facts.append(printable(", ".join(info.ids)) or "no license recorded")
    facts.append(" · ")
    facts.append(info.category, style=CATEGORY_STYLES.get(info.category, ""))
    facts.append(f" · {source.similarity:.0%} {source.kind}")
    others = len(match.sources) - 1
    if others:
        facts.append(f" · +{_plural(others, 'other source')}", style="dim")
    facts.append(" · ")
    facts.append(*_VERDICT_WORDS["acknowledged" if finding.acknowledged else finding.verdict])
    _print(console, facts)
    provenance = _provenance(finding)
    if provenance:
        _print(console, Text("    " + printable(provenance), style="dim"))
    url = printable(source.url)
    _print(console, Text.assemble("    ", (url, Style(color="blue", link=url))))
    if query_text is not None:
        _query_lines(console, query_text, match.start_line, match.end_line)


def _provenance(finding: Finding) -> str:
    """Where the license comes from when the file and its repository disagree, and why
    the source shown is the likely origin when there are copies (empty otherwise)."""
    source, parts = finding.best, []
    if source.file_licenses and set(source.file_licenses) != set(source.repo_licenses):
        parts.append(f"the file says {', '.join(source.file_licenses)}, its repository "
                     f"{', '.join(source.repo_licenses) or 'nothing'}")
    if len(finding.match.sources) > 1 and finding.match.origin_reason:
        parts.append(f"likely origin: {finding.match.origin_reason}")
    return " · ".join(parts)


def _summary(console: Console, report: Report) -> None:
    """The closing line."""
    summary = report.summary
    unread = f" ({summary.errors} could not be read)" if summary.errors else ""
    if not summary.files_with_matches:
        _print(console, Text(f"No indexed code found in {_plural(summary.files, 'file')}."
                             f"{unread}", style="green"))
        return
    _print(console, Text.assemble(
        f"Scanned {_plural(summary.files, 'file')}{unread} · {summary.files_with_matches} with matches · "
        f"{_plural(summary.matched_lines, 'matched line')} · verdict ",
        (summary.verdict, VERDICT_STYLES.get(summary.verdict, "")),
    ))


def render_text(report: Report, console: Console, *, show_code: bool = True) -> None:
    """Print ``report`` to ``console`` for a person to read.

    With ``show_code``, each match also shows the query lines it covers (from each
    file's ``text``, when the report keeps it). Files without matches are only counted
    in the summary.
    """
    for entry in report.files:
        if not entry.findings and not entry.error:
            continue
        _header(console, entry)
        scope = entry.scope.kind if entry.scope is not None else None
        for finding in entry.findings:
            _finding(console, finding, scope, entry.text if show_code else None)
        console.print()
    _summary(console, report)
