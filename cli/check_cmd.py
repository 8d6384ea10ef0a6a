"""``attrib check``: the CI gate. Fails when changed code copies what the policy forbids."""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from attrib.check.gate import MAX_BYTES, Outcome, check, check_report
from attrib.check.git import ChangedFile, repo_root, select
from attrib.check.ignore import Ignore
from attrib.formats import render_json, render_markdown, render_sarif, render_text
from attrib.formats.escape import printable
from attrib.notices import read_notices
from attrib.policy import policy_file

from .context import Context
from .output import append_text, check_writable, write_text

FORMATS = ["text", "json", "sarif", "markdown"]


def selection_options(command):
    """--base / --staged / --all, -C and --policy: shared by ``check`` and ``notice``."""
    for option in reversed([
        click.option("--base", metavar="REV", help="Check lines added since REV (default: the merge base with "
                                                   "the default branch, else the previous commit)."),
        click.option("--staged", is_flag=True, help="Check staged changes (for a pre-commit hook)."),
        click.option("--all", "all_files", is_flag=True, help="Check every tracked file, every line."),
        click.option("-C", "--repo", "repo", default=".", show_default=True, metavar="DIR",
                     help="The git repository to check."),
        click.option("--policy", "policy_path", metavar="FILE",
                     help="Policy file (default: .attrib.toml, else [tool.attrib] in pyproject.toml, at the "
                          "repository root; else the default policy)."),
    ]):
        command = option(command)
    return command


def run_check(ctx: Context, repo: str, base: str | None, staged: bool, all_files: bool,
              policy_path: str | None) -> tuple[Outcome, dict[str, Any], Path]:
    """Select, attribute and judge; returns the outcome, its report and the repository root."""
    root = repo_root(Path(repo))
    policy = policy_file(root, policy_path)
    selection = select(root, base=base, staged=staged, all_files=all_files, max_bytes=MAX_BYTES)
    notices_text = read_notices(root, policy.notice_files)
    names = [f.name for f in selection.files] + [p.decode("utf-8", "surrogateescape") for p, _ in selection.too_large]
    ignore = Ignore.for_repo(root, names, policy.exclude)
    console = ctx.err_console()
    total = len(selection.files)

    def progress(file: ChangedFile, n: int) -> None:
        status.update(Text(f"checking {printable(file.shown)} ({n}/{total})"))

    with ctx.open_store() as store:
        stats = store.stats()
        with console.status("checking…") as status:
            outcome = check(selection, store, policy, ignore, notices_text, progress=progress)
    report = check_report(outcome, {"name": stats.name, "files": stats.files, "params": stats.params})
    return outcome, report, root


@click.command()
@selection_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json (report schema v1 with a verdict per finding), sarif (SARIF 2.1.0 for "
                   "code scanning), markdown (for a pull-request comment).")
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
    outcome, report, root = run_check(ctx, repo, base, staged, all_files, policy_path)
    if sarif_path:
        write_text(sarif_path, render_sarif(report) + "\n")
    if summary_path:
        append_text(summary_path, render_markdown(report) + "\n")
    if fmt == "text":
        buffer = io.StringIO() if output else None
        target = Console(file=buffer, width=200) if buffer else Console(highlight=False)
        texts = {f.file.shown: f.file.data.decode("utf-8", "replace") for f in outcome.files}
        render_text(report, target, query_texts=texts)
        _verdict_line(outcome, target)
        if buffer:
            write_text(output, buffer.getvalue())
    else:
        rendered = {"json": lambda r: render_json(r) + "\n", "sarif": lambda r: render_sarif(r) + "\n",
                    "markdown": render_markdown}[fmt](report)
        if output:
            write_text(output, rendered)
        else:
            click.echo(rendered, nl=False)
    if fmt != "text" or output:
        _verdict_line(outcome, ctx.err_console())
    if outcome.violations:
        sys.exit(1)


def _verdict_line(outcome: Outcome, console: Console) -> None:
    denied = sum(1 for f in outcome.violations if f.verdict == "fail")
    missing = sum(1 for f in outcome.violations if f.verdict == "notice")
    where = outcome.selection.description
    if not outcome.violations:
        credited = sum(1 for f in outcome.findings if f.acknowledged)
        extra = f" ({credited} credited in the notice file)" if credited else ""
        console.print(Text(f"attrib check passed: {len(outcome.findings)} copies in {where}{extra}, "
                           f"none against the policy.", style="green"), soft_wrap=True)
        return
    console.print(Text.assemble(("attrib check failed: ", "bold red"),
                                f"{denied} denied, {missing} missing a notice, in {where}."), soft_wrap=True)
    if missing:
        console.print("  Credit the sources with `attrib notice` (then commit the notice file).", soft_wrap=True)
