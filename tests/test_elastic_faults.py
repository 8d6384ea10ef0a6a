"""Faults on a real Elasticsearch node of the test's own, which it overloads and kills.

The node runs with a write queue of one task (``thread_pool.write.queue_size: 1``) on
two write threads: a bulk request that fans out to several shards gets real 429
rejections, a storm the indexer must ride out by backing off, losing nothing.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elastic import PrivateNode
from test_cli import SAMPLE, SNIPPET

ROOT = Path(__file__).resolve().parents[1]
PORT = 9260
SAMPLE_FILES = 113  # indexable files of examples/stack-sample


@pytest.fixture(scope="module")
def node(es_node):  # es_node: skip/fail together with the shared node
    private = PrivateNode(PORT, {"thread_pool.write.queue_size": "1"})
    private.start()
    yield private
    private.stop()


@pytest.fixture(scope="module")
def reference(env, tmp_path_factory) -> tuple[dict, int]:
    """The embedded store's scan report of the snippet and posting count, for the sample."""
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    run(env, "--store", db, "index", SAMPLE)
    return scan(env, db), postings(env, db)


def run(env: dict, *args, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "attrib", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr}"
    return done


def scan(env: dict, store) -> dict:
    report = json.loads(run(env, "--store", store, "scan", SNIPPET, "--format", "json").stdout)
    del report["index"]
    return report


def postings(env: dict, store) -> int:
    return json.loads(run(env, "--store", store, "stats", "--format", "json").stdout)["postings"]


def counts(node: PrivateNode, name: str) -> dict[str, int]:
    node.node.request("POST", f"/{name}-*/_refresh")
    return {p: node.node.request("GET", f"/{name}-{p}/_count")["count"] for p in ("files", "sources", "postings")}


def rejected(node: PrivateNode) -> int:
    stats = node.node.request("GET", "/_nodes/stats/thread_pool")
    return sum(n["thread_pool"]["write"]["rejected"] for n in stats["nodes"].values())


def test_429_storm_backs_off_and_loses_nothing(node, env, reference):
    login = {**env, **node.node.env()}
    before = rejected(node)
    url = node.node.store_url("storm") + "?shards=6"  # each bulk fans out to 6+ shard tasks
    run(login, "--store", url, "index", SAMPLE)
    assert rejected(node) > before  # the cluster really did push back
    got = counts(node, "storm")
    assert got["files"] == got["sources"] == SAMPLE_FILES
    assert (scan(login, url), postings(login, url)) == reference


def test_node_killed_mid_index_then_rerun_gives_the_exact_index(node, env, reference):
    login = {**env, **node.node.env(), "ATTRIB_ES_RETRY_SECONDS": "3"}
    url = node.node.store_url("killed")
    indexer = subprocess.Popen([sys.executable, "-m", "attrib", "--store", url, "index", SAMPLE], env=login,
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while True:  # kill the node once the first postings are being written
        assert indexer.poll() is None, "the indexer finished before the node could be killed"
        assert time.monotonic() < deadline, "no document was written in time"
        try:
            stats = node.node.request("GET", "/killed-postings/_stats/indexing")
            if stats["_all"]["primaries"]["indexing"]["index_total"] > 0:
                break
        except Exception:  # the index does not exist yet
            pass
        time.sleep(0.1)
    node.kill()
    out, err = indexer.communicate(timeout=120)
    assert indexer.returncode == 2, err
    assert "Traceback" not in err
    assert "unreachable" in err and node.node.url in err
    node.start()
    run(login, "--store", url, "index", SAMPLE)
    got = counts(node, "killed")
    assert got["files"] == got["sources"] == SAMPLE_FILES
    assert (scan(login, url), postings(login, url)) == reference
