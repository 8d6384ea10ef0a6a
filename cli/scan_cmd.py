"""``attrib scan``: attribute files, directories or standard input."""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Iterator

import click
from rich.console import Console
from rich.text import Text

from attrib.errors import InputError
from attrib.formats import render_json, render_markdown, render_text
from attrib.bom import from_report
from attrib.formats.cyclonedx import render_cyclonedx
from attrib.formats.escape import printable
from attrib.formats.spdx import render_spdx
from attrib.languages import from_path
from attrib.match import attribute
from attrib.report import FileResult, build_report
from indexer.filters import Limits, Skipped, decode
from indexer.sources.base import RawFile
from indexer.sources.local import Entry, read_confined, regular_file_problem, walk_directory

from .context import Context
from .output import check_writable, write_text

@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...|-")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "spdx", "cyclonedx"]), default="text",
              show_default=True,
              help="text for people; json is report schema v1 for tools; markdown for a pull request; "
                   "spdx (SPDX 2.3 JSON) and cyclonedx (CycloneDX 1.6 JSON) for SBOM tools.")
@click.option("--lang", metavar="LANG", help="Language of standard input or of files with no known extension.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.pass_obj
def scan(ctx: Context, paths: tuple[str, ...], fmt: str, lang: str | None, output: str | None) -> None:
    """Find where code came from.

    \b
    PATH is a file, a directory (every source file in it, recursively; links are not
    followed), or - for standard input. Reports every span found in the index: the
    lines, the source repository, file, lines and commit, a permalink, the license and
    what it asks.

    \b
    Examples:
      attrib scan examples/snippet.py
      attrib scan src/ tests/ --format json > report.json
      attrib scan src/ --format spdx -o attrib.spdx.json    # or cyclonedx, for SBOM tools
      pbpaste | attrib scan - --lang Python

    Exit code 0 when the scan ran (whatever it found), 2 when an input could not be
    read or the index could not be used.
    """
    console = ctx.err_console()
    check_writable(output)
    inputs = list(_inputs(paths, lang))
    errors = 0
    results: list[FileResult] = []
    texts: dict[str, str] = {}
    skipped: dict[str, int] = {}
    with ctx.open_store() as store:
        stats = store.stats()
        with console.status("attributing…") as status:
            for n, (name, raw, explicit) in enumerate(inputs, 1):
                status.update(f"attributing {name} ({n}/{len(inputs)})")
                item = raw if isinstance(raw, Skipped) else decode(raw, Limits())
                if isinstance(item, Skipped):
                    if explicit:
                        errors += 1
                        results.append(FileResult(name, [], 0, error=f"{item.reason}: {item.detail}"))
                        console.print(Text.assemble(("error", "red"), printable(
                            f": {name}: cannot scan, {item.reason} ({item.detail})")), soft_wrap=True)
                    else:
                        skipped[item.reason] = skipped.get(item.reason, 0) + 1
                    continue
                matches = attribute(item.content, store, lang=item.lang, path=name)
                results.append(FileResult(name, matches, item.content.count("\n") + 1))
                texts[name] = item.content
        report = build_report(results, {"name": stats.name, "files": stats.files, "params": stats.params})
        if fmt in ("spdx", "cyclonedx"):
            sbom = from_report(report, file_text=texts.get, source_text=store.content)
    if fmt in ("json", "markdown", "spdx", "cyclonedx"):
        rendered = {"json": lambda: render_json(report), "markdown": lambda: render_markdown(report),
                    "spdx": lambda: render_spdx(sbom), "cyclonedx": lambda: render_cyclonedx(sbom)}[fmt]()
        rendered = rendered if rendered.endswith("\n") else rendered + "\n"
        if output:
            write_text(output, rendered)
        else:
            click.echo(rendered, nl=False)
    else:
        if output:
            buffer = io.StringIO()
            render_text(report, Console(file=buffer, force_terminal=False, width=200), query_texts=texts)
            write_text(output, buffer.getvalue())
        else:
            render_text(report, Console(highlight=False), query_texts=texts)
    if skipped:
        console.print("skipped: " + ", ".join(f"{n} {why}" for why, n in skipped.items()))
    if not inputs:
        raise InputError("no source files found in " + ", ".join(paths))
    if errors:
        sys.exit(2)


def _inputs(paths: tuple[str, ...], lang: str | None) -> Iterator[tuple[str, RawFile | Skipped, bool]]:
    """(display name, raw file or why it is skipped, named explicitly?) for every input.

    A directory is read like ``attrib index`` reads one: links are not followed and
    only regular files are opened (:func:`read_confined`); a path named explicitly may
    be a link, but must be a regular file or a directory."""
    limit = Limits().max_file_bytes
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read(limit + 1)
            yield "<stdin>", RawFile(data, repo="", path="<stdin>", lang=lang), True
            continue
        path = Path(p)
        if not path.exists():
            raise InputError(f"no such file or directory: {p}")
        problem = regular_file_problem(path)
        if problem:
            raise InputError(f"cannot scan {p}: {problem}")
        if path.is_dir():
            for entry in walk_directory(path):
                guessed = from_path(entry.path)
                if guessed is None and lang is None:
                    continue  # not source code
                name = str(entry.disk)
                data = read_confined(entry, path, limit)
                yield name, (data if isinstance(data, Skipped) else
                             RawFile(data, repo="", path=name, lang=guessed or lang)), False
        else:
            real = path.resolve()
            data = read_confined(Entry(str(path), real), real.parent, limit)
            yield str(path), (data if isinstance(data, Skipped) else
                              RawFile(data, repo="", path=str(path), lang=from_path(path.name) or lang)), True
