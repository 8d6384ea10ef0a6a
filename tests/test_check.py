"""``attrib check`` and ``attrib notice`` on real git repositories with real commits.

The index is the bundled Stack sample, built by the real ``attrib index``; each test
makes a git repository in a temporary directory and commits real code into it: copies
of chardet (LGPL-2.1-or-later: denied by default) and requests (Apache-2.0: needs a
notice), and code of its own (``unrelated``: in no indexed file).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from test_cli import attrib, git, ok, source_slice, unrelated

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
LGPL = ("chardet/chardet", "chardet/universaldetector.py", "    def feed(", 30)
APACHE = ("psf/requests", "requests/sessions.py", "def merge_setting(", 28)


def copy_of(spec: tuple[str, str, str, int]) -> tuple[list[str], int]:
    return source_slice(*spec)


@pytest.fixture(scope="module")
def store(sample_index) -> Path:
    return sample_index


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository on ``main`` with one commit of the project's own code."""
    r = tmp_path / "project"
    (r / "src").mkdir(parents=True)
    (r / "src" / "app.py").write_text("\n".join(unrelated("app", 12)) + "\n")
    (r / "README.md").write_text("# project\n")
    git(r, "init", "-q", "-b", "main")
    commit(r, "initial")
    return r


def commit(r: Path, message: str) -> str:
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", message)
    return git(r, "rev-parse", "HEAD")


def write_module(r: Path, name: str, copied: list[str], indent: str = "") -> tuple[int, int]:
    """A module of own code with ``copied`` in the middle; the copied lines' numbers."""
    head = ["import os", "", *unrelated(name + "a", 8), ""]
    body = [indent + line if line else line for line in copied]
    tail = ["", *unrelated(name + "b", 8)]
    (r / "src" / f"{name}.py").write_text("\n".join(head + body + tail) + "\n")
    return len(head) + 1, len(head) + len(body)


def check(r: Path, store: Path, env: dict, *args) -> subprocess.CompletedProcess:
    return attrib("check", "-C", r, *args, store=store, env=env)


def said(done: subprocess.CompletedProcess) -> str:
    """Everything the command printed (text reports go to stdout, with other formats the
    closing verdict line goes to stderr)."""
    return done.stdout + done.stderr


def sarif_results(done: subprocess.CompletedProcess) -> list[dict]:
    log = json.loads(done.stdout)
    Draft7Validator(SARIF_SCHEMA).validate(log)
    return log["runs"][0]["results"]


def test_copyleft_copy_fails_with_sarif_at_exactly_the_copied_lines(repo, store, env):
    lines, source_start = copy_of(LGPL)
    first, last = write_module(repo, "detect", lines)
    commit(repo, "add detector")
    done = check(repo, store, env, "--format", "sarif")
    assert done.returncode == 1, done.stderr
    [result] = sarif_results(done)
    assert result["ruleId"] == "attrib/denied-license" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/detect.py"
    assert (location["region"]["startLine"], location["region"]["endLine"]) == (first, last)
    assert "chardet/chardet" in result["message"]["text"] and "LGPL-2.1-or-later" in result["message"]["text"]
    assert result["properties"]["source"]["start_line"] == source_start
    assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["attribCopy/v1"])
    assert "attrib check failed" in done.stderr and "1 denied" in done.stderr


