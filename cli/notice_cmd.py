"""``attrib notice``: write or update the project's notice file from what a check finds."""
from __future__ import annotations

import os
from pathlib import Path

import click

from .check_cmd import run_check, selection_options
from .context import Context
from .output import check_writable, write_text


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
    requires a notice under the policy (the rule `attrib generate --notice` follows
    too), adds a section naming the source repository,
    file, license and commit link. Existing sections and hand-written text are kept;
    a source already credited is not added twice. Commit the file: `attrib check`
    then passes for those copies.

    \b
    The policy's notice files are inside the repository: a name that leads out of it
    (an absolute path, '..', a symbolic link) is an error. The notice file must be a
    regular file (or not exist yet); it is replaced whole, never left half-written.

    \b
    Examples:
      attrib notice                      # credit what this branch copies
      attrib notice --all --file NOTICE.md
    """
    from rich.text import Text

    from attrib.formats.escape import printable
    from attrib.notices import notices_from_report, update

    check_writable(file_)
    request, report = run_check(ctx, repo, base, staged, all_files, policy_path)
    project = request.project
    target = Path(file_) if file_ else _policy_target(project.root, project.policy.notice_files)
    check_writable(target)
    shown = printable(str(target))
    wanted = notices_from_report(report, project.root)
    console = ctx.err_console()
    if not wanted:
        console.print(Text(f"No copy in {request.selection.description} needs a notice; {shown} left as it was."),
                      soft_wrap=True)
        return
    updated = update(target, wanted)
    if updated is None:
        console.print(Text(f"{shown} already credits all {len(wanted)} source(s)."), soft_wrap=True)
        return
    write_text(target, updated)
    console.print(Text(f"Credited {len(wanted)} source file(s) in {shown}."), soft_wrap=True)


def _policy_target(root: Path, notice_files: tuple[str, ...]) -> Path:
    """The policy's first notice file that exists, else its first: inside the tree."""
    from attrib.confine import inside
    from attrib.errors import InputError

    if not notice_files:
        raise InputError("the policy's notice_files is empty: name the notice file with --file")
    name = next((n for n in notice_files if os.path.lexists(root / n)), notice_files[0])
    return inside(root, name, "notice_files:")
