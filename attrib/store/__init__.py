"""Stores: where the index lives. :func:`open_store` picks one from a URL.

* a path, or ``sqlite:///relative.db`` / ``sqlite:////absolute.db`` -> the embedded
  SQLite store (the default, zero set-up);
* ``http(s)://host:port[/index]`` -> Elasticsearch (:mod:`.elastic`; credentials from
  ``credentials`` or the ``ATTRIB_ES_*`` environment, see :mod:`.es_client`).

With no URL, ``$ATTRIB_STORE`` is used, else :func:`default_location`. ``mode``
(:data:`OpenMode`) says whether the caller reads, writes or may create the index.
Messages never show a URL's ``user:password@`` (:func:`redact`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StoreError
from .base import IndexEntry, KeyCounts, OpenMode, Postings, Store, StoredFile, StoreStats

__all__ = ["open_store", "indexed_stats", "store_exists", "remove_store", "default_location", "resolve_url", "redact",
           "Store",
           "Credentials", "IndexEntry", "KeyCounts", "OpenMode", "Postings", "StoredFile", "StoreStats"]


@dataclass(frozen=True)
class Credentials:
    """Elasticsearch login given on the command line (None: use the environment)."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    ca_cert: str | None = None


def default_location() -> Path:
    """``$XDG_DATA_HOME/attrib/index.db`` (``~/.local/share/attrib/index.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "attrib" / "index.db"


def resolve_url(url: str | None) -> str:
    """The store URL to use: the argument, else ``$ATTRIB_STORE``, else the default path."""
    return url or os.environ.get("ATTRIB_STORE") or str(default_location())


def redact(url: str) -> str:
    """``url`` without the credentials of any scheme (``ftp://user:pw@host/x`` ->
    ``ftp://host/x``); plain paths are returned as they are.

    >>> redact("sqlite://me:secret@host/x.db"), redact("https://u:p@es:9200/i"), redact("a@b.db")
    ('sqlite://host/x.db', 'https://es:9200/i', 'a@b.db')
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def is_elastic(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def open_store(url: str | None = None, *, mode: OpenMode = "read",
               credentials: Credentials = Credentials()) -> Store:
    """Open the store at ``url`` (see the module docs) for ``mode`` (:data:`OpenMode`)."""
    url = resolve_url(url)
    if is_elastic(url):
        from .elastic import ElasticStore
        from .es_client import Connection

        conn = Connection.parse(url, user=credentials.user, password=credentials.password,
                                api_key=credentials.api_key, ca_cert=credentials.ca_cert)
        return ElasticStore(conn, create=mode == "create")
    from .sqlite import SQLiteStore

    return SQLiteStore(_sqlite_path(url), mode=mode)


def indexed_stats(store: Store) -> StoreStats:
    """The store's counts, refusing an empty index: a check, a generation or a server
    against it would find nothing and so pass everything."""
    stats = store.stats()
    if not stats.files:
        raise StoreError(f"the index at {store.location} is empty: add code with "
                         f"`attrib index SOURCE --store {store.location}` first")
    return stats


def store_exists(url: str | None = None, *, credentials: Credentials = Credentials()) -> bool:
    """Whether an index is already there (before ``open_store(mode="create")`` makes one)."""
    url = resolve_url(url)
    if is_elastic(url):
        try:
            open_store(url, credentials=credentials).close()
        except StoreError as e:
            if str(e).startswith("no index at"):
                return False
            raise
        return True
    return Path(_sqlite_path(url)).expanduser().exists()


def remove_store(url: str | None = None, *, credentials: Credentials = Credentials()) -> None:
    """Delete an index (used to undo creating an empty one)."""
    url = resolve_url(url)
    if is_elastic(url):
        store = open_store(url, credentials=credentials)
        try:
            store.delete()  # type: ignore[attr-defined]
        finally:
            store.close()
        return
    path = Path(_sqlite_path(url)).expanduser()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _sqlite_path(url: str) -> str:
    """The file path of an embedded store URL; unknown schemes are refused clearly."""
    if url.startswith("sqlite://"):
        path = url[len("sqlite://"):]
        if not path.startswith("/") or not path[1:]:
            raise StoreError(f"bad store URL {redact(url)!r}: use sqlite:///relative.db or sqlite:////absolute/path.db")
        return path[1:]  # sqlite:///x.db -> x.db; sqlite:////abs/x.db -> /abs/x.db
    if "://" in url:
        raise StoreError(f"unknown store URL scheme in {redact(url)!r}: use a path, sqlite:///PATH or "
                         "http(s)://HOST:PORT")
    return url
