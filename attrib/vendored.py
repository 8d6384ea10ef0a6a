"""Folders that hold someone else's code: a file under one is a copy, not an original.

Projects keep their dependencies' sources in conventional folders (``vendor/``,
``third_party/``, ``node_modules/``, a virtualenv's ``site-packages/``). ``attrib
check`` skips them (:mod:`attrib.check.ignore`), and :mod:`attrib.origin` takes a
source found under one for a copy of the code's origin.
"""
from __future__ import annotations

VENDORED_DIRS: tuple[str, ...] = (
    "vendor", "vendored", "_vendor", "third_party", "third-party", "thirdparty", "3rdparty",
    "external", "node_modules", "bower_components", "site-packages", ".venv", "venv",
)
"""Folder names (at any depth) whose contents are vendored code."""


def vendored_dir(path: str) -> str | None:
    """The vendored folder a repository path lies under, or None.

    >>> vendored_dir("src/third_party/zlib/inflate.c"), vendored_dir("lib/vendors.py")
    ('third_party', None)
    """
    parts = path.replace("\\", "/").split("/")[:-1]
    return next((part for part in parts if part.lower() in VENDORED_DIRS), None)
