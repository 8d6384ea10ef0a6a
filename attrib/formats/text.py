"""Text output for people (``attrib scan``'s default), drawn with ``rich``.

For each file with matches or an error: a header with the path and the verdict, then
one block per match::

    src/app.py  notice
      L3–14  owner/name › pkg/x.py L120–131
        MIT · permissive · 93% near · +4 other sources
        https://github.com/owner/name/blob/<sha>/pkg/x.py#L120-L131

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
from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text

from attrib.formats.escape import printable

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


def _header(console: Console, entry: dict[str, Any]) -> None:
    header = Text.assemble((printable(entry["path"]), "bold"), "  ")
    if entry.get("error"):
        header.append(f"error: {printable(entry['error'])}", style="red")
    else:
        header.append(entry["verdict"], style=VERDICT_STYLES.get(entry["verdict"], ""))
    _print(console, header)


def _query_lines(console: Console, text: str, start: int, end: int) -> None:
    """The matched lines of the query, with dimmed 1-based line numbers."""
    width = len(str(end))
    for number, line in enumerate(text.splitlines()[start - 1:end], start=start):
        _print(console, Text.assemble("      ", (f"{number:>{width}} │ ", "dim"), printable(line.expandtabs())))


def _match(console: Console, match: dict[str, Any], query_text: str | None) -> None:
    query, source = match["query"], match["source"]
    changed = match.get("changed")
    shown = ", ".join(_lines(r["start_line"], r["end_line"]) for r in changed) if changed else \
        _lines(query["start_line"], query["end_line"])
    header = Text.assemble(
        "  ", (shown, "bold"), "  ",
        (printable(source["repo"]), "bold"), " › ", printable(source["path"]), " ",
        _lines(source["start_line"], source["end_line"]),
    )
    generated = match.get("generated")
    if generated and (generated["start_line"], generated["end_line"]) != (query["start_line"], query["end_line"]):
        header.append(f"  (generated {_lines(generated['start_line'], generated['end_line'])})", style="dim")
    _print(console, header)
    facts = Text("    ")
    facts.append(printable(", ".join(source["licenses"])) or "no license recorded")
    facts.append(" · ")
    facts.append(source["license_category"],
                 style=CATEGORY_STYLES.get(source["license_category"], ""))
    facts.append(f" · {match['similarity']:.0%} {match['kind']}")
    if match["other_sources"]:
        facts.append(f" · +{_plural(match['other_sources'], 'other source')}", style="dim")
    if "verdict" in match:  # attrib check: the policy's verdict on this finding
        facts.append(" · ")
        facts.append(*_VERDICT_WORDS.get("acknowledged" if match.get("acknowledged") else match["verdict"], ("", "")))
    _print(console, facts)
    url = printable(source["url"])
    _print(console, Text.assemble("    ", (url, Style(color="blue", link=url))))
    if query_text is not None:
        _query_lines(console, query_text, query["start_line"], query["end_line"])


def _summary(console: Console, report: dict[str, Any]) -> None:
    """Closing line, from the schema-v1 fields only (works for any producer's report)."""
    entries, summary = report["files"], report["summary"]
    matched = sum(1 for entry in entries if entry["matches"])
    errors = sum(1 for entry in entries if entry.get("error"))
    unread = f" ({errors} could not be read)" if errors else ""
    if not matched:
        _print(console, Text(f"No indexed code found in {_plural(summary['files'], 'file')}."
                             f"{unread}", style="green"))
        return
    _print(console, Text.assemble(
        f"Scanned {_plural(summary['files'], 'file')}{unread} · {matched} with matches · "
        f"{_plural(summary['matched_lines'], 'matched line')} · verdict ",
        (summary["verdict"], VERDICT_STYLES.get(summary["verdict"], "")),
    ))


def render_text(report: dict[str, Any], console: Console, *,
                query_texts: Mapping[str, str] | None = None) -> None:
    """Print ``report`` to ``console`` for a person to read.

    ``query_texts`` maps a scanned file's path to its text; when given, each match also
    shows the query lines it covers. Files without matches are only counted in the
    summary.
    """
    for entry in report["files"]:
        if not entry["matches"] and not entry.get("error"):
            continue
        _header(console, entry)
        text = (query_texts or {}).get(entry["path"])
        for match in entry["matches"]:
            _match(console, match, text)
        console.print()
    _summary(console, report)
