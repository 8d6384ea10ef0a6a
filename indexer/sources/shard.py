"""Shards: one of N disjoint parts of a source, so N indexers on N machines fill one index.

``attrib index SOURCE --shard i/N`` reads only shard ``i``; the N shards together are the
whole source, none overlapping, whatever machine runs them — the split depends only on
what the source holds, never on the machine, the clock or the order of work.

Two ways to split, picked by :meth:`Shard.split` (the one place that decides):

* **by data file** — a Stack-schema source with at least N data files (a download of
  ``data/python/``, The Stack on the hub): shard ``i`` reads the files at positions
  ``i, i + N, i + 2N, ...`` of their list sorted by name, so each machine reads only its
  share of the terabytes;
* **by blob sha** — anything else (fewer data files than N, one file, a local directory
  or git repository): every shard reads everything but keeps only the files whose git
  blob sha, as an integer, is ``i`` modulo N. The check comes before decoding and
  fingerprinting, so another shard's file costs its reading and at most a hash. The
  same content lands in the same shard wherever it appears.

``Shard(0, 1)`` (:data:`WHOLE`) is the whole source: every check passes at no cost.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from attrib.files import git_blob_sha

T = TypeVar("T")
_SHARD = re.compile(r"^\s*(-?\d+)\s*/\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (``0 <= index < count``)."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"no shard {self}: in i/N the number of shards N must be 1 or more")
        if not 0 <= self.index < self.count:
            raise ValueError(f"no shard {self}: in i/N the shard number i must be 0 to {self.count - 1}")

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``"2/4"`` -> ``Shard(2, 4)``; ValueError says what is wrong with anything else.

        >>> Shard.parse("2/4")
        Shard(index=2, count=4)
        >>> Shard.parse("4/4")
        Traceback (most recent call last):
        ValueError: no shard 4/4: in i/N the shard number i must be 0 to 3
        """
        found = _SHARD.match(text)
        if found is None:
            raise ValueError(f"{text!r} is not a shard: expected i/N with 0 <= i < N, e.g. 0/4 to 3/4")
        return cls(int(found[1]), int(found[2]))

    @property
    def whole(self) -> bool:
        return self.count == 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def label(self, description: str) -> str:
        """A source's description with this shard named: ``"data/python (shard 2/4)"``."""
        return description if self.whole else f"{description} (shard {self})"

    def split(self, files: Sequence[T]) -> tuple[list[T], "Shard"]:
        """The data files to read, and the shard to filter their rows by.

        With at least ``count`` files: this shard's files and :data:`WHOLE`, as every row
        of them is ours. With fewer: all of the files, and this shard, so each row is kept
        or not by its sha. ``files`` come sorted by name, so every machine splits the
        same list the same way (:func:`.datafiles.stack_data_files` walks folders in name
        order, :func:`.stack.hub_data_files` sorts).

        >>> Shard(1, 2).split(["a", "b", "c"])
        (['b'], Shard(index=0, count=1))
        >>> Shard(1, 4).split(["a", "b", "c"])
        (['a', 'b', 'c'], Shard(index=1, count=4))
        """
        if len(files) >= self.count:
            return list(files[self.index::self.count]), WHOLE
        return list(files), self

    def keeps(self, data: bytes | str) -> bool:
        """Whether a file belongs to this shard, by the git blob sha of ``data`` (the
        id the index gives it: :func:`blob_sha`)."""
        if self.whole:
            return True
        return int(blob_sha(data), 16) % self.count == self.index

    def expected(self, total: int | None) -> int | None:
        """About how many of ``total`` files a sha-filtered shard keeps (a progress hint)."""
        return total if total is None or self.whole else -(-total // self.count)


WHOLE = Shard()


def blob_sha(data: bytes | str) -> str:
    """The git blob sha of a file's content, text encoded as the pipeline encodes it
    (:func:`attrib.files.decode`), so a shard and the index agree on every file's id."""
    return git_blob_sha(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
