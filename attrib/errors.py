"""Errors that reach the user as one clear line and exit code 2 (never a traceback)."""
from __future__ import annotations


class AttribError(Exception):
    """Base class: the message is written for a person and names the fix."""

    exit_code = 2


class InputError(AttribError):
    """Bad input: an unreadable file, a corrupt dataset, an unknown source."""


class StoreError(AttribError):
    """The store cannot be opened, reached or used."""


class ParamsMismatch(StoreError):
    """The index was built with other fingerprint parameters than this attrib uses."""


class ReadOnlyStore(StoreError):
    """The index can be read but not written (permissions, a read-only file system)."""


class MissingExtra(AttribError):
    """A feature whose optional dependencies are not installed; the message names the
    extra that brings them."""

    def __init__(self, extra: str, what: str) -> None:
        super().__init__(f"{what} needs the {extra} extra, which is not installed: pip install 'attrib[{extra}]' "
                         f"(from a checkout: pip install -e '.[{extra}]')")
        self.extra = extra
