"""``attrib notice``: write or update the project's notice file from what a check finds."""
from __future__ import annotations

from pathlib import Path

import click

from attrib.notices import merge, notices_from_report

from .check_cmd import run_check, selection_options
from .context import Context, check_writable


@click.command()
@selection_options
@click.option("--file", "file_", metavar="FILE",
              help="The notice file (default: the policy's first notice file that exists, else THIRD_PARTY_NOTICES).")
@click.pass_obj
def notice_cmd(ctx: Context, base: str | None, staged: bool, all_files: bool, repo: str, policy_path: str | None,
               file_: str | None) -> None:
    """Credit the sources that changed code copies, in the project's notice file.

    \b
    Runs the same selection as `attrib check` and, for every copy whose license
    requires a notice under the policy, adds a section naming the source repository,
    file, license and commit link. Existing sections and hand-written text are kept;
    a source already credited is not added twice. Commit the file: `attrib check`
    then passes for those copies.

    \b
    Examples:
      attrib notice                      # credit what this branch copies
      attrib notice --all --file NOTICE.md
    """
    outcome, report, root = run_check(ctx, repo, base, staged, all_files, policy_path)
    notice_files = outcome.policy.notice_files
    target = Path(file_) if file_ else next((root / n for n in notice_files if (root / n).is_file()),
                                            root / notice_files[0])
    check_writable(target)
    wanted = notices_from_report(report, wanted=lambda m: m.get("policy_verdict") == "notice")
    console = ctx.err_console()
    if not wanted:
        console.print(f"No copy in {outcome.selection.description} needs a notice; {target} left as it was.",
                      highlight=False, soft_wrap=True)
        return
    existing = target.read_text(encoding="utf-8", errors="replace") if target.exists() else ""
    updated = merge(existing, wanted)
    if updated == existing:
        console.print(f"{target} already credits all {len(wanted)} source(s).", highlight=False, soft_wrap=True)
        return
    target.write_text(updated, encoding="utf-8")
    console.print(f"Credited {len(wanted)} source file(s) in {target}.", highlight=False, soft_wrap=True)
