"""Where code comes from: The Stack on the hub, local Stack-schema files, local repos.

Every source yields :class:`attrib.files.RawFile` items, and a
:class:`~attrib.files.Skipped` for each file or row it would not read (a symlink, a
FIFO, a row too large or too deeply nested); decoding, filtering and fingerprinting
happen once, in :mod:`attrib.indexer.pipeline`, which counts the skipped ones.

The spec forms :func:`open_source` accepts:

- ``hf:bigcode/the-stack`` — The Stack streamed from the Hugging Face Hub (any dataset
  id in its schema, e.g. ``hf:bigcode/the-stack-dedup``); ``langs`` picks its
  ``data/<lang>`` folders, none means all of it;
- a ``.parquet``, ``.jsonl``, ``.json``, ``.jsonl.gz`` or ``.json.gz`` file — rows in
  The Stack's schema (:mod:`.stack`);
- a directory holding mostly such files, searched recursively — all of them
  (``data/python/*.parquet``, The Stack's own layout);
- any other directory or file — code on disk: a git work tree's tracked files, or a
  plain directory walk (:mod:`.local`).

``max_file_bytes`` caps what is read of one file (or one dataset row: 6 times that, for
JSON escapes); ``langs`` keeps rows/files of those languages (``"python"``, ``"Python"``, ``"C#"`` and
``"c-sharp"`` all work); ``shard`` keeps one of N disjoint parts of the source
(:mod:`.shard`); ``limit`` then stops after that many files. ``repo``, ``commit`` and
``licenses`` override what a local directory says about itself; for Stack-schema files
they only fill in rows that lack those fields.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Protocol, runtime_checkable

from attrib.errors import InputError, MissingExtra
from attrib.files import DEFAULT_MAX_FILE_BYTES, RawFile, Skipped, regular_file_problem
from attrib.indexer.sources.shard import WHOLE, Shard
from attrib.languages import lang_key

HUB_PREFIX = "hf:"


@runtime_checkable
class Source(Protocol):
    """What the indexer reads from: a description, a size hint, and the files."""

    def describe(self) -> str:
        """One line for the progress bar, e.g. ``3 parquet files under data/python``."""

    def estimated_total(self) -> int | None:
        """How many files iteration will yield, if cheaply known (for a progress bar)."""

    def __iter__(self) -> Iterator[RawFile | Skipped]:
        """The files (and what was skipped), read lazily; a new iteration starts over."""


def open_source(spec: str, *, langs: list[str] | None = None, limit: int | None = None,
                repo: str | None = None, commit: str | None = None,
                licenses: tuple[str, ...] | None = None, shard: Shard = WHOLE,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Source:
    """Open the source ``spec`` names (see the module docstring for the forms).

    Raises :class:`InputError` for a missing path, a path that is neither a directory
    nor a regular file (a FIFO, a device), a bad ``limit``, a hub that cannot be
    reached or refuses access, and a damaged local parquet file.
    """
    if limit is not None and limit < 0:
        raise InputError(f"the limit must be 0 or more, not {limit}")
    from attrib.indexer.sources.datafiles import stack_data_files
    from attrib.indexer.sources.local import open_local

    keys = frozenset(lang_key(lang) for lang in langs or () if lang.strip())
    if spec.startswith(HUB_PREFIX):
        stack = _stack(f"indexing {spec}", hub=True)
        return stack.open_hub(spec[len(HUB_PREFIX):], langs=keys, limit=limit,
                              defaults=stack.Defaults(repo, commit, licenses), shard=shard)
    path = Path(spec).expanduser()
    if not path.exists():
        raise InputError(f"no such file or directory: {spec}")
    problem = regular_file_problem(path)
    if problem:
        raise InputError(f"cannot index {spec}: {problem}; give a file or a directory")
    data_files = stack_data_files(path)
    if data_files is not None:
        stack = _stack(f"indexing {spec} (data files in The Stack's schema)")
        return stack.open_local_stack(path, data_files, langs=keys, limit=limit,
                                      defaults=stack.Defaults(repo, commit, licenses), shard=shard,
                                      max_file_bytes=max_file_bytes)
    return open_local(path, repo=repo, commit=commit, licenses=licenses, langs=keys, limit=limit,
                      shard=shard, max_file_bytes=max_file_bytes)


_STACK_PACKAGES = frozenset({"datasets", "pyarrow", "huggingface_hub", "pandas", "fsspec"})


def _stack(what: str, *, hub: bool = False) -> ModuleType:
    """:mod:`.stack`, imported now (most commands never need it), with ``datasets`` for
    the hub (it takes about a second to import; local data files are read without it); a
    :class:`MissingExtra` naming the ``stack`` extra when its packages are not installed."""
    try:
        from attrib.indexer.sources import stack
        if hub:
            stack.load_datasets()
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] in _STACK_PACKAGES:
            raise MissingExtra("stack", what) from None
        raise
    return stack


__all__ = ["RawFile", "Shard", "Skipped", "Source", "open_source"]
