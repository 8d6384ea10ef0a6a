"""The Elasticsearch store end to end, on the suite's real node.

The same sample is indexed through the real CLI into the embedded store and into
Elasticsearch; scans must give the same reports. Then the ways it can go wrong for a
user: no node at the URL, wrong credentials, an index built with other parameters,
documents the cluster refuses.
"""
from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from attrib.params import FingerprintParams
from attrib.store import Credentials, open_store
from test_cli import SAMPLE, SNIPPET, sample_rows

ROOT = Path(__file__).resolve().parents[1]


def attrib(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attrib", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def refused(done: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2 with one ``error:`` line (no traceback) that contains ``words``."""
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def env(tmp_path_factory, es_node) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("ATTRIB_")}
    e["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    return {**e, **es_node.env()}


@pytest.fixture(scope="module")
def stores(es_node, env, tmp_path_factory):
    """The sample indexed by the CLI into both stores: (sqlite path, Elasticsearch URL)."""
    sqlite = tmp_path_factory.mktemp("parity") / "sample.db"
    elastic = es_node.store_url()
    runs = [subprocess.Popen([sys.executable, "-m", "attrib", "--store", str(s), "index", SAMPLE], env=env,
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for s in (sqlite, elastic)]
    for run in runs:
        out, err = run.communicate(timeout=600)
        ok(subprocess.CompletedProcess(run.args, run.returncode, out, err))
    yield sqlite, elastic
    es_node.delete_index(elastic)


@pytest.fixture(scope="module")
def queries(tmp_path_factory) -> Path:
    """Query files: 40-line spans of every 4th sample file, and the README's snippet."""
    folder = tmp_path_factory.mktemp("queries")
    for n, ((_repo, path), row) in enumerate(sorted(sample_rows().items())[::4]):
        lines = row["content"].splitlines()
        start = len(lines) // 3
        (folder / f"q{n:02d}_{Path(path).name}").write_text("\n".join(lines[start:start + 40]) + "\n")
    (folder / "snippet.py").write_text(SNIPPET.read_text())
    return folder


def test_same_scan_report_on_both_stores(stores, queries, env):
    reports = [json.loads(ok(attrib("--store", s, "scan", queries, "--format", "json", env=env)).stdout)
               for s in stores]
    for r in reports:
        del r["index"]  # name and location differ; everything else must not
    sqlite, elastic = reports
    assert sqlite["summary"]["matched_lines"] > 200  # the comparison has substance
    assert elastic == sqlite


def test_stats_agree_and_loading_settings_are_restored(stores, env, es_node):
    sqlite, elastic = (json.loads(ok(attrib("--store", s, "stats", "--format", "json", env=env)).stdout)
                       for s in stores)
    for key in ("files", "sources", "repos", "bytes", "postings", "languages", "licenses", "params"):
        assert elastic[key] == sqlite[key], key
    name = stores[1].rsplit("/", 1)[1]
    settings = es_node.request("GET", f"/{name}-postings/_settings")[f"{name}-postings"]["settings"]["index"]
    assert settings.get("refresh_interval", "1s") != "-1"
    assert settings["number_of_replicas"] == "0"  # the node's one data node: the recorded count
    mapping = es_node.request("GET", f"/{name}-postings/_mapping")[f"{name}-postings"]["mappings"]
    k = mapping["properties"]["k"]
    # One space-separated value cut by the whitespace analyzer into keyword-like terms:
    # documents only, no norms, as a keyword array would be indexed.
    assert (k["type"], k["analyzer"], k["index_options"], k["norms"]) == ("text", "whitespace", "docs", False)


def test_reindexing_into_elasticsearch_changes_nothing(stores, env, es_node):
    name = stores[1].rsplit("/", 1)[1]
    before = {p: es_node.request("GET", f"/{name}-{p}/_count")["count"] for p in ("files", "sources", "postings")}
    done = ok(attrib("--store", stores[1], "index", SAMPLE, env=env))
    assert "Already indexed: 113 files" in done.stderr
    after = {p: es_node.request("GET", f"/{name}-{p}/_count")["count"] for p in ("files", "sources", "postings")}
    assert after == before


def test_two_sharded_indexers_at_once_fill_one_index(stores, es_node, env):
    """`--shard 0/2` and `--shard 1/2` run at the same time into one new index (both
    create it): together they give exactly the single run's index and scans."""
    url = es_node.store_url()
    try:
        runs = [subprocess.Popen([sys.executable, "-m", "attrib", "--store", url, "index", SAMPLE, "--shard", shard],
                                 env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for shard in ("0/2", "1/2")]
        indexed = []
        for run in runs:
            out, err = run.communicate(timeout=600)
            ok(subprocess.CompletedProcess(run.args, run.returncode, out, err))
            indexed.append(int(re.search(r"Indexed ([\d,]+) files", err)[1].replace(",", "")))
        assert sum(indexed) == 113 and min(indexed) > 0
        whole, sharded = (json.loads(ok(attrib("--store", s, "stats", "--format", "json", env=env)).stdout)
                          for s in (stores[1], url))
        for key in ("files", "sources", "repos", "bytes", "postings", "licenses"):
            assert sharded[key] == whole[key], key
        reports = [json.loads(ok(attrib("--store", s, "scan", SNIPPET, "--format", "json", env=env)).stdout)
                   for s in (stores[1], url)]
        assert [r["files"] for r in reports[1:]] == [reports[0]["files"]]
    finally:
        es_node.delete_index(url)


def test_missing_ca_certificate_is_named(env):
    refused(attrib("--store", "https://127.0.0.1:9200/x", "--es-ca-cert", "/nonexistent/ca.pem", "stats", env=env),
            "/nonexistent/ca.pem", "--es-ca-cert")


def test_unreachable_node_is_one_clear_line(env):
    line = refused(attrib("--store", "http://127.0.0.1:9/attrib", "scan", SNIPPET, env=env),
                   "http://127.0.0.1:9", "unreachable")
    assert "scripts/elasticsearch start" in line


@pytest.mark.parametrize("status", [200, 404])
def test_a_server_that_is_not_elasticsearch_is_named_so(env, status):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        refused(attrib("--store", url + "/attrib", "scan", SNIPPET, env=env), url, "not an Elasticsearch server")
    finally:
        server.shutdown()


def test_wrong_password_is_one_clear_line_without_the_secret(stores, env):
    bad = {**env, "ATTRIB_ES_PASSWORD": "not-the-password-s3cret"}
    line = refused(attrib("--store", stores[1], "scan", SNIPPET, env=bad), "refused the credentials", "401")
    assert "s3cret" not in line and "--es-password" in line


def test_wrong_api_key_and_missing_credentials(stores, env):
    bad = {k: v for k, v in env.items() if not k.startswith("ATTRIB_ES_")}
    refused(attrib("--store", stores[1], "--es-api-key", "bm9wZTpub3Bl", "scan", SNIPPET, env=bad),
            "refused the credentials", "--es-api-key")
    line = refused(attrib("--store", stores[1], "stats", env=bad), "401")
    assert "none were given" in line


def test_credentials_in_the_url_work_and_are_never_shown(stores, env, es_node):
    plain = {k: v for k, v in env.items() if not k.startswith("ATTRIB_ES_")}
    url = stores[1].replace("http://", f"http://{es_node.user}:{es_node.password}@")
    done = ok(attrib("--store", url, "stats", env=plain))
    assert es_node.password not in done.stdout + done.stderr


def test_index_built_with_other_parameters_is_refused(es_node, es_store_url, env):
    store = open_store(es_store_url, mode="create", credentials=Credentials(es_node.user, es_node.password))
    store.ensure_params(FingerprintParams(window_tokens=30))
    store.close()
    refused(attrib("--store", es_store_url, "scan", SNIPPET, env=env), "window_tokens")
    refused(attrib("--store", es_store_url, "index", SNIPPET, env=env), "window_tokens")


def test_documents_the_cluster_refuses_are_counted_and_retried_on_rerun(es_node, es_store_url, env):
    # Create the store, then block writes to its files index: the cluster refuses every
    # file document (403), as a full disk or a closed index would.
    store = open_store(es_store_url, mode="create", credentials=Credentials(es_node.user, es_node.password))
    store.close()
    name = es_store_url.rsplit("/", 1)[1]
    es_node.request("PUT", f"/{name}-files/_settings", body={"index": {"blocks.write": True}})
    line = refused(attrib("--store", es_store_url, "index", SAMPLE, env=env), "documents were not stored",
                   "re-run")
    assert "113 files were left unindexed" in line
    es_node.request("PUT", f"/{name}-files/_settings", body={"index": {"blocks.write": False}})
    done = ok(attrib("--store", es_store_url, "index", SAMPLE, env=env))
    assert "Indexed 113 files" in done.stderr
    assert json.loads(ok(attrib("--store", es_store_url, "stats", "--format", "json", env=env)).stdout)["files"] == 113


def test_bad_store_urls_are_clear(env):
    refused(attrib("--store", "http://127.0.0.1:9200/Bad Name", "stats", env=env), "bad index name")
    refused(attrib("--store", "http://127.0.0.1:9200/x?shards=0", "stats", env=env), "shards")
    refused(attrib("--store", "http://127.0.0.1:9200/x?colour=red", "stats", env=env), "unknown option")


def test_a_load_that_ends_in_one_segment_drops_its_recovery_source(es_node, es_store_url, monkeypatch):
    """A postings document has no ``_source``, so Elasticsearch keeps its original as
    ``_recovery_source`` until a merge after the retention lease moved: a load that left
    one segment gets a second (an empty document no lookup or count sees), so the final
    merge drops it. (The size threshold is lowered for this small load; the lease takes up
    to its 30-second sync.)"""
    import attrib.store.elastic as elastic
    from attrib.indexer import pipeline
    from realcode import click_files, raw

    monkeypatch.setattr(elastic, "SETTLE_BYTES", 0)
    store = open_store(es_store_url, mode="create", credentials=Credentials(es_node.user, es_node.password))
    try:
        stats = pipeline.run([raw(p) for p in click_files()[:6]], store)  # ends with store.finish()
        name = es_store_url.rsplit("/", 1)[1]
        usage = es_node.request("POST", f"/{name}-postings/_disk_usage?run_expensive_tasks=true")[f"{name}-postings"]
        kept = usage["fields"].get("_recovery_source", {}).get("total_in_bytes", 0)
        assert kept < 1024 < usage["store_size_in_bytes"]  # the settling document's own, at most
        segments = es_node.request("GET", f"/{name}-postings/_segments")["indices"][f"{name}-postings"]["shards"]
        assert [c["num_search_segments"] for copies in segments.values() for c in copies] == [1]
        after = store.stats()
        assert (after.files, after.postings) == (6, stats.postings)  # the settling document holds none
        from attrib.match import attribute
        assert attribute(click_files()[0].read_text(), store, lang="Python")  # still found
    finally:
        store.close()
