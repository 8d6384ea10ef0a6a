"""Attribution from many threads at once gives the answers one thread gives.

The web server attributes on a pool of worker threads and ``attrib generate`` on a
watcher thread, while the matcher keeps module-level caches (lexed stored files). Here
eight threads attribute the same queries at once, each with its own store (as the web
workers have), with the cache kept small so that threads keep evicting each other's
entries, and every answer must equal the single-threaded one.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from attrib import match
from attrib.match import attribute
from attrib.store import open_store
from realcode import click_files

THREADS = 8
ROUNDS = 3


def queries() -> list[tuple[str, str]]:
    """(name, text): slices of real indexed files, some with unrelated code around them."""
    out = []
    for n, path in enumerate(click_files()[:8]):
        lines = path.read_text().splitlines()
        start = (n * 37) % max(1, len(lines) - 40)
        piece = "\n".join(lines[start:start + 30])
        out.append((path.name, piece if n % 2 else "def unrelated(x):\n    return x * 3\n" + piece))
    return out


@pytest.fixture
def small_cache(monkeypatch):
    """An empty lexed-file cache that holds only a few files: threads evict each other."""
    monkeypatch.setattr(match, "_LEXED", type(match._LEXED)())
    monkeypatch.setattr(match, "_lexed_tokens", 0)
    monkeypatch.setattr(match, "_LEXED_MAX_TOKENS", 20_000)


def test_many_threads_get_the_answers_of_one(click_store, small_cache):
    location = click_store.location
    work = queries() * ROUNDS
    with open_store(location) as store:
        expected = {name: attribute(text, store, lang="Python") for name, text in queries()}
    assert all(expected.values()), "every query is a copy of indexed code"
    local = threading.local()
    stores = []

    def one(item: tuple[str, str]) -> tuple[str, list]:
        if not hasattr(local, "store"):
            local.store = open_store(location)
            stores.append(local.store)
        name, text = item
        return name, attribute(text, local.store, lang="Python")

    start = threading.Barrier(THREADS)

    def wait_then(item):
        if not hasattr(local, "started"):
            local.started = True
            start.wait(timeout=60)  # every thread begins at once
        return one(item)

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            got = list(pool.map(wait_then, work))
    finally:
        for s in stores:
            s.close()
    assert len(got) == len(work)
    for name, matches in got:
        assert matches == expected[name], name
    assert match._lexed_tokens <= match._LEXED_MAX_TOKENS or len(match._LEXED) == 1
    assert match._lexed_tokens == sum(len(v) for v in match._LEXED.values()), "the cache's count stayed true"


def test_cached_lexed_files_are_read_only(click_store, small_cache):
    text = dict(queries())[click_files()[0].name]
    with open_store(click_store.location) as store:
        attribute(text, store, lang="Python")
    [lexed, *_] = match._LEXED.values()
    with pytest.raises(ValueError):
        lexed.norm[0] = 0


def test_cached_arrays_are_read_only():
    """What the fingerprint and lexer caches hand to every thread cannot be changed."""
    from attrib import fingerprint, lexer
    from attrib.languages import resolve
    from attrib.params import DEFAULT_PARAMS as P

    shared = [*fingerprint.permutations(P.num_perm, P.seed, P.scheme), fingerprint._band_seeds(P.bands, 0),
              lexer._keyword_hashes(resolve("Python"))]
    for array in shared:
        with pytest.raises(ValueError):
            array[0] = 1


def test_freeze_reaches_into_tuples_and_dataclasses():
    import dataclasses

    import numpy as np

    from attrib.frozen import frozen_cache

    @dataclasses.dataclass(frozen=True)
    class Rules:
        parts: tuple

    @frozen_cache(maxsize=4)
    def make(n: int) -> Rules:
        return Rules(((n, np.arange(n)), [np.zeros(n)]))

    made = make(3)
    assert make(3) is made, "cached"
    with pytest.raises(ValueError):
        made.parts[0][1][0] = 7
    with pytest.raises(ValueError):
        made.parts[1][0][0] = 7