def test_fingerprint_survives_code_moving_down(repo, store, env):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)
    commit(repo, "add detector")
    before = sarif_results(check(repo, store, env, "--format", "sarif", "--base", "HEAD~1"))
    path = repo / "src" / "detect.py"
    path.write_text("# a header comment\n\n\n" + path.read_text())
    commit(repo, "header")
    after = sarif_results(check(repo, store, env, "--format", "sarif", "--base", "HEAD~2"))
    assert after[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == \
        before[0]["locations"][0]["physicalLocation"]["region"]["startLine"] + 3
    assert after[0]["partialFingerprints"] == before[0]["partialFingerprints"]


def test_permissive_copy_needs_a_notice_until_attrib_notice_writes_it(repo, store, env):
    lines, _ = copy_of(APACHE)
    first, last = write_module(repo, "merge", lines)
    commit(repo, "add merge helper")
    done = check(repo, store, env, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    [match] = report["files"][0]["matches"]
    assert match["verdict"] == "notice" and match["acknowledged"] is False
    assert match["source"]["repo"] == "psf/requests" and match["source"]["licenses"] == ["Apache-2.0"]
    assert match["changed"] == [{"start_line": first, "end_line": last}]
    assert report["check"]["violations"] == 1 and report["summary"]["verdict"] == "notice"
    assert "attrib notice" in said(done)
    noticed = ok(attrib("notice", "-C", repo, store=store, env=env))
    text = (repo / "THIRD_PARTY_NOTICES").read_text()
    assert "## psf/requests — requests/sessions.py" in text and "Apache-2.0" in text
    assert "THIRD_PARTY_NOTICES" in noticed.stderr
    done = ok(check(repo, store, env, "--format", "json"))
    [match] = json.loads(done.stdout)["files"][0]["matches"]
    assert match["verdict"] == "pass" and match["acknowledged"] is True
    assert "1 credited in the notice file" in said(done)
    # Running it again changes nothing.
    ok(attrib("notice", "-C", repo, store=store, env=env))
    assert (repo / "THIRD_PARTY_NOTICES").read_text() == text


def test_unchanged_old_copies_do_not_fail_a_diff_check(repo, store, env):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)
    commit(repo, "old copy")
    (repo / "src" / "more.py").write_text("\n".join(unrelated("more", 10)) + "\n")
    path = repo / "src" / "detect.py"
    path.write_text(path.read_text() + "\n" + "\n".join(unrelated("tail", 6)) + "\n")  # touch the file too
    commit(repo, "unrelated work")
    done = ok(check(repo, store, env))
    assert "passed" in said(done)
    assert check(repo, store, env, "--all").returncode == 1, "the copy is still there for --all"


def test_feature_branch_is_checked_against_its_merge_base(repo, store, env):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)
    commit(repo, "copy on main")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "src" / "f1.py").write_text("\n".join(unrelated("f1", 10)) + "\n")
    commit(repo, "feature 1")
    (repo / "src" / "f2.py").write_text("\n".join(unrelated("f2", 10)) + "\n")
    commit(repo, "feature 2")
    done = ok(check(repo, store, env, "--format", "json"))
    assert json.loads(done.stdout)["check"]["selection"].startswith("lines added since merge base with main")
    apache, _ = copy_of(APACHE)
    write_module(repo, "merge", apache)
    commit(repo, "feature 3")
    report = json.loads(check(repo, store, env, "--format", "json").stdout)
    assert [f["path"] for f in report["files"] if f["matches"]] == ["src/merge.py"]


def test_renamed_and_reindented_copy_is_caught(repo, store, env):
    lines, _ = copy_of(LGPL)
    renamed = [re.sub(r"\bself\b", "me", re.sub(r"\bbyte_str\b", "payload", line)) for line in lines]
    assert renamed != lines
    first, last = write_module(repo, "hidden", ["class Wrapper:"] + renamed, indent="    ")
    commit(repo, "disguised copy")
    done = check(repo, store, env, "--format", "json")
    assert done.returncode == 1, done.stderr
    [match] = json.loads(done.stdout)["files"][0]["matches"]
    assert match["source"]["repo"] == "chardet/chardet" and match["verdict"] == "fail"
    assert match["query"]["start_line"] <= first + 3 and match["query"]["end_line"] >= last - 3


def test_staged_sees_only_staged_changes(repo, store, env):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)  # in the work tree, not staged
    (repo / "src" / "ok.py").write_text("\n".join(unrelated("ok", 10)) + "\n")
    git(repo, "add", "src/ok.py")
    ok(check(repo, store, env, "--staged"))
    git(repo, "add", "src/detect.py")
    assert check(repo, store, env, "--staged").returncode == 1
    # The pre-commit hook's entry point runs the same check.
    hook = subprocess.run([sys.executable, "-c", "from attrib.cli.main import precommit; precommit()",
                           "--store", str(store)], cwd=repo, env=env, capture_output=True, text=True)
    assert hook.returncode == 1 and "1 denied" in said(hook)


