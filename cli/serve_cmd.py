"""``attrib serve``: the search web page and HTTP API over an index."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from attrib.errors import AttribError, MissingExtra, ReadOnlyStore

from .context import Context, Status, policy_option, store_options

if TYPE_CHECKING:
    import socket


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 for every interface, e.g. in a container).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--api-key", envvar="ATTRIB_API_KEY", metavar="KEY",
              help="Require this key (X-API-Key header) on /api/ routes, for a private index [$ATTRIB_API_KEY].")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser calls from this origin (repeatable). Default: no CORS.")
@click.option("--max-bytes", type=click.IntRange(1024), default=1_000_000, show_default=True,
              help="Largest request body; larger ones get 413.")
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds a query may take before it gets 503.")
@policy_option
@store_options
@click.pass_obj
def serve_cmd(ctx: Context, host: str, port: int, api_key: str | None, cors_origins: tuple[str, ...],
              max_bytes: int, timeout: float, policy_path: str | None) -> None:
    """Serve the search page and the HTTP API.

    \b
    The page (http://HOST:PORT/) attributes pasted or uploaded code: matched lines,
    the source repository and file at its commit, the license coloured by category,
    similarity, other copies, and the query and source side by side. A second tab
    searches the indexed code (full text, language and license filters), a third
    shows what the index holds. The API it uses is documented at /docs:
    POST /api/attribute, GET /api/search, /api/source, /api/stats, /healthz.
    Verdicts are those `attrib scan` gives in the directory the server starts in
    (the project's policy and notice files; --policy names another policy).

    \b
    Examples:
      attrib serve                                  # http://127.0.0.1:8000/
      attrib --store http://es:9200/the-stack serve --host 0.0.0.0 --api-key "$KEY"
    """
    try:
        import uvicorn

        from attrib.web.app import Settings, create_app
    except ImportError:
        raise MissingExtra("web", "attrib serve (FastAPI and uvicorn)") from None
    from attrib.project import find_project
    from attrib.store import indexed_stats

    project = find_project(Path.cwd(), policy_path)
    console = ctx.err_console()
    sock = listen(host, port)  # a busy port fails before the index is touched
    try:  # the embedded store keeps its word index current, where it may write
        store, mode = ctx.open_store(mode="write"), "write"
    except ReadOnlyStore:
        store, mode = ctx.open_store(mode="read"), "read"
    with store, Status(console, "preparing full-text search…"):
        stats = indexed_stats(store)
        if mode == "write":
            store.full_text(["attrib"], limit=1)  # builds the embedded store's word index once
    settings = Settings(api_key=api_key, cors_origins=list(cors_origins), max_bytes=max_bytes, timeout=timeout)
    app = create_app(lambda: ctx.open_store(mode=mode), settings, project.judge)
    from rich.markup import escape

    from attrib.formats.escape import printable

    console.print(f"attrib serving {escape(printable(stats.name))} ({stats.files:,} files) at "
                  f"http://{escape(printable(host))}:{sock.getsockname()[1]}/"
                  + (" (API key required)" if api_key else "")
                  + (" (read-only index: search finds the words indexed before)" if mode == "read" else ""),
                  highlight=False, soft_wrap=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False))
    server.run(sockets=[sock])


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, or one clear error (a busy port, an unknown host)."""
    import errno
    import socket

    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as e:
        raise AttribError(f"cannot listen on {where}: unknown host ({e})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        hint = {errno.EADDRINUSE: "another program (another attrib serve?) is listening there: pick another "
                                  "--port, or stop it",
                errno.EACCES: "ports below 1024 need privileges: pick a --port of 1024 or more",
                errno.EADDRNOTAVAIL: "this machine has no such address: use --host 127.0.0.1 or 0.0.0.0"}
        raise AttribError(f"cannot listen on {where}: {e.strerror}; {hint.get(e.errno, 'check --host and --port')}") \
            from None
    return sock
