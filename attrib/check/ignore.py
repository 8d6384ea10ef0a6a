"""Which paths a check skips: vendored and generated code, license texts, and the
project's own ``.attribignore``.

Patterns use ``.gitignore`` syntax (``pathspec``'s GitIgnoreSpec), in this order, so a
later ``!pattern`` can take a default back:

1. :data:`DEFAULT_PATTERNS` (vendored trees, minified and generated files, lock files,
   license and notice texts, which quote licenses and would match their sources);
2. the policy's ``exclude`` list;
3. ``.attribignore`` at the repository root.

Files that ``.gitignore`` keeps out of git are never seen: a check reads tracked content
only. Files git marks ``linguist-vendored`` or ``linguist-generated`` in
``.gitattributes`` are skipped too.

``.attribignore`` must be a regular file inside the repository (not a link out of it); a
pattern ``pathspec`` cannot compile is an error naming the file and its line. Paths are
matched as text, with bytes that are not UTF-8 as lone surrogates.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pathspec

from attrib.confine import inside, read_regular
from attrib.errors import InputError
from attrib.policy import pattern_error
from attrib.vendored import VENDORED_DIRS

from .git import git

IGNORE_FILE = ".attribignore"

DEFAULT_PATTERNS: tuple[str, ...] = (
    # vendored code
    *(f"{folder}/" for folder in VENDORED_DIRS),
    # generated and minified files
    "*.min.js", "*.min.css", "*.map", "*_pb2.py", "*_pb2_grpc.py", "*.pb.go", "*.pb.cc", "*.pb.h",
    "*.generated.*", "*_generated.*", "*.g.dart", "*.designer.cs",
    # lock files
    "*.lock", "package-lock.json", "pnpm-lock.yaml", "go.sum",
    # license and notice texts
    "LICENSE", "LICENSE.*", "LICENCE", "LICENCE.*", "COPYING", "COPYING.*", "NOTICE", "NOTICE.*",
    "THIRD_PARTY_NOTICES", "THIRD_PARTY_NOTICES.*",
)


class Ignore:
    """Decides whether a repository path is skipped."""

    def __init__(self, patterns: Iterable[str], linguist: frozenset[str] = frozenset()) -> None:
        self._spec = pathspec.GitIgnoreSpec.from_lines(list(patterns))
        self._linguist = linguist

    def skips(self, path: str) -> bool:
        return path in self._linguist or self._spec.match_file(path)

    @classmethod
    def for_repo(cls, root: Path, paths: Iterable[str], exclude: Iterable[str] = ()) -> "Ignore":
        """The rules of the repository at ``root`` for ``paths`` (their gitattributes
        are looked up once)."""
        data = read_regular(inside(root, IGNORE_FILE, "the ignore file"), "the ignore file")
        lines = data.decode("utf-8", "replace").splitlines() if data is not None else []
        for number, line in enumerate(lines, 1):
            problem = pattern_error(line)
            if problem:
                raise InputError(f"{root / IGNORE_FILE}, line {number}: {line!r} is not a valid .gitignore "
                                 f"pattern ({problem})")
        return cls([*DEFAULT_PATTERNS, *exclude, *lines], _linguist_marked(root, list(paths)))


def _linguist_marked(root: Path, paths: list[str]) -> frozenset[str]:
    """Paths whose git attributes set ``linguist-vendored`` or ``linguist-generated``."""
    if not paths:
        return frozenset()
    out = git(root, "check-attr", "-z", "--stdin", "linguist-vendored", "linguist-generated",
              input="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0"
              ).decode("utf-8", "surrogateescape").split("\0")
    marked = set()
    for i in range(0, len(out) - 2, 3):
        path, _, value = out[i:i + 3]
        if value in ("set", "true"):
            marked.add(path)
    return frozenset(marked)