def test_staged_in_a_repository_without_commits(tmp_path, store, env):
    r = tmp_path / "fresh"
    r.mkdir()
    git(r, "init", "-q")
    lines, _ = copy_of(LGPL)
    (r / "x.py").write_text("\n".join(lines) + "\n")
    git(r, "add", "x.py")
    assert check(r, store, env, "--staged").returncode == 1
    done = check(r, store, env)
    assert done.returncode == 2 and "no commits yet" in done.stderr


def test_ignored_vendored_and_policy_excluded_paths_are_skipped(repo, store, env):
    lines, _ = copy_of(LGPL)
    for folder in ("vendor/chardet", "tools", "gen"):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "copy.py").write_text("\n".join(lines) + "\n")
    (repo / ".attribignore").write_text("tools/\n")
    (repo / ".attrib.toml").write_text('exclude = ["gen/**"]\n')
    commit(repo, "copies in skipped places")
    done = ok(check(repo, store, env, "--format", "json"))
    assert json.loads(done.stdout)["check"]["skipped"]["ignored"] == 3


def test_policy_file_changes_the_verdicts(repo, store, env):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)
    (repo / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.attrib.licenses]\n'
                                         '"LGPL-2.1-or-later" = "allow"\n')
    commit(repo, "allow LGPL")
    done = ok(check(repo, store, env, "--format", "json"))
    report = json.loads(done.stdout)
    [match] = [m for f in report["files"] for m in f["matches"]]
    assert match["verdict"] == "pass" and match["policy_verdict"] == "pass"
    assert report["check"]["policy"].endswith("pyproject.toml")
    (repo / "strict.toml").write_text('ignore_sources = ["chardet/*"]\n')
    report = json.loads(ok(check(repo, store, env, "--format", "json", "--all", "--policy",
                                 repo / "strict.toml")).stdout)
    assert all(not f["matches"] for f in report["files"])


def test_markdown_and_summary(repo, store, env, tmp_path):
    lines, _ = copy_of(LGPL)
    write_module(repo, "detect", lines)
    commit(repo, "copy")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    done = check(repo, store, env, "--format", "markdown", "--summary", summary, "--sarif", tmp_path / "a.sarif")
    assert done.returncode == 1
    assert "### attrib: ❌ fail" in done.stdout and "❌ license denied" in done.stdout
    assert summary.read_text().startswith("earlier step\n") and "chardet/chardet" in summary.read_text()
    Draft7Validator(SARIF_SCHEMA).validate(json.loads((tmp_path / "a.sarif").read_text()))


