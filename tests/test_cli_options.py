"""``--store``, the Elasticsearch login options and ``-q`` work before and after the
command, for every command: ``attrib --store X scan f.py`` and ``attrib scan f.py
--store X`` are the same. Each command is run for real (a subprocess) and must use the
store it was given in either place: a missing index is named in its error, an index
given after the command overrides the one given before it and ``$ATTRIB_STORE``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import SNIPPET, attrib, git, ok

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny-starcoder"

# command -> its arguments, to be run against a store that does not exist
COMMANDS = {
    "scan": ("scan", str(SNIPPET)),
    "stats": ("stats",),
    "check": ("check", "--all"),
    "notice": ("notice", "--all"),
    "generate": ("generate", "-m", str(TINY), "--device", "cpu", "-p", "import os", "-n", "2"),
    "serve": ("serve", "--port", "0"),
}


def run(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attrib", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding the snippet (a copy of indexed LGPL code)."""
    path = tmp_path_factory.mktemp("repo")
    git(path, "init", "-q", "-b", "main")
    (path / "snippet.py").write_text(SNIPPET.read_text())
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "snippet")
    return path


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_reads_the_store_given_before_or_after_it(command, where, repo, env, tmp_path):
    missing = tmp_path / f"{command}-{where}.db"
    args = COMMANDS[command]
    line = ("--store", str(missing), *args) if where == "before" else (*args, "--store", str(missing))
    done = run(*line, env=env, cwd=repo)
    assert done.returncode == 2, done.stderr
    assert "No such option" not in done.stderr and "Traceback" not in done.stderr
    assert str(missing) in done.stderr and "no index" in done.stderr, done.stderr
    assert not missing.exists(), "reading never creates an index"


@pytest.mark.parametrize("where", ["before", "after"])
def test_index_creates_the_store_given_before_or_after_it(where, env, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "a.py").write_text(SNIPPET.read_text())
    store = tmp_path / "new.db"
    args = ("index", str(code), "--limit", "5")
    ok(run(*(("--store", str(store), *args) if where == "before" else (*args, "--store", str(store))),
           env=env, cwd=tmp_path))
    assert store.exists()


def test_after_the_command_wins_over_before_it_and_the_environment(sample_index, env, tmp_path):
    decoy = tmp_path / "decoy.db"
    both = ok(run("--store", str(decoy), "scan", str(SNIPPET), "--store", str(sample_index), "--format", "json",
                  env={**env, "ATTRIB_STORE": str(decoy)}, cwd=tmp_path))
    assert json.loads(both.stdout)["files"][0]["matches"], "the sample index was used"
    env_only = run("scan", str(SNIPPET), env={**env, "ATTRIB_STORE": str(decoy)}, cwd=tmp_path)
    assert env_only.returncode == 2 and str(decoy) in env_only.stderr


def test_quiet_after_the_command(env, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "a.py").write_text(SNIPPET.read_text())
    loud = ok(run("index", str(code), "--store", str(tmp_path / "a.db"), env=env, cwd=tmp_path))
    quiet = ok(run("index", str(code), "--store", str(tmp_path / "b.db"), "-q", env=env, cwd=tmp_path))
    assert "Indexed" in loud.stderr and quiet.stderr == ""


def test_elasticsearch_login_after_the_command(es_node, env, tmp_path):
    url = es_node.store_url()
    login = es_node.env()
    try:
        ok(attrib("index", SNIPPET.parent, "--limit", "3", store=url, env={**env, **login}))
        given = ok(run("stats", "--format", "json", "--store", url, "--es-user", login["ATTRIB_ES_USER"],
                       "--es-password", login["ATTRIB_ES_PASSWORD"], env=env, cwd=tmp_path))
        assert json.loads(given.stdout)["files"] >= 1
        wrong = run("stats", "--store", url, "--es-user", login["ATTRIB_ES_USER"], "--es-password", "not-it",
                    env={**env, **login}, cwd=tmp_path)
        assert wrong.returncode == 2 and "credentials" in wrong.stderr and "not-it" not in wrong.stderr
    finally:
        es_node.delete_index(url)


def test_help_names_the_options_in_both_places(env, tmp_path):
    top = ok(run("--help", env=env, cwd=tmp_path)).stdout
    assert "--store" in top and "work before or after the command" in top
    for command in ("index", *COMMANDS):
        text = ok(run(command, "--help", env=env, cwd=tmp_path)).stdout
        for option in ("--store", "--es-user", "--es-password", "--es-api-key", "--es-ca-cert", "--quiet"):
            assert option in text, (command, option)
