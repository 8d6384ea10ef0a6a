"""The ``attrib`` command group: global options, error handling, exit codes.

Exit codes: 0 ok, 1 policy failure (violations, always with their report), 2 usage /
input / store error, 130 interrupted. Every :class:`attrib.errors.AttribError` becomes
one ``error:`` line on stderr and exit code 2. So does anything unexpected -- a bug, an
operating-system error, running out of memory, input nested too deeply -- so that a
failure can never pass for a clean result (exit 0) or for violations (exit 1): the gate
fails closed. ``ATTRIB_DEBUG=1`` adds the traceback. Error lines have their control
characters escaped: they may quote file names.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from attrib import __version__
from attrib.errors import AttribError
from attrib.formats.escape import printable

from .context import Context, global_options

EXIT_CODES = (0, 1, 2, 130)
COMMANDS = {  # name -> module and function; a command's module is imported when it is used
    "check": ("check_cmd", "check_cmd"),
    "generate": ("generate_cmd", "generate_cmd"),
    "index": ("index_cmd", "index"),
    "notice": ("notice_cmd", "notice_cmd"),
    "scan": ("scan_cmd", "scan"),
    "serve": ("serve_cmd", "serve_cmd"),
    "stats": ("stats_cmd", "stats"),
}


class AttribGroup(click.Group):
    """A click group that loads its commands when they are used and turns every error
    into one clear line and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f".{module}", __package__), name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except AttribError as e:
            _error(str(e))
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted: everything stored so far is kept; re-run the same command to "
                        "continue", fg="yellow", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors (exit 2) and explicit exits
        except Exception as e:  # noqa: BLE001 - the last resort: fail closed, never a traceback
            _error(unexpected(e))
            if os.environ.get("ATTRIB_DEBUG"):
                import traceback

                traceback.print_exception(e)
            sys.exit(2)


def unexpected(error: BaseException) -> str:
    """One line for an error attrib did not expect."""
    if isinstance(error, MemoryError):
        return "out of memory (the input is too large for this machine, or the index too large to open here)"
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to be read"
    if isinstance(error, BrokenPipeError):
        return "the output was closed before everything was written"
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    detail = str(error).strip().splitlines()
    return (f"unexpected {type(error).__name__}{': ' + detail[0] if detail else ''} "
            "(a bug in attrib: ATTRIB_DEBUG=1 shows where)")


def _error(message: str) -> None:
    try:
        click.secho(f"error: {printable(message)}", fg="red", err=True)
    except OSError:
        pass  # stderr itself is gone: the exit code still says it


@click.group(cls=AttribGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options
@click.version_option(__version__, prog_name="attrib")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Find where code came from, and under what license.

    \b
    attrib indexes code (The Stack v1.2, files in its schema, or a local repository)
    into MinHash fingerprints, then attributes any code -- a file, a directory, pasted
    text, model output -- to the indexed files it was copied from, with exact line
    ranges, permalinks and licenses.

    \b
    Start here:
      attrib index examples/stack-sample      # index a sample of real code
      attrib scan examples/snippet.py         # where did this code come from?
      attrib stats                            # what the index holds

    \b
    Then:
      attrib generate -m examples/tiny-starcoder -p 'import os'   # generate, attributed
      attrib check                            # CI gate on the lines a branch adds
      attrib serve                            # search page and HTTP API

    \b
    --store, the --es-* options and -q work before or after the command:
      attrib --store demo.db scan f.py   ==   attrib scan f.py --store demo.db
    """
    ctx.ensure_object(Context)


def main() -> None:
    try:
        cli(prog_name="attrib")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0 if e.code is None else 2
        if isinstance(e.code, str):
            _error(e.code)
        if code == 0:
            code = _flush()
        elif code not in EXIT_CODES:
            code = 2  # whatever exited so, attrib's contract is {0, 1, 2} (and 130 for Ctrl-C)
        if code != 0:
            # After an error, leave at once: a data reader's native threads (pyarrow) that
            # are still winding down must not turn a clean exit 2 into an abort.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise


def _flush() -> int:
    """Flush standard output at a clean exit: 0, or 2 (with its error line) when the
    output cannot be written (a closed pipe, ``/dev/full``)."""
    try:
        sys.stdout.flush()
    except OSError as e:
        _error(unexpected(e))
        return 2
    return 0


def precommit() -> None:
    """The pre-commit hook's entry point: ``attrib [global options] check --staged``.

    Arguments from the hook's ``args`` (such as ``--store URL``) come first and are
    global options; arguments after ``--`` go to ``check`` (e.g. ``-- --policy FILE``).
    """
    args = sys.argv[1:]
    cut = args.index("--") if "--" in args else len(args)
    sys.argv = [sys.argv[0], *args[:cut], "check", "--staged", *args[cut + 1:]]
    main()


if __name__ == "__main__":
    main()
