"""``attrib check``, the CI gate: :func:`prepare` what to check, then :func:`run` it.

See :mod:`attrib.check.gate` (the decision), :mod:`attrib.check.git` (which lines
count) and :mod:`attrib.check.ignore` (which files are skipped). The names below are
imported from :mod:`attrib.check.gate` when first used, so that importing
:mod:`attrib.check.git` alone stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrib.check.gate import MAX_BYTES, Request, prepare, run

__all__ = ["MAX_BYTES", "Request", "prepare", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from attrib.check import gate

        return getattr(gate, name)
    raise AttributeError(f"module 'attrib.check' has no attribute {name!r}")
