"""Real code for tests: click's source (BSD-3-Clause), always installed with attrib."""
from __future__ import annotations

from pathlib import Path

import click

from indexer.sources.base import RawFile

CLICK_DIR = Path(click.__file__).parent


def click_files() -> list[Path]:
    """Real, permissively licensed (BSD-3-Clause) code that is always installed: click."""
    return sorted(p for p in CLICK_DIR.glob("*.py") if p.stat().st_size > 2000)


def raw(path: Path, repo: str = "pallets/click", licenses: tuple[str, ...] = ("BSD-3-Clause",),
        stars: int | None = 15000) -> RawFile:
    return RawFile(path.read_bytes(), repo=repo, path=f"src/click/{path.name}", commit="a" * 40,
                   licenses=licenses, lang="Python", stars=stars)
