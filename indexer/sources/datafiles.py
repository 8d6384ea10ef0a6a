"""Which paths hold data in The Stack's schema (parquet, jsonl): names only, no reading.

Kept apart from :mod:`.stack` (which reads them with ``datasets`` and ``pyarrow``, the
``stack`` extra) so that telling a folder of data files from a folder of code needs
neither: a core install indexes code on disk.
"""
from __future__ import annotations

import os
from pathlib import Path

DATA_SUFFIXES: dict[str, str] = {
    ".parquet": "parquet",
    ".jsonl": "json", ".json": "json", ".jsonl.gz": "json", ".json.gz": "json",
}
"""File name endings read as Stack-schema data, and the ``datasets`` builder for each."""


def data_format(path: Path) -> str | None:
    """The ``datasets`` builder for a data file name (``"parquet"``/``"json"``), or ``None``."""
    name = path.name.lower()
    return next((fmt for suffix, fmt in DATA_SUFFIXES.items() if name.endswith(suffix)), None)


def stack_data_files(path: Path) -> list[Path] | None:
    """The data files to read if ``path`` is Stack-schema data, else ``None``.

    A data file is itself; a directory is data when, searched recursively (hidden folders
    such as ``.git`` and ``.cache`` skipped), it holds data files and no more other files
    than data files — The Stack's ``data/<lang>/*.parquet`` layout with a README passes,
    a code repository with a few JSON fixtures does not.
    """
    if path.is_file():
        return [path] if data_format(path) else None
    found: list[Path] = []
    others = 0
    for folder, subfolders, names in os.walk(path):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            if data_format(Path(name)):
                found.append(Path(folder, name))
            elif not name.startswith("."):
                others += 1
    return found if found and len(found) >= others else None
