"""JSON output: the report itself, schema version 1, for other tools to read."""
from __future__ import annotations

from typing import Any

from attrib.report import report_to_json


def render_json(report: dict[str, Any]) -> str:
    """The report as stable, indented JSON (``attrib scan --format json``)."""
    return report_to_json(report)
