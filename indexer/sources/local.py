"""Code on disk: a git work tree, a plain directory, or a single file.

In a git work tree the files are the *tracked* ones, listed by ``git ls-files -s -z``
(whose modes leave out tracked symlinks and submodules). The repository is named from
``origin`` (``github.com/owner/name`` → ``owner/name``), else from the work tree's
folder; the commit is ``HEAD`` ("" before the first commit). Untracked and ignored
files are left out.

A plain directory is walked in sorted order, skipping dependency, build and hidden
folders (:data:`attrib.files.SKIPPED_DIRS`, ``.*``) and hidden files (``.env`` and the
like are not code to attribute, and may hold secrets).

Files are read one at a time, as bytes, when the iterator reaches them, and only
inside the tree (:func:`attrib.files.read_confined`): a symlink is never followed (a tracked file
replaced by a link to ``~/.ssh/id_rsa`` is skipped, not stored), nor a folder that
leads out of the tree, and only regular files are opened -- FIFOs, sockets and devices
are skipped without being opened, so nothing blocks. Each of these is a
:class:`Skipped` item, counted in the summary. Licenses: the caller's ``licenses``
apply to every file as given; otherwise the repository's detected licenses go with each
file, and the pipeline weighs them against the file's own header
(:mod:`attrib.evidence`), as it does for every source.
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from attrib.files import DEFAULT_MAX_FILE_BYTES, Entry, RawFile, Skipped, read_confined, walk_directory
from attrib.indexer.sources.licenses import detect_repo_licenses
from attrib.indexer.sources.shard import WHOLE, Shard
from attrib.languages import from_path, lang_key

log = logging.getLogger(__name__)

_GIT_SYMLINK, _GIT_SUBMODULE = "120000", "160000"
_SCP_REMOTE = re.compile(r"^(?:[\w.-]+@)?[\w.-]+:(?!//)(?P<path>.+)$")  # git@host:owner/name.git


@dataclass(frozen=True)
class LocalSource:
    """Files on disk as :class:`RawFile` items, read lazily."""

    description: str
    list_files: Callable[[], Iterator[Entry]]
    root: Path
    """The tree files are read from: nothing outside it is read (:func:`read_confined`)."""
    repo: str
    commit: str = ""
    licenses: tuple[str, ...] = ()
    licenses_given: bool = False
    """True when the caller named the licenses: they then apply as given, headers or not."""
    first_seen: str | None = None
    """The date of the repository's first commit (UTC), for :mod:`attrib.origin`."""
    langs: frozenset[str] = frozenset()
    limit: int | None = None
    total_files: int | None = None
    shard: Shard = WHOLE
    """Files are kept when their blob sha falls in this shard."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Larger files are skipped after reading one byte more than this, never whole."""

    def describe(self) -> str:
        return self.description

    def estimated_total(self) -> int | None:
        total = self.shard.expected(self.total_files)
        if total is None:
            return self.limit
        return total if self.limit is None else min(total, self.limit)

    def __iter__(self) -> Iterator[RawFile | Skipped]:
        emitted = 0
        if self.limit == 0:
            return
        for entry in self.list_files():
            lang = from_path(entry.path)
            if lang is None:  # not code (LICENSE, README without extension, data files)
                continue
            if self.langs and lang_key(lang) not in self.langs:
                continue
            data = read_confined(entry, self.root, self.max_file_bytes)
            if isinstance(data, Skipped):
                yield data
                continue
            if not self.shard.keeps(data):
                continue
            yield RawFile(data=data, repo=self.repo, path=entry.path, commit=self.commit,
                          licenses=self.licenses, lang=lang, licenses_given=self.licenses_given,
                          first_seen=self.first_seen)
            emitted += 1
            if emitted == self.limit:
                return


