"""State shared by all commands: the store URL, its credentials and output settings."""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from attrib.store import Credentials, OpenMode, Store, open_store, redact, remove_store, resolve_url, store_exists


@dataclass
class Context:
    store_url: str | None
    quiet: bool
    credentials: Credentials = field(default_factory=Credentials)

    @property
    def url(self) -> str:
        """The store URL to show (credentials in a URL are not shown)."""
        return redact(resolve_url(self.store_url))

    def open_store(self, *, mode: OpenMode = "read") -> Store:
        return open_store(self.store_url, mode=mode, credentials=self.credentials)

    def store_exists(self) -> bool:
        return store_exists(self.store_url, credentials=self.credentials)

    def remove_store(self) -> None:
        remove_store(self.store_url, credentials=self.credentials)

    def err_console(self) -> Console:
        """Where progress and summaries go: stderr, so stdout stays clean for results."""
        return Console(stderr=True, quiet=self.quiet, highlight=False)
