"""``attrib check``: the CI gate. Fails when changed code copies what the policy forbids."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import click

from attrib.formats import FORMATS

from .context import Context, Status, policy_option, store_options
from .output import append_text, check_writable, emit_report, write_text

if TYPE_CHECKING:
    from rich.console import Console

    from attrib.check import Request
    from attrib.report import Report


def selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--base / --staged / --all, -C and --policy: shared by ``check`` and ``notice``."""
    for option in reversed([
        click.option("--base", metavar="REV", help="Check lines added since REV (default: the merge base with "
                                                   "the default branch, else the previous commit)."),
        click.option("--staged", is_flag=True, help="Check staged changes (for a pre-commit hook)."),
        click.option("--all", "all_files", is_flag=True, help="Check every tracked file, every line."),
        click.option("-C", "--repo", "repo", default=".", show_default=True, metavar="DIR",
                     help="The git repository to check."),
        policy_option,
        store_options,
    ]):
        command = option(command)
    return command


def run_check(ctx: Context, repo: str, base: str | None, staged: bool, all_files: bool,
              policy_path: str | None) -> tuple[Request, Report]:
    """Select, attribute and judge (:mod:`attrib.check`), with a status line; returns
    what was checked and the report."""
    from rich.text import Text

    from attrib import check
    from attrib.formats.escape import printable

    request = check.prepare(repo, base=base, staged=staged, all_files=all_files, policy=policy_path)
    console = ctx.err_console()
    total = len(request.selection.files)
    with ctx.open_store() as store, Status(console, "checking…") as status:
        report = check.run(request, store, progress=lambda file, n: status.update(
            Text(f"checking {printable(file.shown)} ({n}/{total})")))
    return request, report


@click.command()
@selection_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json (report schema v1 with a verdict per finding), sarif (SARIF 2.1.0 for "
                   "code scanning), markdown (for a pull-request comment), spdx (SPDX 2.3 JSON) and cyclonedx "
                   "(CycloneDX 1.6 JSON) for SBOM tools.")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--sarif", "sarif_path", metavar="FILE", help="Also write a SARIF 2.1.0 log to FILE.")
@click.option("--summary", "summary_path", metavar="FILE",
              help="Also append a Markdown summary to FILE (e.g. \"$GITHUB_STEP_SUMMARY\").")
@click.pass_obj
def check_cmd(ctx: Context, base: str | None, staged: bool, all_files: bool, repo: str, policy_path: str | None,
              fmt: str, output: str | None, sarif_path: str | None, summary_path: str | None) -> None:
    """Fail when changed code copies indexed code that the license policy forbids.

    \b
    Checks the lines added between a base and HEAD (default), the staged changes
    (--staged), or every tracked file (--all). Only added or changed lines can fail;
    a copy may reach into unchanged lines around them. Vendored, generated and
    license files are skipped, and so is whatever .attribignore lists.

    \b
    The policy (.attrib.toml, or [tool.attrib] in pyproject.toml) says per license
    category or SPDX id: allow, require-notice or deny. By default permissive code
    requires a notice and copyleft code is denied. A notice is given when the
    project's notice file (THIRD_PARTY_NOTICES, NOTICE, ...) names the source
    repository: `attrib notice` writes it. Notice files must stay inside the
    repository (no absolute path, '..' or link leading out).

    \b
    Nothing slips past: any file name git can hold is checked (spaces, newlines,
    bytes that are not UTF-8, ...), and code is checked whatever its bytes look like
    (NUL bytes, invalid UTF-8, long lines). Reports show a name as UTF-8 text with
    each byte that is not UTF-8 as \\xNN (JSON adds the exact name in base64 as
    path_bytes; SARIF keeps the bytes, percent-encoded). A file git cannot read, a
    code file over 5 MB (list it in .attribignore), a policy that cannot be used or an
    output that cannot be written is an error, never a pass.

    \b
    Examples:
      attrib check                                   # in CI, on a pull request
      attrib check --base origin/main --format sarif -o attrib.sarif
      attrib check --staged                          # pre-commit
      attrib check --all --format markdown >> "$GITHUB_STEP_SUMMARY"

    Exit code 0 when the check passes, 1 when there are violations (the report is
    always written), 2 when the check could not run (any error: not a git repository,
    bad policy file, unreachable index, unreadable file, unwritable output, out of
    memory, ...; ATTRIB_DEBUG=1 adds the traceback of an unexpected one).
    """
    check_writable(output, sarif_path, summary_path)
    from attrib.formats import render

    _, report = run_check(ctx, repo, base, staged, all_files, policy_path)
    if sarif_path:
        write_text(sarif_path, render(report, "sarif"))
    if summary_path:
        append_text(summary_path, render(report, "markdown") + "\n")
    if fmt == "text":  # the verdict line ends the text report, in a file too
        import io

        from rich.console import Console

        from attrib.formats.text import render_text

        buffer = io.StringIO() if output else None
        console = Console(file=buffer, width=200) if buffer else Console(highlight=False)
        render_text(report, console)
        _verdict_line(report, console)
        if output and buffer:
            write_text(output, buffer.getvalue())
    else:
        emit_report(report, fmt, output, open_store=ctx.open_store)
    if fmt != "text" or output:
        _verdict_line(report, ctx.err_console())
    if report.violations:
        sys.exit(1)


def _verdict_line(report: Report, console: Console) -> None:
    from rich.text import Text

    violations = report.violations
    denied = sum(1 for f in violations if f.verdict == "fail")
    missing = sum(1 for f in violations if f.verdict == "notice")
    where = report.check.selection if report.check else "the selection"
    if not violations:
        credited = sum(1 for f in report.findings if f.acknowledged)
        extra = f" ({credited} credited in the notice file)" if credited else ""
        console.print(Text(f"attrib check passed: {len(report.findings)} copies in {where}{extra}, "
                           f"none against the policy.", style="green"), soft_wrap=True)
        return
    console.print(Text.assemble(("attrib check failed: ", "bold red"),
                                f"{denied} denied, {missing} missing a notice, in {where}."), soft_wrap=True)
    if missing:
        console.print("  Credit the sources with `attrib notice` (then commit the notice file).", soft_wrap=True)
