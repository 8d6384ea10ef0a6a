"""Real code for tests: click's source (BSD-3-Clause), always installed with attrib."""
from __future__ import annotations

from pathlib import Path

import click

from attrib.files import RawFile

CLICK_DIR = Path(click.__file__).parent


def click_files() -> list[Path]:
    """Real, permissively licensed (BSD-3-Clause) code that is always installed: click."""
    return sorted(p for p in CLICK_DIR.glob("*.py") if p.stat().st_size > 2000)


def raw(path: Path, repo: str = "pallets/click", licenses: tuple[str, ...] = ("BSD-3-Clause",),
        stars: int | None = 15000) -> RawFile:
    return RawFile(path.read_bytes(), repo=repo, path=f"src/click/{path.name}", commit="a" * 40,
                   licenses=licenses, lang="Python", stars=stars)


MIT_TEXT = """MIT License

Copyright (c) 2024 Acme

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
