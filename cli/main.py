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

import os
import sys
import traceback

import click

from attrib import __version__
from attrib.errors import AttribError
from attrib.formats.escape import printable
from attrib.store import Credentials

from .context import Context
from .check_cmd import check_cmd
from .generate_cmd import generate_cmd
from .index_cmd import index
from .notice_cmd import notice_cmd
from .scan_cmd import scan
from .serve_cmd import serve_cmd
from .stats_cmd import stats

EXIT_CODES = (0, 1, 2, 130)
STORE_HELP = ("Index location: a file path or sqlite:///PATH (embedded store), or "
              "http(s)://HOST:PORT[/INDEX] (Elasticsearch; ?shards=N&replicas=N apply when it is "
              "created). Default: $ATTRIB_STORE, else ~/.local/share/attrib/index.db.")


class AttribGroup(click.Group):
    """A click group that turns every error into one clear line and exit code 2."""

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
@click.option("--store", "store_url", envvar="ATTRIB_STORE", metavar="URL", help=STORE_HELP)
@click.option("--es-user", envvar="ATTRIB_ES_USER", metavar="USER", help="Elasticsearch user [$ATTRIB_ES_USER].")
@click.option("--es-password", envvar="ATTRIB_ES_PASSWORD", metavar="PASSWORD",
              help="Elasticsearch password [$ATTRIB_ES_PASSWORD; prefer the variable: flags show in `ps`].")
@click.option("--es-api-key", envvar="ATTRIB_ES_API_KEY", metavar="KEY",
              help="Elasticsearch API key, instead of user and password [$ATTRIB_ES_API_KEY].")
@click.option("--es-ca-cert", envvar="ATTRIB_ES_CA_CERT", metavar="FILE",
              help="CA certificate to verify an https Elasticsearch [$ATTRIB_ES_CA_CERT].")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or summaries, only results and errors.")
@click.version_option(__version__, prog_name="attrib")
@click.pass_context
def cli(ctx: click.Context, store_url: str | None, es_user: str | None, es_password: str | None,
        es_api_key: str | None, es_ca_cert: str | None, quiet: bool) -> None:
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
    """
    ctx.obj = Context(store_url=store_url, quiet=quiet,
                      credentials=Credentials(es_user, es_password, es_api_key, es_ca_cert))


cli.add_command(index)
cli.add_command(scan)
cli.add_command(stats)
cli.add_command(generate_cmd, name="generate")
cli.add_command(check_cmd, name="check")
cli.add_command(notice_cmd, name="notice")
cli.add_command(serve_cmd, name="serve")


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