def open_local(path: Path, *, repo: str | None = None, commit: str | None = None,
               licenses: tuple[str, ...] | None = None, langs: frozenset[str] = frozenset(),
               limit: int | None = None, shard: Shard = WHOLE,
               max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LocalSource:
    """A source over an existing directory or file; ``repo``/``commit``/``licenses`` override.

    A shard (:mod:`.shard`) keeps the files whose blob sha falls in it."""
    path = path.resolve()
    folder = path if path.is_dir() else path.parent
    top = git_toplevel(folder)
    entries = git_entries(top, folder, "." if path.is_dir() else path.name) if top else []
    list_files: Callable[[], Iterator[Entry]]
    is_git = bool(top and (entries or path.is_dir()))  # a work tree, or a tracked file in one
    if top and is_git:
        wanted = [e for e in entries if _lang_key_of(e.path) and (not langs or _lang_key_of(e.path) in langs)]
        list_files, total, root = partial(iter, wanted), len(wanted), top
        found_repo = repo_name_from_remote(_git(top, "remote", "get-url", "origin") or "") or top.name
        found_commit = (_git(top, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
        first_seen = _first_commit_date(top) if found_commit else None
    elif path.is_dir():
        if (path / ".git").exists():
            log.warning("%s looks like a git repository but git cannot read it; "
                        "indexing it as a plain directory", path)
        list_files, total, root = partial(walk_directory, path), None, path
        found_repo, found_commit, first_seen = path.name, "", None
    else:  # a single file outside git, or untracked
        list_files, total, root = partial(iter, [Entry(path.name, path)]), 1, folder
        found_repo, found_commit, first_seen = folder.name, "", None
    name = repo or found_repo
    head = commit if commit is not None else found_commit
    if is_git:
        description = f"git repository {name}" + (f" @ {head[:12]}" if head else "")
    else:
        description = f"{'directory' if path.is_dir() else 'file'} {path}"
    return LocalSource(
        description=shard.label(description),
        list_files=list_files,
        root=root,
        repo=name,
        commit=head,
        licenses=licenses if licenses is not None else detect_repo_licenses(root),
        licenses_given=licenses is not None,
        first_seen=first_seen,
        langs=langs,
        limit=limit,
        total_files=total,
        shard=shard,
        max_file_bytes=max_file_bytes,
    )


def _first_commit_date(top: Path) -> str | None:
    """The committer date of the repository's first (root) commit, in UTC, as
    ``YYYY-MM-DDTHH:MM:SS``; None when git cannot tell."""
    roots = (_git(top, "rev-list", "--max-parents=0", "HEAD") or "").split()
    dates = [(_git(top, "show", "-s", "--format=%ct", root) or "").strip() for root in roots]
    stamps = [int(d) for d in dates if d.isdigit()]
    if not stamps:
        return None
    return datetime.fromtimestamp(min(stamps), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _lang_key_of(path: str) -> str | None:
    lang = from_path(path)
    return lang_key(lang) if lang else None


# ---------------------------------------------------------------------------------------
# git


def _git(cwd: Path, *args: str) -> str | None:
    """Output of a git command run in ``cwd``; ``None`` if it fails or git is missing.

    Pathspecs are literal (``GIT_LITERAL_PATHSPECS``): a file named ``[id].tsx`` means
    itself, not a glob.
    """
    env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, env=env,
                              check=False)
    except OSError:  # git is not installed
        return None
    if done.returncode != 0:
        return None
    return os.fsdecode(done.stdout)


def git_toplevel(folder: Path) -> Path | None:
    """The root of the git work tree ``folder`` is in, or ``None``."""
    out = _git(folder, "rev-parse", "--show-toplevel")
    return Path(out.strip()).resolve() if out and out.strip() else None


def git_entries(top: Path, folder: Path, pathspec: str) -> list[Entry]:
    """Tracked files under ``pathspec`` (relative to ``folder``, in the work tree rooted
    at ``top``).

    ``git ls-files -s -z`` prints ``<mode> <sha> <stage>\\t<path>\\0`` per index entry
    (the mode tells tracked symlinks and submodules apart); ``--full-name`` makes the
    paths relative to the work-tree root, as permalinks need.
    """
    listing = _git(folder, "ls-files", "-s", "-z", "--full-name", "--", pathspec)
    if not listing:
        return []
    entries: dict[str, Entry] = {}  # a conflicted file has one entry per stage: keep one
    for record in listing.split("\0"):
        meta, _, rel = record.partition("\t")
        fields = meta.split()
        if len(fields) != 3 or fields[0] in (_GIT_SYMLINK, _GIT_SUBMODULE) or rel in entries:
            continue
        entries[rel] = Entry(rel, top / rel)
    return list(entries.values())


def repo_name_from_remote(url: str) -> str | None:
    """``owner/name`` from a remote URL (https, ssh, scp-like), or ``None``.

    The host is dropped and the path kept whole, so GitLab subgroups stay distinct;
    local paths and ``file://`` remotes name no hosted repository.

    >>> repo_name_from_remote("https://github.com/bigcode-project/starcoder.git")
    'bigcode-project/starcoder'
    >>> repo_name_from_remote("git@github.com:psf/requests.git")
    'psf/requests'
    >>> repo_name_from_remote("ssh://git@gitlab.com:2222/group/sub/proj")
    'group/sub/proj'
    >>> repo_name_from_remote("/srv/git/project.git") is None
    True
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in {"http", "https", "ssh", "git", "git+ssh", "ssh+git"} and parts.hostname:
        path = parts.path
    elif (scp := _SCP_REMOTE.match(url)) and not url.startswith(("/", ".")):
        path = scp.group("path")
    else:
        return None
    path = path.strip("/")
    path = path[:-4] if path.endswith(".git") else path
    segments = [segment for segment in path.split("/") if segment]
    return "/".join(segments) if len(segments) >= 2 else None
