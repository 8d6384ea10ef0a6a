"""Renderers of a :class:`attrib.report.Report`: one module per format.

``render_json`` gives report schema version 1 for tools; ``render_text`` the view for
people; ``render_markdown`` a summary for pull requests and CI summaries;
``render_sarif`` a SARIF 2.1.0 log of the violations, for code scanning;
``render_spdx`` (SPDX 2.3 JSON) and ``render_cyclonedx`` (CycloneDX 1.6 JSON) an SBOM
of the copied spans and their sources, for compliance pipelines.
:func:`render` gives any of them as a string. The modules are imported when first
used: ``rich`` (text) costs start-up time that JSON output does not need.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrib.report import Report

FORMATS = ("text", "json", "markdown", "sarif", "spdx", "cyclonedx")
SBOM_FORMATS = ("spdx", "cyclonedx")
"""The formats that name the indexed files' checksums and byte ranges: they read the
files' texts (``source_text``)."""
_MODULES = {"render_json": "json", "render_markdown": "markdown", "render_sarif": "sarif", "render_text": "text",
            "render_spdx": "spdx", "render_cyclonedx": "cyclonedx"}

__all__ = ["FORMATS", "SBOM_FORMATS", "render", "render_cyclonedx", "render_json", "render_markdown",
           "render_sarif", "render_spdx", "render_text"]


def render(report: Report, fmt: str, *, width: int = 200,
           source_text: Callable[[str], str | None] = lambda sha: None) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`) as a string ending in a
    newline; text is plain (no colours), ``width`` columns wide. ``source_text(blob
    sha)`` gives an indexed file's text (``Store.content``), for the SBOM formats."""
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
    if fmt == "spdx":
        from attrib.formats.spdx import render_spdx

        return render_spdx(report, source_text) + "\n"
    if fmt == "cyclonedx":
        from attrib.formats.cyclonedx import render_cyclonedx

        return render_cyclonedx(report, source_text) + "\n"
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(f"attrib.formats.{_MODULES[name]}"), name)
    raise AttributeError(f"module 'attrib.formats' has no attribute {name!r}")
