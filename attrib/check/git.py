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

Any legal file name is checked. Paths come from git NUL-separated (``--raw -z``,
``ls-tree -z``) and stay bytes; contents are read by blob id (``cat-file --batch``), so no
path is ever quoted, split on a newline or decoded on the way. The added lines come from
``git diff -U0 --full-index`` and are tied to their file by the blob ids of its
``index`` line, never by parsing a path out of a diff header. Diffs are taken as text
(``--text --no-textconv --no-ext-diff``), so ``.gitattributes`` cannot declare copied code
binary to hide it. A blob git cannot read is an error, never a skip.

Memory stays bounded by what is checked, not by what a change holds: the patch is read
as a stream of which only each line's first bytes are kept (a huge added file is never
held as text), and a blob over ``max_bytes`` is not read: the selection lists it in
``too_large`` for the gate to decide about.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from attrib.errors import InputError

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_INDEX = re.compile(rb"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
REGULAR_MODES = (b"100644", b"100755")
SKIPPED_MODES = {b"120000": "symlink", b"160000": "submodule"}
# Options that make `git diff` output independent of the user's configuration and of
# the repository's attributes: every change as a text patch, nothing converted.
_DIFF = ("--no-color", "--no-ext-diff", "--no-textconv", "--text", "--no-relative", "--find-renames",
         "--full-index")


@dataclass(frozen=True)
class ChangedFile:
    """A file to check: its path in the repository (bytes, exactly as git stores it), its
    bytes, and the 1-based lines that were added or changed (the only lines that can
    fail a check)."""

    path: bytes
    data: bytes
    added: frozenset[int]

    @property
    def name(self) -> str:
        """The path as text for pattern matching and language detection: bytes that are
        not UTF-8 become lone surrogates (``surrogateescape``), so nothing is lost."""
        return self.path.decode("utf-8", "surrogateescape")

    @property
    def shown(self) -> str:
        """The path for reports: UTF-8 text, each byte that is not UTF-8 as ``\\xNN``."""
        return shown_path(self.path)


def shown_path(path: bytes) -> str:
    """``path`` for people and reports: UTF-8 text, each undecodable byte as ``\\xNN``."""
    return path.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Selection:
    """What was selected, in words (for reports), the files, the files passed over (not
    regular files: symlinks, submodules) by kind, and the files too large to be read
    (path and size)."""

    mode: str  # "base" | "staged" | "all"
    base: str | None  # resolved commit (base mode)
    description: str
    files: list[ChangedFile]
    passed_over: dict[str, int]
    too_large: tuple[tuple[bytes, int], ...] = ()


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in ``root``; a failure is an :class:`InputError` with git's own words."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed (attrib check reads the repository with git)") from None
    except OSError as e:
        raise InputError(f"cannot run git in {root}: {e.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


def repo_root(path: Path) -> Path:
    """The top of the git work tree holding ``path``."""
    if not path.is_dir():
        raise InputError(f"no such directory: {path}")
    try:
        top = git(path, "rev-parse", "--show-toplevel").rstrip(b"\n")
    except InputError:
        raise InputError(f"{path} is not inside a git repository (attrib check checks committed code)") from None
    if not top:
        raise InputError(f"{path} is not inside a git repository (attrib check checks committed code)")
    return Path(top.decode("utf-8", "surrogateescape"))


def _has_head(root: Path) -> bool:
    return _resolve(root, "HEAD") is not None


def _resolve(root: Path, rev: str) -> str | None:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", "--end-of-options",
                           f"{rev}^{{commit}}"], capture_output=True, text=True, errors="replace")
    return done.stdout.strip() if done.returncode == 0 else None


