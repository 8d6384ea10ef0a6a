"""attrib: where did this code come from, and under what license?

The library behind the ``attrib`` command::

    from attrib import open_store, scan, attribute, find_project

    with open_store("demo.db") as store:              # or http(s)://host:9200/index
        report = scan(["src/"], store)                # attrib scan src/ (default policy)
        for finding in report.findings:
            print(finding.lines, finding.best.repo, finding.best.path, finding.verdict)
        matches = attribute("def f(x):\\n    ...", store, lang="Python")   # the facts alone

        project = find_project()                      # .attrib.toml / [tool.attrib] of the git repo here
        report = scan(["src/"], store, project.policy, notices=project.notices)

Generation with attribution is :mod:`attrib.generate` (``load``, ``generate``,
``Prompt``, ``Sampling``); the CI gate is :mod:`attrib.check` (``prepare``, ``run``).
Importing :mod:`attrib` is cheap: the names below are imported when first used.
"""
from __future__ import annotations

import importlib
import os
import sys
from importlib.machinery import ModuleSpec, PathFinder
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from attrib.errors import AttribError, InputError, MissingExtra, StoreError
    from attrib.judge import Judge
    from attrib.match import attribute
    from attrib.policy import DEFAULT_POLICY, Policy
    from attrib.policy import load as load_policy
    from attrib.project import Project, find_project, open_project
    from attrib.records import Match, SourceSpan
    from attrib.report import FileReport, Finding, Report
    from attrib.scan import scan, scan_text
    from attrib.store import Store, open_store

_WHERE = {
    "attribute": ("attrib.match", "attribute"),
    "scan": ("attrib.scan", "scan"),
    "scan_text": ("attrib.scan", "scan_text"),
    "open_store": ("attrib.store", "open_store"),
    "Store": ("attrib.store", "Store"),
    "Policy": ("attrib.policy", "Policy"),
    "DEFAULT_POLICY": ("attrib.policy", "DEFAULT_POLICY"),
    "load_policy": ("attrib.policy", "load"),
    "Project": ("attrib.project", "Project"),
    "find_project": ("attrib.project", "find_project"),
    "open_project": ("attrib.project", "open_project"),
    "Judge": ("attrib.judge", "Judge"),
    "Report": ("attrib.report", "Report"),
    "FileReport": ("attrib.report", "FileReport"),
    "Finding": ("attrib.report", "Finding"),
    "Match": ("attrib.records", "Match"),
    "SourceSpan": ("attrib.records", "SourceSpan"),
    "AttribError": ("attrib.errors", "AttribError"),
    "InputError": ("attrib.errors", "InputError"),
    "StoreError": ("attrib.errors", "StoreError"),
    "MissingExtra": ("attrib.errors", "MissingExtra"),
}

__all__ = [
    "DEFAULT_POLICY", "AttribError", "FileReport", "Finding", "InputError", "Judge", "Match", "MissingExtra",
    "Policy", "Project", "Report", "SourceSpan", "Store", "StoreError", "__version__", "attribute", "find_project",
    "load_policy", "open_project", "open_store", "scan", "scan_text",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module, attr = _WHERE[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'attrib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


class _Checkout:
    """In a source checkout, ``attrib.cli`` and ``attrib.indexer`` are the folders
    ``cli/`` and ``indexer/`` beside ``attrib/`` (an installed attrib has them inside
    ``attrib/``; pyproject.toml's package-dir maps them so). This finder lets a checkout
    on ``PYTHONPATH`` run without being installed, and keeps it from picking up another
    checkout's installed copy."""

    ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname in ("attrib.cli", "attrib.indexer"):
            return PathFinder.find_spec(fullname, [self.ROOT])
        return None


if not os.path.isdir(os.path.join(os.path.dirname(__file__), "cli")) \
        and os.path.isfile(os.path.join(_Checkout.ROOT, "pyproject.toml")) \
        and not any(isinstance(finder, _Checkout) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Checkout())
