"""Shared fixtures: a store built from real code, the real Elasticsearch node, clean environments."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from attrib.store import open_store
from attrib.indexer import pipeline
from realcode import click_files, raw


@pytest.fixture(scope="session")
def click_store(tmp_path_factory):
    """A SQLite store holding click's source files."""
    path = tmp_path_factory.mktemp("store") / "click.db"
    store = open_store(str(path), mode="create")
    pipeline.run([raw(p) for p in click_files()], store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def es_node():
    """The suite's real Elasticsearch node (see tests/elastic.py)."""
    from elastic import shared_node

    return shared_node()


@pytest.fixture
def es_store_url(es_node):
    """A fresh, empty attrib index name on the shared node, deleted afterwards."""
    url = es_node.store_url()
    yield url
    es_node.delete_index(url)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The bundled Stack sample indexed by the real ``attrib index`` (SQLite), once per
    session. Tests only read it."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    path = tmp_path_factory.mktemp("sample-index") / "sample.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIB_")}
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    done = subprocess.run([sys.executable, "-m", "attrib", "--store", str(path), "index",
                           str(root / "examples" / "stack-sample")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    """The environment of attrib subprocesses: none of the developer's ATTRIB_* settings,
    a private XDG data dir (so the default store is never the user's), no system git
    config. Modules that need another override this fixture."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIB_")}
    e["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    e["GIT_CONFIG_NOSYSTEM"] = "1"
    return e


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No ATTRIB_STORE from the environment; a private XDG data dir."""
    monkeypatch.delenv("ATTRIB_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path
