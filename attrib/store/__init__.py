"""Stores: where the index lives. :func:`open_store` picks one from a URL.

* a path, or ``sqlite:///relative.db`` / ``sqlite:////absolute.db`` -> the embedded
  SQLite store (the default, zero set-up);
* ``http(s)://host:port[/index]`` -> Elasticsearch.

With no URL, ``$ATTRIB_STORE`` is used, else :func:`default_location`.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError
from .base import IndexEntry, Postings, Store, StoredFile, StoreStats

__all__ = ["open_store", "store_exists", "remove_store", "default_location", "resolve_url", "Store",
           "IndexEntry", "Postings", "StoredFile", "StoreStats"]


def default_location() -> Path:
    """``$XDG_DATA_HOME/attrib/index.db`` (``~/.local/share/attrib/index.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "attrib" / "index.db"


def resolve_url(url: str | None) -> str:
    """The store URL to use: the argument, else ``$ATTRIB_STORE``, else the default path."""
    return url or os.environ.get("ATTRIB_STORE") or str(default_location())


def open_store(url: str | None = None, *, create: bool = False) -> Store:
    """Open the store at ``url`` (see the module docs). ``create`` allows a new empty one."""
    from .sqlite import SQLiteStore

    return SQLiteStore(_sqlite_path(resolve_url(url)), create=create)


def store_exists(url: str | None = None) -> bool:
    """Whether an index is already there (before ``open_store(create=True)`` makes one)."""
    return Path(_sqlite_path(resolve_url(url))).expanduser().exists()


def remove_store(url: str | None = None) -> None:
    """Delete an embedded index file (used to undo creating an empty one)."""
    path = Path(_sqlite_path(resolve_url(url))).expanduser()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _sqlite_path(url: str) -> str:
    """The file path of an embedded store URL; other schemes are refused clearly."""
    if url.startswith(("http://", "https://")):
        raise StoreError(f"cannot open {url}: the Elasticsearch store is not available in this version; "
                         "use a SQLite path")
    if url.startswith("sqlite://"):
        path = url[len("sqlite://"):]
        if not path.startswith("/") or not path[1:]:
            raise StoreError(f"bad store URL {url!r}: use sqlite:///relative.db or sqlite:////absolute/path.db")
        return path[1:]  # sqlite:///x.db -> x.db; sqlite:////abs/x.db -> /abs/x.db
    if "://" in url:
        raise StoreError(f"unknown store URL scheme in {url!r}: use a path, sqlite:///PATH or http(s)://HOST:PORT")
    return url
