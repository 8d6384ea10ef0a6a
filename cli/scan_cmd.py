"""``attrib scan``: attribute files, directories or standard input."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from attrib.formats import FORMATS

from .context import Context, Status, policy_option, store_options
from .output import check_writable, emit_report


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...|-")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="text for people; json is report schema v1 for tools; markdown for a pull "
                                      "request; sarif (SARIF 2.1.0) lists what the policy objects to; spdx (SPDX "
                                      "2.3 JSON) and cyclonedx (CycloneDX 1.6 JSON) for SBOM tools.")
@click.option("--lang", metavar="LANG", help="Language of standard input or of files with no known extension.")
@policy_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@store_options
@click.pass_obj
def scan(ctx: Context, paths: tuple[str, ...], fmt: str, lang: str | None, policy_path: str | None,
         output: str | None) -> None:
    """Find where code came from.

    \b
    PATH is a file, a directory (every source file in it, recursively; links are not
    followed), or - for standard input. Reports every span found in the index: the
    lines, the source repository, file, lines and commit, a permalink, the license and
    what it asks.

    \b
    Each copy gets the verdict `attrib check` would give it: the policy of the project
    you are in (.attrib.toml, or [tool.attrib] in pyproject.toml, at the top of the git
    repository holding the current directory, else in it; --policy names another),
    and a source its notice files credit passes.

    \b
    Examples:
      attrib scan examples/snippet.py
      attrib scan src/ tests/ --format json > report.json
      attrib scan src/ --format spdx -o attrib.spdx.json   # an SBOM of the copies
      pbpaste | attrib scan - --lang Python

    Exit code 0 when the scan ran (whatever it found), 2 when an input could not be
    read or the index could not be used.
    """
    from rich.text import Text

    from attrib.formats.escape import printable
    from attrib.project import find_project
    from attrib.scan import scan as scan_paths

    console = ctx.err_console()
    check_writable(output)
    project = find_project(Path.cwd(), policy_path)
    with ctx.open_store() as store, Status(console, "attributing…") as status:
        def progress(name: str, n: int, total: int) -> None:
            status.update(Text(printable(f"attributing {name} ({n}/{total})")))

        report = scan_paths(paths, store, project.policy, notices=project.notices, lang=lang, progress=progress)
    for entry in report.files:
        if entry.error:
            console.print(Text.assemble(("error", "red"), printable(f": {entry.path}: cannot scan, {entry.error}")),
                          soft_wrap=True)
    emit_report(report, fmt, output, open_store=ctx.open_store)
    if report.skipped:
        console.print(Text("skipped: " + ", ".join(f"{n} {why}" for why, n in report.skipped.items())))
    if report.summary.errors:
        sys.exit(2)
