"""Real Elasticsearch nodes for tests.

The shared node is the one ``scripts/test`` (and so CI) starts with
``scripts/elasticsearch``; its address and login arrive in ``ATTRIB_TEST_ES_URL``,
``ATTRIB_TEST_ES_USER`` and ``ATTRIB_TEST_ES_PASSWORD``. Without them the Elasticsearch
tests skip, except where ``ATTRIB_TEST_ES_REQUIRED`` is set (CI): there a missing node
fails them.

:class:`PrivateNode` starts a second node of the same distribution that a test may
kill and restart (fault tests), through the same script.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "elasticsearch"


@dataclass(frozen=True)
class Node:
    """A running node: base URL and the superuser's login."""

    url: str
    user: str
    password: str

    def store_url(self, name: str | None = None) -> str:
        """A fresh attrib index name on this node (tests never share an index)."""
        return f"{self.url}/{name or 'test-' + uuid.uuid4().hex[:12]}"

    def env(self) -> dict[str, str]:
        """Environment for an ``attrib`` subprocess that logs in to this node."""
        return {"ATTRIB_ES_USER": self.user, "ATTRIB_ES_PASSWORD": self.password}

    def request(self, method: str, path: str, **kw):
        """A raw request with the official client (for checks and fault set-up)."""
        from elasticsearch import Elasticsearch

        with Elasticsearch(self.url, basic_auth=(self.user, self.password)) as es:
            return es.perform_request(method, path, headers={"accept": "application/json",
                                                             "content-type": "application/json"}, **kw).body

    def delete_index(self, store_url: str) -> None:
        name = store_url.rsplit("/", 1)[1]
        self.request("DELETE", f"/{name}-*")


def shared_node() -> Node:
    """The suite's node, or skip (fail under ``ATTRIB_TEST_ES_REQUIRED``)."""
    url = os.environ.get("ATTRIB_TEST_ES_URL")
    if not url:
        message = ("no Elasticsearch node for the tests: run them with scripts/test, which starts one, "
                   "or start one with scripts/elasticsearch start and export `scripts/elasticsearch env` "
                   "as ATTRIB_TEST_ES_URL/USER/PASSWORD")
        if os.environ.get("ATTRIB_TEST_ES_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return Node(url.rstrip("/"), os.environ.get("ATTRIB_TEST_ES_USER", "attrib"),
                os.environ.get("ATTRIB_TEST_ES_PASSWORD", ""))


class PrivateNode:
    """A node of its own (home and port) that a test may kill and restart."""

    def __init__(self, port: int, settings: dict[str, str] | None = None) -> None:
        # Not under pytest's private temporary directory: as root, the node runs as
        # `nobody`, who must be able to enter its home.
        self.home = Path(tempfile.mkdtemp(prefix="attrib-es-"))
        self.port = port
        self.settings = settings or {}
        self.node: Node | None = None

    def _script(self, command: str, *extra: str) -> str:
        args = [str(SCRIPT), command, "--home", str(self.home), "--port", str(self.port), *extra]
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/elasticsearch {command} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> Node:
        extra = [a for k, v in self.settings.items() for a in ("--setting", f"{k}={v}")]
        self._script("start", "--heap", "384m", *extra)
        password = (self.home / "password").read_text().strip()
        self.node = Node(f"http://127.0.0.1:{self.port}", "attrib", password)
        return self.node

    def kill(self) -> None:
        self._script("kill")

    def stop(self) -> None:
        """Stop the node and delete its home."""
        self._script("stop")
        shutil.rmtree(self.home, ignore_errors=True)
