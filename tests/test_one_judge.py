"""One judge: the same code under the same policy gets the same matches and verdicts
from all five front ends -- ``attrib scan``, ``attrib check``, ``attrib generate``,
``attrib notice`` and the web API -- each run for real, in a project (a git repository)
with its own policy file and notice file.

The code is what the tiny model writes: it memorised three files of the sample, so
given the first lines of one it writes the rest. Each case pairs such a document with a
policy that exercises one part of the judge: a denied license, a notice the project
already gives (acknowledged), a notice it lacks, and the policy's filters
(``ignore_sources``, ``min_lines``) dropping a copy everywhere.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest

pytest.importorskip("torch", reason="the model extra is not installed: pip install -e '.[model]'")

from test_cli import attrib, git, ok, sample_rows, validate  # noqa: E402
from test_web import Server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny-starcoder"
REQUESTS = ("psf/requests", "requests/structures.py")      # Apache-2.0: permissive
CHARDET = ("chardet/chardet", "chardet/utf8prober.py")      # LGPL-2.1-or-later: copyleft-limited
ITSDANGEROUS = ("pallets/itsdangerous", "src/itsdangerous/url_safe.py")  # BSD-3-Clause: permissive

CASES = {
    # name: (memorised file, .attrib.toml, NOTICE text, the verdicts every front end must give)
    "denied": (CHARDET, 'min_lines = 3\n', "", {("fail", "fail", False)}),
    "credited": (REQUESTS, '[categories]\npermissive = "require-notice"\n',
                 "Parts of this project come from psf/requests (Apache-2.0).\n", {("pass", "notice", True)}),
    "notice-missing": (ITSDANGEROUS, 'min_similarity = 0.5\n[licenses]\n"BSD-3-Clause" = "require-notice"\n',
                       "Credits: pallets/click\n", {("notice", "notice", False)}),
    "ignored": (ITSDANGEROUS, 'ignore_sources = ["pallets/*"]\n', "", set()),
    "too-short": (CHARDET, 'min_lines = 1000\n', "", set()),
}


def document(report: dict) -> dict:
    """The report's entry for the document (check also reports the policy file)."""
    [entry] = [f for f in report["files"] if f["path"] in ("doc.py", str(Path("doc.py").resolve()))
               or f["path"].endswith("/doc.py")]
    return entry


def key(match: dict) -> tuple:
    s = match["source"]
    return (match["query"]["start_line"], match["query"]["end_line"], s["repo"], s["path"], s["start_line"],
            s["end_line"], match["verdict"], match["policy_verdict"], match["acknowledged"])


@pytest.fixture(scope="module")
def runs(sample_index, env, tmp_path_factory) -> dict[str, dict[str, object]]:
    """Every case through every front end: name -> front end -> what it answered."""
    env = {**env, "HF_HUB_OFFLINE": "1"}
    out = {}
    for name, (memorised, policy, notice, _) in CASES.items():
        repo = tmp_path_factory.mktemp(name)
        git(repo, "init", "-q", "-b", "main")
        (repo / ".attrib.toml").write_text(policy)
        if notice:
            (repo / "NOTICE").write_text(notice)
        prompt = tmp_path_factory.mktemp("prompt") / "head.py"
        prompt.write_text("".join(sample_rows()[memorised]["content"].splitlines(keepends=True)[:3]))
        generated = attrib("generate", "-m", TINY, "--device", "cpu", "--prompt-file", prompt, "-n", 2000,
                           "-o", repo / "doc.py", "--format", "json", store=sample_index, env=env, cwd=repo)
        assert generated.returncode == 0, generated.stderr
        code = (repo / "doc.py").read_text()
        assert code == sample_rows()[memorised]["content"], "the tiny model writes the file it memorised"
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "the document")
        scanned = ok(attrib("scan", "doc.py", "--format", "json", store=sample_index, env=env, cwd=repo))
        checked = attrib("check", "--all", "--format", "json", store=sample_index, env=env, cwd=repo)
        assert checked.returncode in (0, 1), checked.stderr
        ok(attrib("notice", "--all", "--file", "CREDITS.md", store=sample_index, env=env, cwd=repo))
        server = Server(str(sample_index), env, cwd=repo)
        try:
            served = httpx.post(server.url + "/api/attribute", json={"code": code, "path": "doc.py"}, timeout=60)
        finally:
            server.stop()
        assert served.status_code == 200, served.text
        credits = repo / "CREDITS.md"
        out[name] = {
            "scan": json.loads(scanned.stdout), "check": json.loads(checked.stdout), "check_exit": checked.returncode,
            "generate": json.loads(generated.stdout), "web": served.json(),
            "notice": set(re.findall(r"^## (\S+) — (.+)$", credits.read_text(), re.M)) if credits.exists() else set(),
        }
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_every_front_end_gives_the_same_matches_and_verdicts(case, runs):
    answers = runs[case]
    reports = {front: answers[front] for front in ("scan", "check", "generate", "web")}
    for report in reports.values():
        validate(report)
    found = {front: [key(m) for m in document(report)["matches"]] for front, report in reports.items()}
    assert found["check"] == found["scan"] == found["generate"] == found["web"], found
    *_, expected = CASES[case]
    assert {k[-3:] for k in found["scan"]} == expected
    if expected:
        assert len(found["scan"]) == 1 and found["scan"][0][2:4] == CASES[case][0], "the memorised file, whole"
    verdicts = {front: (r["summary"]["verdict"], document(r)["verdict"]) for front, r in reports.items()}
    assert len(set(verdicts.values())) == 1, verdicts
    assert answers["check_exit"] == (1 if any(v != "pass" for v, *_ in expected) else 0)


@pytest.mark.parametrize("case", list(CASES))
def test_notice_credits_what_the_judge_says_needs_a_notice(case, runs):
    answers = runs[case]
    needs = {(m["source"]["repo"], m["source"]["path"]) for m in document(answers["scan"])["matches"]
             if m["policy_verdict"] == "notice"}
    assert answers["notice"] == needs
    assert bool(needs) == (case in ("credited", "notice-missing"))


def test_the_policy_is_the_projects_everywhere(runs):
    """Every front end names the policy file it judged by: the project's."""
    for case, answers in runs.items():
        for front in ("scan", "web", "generate"):
            assert answers[front]["summary"]["policy"].endswith(".attrib.toml"), (case, front)
        assert answers["check"]["check"]["policy"].endswith(".attrib.toml")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
