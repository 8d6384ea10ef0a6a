"""State shared by all commands: the store URL and output settings."""
from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console

from attrib.store import Store, open_store, resolve_url


@dataclass
class Context:
    store_url: str | None
    quiet: bool

    @property
    def url(self) -> str:
        return resolve_url(self.store_url)

    def open_store(self, *, create: bool = False) -> Store:
        return open_store(self.store_url, create=create)

    def err_console(self) -> Console:
        """Where progress and summaries go: stderr, so stdout stays clean for results."""
        return Console(stderr=True, quiet=self.quiet, highlight=False)
