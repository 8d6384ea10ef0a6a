"""State shared by all commands: the store URL, its credentials and output settings.

The options that set them (``--store``, ``--es-user``, ``--es-password``,
``--es-api-key``, ``--es-ca-cert``, ``-q/--quiet``) are accepted before the subcommand
(``attrib --store X scan f.py``) and after it (``attrib scan f.py --store X``): the group
reads them, with their environment variables, into the :class:`Context`, and every
command takes them again (:func:`store_options`), overriding what the group read.

Nothing heavy is imported here: ``attrib --help`` loads every command module.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from attrib.store import Credentials, OpenMode, Store

STORE_HELP = ("Index location: a file path or sqlite:///PATH (embedded store), or "
              "http(s)://HOST:PORT[/INDEX] (Elasticsearch; ?shards=N&replicas=N apply when it is "
              "created). Default: $ATTRIB_STORE, else ~/.local/share/attrib/index.db.")


@dataclass
class Context:
    store_url: str | None = None
    quiet: bool = False
    es_user: str | None = None
    es_password: str | None = field(default=None, repr=False)
    es_api_key: str | None = field(default=None, repr=False)
    es_ca_cert: str | None = None

    @property
    def credentials(self) -> Credentials:
        from attrib.store import Credentials

        return Credentials(self.es_user, self.es_password, self.es_api_key, self.es_ca_cert)

    @property
    def url(self) -> str:
        """The store URL to show (credentials in a URL are not shown)."""
        from attrib.store import redact, resolve_url

        return redact(resolve_url(self.store_url))

    def open_store(self, *, mode: OpenMode = "read") -> Store:
        from attrib.store import open_store

        return open_store(self.store_url, mode=mode, credentials=self.credentials)

    def store_exists(self) -> bool:
        from attrib.store import store_exists

        return store_exists(self.store_url, credentials=self.credentials)

    def remove_store(self) -> None:
        from attrib.store import remove_store

        remove_store(self.store_url, credentials=self.credentials)

    def err_console(self) -> Console:
        """Where progress and summaries go: stderr, so stdout stays clean for results."""
        from rich.console import Console

        return Console(stderr=True, quiet=self.quiet, highlight=False)


class Status:
    """A status line (rich's spinner) on a terminal; nothing elsewhere (logs, CI, hooks),
    where it would not show and rich's live display costs start-up time."""

    def __init__(self, console: Console, text: str) -> None:
        self._status = console.status(text) if console.is_terminal and not console.quiet else None

    def __enter__(self) -> Status:
        if self._status is not None:
            self._status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)

    def update(self, text: Any) -> None:
        if self._status is not None:
            self._status.update(text)


# (attribute of Context, option names, environment variable, metavar, help)
_OPTIONS: tuple[tuple[str, tuple[str, ...], str, str | None, str], ...] = (
    ("store_url", ("--store",), "ATTRIB_STORE", "URL", STORE_HELP),
    ("es_user", ("--es-user",), "ATTRIB_ES_USER", "USER", "Elasticsearch user [$ATTRIB_ES_USER]."),
    ("es_password", ("--es-password",), "ATTRIB_ES_PASSWORD", "PASSWORD",
     "Elasticsearch password [$ATTRIB_ES_PASSWORD; prefer the variable: flags show in `ps`]."),
    ("es_api_key", ("--es-api-key",), "ATTRIB_ES_API_KEY", "KEY",
     "Elasticsearch API key, instead of user and password [$ATTRIB_ES_API_KEY]."),
    ("es_ca_cert", ("--es-ca-cert",), "ATTRIB_ES_CA_CERT", "FILE",
     "CA certificate to verify an https Elasticsearch [$ATTRIB_ES_CA_CERT]."),
    ("quiet", ("-q", "--quiet"), "", None, "No progress bars or summaries, only results and errors."),
)

F = TypeVar("F", bound=Callable[..., Any])


def _setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            state = ctx.ensure_object(Context)
            setattr(state, attr, value)
        return value

    return callback


def global_options(command: F) -> F:
    """The group's options, read from the command line or the environment."""
    for attr, names, envvar, metavar, help_ in reversed(_OPTIONS):
        flag = metavar is None
        command = click.option(*names, attr, envvar=envvar or None, metavar=metavar, is_flag=flag,
                               default=False if flag else None, help=help_, expose_value=False,
                               callback=_setter(attr))(command)
    return command


def store_options(command: F) -> F:
    """The group's options again, for a command: ``attrib scan f.py --store URL`` works
    like ``attrib --store URL scan f.py`` (the last one given wins; their environment
    variables are read once, by the group)."""
    for attr, names, _envvar, metavar, help_ in reversed(_OPTIONS):
        flag = metavar is None
        command = click.option(*names, attr, metavar=metavar, is_flag=flag, default=False if flag else None,
                               help=help_, expose_value=False, callback=_setter(attr))(command)
    return command


POLICY_HELP = ("License policy file (default: .attrib.toml, else [tool.attrib] in pyproject.toml, at the top of "
               "the git repository holding the current directory -- for check and notice, the repository "
               "checked -- else in the current directory; else the default policy, which denies copyleft and "
               "asks for notices for permissive code).")


def policy_option(command: F) -> F:
    """``--policy FILE``: the same option, with the same meaning, for every command that judges."""
    return click.option("--policy", "policy_path", metavar="FILE", help=POLICY_HELP)(command)
