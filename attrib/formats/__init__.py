"""Renderers of a :class:`attrib.report.Report`: one module per format.

``render_json`` gives report schema version 1 for tools; ``render_text`` the view for
people; ``render_markdown`` a summary for pull requests and CI summaries;
``render_sarif`` a SARIF 2.1.0 log of the violations, for code scanning.
:func:`render` gives any of them as a string. The modules are imported when first
used: ``rich`` (text) costs start-up time that JSON output does not need.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrib.report import Report

FORMATS = ("text", "json", "markdown", "sarif")
_MODULES = {"render_json": "json", "render_markdown": "markdown", "render_sarif": "sarif", "render_text": "text"}

__all__ = ["FORMATS", "render", "render_json", "render_markdown", "render_sarif", "render_text"]


def render(report: Report, fmt: str, *, width: int = 200) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`) as a string ending in a
    newline; text is plain (no colours), ``width`` columns wide."""
    if fmt == "text":
        import io

        from rich.console import Console

        from attrib.formats.text import render_text

        buffer = io.StringIO()
        render_text(report, Console(file=buffer, force_terminal=False, width=width, highlight=False))
        return buffer.getvalue()
    if fmt == "json":
        from attrib.formats.json import render_json

        return render_json(report) + "\n"
    if fmt == "markdown":
        from attrib.formats.markdown import render_markdown

        return render_markdown(report)
    if fmt == "sarif":
        from attrib.formats.sarif import render_sarif

        return render_sarif(report) + "\n"
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f"attrib.formats.{_MODULES[name]}"), name)
    raise AttributeError(f"module 'attrib.formats' has no attribute {name!r}")
