"""State shared by all commands: the store URL, its credentials and output settings."""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from attrib.store import Credentials, Store, open_store, remove_store, resolve_url, store_exists


@dataclass
class Context:
    store_url: str | None
    quiet: bool
    credentials: Credentials = field(default_factory=Credentials)

    @property
    def url(self) -> str:
        """The store URL to show (credentials in a URL are not shown)."""
        return _redact(resolve_url(self.store_url))

    def open_store(self, *, create: bool = False) -> Store:
        return open_store(self.store_url, create=create, credentials=self.credentials)

    def store_exists(self) -> bool:
        return store_exists(self.store_url, credentials=self.credentials)

    def remove_store(self) -> None:
        remove_store(self.store_url, credentials=self.credentials)

    def err_console(self) -> Console:
        """Where progress and summaries go: stderr, so stdout stays clean for results."""
        return Console(stderr=True, quiet=self.quiet, highlight=False)


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url
