"""Which committed code a check looks at: git plumbing, no policy.

:func:`select` returns the files to check and, per file, the lines that count:

* ``base=REV``: files changed between ``REV`` and ``HEAD``, content at ``HEAD``, and the
  lines added or changed since ``REV`` (``git diff -U0 --find-renames``: a file that was
  only renamed adds nothing);
* ``staged=True``: the index against ``HEAD`` (what ``git commit`` would record), content
  from the index: for a pre-commit hook;
* ``all_files=True``: every file tracked at ``HEAD``, every line.

The default base is the merge base of ``HEAD`` with the default branch
(``origin/HEAD``, else ``origin/main``, ``origin/master``, ``main``, ``master``); when
that is ``HEAD`` itself (checking the default branch) or there is no such branch, the
previous commit; in a repository's first commit, the empty tree. Only tracked content is
read, so whatever ``.gitignore`` keeps out of git is never checked.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from attrib.errors import InputError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class ChangedFile:
    """A file to check: its path in the repository, its bytes, and the 1-based lines
    that were added or changed (the only lines that can fail a check)."""

    path: str
    data: bytes
    added: frozenset[int]


@dataclass(frozen=True)
class Selection:
    """What was selected, in words (for reports), and the files."""

    mode: str  # "base" | "staged" | "all"
    base: str | None  # resolved commit (base mode)
    description: str
    files: list[ChangedFile]


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in ``root``; a failure is an :class:`InputError` with git's own words."""
    try:
        done = subprocess.run(["git", "-C", str(root), "-c", "core.quotePath=false", *args], input=input,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed (attrib check reads the repository with git)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


def repo_root(path: Path) -> Path:
    """The top of the git work tree holding ``path``."""
    if not path.exists():
        raise InputError(f"no such directory: {path}")
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").decode().strip())
    except InputError:
        raise InputError(f"{path} is not inside a git repository (attrib check checks committed code)") from None


def _has_head(root: Path) -> bool:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
                          capture_output=True).returncode == 0


def _resolve(root: Path, rev: str) -> str | None:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", f"{rev}^{{commit}}"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def default_base(root: Path) -> tuple[str, str]:
    """(commit, description) of the default base: see the module docstring."""
    head = _resolve(root, "HEAD")
    branches = []
    symbolic = subprocess.run(["git", "-C", str(root), "symbolic-ref", "-q", "refs/remotes/origin/HEAD"],
                              capture_output=True, text=True).stdout.strip()
    if symbolic:
        branches.append(symbolic.removeprefix("refs/remotes/"))
    branches += ["origin/main", "origin/master", "main", "master"]
    for branch in branches:
        tip = _resolve(root, branch)
        if tip is None:
            continue
        merge_base = subprocess.run(["git", "-C", str(root), "merge-base", branch, "HEAD"],
                                    capture_output=True, text=True).stdout.strip()
        if merge_base and merge_base != head:
            return merge_base, f"merge base with {branch} ({merge_base[:10]})"
        break
    parent = _resolve(root, "HEAD~1")
    if parent:
        return parent, f"the previous commit ({parent[:10]})"
    return EMPTY_TREE, "the empty tree (first commit)"


def select(root: Path, *, base: str | None = None, staged: bool = False, all_files: bool = False) -> Selection:
    """The files and lines to check (see the module docstring)."""
    if sum((base is not None, staged, all_files)) > 1:
        raise InputError("choose one of --base, --staged and --all")
    if staged:
        against = "HEAD" if _has_head(root) else EMPTY_TREE
        added = _added_lines(git(root, "diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "--find-renames",
                                 "--src-prefix=a/", "--dst-prefix=b/", against))
        return Selection("staged", None, "staged changes", _contents(root, added, ":"))
    if not _has_head(root):
        raise InputError("the repository has no commits yet: commit first, or check staged changes with --staged")
    if all_files:
        paths = [p for p in git(root, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode("utf-8", "replace")
                 .split("\0") if p]
        return Selection("all", None, "all tracked files at HEAD", _contents(root, {p: None for p in paths}, "HEAD:"))
    if base is None:
        base_sha, description = default_base(root)
    else:
        resolved = _resolve(root, base)
        if resolved is None:
            raise InputError(f"--base {base}: no such commit in {root} (fetch it first, e.g. git fetch origin {base})")
        base_sha, description = resolved, f"{base} ({resolved[:10]})"
    added = _added_lines(git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "--find-renames",
                             "--src-prefix=a/", "--dst-prefix=b/", base_sha, "HEAD"))
    return Selection("base", base_sha, f"lines added since {description}", _contents(root, added, "HEAD:"))


def _added_lines(diff: bytes) -> dict[str, frozenset[int] | None]:
    """Path -> added line numbers, from ``git diff -U0`` output (deleted files left out)."""
    out: dict[str, set[int]] = {}
    path: str | None = None
    for raw in diff.split(b"\n"):
        line = raw.decode("utf-8", "replace")
        if line.startswith("diff --git "):
            path = None
        elif line.startswith("+++ "):
            target = line[4:]
            path = _unquote(target)[2:] if target != "/dev/null" else None
            if path is not None:
                out.setdefault(path, set())
        elif line.startswith("@@") and path is not None:
            hunk = _HUNK.match(line)
            if hunk:
                start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
                out[path].update(range(start, start + count))
    return {p: frozenset(lines) for p, lines in out.items() if lines}


def _unquote(path: str) -> str:
    """A path as git prints it, C-quoted when it holds unusual characters."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    return path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode(
        "utf-8", "replace")


def _contents(root: Path, added: dict[str, frozenset[int] | None], prefix: str) -> list[ChangedFile]:
    """Read every path's blob (``HEAD:path`` or ``:path``) with one ``git cat-file --batch``."""
    paths = [p for p in sorted(added) if "\n" not in p]
    if not paths:
        return []
    out = git(root, "cat-file", "--batch", input="".join(f"{prefix}{p}\n" for p in paths).encode())
    files, pos = [], 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3:  # "missing"
            continue
        size = int(header[2])
        data = out[pos:pos + size]
        pos += size + 1
        if header[1] != b"blob":  # a submodule's commit, not a file
            continue
        lines = added[path]
        if lines is None:
            lines = frozenset(range(1, data.count(b"\n") + 2))
        files.append(ChangedFile(path, data, lines))
    return files
