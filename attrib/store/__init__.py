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

__all__ = ["open_store", "default_location", "resolve_url", "Store", "IndexEntry", "Postings",
           "StoredFile", "StoreStats"]


def default_location() -> Path:
    """``$XDG_DATA_HOME/attrib/index.db`` (``~/.local/share/attrib/index.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "attrib" / "index.db"


def resolve_url(url: str | None) -> str:
    """The store URL to use: the argument, else ``$ATTRIB_STORE``, else the default path."""
    return url or os.environ.get("ATTRIB_STORE") or str(default_location())


def open_store(url: str | None = None, *, create: bool = False) -> Store:
    """Open the store at ``url`` (see the module docs). ``create`` allows a new empty one."""
    url = resolve_url(url)
    if url.startswith(("http://", "https://")):
        raise StoreError(f"cannot open {url}: the Elasticsearch store is not available in this version; "
                         "use a SQLite path")
    from .sqlite import SQLiteStore

    if url.startswith("sqlite://"):
        path = url[len("sqlite://"):]
        if not path.startswith("/"):
            raise StoreError(f"bad store URL {url!r}: use sqlite:///relative.db or sqlite:////absolute/path.db")
        path = path[1:]  # sqlite:///x.db -> x.db; sqlite:////abs/x.db -> /abs/x.db
        if not path:
            raise StoreError(f"bad store URL {url!r}: no file path")
        return SQLiteStore(path, create=create)
    if "://" in url:
        raise StoreError(f"unknown store URL scheme in {url!r}: use a path, sqlite:///PATH or http(s)://HOST:PORT")
    return SQLiteStore(url, create=create)