def _empty_tree(root: Path) -> str:
    """The id of the empty tree in this repository's hash (SHA-1 or SHA-256)."""
    return git(root, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()


def default_base(root: Path) -> tuple[str, str]:
    """(commit, description) of the default base: see the module docstring."""
    head = _resolve(root, "HEAD")
    branches = []
    symbolic = subprocess.run(["git", "-C", str(root), "symbolic-ref", "-q", "refs/remotes/origin/HEAD"],
                              capture_output=True, text=True, errors="replace").stdout.strip()
    if symbolic:
        branches.append(symbolic.removeprefix("refs/remotes/"))
    branches += ["origin/main", "origin/master", "main", "master"]
    for branch in branches:
        tip = _resolve(root, branch)
        if tip is None:
            continue
        merge_base = subprocess.run(["git", "-C", str(root), "merge-base", branch, "HEAD"],
                                    capture_output=True, text=True, errors="replace").stdout.strip()
        if merge_base and merge_base != head:
            return merge_base, f"merge base with {branch} ({merge_base[:10]})"
        break
    parent = _resolve(root, "HEAD~1")
    if parent:
        return parent, f"the previous commit ({parent[:10]})"
    return _empty_tree(root), "the empty tree (first commit)"


def select(root: Path, *, base: str | None = None, staged: bool = False, all_files: bool = False,
           max_bytes: int | None = None) -> Selection:
    """The files and lines to check (see the module docstring); blobs over
    ``max_bytes`` are not read but listed in ``too_large``."""
    if sum((base is not None, staged, all_files)) > 1:
        raise InputError("choose one of --base, --staged and --all")
    if staged:
        against = "HEAD" if _has_head(root) else _empty_tree(root)
        return _changes(root, "staged", None, "staged changes", ("--cached", against), max_bytes)
    if not _has_head(root):
        raise InputError("the repository has no commits yet: commit first, or check staged changes with --staged")
    if all_files:
        return _tracked(root, max_bytes)
    if base is None:
        base_sha, description = default_base(root)
    else:
        resolved = None if base.startswith("-") else _resolve(root, base)
        if resolved is None:
            raise InputError(f"--base {base}: no such commit in {root} (fetch it first, e.g. git fetch origin {base})")
        base_sha, description = resolved, f"{base} ({resolved[:10]})"
    return _changes(root, "base", base_sha, f"lines added since {description}", (base_sha, "HEAD"), max_bytes)


@dataclass(frozen=True)
class _Entry:
    """One file of a listing: its path, mode and blob id, and the blob it replaced."""

    path: bytes
    mode: bytes
    sha: str
    old_sha: str | None = None  # None: every line counts (--all)


def _changes(root: Path, mode: str, base: str | None, description: str, revs: tuple[str, ...],
             max_bytes: int | None) -> Selection:
    entries = _raw_entries(git(root, "diff", "--raw", "-z", "--no-abbrev", *_DIFF, *revs, "--"))
    added = _added_by_blobs(_line_heads(root, "diff", "-U0", *_DIFF, *revs, "--"))
    return _select(root, mode, base, description, entries, added, max_bytes)


def _line_heads(root: Path, *args: str, keep: int = 256) -> Iterator[bytes]:
    """The first ``keep`` bytes of every line git writes, read as a stream: memory stays
    bounded however long the output or its lines."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=errors)
        except OSError as e:
            raise InputError(f"cannot run git in {root}: {e.strerror}") from None
        assert process.stdout is not None
        with process:
            head, full = b"", False
            while chunk := process.stdout.read(1 << 16):
                *ended, rest = chunk.split(b"\n")
                for piece in ended:
                    yield head if full else (head + piece)[:keep]
                    head, full = b"", False
                if not full:
                    head = (head + rest)[:keep + 1]
                    full = len(head) > keep
                    head = head[:keep]
            if head:
                yield head
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(process.returncode)}")


def _tracked(root: Path, max_bytes: int | None) -> Selection:
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        file_mode, _kind, sha = meta.split(b" ")
        entries.append(_Entry(path, file_mode, sha.decode()))
    return _select(root, "all", None, "all tracked files at HEAD", entries, {}, max_bytes)


def _raw_entries(raw: bytes) -> list[_Entry]:
    """The files a change adds or modifies, from ``git diff --raw -z``: records
    ``:old_mode new_mode old_sha new_sha STATUS`` NUL path NUL (NUL new path NUL for a
    rename or copy). Deleted files are left out; a merge conflict is an error."""
    fields = raw.split(b"\0")
    entries, i = [], 0
    while i < len(fields) and fields[i]:
        header = fields[i].lstrip(b":").split(b" ")
        _old_mode, new_mode, old_sha, new_sha, status = header[:5]
        paths = 2 if status[:1] in (b"R", b"C") else 1
        path = fields[i + paths]
        i += 1 + paths
        if status[:1] == b"D":
            continue
        if status[:1] == b"U":
            raise InputError(f"{shown_path(path)} has unresolved merge conflicts: resolve them before checking")
        entries.append(_Entry(path, new_mode, new_sha.decode(), old_sha.decode()))
    return entries


def _added_by_blobs(patch: Iterator[bytes]) -> dict[tuple[str, str], set[int]]:
    """(old blob, new blob) -> added line numbers, from the lines (or their first bytes)
    of ``git diff -U0 --full-index``.

    Each file's section of the patch names its blobs on its ``index`` line; the hunks
    that follow belong to that pair. Hunk lines start with ``+``, ``-``, a space or ``\\``,
    so no file content can be taken for a header, and paths are never parsed.
    """
    out: dict[tuple[str, str], set[int]] = {}
    key: tuple[str, str] | None = None
    for line in patch:
        if line.startswith(b"diff --git "):
            key = None
        elif key is None and line.startswith(b"index "):
            found = _INDEX.match(line)
            if found:
                key = (found.group(1).decode(), found.group(2).decode())
                out.setdefault(key, set())
        elif key is not None and line.startswith(b"@@"):
            hunk = _HUNK.match(line)
            if hunk:
                start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
                out[key].update(range(start, start + count))
    return out


def _select(root: Path, mode: str, base: str | None, description: str, entries: list[_Entry],
            added: dict[tuple[str, str], set[int]], max_bytes: int | None) -> Selection:
    """The regular files among ``entries`` that add lines, read from git."""
    passed_over: dict[str, int] = {}
    wanted: list[tuple[_Entry, frozenset[int] | None]] = []
    for entry in entries:
        if entry.mode not in REGULAR_MODES:
            kind = SKIPPED_MODES.get(entry.mode, "not a regular file")
            passed_over[kind] = passed_over.get(kind, 0) + 1
            continue
        if entry.old_sha is None:
            wanted.append((entry, None))
            continue
        lines: set[int] | None = added.get((entry.old_sha, entry.sha))
        if lines is None and set(entry.old_sha) != {"0"}:
            # A type change (e.g. a symlink that became a file) is a deletion and an
            # addition in a patch: the new file's lines are all added.
            lines = added.get(("0" * len(entry.sha), entry.sha))
        if lines:
            wanted.append((entry, frozenset(lines)))
    sizes = _sizes(root, [entry for entry, _ in wanted])
    limit = max_bytes if max_bytes is not None else float("inf")
    too_large = tuple((entry.path, sizes[entry.sha]) for entry, _ in wanted if sizes[entry.sha] > limit)
    if too_large:
        wanted = [(entry, added_lines) for entry, added_lines in wanted if sizes[entry.sha] <= limit]
    blobs = _blobs(root, [entry for entry, _ in wanted])
    files = []
    for entry, added_lines in wanted:
        data = blobs[entry.sha]
        files.append(ChangedFile(entry.path, data, added_lines if added_lines is not None else
                                 frozenset(range(1, data.count(b"\n") + 2))))
    files.sort(key=lambda f: f.path)
    return Selection(mode, base, description, files, passed_over, too_large)


def _sizes(root: Path, entries: list[_Entry]) -> dict[str, int]:
    """The size of every entry's blob (``git cat-file --batch-check``); a blob git cannot
    find is an error."""
    ids = list(dict.fromkeys(entry.sha for entry in entries))
    if not ids:
        return {}
    lines = git(root, "cat-file", "--batch-check", input="".join(f"{sha}\n" for sha in ids).encode()).split(b"\n")
    sizes = {}
    for sha, line in zip(ids, lines):
        header = line.split(b" ")
        if len(header) != 3 or header[1] != b"blob":
            _unreadable(entries, sha, header)
        sizes[sha] = int(header[2])
    return sizes


def _unreadable(entries: list[_Entry], sha: str, header: list[bytes]) -> None:
    path = next(shown_path(e.path) for e in entries if e.sha == sha)
    raise InputError(f"cannot read {path} (blob {sha[:10]}) from git: "
                     f"{b' '.join(header[1:]).decode('utf-8', 'replace') or 'no answer'}")


def _blobs(root: Path, entries: list[_Entry]) -> dict[str, bytes]:
    """The content of every entry's blob, read with one ``git cat-file --batch`` by id."""
    ids = list(dict.fromkeys(entry.sha for entry in entries))
    if not ids:
        return {}
    out = git(root, "cat-file", "--batch", input="".join(f"{sha}\n" for sha in ids).encode())
    blobs, pos = {}, 0
    for sha in ids:
        end = out.find(b"\n", pos)
        header = out[pos:end].split(b" ") if end >= 0 else [b""]
        if len(header) != 3 or header[1] != b"blob" or end < 0:
            _unreadable(entries, sha, header)
        size = int(header[2])
        blobs[sha] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return blobs
