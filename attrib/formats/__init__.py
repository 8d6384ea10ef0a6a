"""Renderers for a schema-v1 report (see :mod:`attrib.report`): one module per format.

``render_json`` gives the machine-readable report; ``render_text`` the view for people;
``render_markdown`` a Markdown summary for pull requests and CI summaries;
``render_sarif`` a SARIF 2.1.0 log of a check's violations, for code scanning.
"""
from attrib.formats.json import render_json
from attrib.formats.markdown import render_markdown
from attrib.formats.sarif import render_sarif
from attrib.formats.text import render_text

__all__ = ["render_json", "render_markdown", "render_sarif", "render_text"]