@pytest.mark.parametrize("args, words", [
    (["--base", "no-such-ref"], ["no such commit"]),
    (["--staged", "--all"], ["choose one of"]),
    (["--policy", "/no/such.toml"], ["no such file"]),
])
def test_usage_errors_exit_2(repo, store, env, args, words):
    done = check(repo, store, env, *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr


def test_bad_policy_file_exits_2_naming_key_and_line(repo, store, env):
    (repo / ".attrib.toml").write_text('min_lines = 3\n\n[categories]\ncopyleft = "forbid"\n')
    done = check(repo, store, env)
    assert done.returncode == 2 and "line 4" in done.stderr and "categories.copyleft" in done.stderr


def test_not_a_repository_and_unreachable_store_exit_2(tmp_path, repo, env):
    done = attrib("check", "-C", tmp_path, store=tmp_path / "x.db", env=env)
    assert done.returncode == 2 and "not inside a git repository" in done.stderr
    done = attrib("check", "-C", repo, store="http://127.0.0.1:9/attrib", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "passed" not in done.stderr
    done = attrib("check", "-C", repo, store=tmp_path / "missing.db", env=env)
    assert done.returncode == 2 and "no index" in done.stderr


def test_an_empty_index_fails_closed(tmp_path, repo, env):
    """An index with nothing in it would pass every change: the check cannot run."""
    from attrib.store import open_store

    open_store(str(tmp_path / "empty.db"), mode="create").close()
    write_module(repo, "copied", copy_of(LGPL)[0])
    commit(repo, "copy")
    for args in (("--all",), ("--base", "HEAD~1"), ("--staged",)):
        done = attrib("check", "-C", repo, *args, store=tmp_path / "empty.db", env=env)
        assert done.returncode == 2 and "is empty" in done.stderr and "passed" not in done.stderr, args


# --------------------------------------------------------------------------- the GitHub Action


def _action_step(key: str, value: str) -> dict:
    """The step of ``action.yml`` whose ``key`` is ``value``."""
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    return next(step for step in action["runs"]["steps"] if step.get(key) == value)


def _evaluate(condition: str, values: dict[str, str]) -> bool:
    """A GitHub expression of ==, !=, && and || over the given values, as Python."""
    expression = condition.replace("&&", " and ").replace("||", " or ")
    for name, value in values.items():
        expression = expression.replace(name, repr(value))
    return bool(eval(expression, {"__builtins__": {}}))  # noqa: S307 - our own action file


# The fake `attrib` ends the way a real process can: an exit code, or killed by a signal.
ENDINGS = {"0": "exit 0", "1": "exit 1", "2": "exit 2", "3": "exit 3", "124": "exit 124",
           "137": "kill -KILL $$", "139": "kill -SEGV $$", "143": "kill -TERM $$"}


@pytest.mark.parametrize("version, installed", [("", "/actions/attrib[elastic]"),
                                                ("attrib==0.1.0", "attrib==0.1.0")])
def test_the_action_installs_what_check_needs(version, installed, tmp_path):
    """By default the action installs its own source with the elastic extra (the core
    checks against SQLite; an index in Elasticsearch needs the client); `version`
    replaces that requirement."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(f"#!/bin/bash\necho \"$@\" > {tmp_path}/args\n")
    fake.chmod(0o755)
    step = _action_step("name", "Install attrib")
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "INPUT_VERSION": version, "ACTION_SOURCE": "/actions/attrib"}
    assert set(step["env"]) == {"INPUT_VERSION", "ACTION_SOURCE"}
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env, check=True)
    assert (tmp_path / "args").read_text().split()[-1] == installed


@pytest.mark.parametrize("code", list(ENDINGS))
def test_the_action_fails_the_job_on_any_exit_but_0_and_1(code, tmp_path):
    """The action's check step, run by bash as GitHub runs it, around an `attrib` that
    ends with each code: only 0 and 1 let the job go on (1 then fails it in its own
    step, after the SARIF upload)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "attrib"
    fake.write_text(f"#!/bin/bash\necho \"$@\" > {tmp_path}/args\n{ENDINGS[code]}\n")
    fake.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(_action_step("id", "check")["run"])
    outputs = tmp_path / "outputs"
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(outputs),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "INPUT_POLICY": "", "INPUT_BASE": "abc123",
           "INPUT_SARIF": "attrib.sarif"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                          capture_output=True, text=True)
    assert outputs.read_text() == f"exit-code={code}\n"
    assert (done.returncode == 0) == (code in ("0", "1")), (code, done.returncode, done.stdout)
    assert "--base abc123 --sarif attrib.sarif --summary" in (tmp_path / "args").read_text()
    step_outputs = {"steps.check.outputs.exit-code": code, "inputs.sarif": "attrib.sarif"}
    if done.returncode == 0:  # later steps run only when this one succeeded
        assert _evaluate(_action_step("name", "Upload SARIF")["if"], step_outputs)
        assert _evaluate(_action_step("name", "Fail on violations")["if"], step_outputs) == (code == "1")
    assert not _evaluate(_action_step("name", "Upload SARIF")["if"], {**step_outputs, "inputs.sarif": ""})

