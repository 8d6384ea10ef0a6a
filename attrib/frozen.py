"""Memoised values that threads can share: :func:`frozen_cache`.

The web server's worker threads and ``attrib generate``'s watcher thread attribute at
the same time, so what a cache hands out is shared between threads. A cached numpy
array is made read-only before it is shared: a caller that wrote into it by mistake
gets an error instead of changing every other caller's answer.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def freeze(value: T) -> T:
    """``value`` with every numpy array in it (in tuples, lists, dataclasses) read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for item in value:
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    return value


def frozen_cache(maxsize: int | None = 128) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """:func:`functools.lru_cache` whose results are :func:`freeze`\\ d once, when made."""
    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        cached = lru_cache(maxsize=maxsize)(lambda *args: freeze(fn(*args)))

        @wraps(fn)
        def call(*args: Any) -> T:
            return cached(*args)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call

    return decorate
