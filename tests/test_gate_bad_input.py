"""Bad input for the gate's commands -- ``check``, ``notice``, ``generate`` -- and the
output options of every command, as a table of generated cases.

Each case runs against a fresh copy of a real git repository (in its own directory,
next to an ``outside/`` directory that stands for the rest of the machine) and asserts:

* the exit code is the expected one, always in {0, 1, 2}: errors are 2 with an
  ``error:`` line (naming what the case says it must), violations are 1, never a pass
  for an error;
* no ``Traceback`` in the output, and no raw escape character on the terminal;
* no hang: in-process cases run under an alarm, subprocess cases under a timeout;
* the index is byte for byte unchanged;
* nothing was written outside the case's tree: ``outside/`` is as it was and the case's
  directory holds nothing new but what the case wrote into ``out/``;
* and per case, what the case is about (an output left intact, a notice not credited
  from outside the tree, ...).

Argument-level cases run in-process through click's runner (the real command code, real
git, the real SQLite index); cases where the process itself matters -- FIFOs, devices,
resource limits, signals -- run the real console script in a subprocess.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrib.cli.main import cli
from test_check import APACHE, LGPL, copy_of
from test_cli import attrib, git, ok, unrelated

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny-starcoder"
ROOT_USER = os.geteuid() == 0
TIMEOUT = 120  # seconds a case may take before it counts as a hang


class Hang(BaseException):
    """Raised by the alarm in an in-process case (a BaseException: no handler of
    attrib's may turn a hang into an exit code)."""


# --------------------------------------------------------------------------- the layout of a case


@dataclass
class Layout:
    """One case's tree: ``repo`` (a copy of a template repository), ``out`` (where
    outputs go), ``outside`` (stands for the rest of the machine)."""

    case: Path
    repo: Path
    out: Path
    outside: Path
    store: Path

    def fill(self, text: str) -> str:
        for key, value in (("repo", self.repo), ("out", self.out), ("outside", self.outside), ("case", self.case),
                           ("tiny", TINY)):
            text = text.replace("{" + key + "}", str(value))
        return text


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    expect: int = 2
    words: tuple[str, ...] = ()  # each must appear in the error line (exit 2)
    template: str = "lgpl"  # lgpl (a denied copy) | apache (a copy that needs a notice) | clean
    setup: Callable[[Layout], None] | None = None
    after: Callable[[Layout, "Run"], None] | None = None
    process: bool = False  # the real console script in a subprocess
    limits: tuple[tuple[int, int], ...] = ()  # resource limits of that subprocess
    env: tuple[tuple[str, str], ...] = ()  # more environment for that subprocess
    store: str = "sample"  # sample | missing | notes | directory | empty | unreachable
    skip: str | None = None


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


# --------------------------------------------------------------------------- set-up helpers


def write(rel: str, data: str | bytes) -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        path = lay.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return setup


def policy(text: str, name: str = ".attrib.toml") -> Callable[[Layout], None]:
    return write(name, text)


def link(rel: str, target: str) -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        path = lay.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(lay.fill(target))
    return setup


def fifo(rel: str, base: str = "repo") -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        path = getattr(lay, base) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    return setup


def mkdir(rel: str, base: str = "repo") -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        (getattr(lay, base) / rel).mkdir(parents=True, exist_ok=True)
    return setup


def both(*steps: Callable[[Layout], None]) -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        for step in steps:
            step(lay)
    return setup


def run_git(*args: str) -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        git(lay.repo, *(lay.fill(a) for a in args))
    return setup


def commit_all(lay: Layout) -> None:
    git(lay.repo, "add", "-A")
    git(lay.repo, "commit", "-q", "-m", "more")


GOOD = "GOOD REPORT\n"
FILE_LIMIT = 50_000  # bytes a process may write to one file in the file-too-large cases (SQLite needs 32 KB)


def good_output(name: str, lines: int = 1) -> Callable[[Layout], None]:
    """An existing good output file that a failing write must leave as it was."""
    def setup(lay: Layout) -> None:
        (lay.out / name).write_text(GOOD * lines)
    return setup


def kept(name: str, lines: int = 1) -> Callable[[Layout, Run], None]:
    def after(lay: Layout, run: Run) -> None:
        assert (lay.out / name).read_text() == GOOD * lines, "a failed write damaged the existing file"
        assert sorted(p.name for p in lay.out.iterdir()) == [name], "a temporary file was left behind"
    return after


def readonly(rel: str, base: str = "out") -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        path = getattr(lay, base) / rel
        if not path.exists():
            path.write_text("GOOD REPORT\n")
        path.chmod(0o444 if path.is_file() else 0o555)
    return setup


def no_notice_written(lay: Layout, run: Run) -> None:
    assert not any(p.name.startswith("NOTICE") or "NOTICES" in p.name for p in lay.repo.iterdir()
                   if p.is_file() and not p.is_symlink()), "a notice file was written"


# --------------------------------------------------------------------------- the table


def _check_and_notice(args: tuple[str, ...], expect: int = 2, words: tuple[str, ...] = (), **kw) -> dict[str, Case]:
    """The same bad selection input for ``check`` and ``notice`` (they share it)."""
    return {
        "check": Case(("check", "-C", "{repo}", *args), expect, words, **kw),
        "notice": Case(("notice", "-C", "{repo}", *args), expect, words, **kw),
    }


SELECTION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "base-unknown": (("--base", "no-such-ref"), ("no such commit",)),
    "base-empty": (("--base", ""), ("no such commit",)),
    "base-dash": (("--base", "-x"), ("no such commit",)),
    "base-option-lookalike": (("--base", "--output=/tmp/attrib-x"), ("no such commit",)),
    "base-too-far": (("--base", "HEAD~99"), ("no such commit",)),
    "base-markup": (("--base", "x[/y]"), ("no such commit",)),
    "base-escape": (("--base", "\x1b[31mred"), ("no such commit",)),
    "base-blob": (("--base", "HEAD:README.md"), ("no such commit",)),
    "base-tree": (("--base", "HEAD^{tree}"), ("no such commit",)),
    "base-range": (("--base", "HEAD~1..HEAD"), ("no such commit",)),
    "base-long": (("--base", "x" * 5000), ("no such commit",)),
    "staged-and-all": (("--staged", "--all"), ("choose one of",)),
    "base-and-all": (("--base", "HEAD", "--all"), ("choose one of",)),
    "base-and-staged": (("--base", "HEAD", "--staged"), ("choose one of",)),
    "repo-missing": (("-C", "{case}/nowhere"), ("no such directory",)),
    "repo-is-a-file": (("-C", "{repo}/README.md"), ("no such directory",)),
    "repo-not-git": (("-C", "{out}"), ("not inside a git repository",)),
    "repo-git-dir": (("-C", "{repo}/.git"), ("not inside a git repository",)),
    "policy-missing": (("--policy", "{case}/none.toml"), ("no such file",)),
    "policy-directory": (("--policy", "{out}"), ("not a regular file",)),
    "policy-dev-null": (("--policy", "/dev/null"), ("not a regular file",)),
    "policy-dev-zero": (("--policy", "/dev/zero"), ("not a regular file",)),
    "policy-binary": (("--policy", "{outside}/binary.toml"), ("not UTF-8",)),
    "policy-not-toml": (("--policy", "{outside}/notes.toml"), ("not valid TOML",)),
    "policy-huge": (("--policy", "{outside}/huge.toml"), ("larger than",)),
    "unknown-option": (("--bogus",), ("No such option",)),
}

POLICY_VALUES: dict[str, list[str]] = {
    "min_lines": ['"4"', "0", "-1", "1.5", "true", "[]", "{}", "1979-05-27"],
    "min_similarity": ['"x"', "-0.1", "1.1", "nan", "inf", "true", "[]", "{a = 1}"],
    "ignore_sources": ['"x"', "[1]", '[""]', "[[]]", "{}", "true"],
    "notice_files": ['"x"', "[1]", '[""]', '["../outside/NOTICE"]', '["/etc/passwd"]',
                     '["a/../../outside/NOTICE"]', '["NOTICE", "../x"]', '["docs/.."]'],
    "exclude": ['"x"', "[1]", '["!"]', '["\\\\"]', '["[z-a]"]', "{}"],
    "categories": ['["allow"]', '"deny"', '{permissive = ["allow"]}', "{permissive = {a = 1}}",
                   "{permissive = 1}", "{permissive = true}", '{bogus = "allow"}', '{copyleft = "forbid"}'],
    "licenses": ['{MIT = ["allow"]}', "{MIT = {}}", "{MIT = 1}", '"x"', "[]", '{MIT = "yes"}'],
}

DEEP = 5000


def _deep_policies() -> dict[str, str]:
    return {
        "deep-array": "min_lines = " + "[" * DEEP + "]" * DEEP + "\n",
        "deep-inline-table": "min_lines = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
        "deep-table-header": "[" + ".".join(["a"] * DEEP) + "]\nx = 1\n",
        "deep-array-in-categories": "[categories]\npermissive = " + "[" * DEEP + "]" * DEEP + "\n",
    }


def _project_file_cases() -> dict[str, Case]:
    """The project's own files: policy, pyproject, .attribignore, notice files."""
    c: dict[str, Case] = {}
    check = ("check", "-C", "{repo}")
    for key, values in POLICY_VALUES.items():
        table = key in ("categories", "licenses")
        for i, value in enumerate(values):
            text = f"{key} = {value}\n"
            c[f"policy-{key}-{i}"] = Case(check, 2, (".attrib.toml", "line 1"), setup=policy(text))
            if not table:
                c[f"pyproject-{key}-{i}"] = Case(check, 2, ("pyproject.toml", "line 4"), setup=policy(
                    f'[project]\nname = "p"\n[tool.attrib]\n{text}', "pyproject.toml"))
    for name, text in _deep_policies().items():
        c[f"policy-{name}"] = Case(check, 2, (".attrib.toml",), setup=policy(text))
        c[f"pyproject-{name}"] = Case(check, 2, ("pyproject.toml",), setup=policy(
            "[tool.attrib]\n" + text.replace("[a.", "[tool.attrib.a.").replace("[categories]",
                                                                               "[tool.attrib.categories]"),
            "pyproject.toml"))
    c["policy-invalid-toml"] = Case(check, 2, ("not valid TOML",), setup=policy("min_lines = = 3\n"))
    c["policy-binary"] = Case(check, 2, ("not UTF-8",), setup=policy(b"\x89PNG\r\n\x1a\n\xff\xfe" * 20))
    c["policy-unknown-key"] = Case(check, 2, ("unknown key",), setup=policy("colour = 'blue'\n"))
    c["policy-is-a-directory"] = Case(check, 2, ("not a regular file",), setup=mkdir(".attrib.toml"))
    c["policy-link-out"] = Case(check, 2, ("outside the repository",),
                                setup=link(".attrib.toml", "{outside}/lenient.toml"))
    c["policy-link-inside"] = Case(check, 1, setup=both(write("conf/p.toml", "min_lines = 2\n"),
                                                        link(".attrib.toml", "conf/p.toml")))
    c["policy-fifo"] = Case(check, 2, ("not a regular file",), setup=fifo(".attrib.toml"), process=True)
    # (the [tool.attrib] line inside a string makes the file look like it has a policy)
    c["pyproject-tool-not-table"] = Case(check, 2, ("tool must be a table",), setup=policy(
        'tool = "x"\nnotes = """\n[tool.attrib]\n"""\n', "pyproject.toml"))
    c["pyproject-attrib-not-table"] = Case(check, 2, ("tool.attrib must be a table",), setup=policy(
        '[tool]\nattrib = 3\nnotes = """\n[tool.attrib]\n"""\n', "pyproject.toml"))
    c["pyproject-link-out"] = Case(check, 2, ("outside the repository",),
                                   setup=link("pyproject.toml", "{outside}/pyproject.toml"))
    c["pyproject-fifo"] = Case(check, 2, ("not a regular file",), setup=fifo("pyproject.toml"), process=True)
    c["policy-empty"] = Case(check, 1, setup=policy(""))
    c["policy-empty-notice-files"] = Case(check, 1, setup=policy("notice_files = []\n"))
    c["notice-empty-notice-files"] = Case(("notice", "-C", "{repo}"), 2, ("notice_files",), template="apache",
                                          setup=policy("notice_files = []\n"))
    c["policy-licenses-empty-id"] = Case(check, 1, setup=policy('[licenses]\n"" = "allow"\n'))
    # .attribignore
    for i, pattern in enumerate(["!", "\\", "[z-a]", "ok/\n!\n"]):
        c[f"attribignore-invalid-{i}"] = Case(check, 2, (".attribignore", "line"), setup=write(".attribignore",
                                                                                             pattern + "\n"))
    c["attribignore-binary"] = Case(check, 1, setup=write(".attribignore", bytes(range(128, 256)) * 4))
    c["attribignore-directory"] = Case(check, 2, ("not a regular file",), setup=mkdir(".attribignore"))
    c["attribignore-link-out"] = Case(check, 2, ("outside the repository",),
                                      setup=link(".attribignore", "{outside}/ignore-everything"))
    c["attribignore-fifo"] = Case(check, 2, ("not a regular file",), setup=fifo(".attribignore"), process=True)
    c["attribignore-huge"] = Case(check, 2, ("larger than",), setup=write(".attribignore", b"# x\n" * 4_300_000))
    # Notice files outside the tree must neither credit a copy nor be written.
    credit_outside = {
        "dotdot": policy('notice_files = ["../outside/NOTICE"]\n'),
        "absolute": policy('notice_files = ["{outside}/NOTICE"]\n'),
        "link": link("NOTICE", "{outside}/NOTICE"),
        "link-dir": both(link("docs", "{outside}"), policy('notice_files = ["docs/NOTICE"]\n')),
    }
    for name, setup in credit_outside.items():
        for command in ("check", "notice"):
            c[f"{command}-notice-file-outside-{name}"] = Case(
                (command, "-C", "{repo}"), 2, ("leads outside the repository",), template="apache",
                setup=_absolute_policy(setup), after=no_notice_written)
    c["check-notice-file-fifo"] = Case(check, 2, ("not a regular file",), template="apache",
                                       setup=fifo("NOTICE"), process=True)
    c["check-notice-file-directory"] = Case(check, 2, ("not a regular file",), template="apache",
                                            setup=mkdir("THIRD_PARTY_NOTICES"))
    c["check-notice-file-inside-credits"] = Case(check, 0, template="apache",
                                                 setup=write("NOTICE", "Credits: psf/requests\n"))
    return c


def _absolute_policy(setup: Callable[[Layout], None]) -> Callable[[Layout], None]:
    """A set-up whose policy text may name ``{outside}``: filled in when it runs."""
    def run(lay: Layout) -> None:
        setup(lay)
        own = lay.repo / ".attrib.toml"
        if own.is_file() and not own.is_symlink():
            own.write_text(lay.fill(own.read_text()))
    return run


def _repository_cases() -> dict[str, Case]:
    c: dict[str, Case] = {}
    check = ("check", "-C", "{repo}")
    c["blob-missing-base"] = Case((*check, "--base", "HEAD~1"), 2, ("unable to read",), setup=_lose_blob)
    c["blob-missing-all"] = Case((*check, "--all"), 2, ("cannot read", "detect.py"), setup=_lose_blob)
    c["no-commits"] = Case(check, 2, ("no commits yet",), setup=_no_commits)
    c["no-commits-staged"] = Case((*check, "--staged"), 1, setup=_no_commits)
    c["merge-conflict-staged"] = Case((*check, "--staged"), 2, ("merge conflicts",), setup=_conflict)
    c["shallow-missing-base"] = Case((*check, "--base", "HEAD~1"), 2, ("no such commit",), setup=_shallow)
    c["detached-head"] = Case(check, 1, setup=run_git("checkout", "-q", "--detach", "HEAD"))
    c["subdirectory"] = Case(("check", "-C", "{repo}/src"), 1)
    c["symlink-to-outside-committed"] = Case((*check, "--all", "--format", "json"), 1, setup=both(
        link("src/passwd.py", "/etc/passwd"), commit_all), after=_skipped("symlink"))
    since = (*check, "--base", "HEAD~2")  # the copy's commit and the one the set-up adds
    c["gitattributes-binary"] = Case(since, 1, setup=both(write(".gitattributes", "*.py binary\n"), commit_all))
    c["gitattributes-no-diff"] = Case(since, 1, setup=both(write(".gitattributes", "*.py -diff -text\n"),
                                                           commit_all))
    c["gitattributes-textconv"] = Case(since, 1, setup=both(
        write(".gitattributes", "*.py diff=hide\n"), run_git("config", "diff.hide.textconv", "true"), commit_all))
    c["config-diff-options"] = Case(check, 1, setup=both(*(run_git("config", k, v) for k, v in (
        ("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"), ("diff.relative", "true"),
        ("diff.external", "false"), ("core.quotePath", "true"), ("diff.renames", "copies"),
        ("color.diff", "always"), ("diff.suppressBlankEmpty", "true")))))
    c["big-file-threshold"] = Case(check, 1, setup=run_git("config", "core.bigFileThreshold", "10"))
    c["submodule"] = Case((*since, "--format", "json"), 1, setup=_submodule, after=_skipped("submodule"))
    c["worktree-fifo-after-commit"] = Case((*check, "--all"), 1, setup=both(
        lambda lay: (lay.repo / "src" / "detect.py").unlink(), fifo("src/detect.py")))
    c["empty-and-one-byte-files"] = Case((*check, "--all", "--format", "json"), 1, setup=both(
        write("empty.py", b""), write("one.py", b"x"), commit_all))
    # Copies cannot hide behind what their bytes look like (the indexer skips such files).
    for name, extra in (("nul-byte", b"\0"), ("invalid-utf8", bytes(range(128, 256)) * 40),
                        ("long-line", b"# " + b"x" * 30_000), ("padded-over-1-mb", b"y = 2\n" * 200_000)):
        c[f"copy-hidden-by-{name}"] = Case(since, 1, setup=both(_append_to_copy(extra), commit_all))
    over = b"x = 1\n" * 900_000  # 5.4 MB
    c["code-over-the-size-limit"] = Case(check, 2, ("big.py", ".attribignore"), template="clean",
                                         setup=both(write("big.py", over), commit_all))
    c["code-over-the-size-limit-ignored"] = Case((*check, "--format", "json"), 0, template="clean", setup=both(
        write("big.py", over), commit_all, write(".attribignore", "big.py\n")), after=_skipped("ignored"))
    c["code-over-the-size-limit-generated"] = Case((*check, "--format", "json"), 0, template="clean", setup=both(
        write("big.py", over), write(".gitattributes", "big.py linguist-generated\n"), commit_all),
        after=_skipped("ignored"))
    c["data-over-the-size-limit"] = Case((*check, "--format", "json"), 0, template="clean", setup=both(
        write("big.dat", over), commit_all), after=_skipped("too-large"))
    c["undecodable-data"] = Case((*check, "--format", "json"), 0, template="clean", setup=both(
        write("latin.dat", bytes(range(128, 256)) * 40), commit_all), after=_skipped("undecodable"))
    return c


def _skipped(reason: str) -> Callable[[Layout, Run], None]:
    def after(lay: Layout, run: Run) -> None:
        assert json.loads(run.stdout)["check"]["skipped"].get(reason) == 1, run.stdout
    return after


def _append_to_copy(extra: bytes) -> Callable[[Layout], None]:
    def setup(lay: Layout) -> None:
        path = lay.repo / "src" / "detect.py"
        path.write_bytes(path.read_bytes() + extra + b"\n")
    return setup


def _lose_blob(lay: Layout) -> None:
    """Delete the committed copy's blob from the object store: git cannot read it."""
    sha = git(lay.repo, "rev-parse", "HEAD:src/detect.py")
    (lay.repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()


def _no_commits(lay: Layout) -> None:
    shutil.rmtree(lay.repo / ".git")
    git(lay.repo, "init", "-q", "-b", "main")
    git(lay.repo, "add", "-A")


def _conflict(lay: Layout) -> None:
    git(lay.repo, "checkout", "-q", "-b", "other", "HEAD~1")
    (lay.repo / "src" / "detect.py").write_text("x = 1\n")
    commit_all(lay)
    subprocess.run(["git", "-C", str(lay.repo), "-c", "user.name=t", "-c", "user.email=t@t", "merge", "-q", "main"],
                   capture_output=True)


def _shallow(lay: Layout) -> None:
    source = lay.case / "full"
    lay.repo.rename(source)
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{source}", str(lay.repo)], check=True,
                   capture_output=True)
    shutil.rmtree(source)


def _submodule(lay: Layout) -> None:
    sub = lay.case / "sub"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    (sub / "x.py").write_text("x = 1\n")
    commit_all(Layout(lay.case, sub, lay.out, lay.outside, lay.store))
    subprocess.run(["git", "-C", str(lay.repo), "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    str(sub), "vendored-sub"], check=True, capture_output=True)
    git(lay.repo, "commit", "-q", "-m", "submodule")
    shutil.rmtree(sub)


def _store_cases() -> dict[str, Case]:
    c: dict[str, Case] = {}
    for store, words in (("missing", ("no index",)), ("notes", ("not an attrib index",)),
                         ("directory", ("directory",)), ("empty", ("empty",)), ("unreachable", ("127.0.0.1",))):
        c[f"check-store-{store}"] = Case(("check", "-C", "{repo}"), 2, words, store=store)
        c[f"notice-store-{store}"] = Case(("notice", "-C", "{repo}"), 2, words, store=store, template="apache",
                                          after=no_notice_written)
        c[f"generate-store-{store}"] = Case(("generate", "-m", "{tiny}", "--device", "cpu", "-p", "import os",
                                             "-n", "4", "--on-match", "block"), 2, words, store=store)
    return c


OUTPUTS: dict[str, tuple[str, ...]] = {
    # command line with {target} where the output goes
    "check-o": ("check", "-C", "{repo}", "--format", "json", "-o", "{target}"),
    "check-o-text": ("check", "-C", "{repo}", "-o", "{target}"),
    "check-sarif": ("check", "-C", "{repo}", "--sarif", "{target}"),
    "check-summary": ("check", "-C", "{repo}", "--summary", "{target}"),
    "notice-file": ("notice", "-C", "{repo}", "--file", "{target}"),
    "scan-o": ("scan", "{repo}/src/detect.py", "--format", "json", "-o", "{target}"),
    "generate-o": ("generate", "-m", "{tiny}", "--device", "cpu", "-p", "import os", "-n", "4", "-o", "{target}"),
    "generate-report": ("generate", "-m", "{tiny}", "--device", "cpu", "-p", "import os", "-n", "4",
                        "--format", "json", "--report", "{target}"),
    "generate-notice": ("generate", "-m", "{tiny}", "--device", "cpu", "--prompt-file", "{outside}/head.py",
                        "-n", "60", "--notice", "{target}"),
}
# exit code of each output command when the write succeeds
WRITE_OK = {"check-o": 1, "check-o-text": 1, "check-sarif": 1, "check-summary": 1, "notice-file": 0, "scan-o": 0,
            "generate-o": 0, "generate-report": 0, "generate-notice": 0}


def _output_cases() -> dict[str, Case]:
    c: dict[str, Case] = {}
    for name, args in OUTPUTS.items():
        template = "apache" if name == "notice-file" else "lgpl"

        def at(target: str, args: tuple[str, ...] = args) -> tuple[str, ...]:
            return tuple(a.replace("{target}", target) for a in args)

        c[f"{name}-directory"] = Case(at("{out}/dir"), 2, ("directory",), template, setup=mkdir("dir", "out"))
        c[f"{name}-missing-folder"] = Case(at("{out}/no/such/r.txt"), 2, ("does not exist",), template)
        # (generate in-process: a subprocess would spend its time importing torch; the
        # alarm still catches a hang)
        process = not name.startswith("generate")
        c[f"{name}-dev-full"] = Case(at("/dev/full"), 2, ("/dev/full",), template, process=process)
        c[f"{name}-fifo-no-reader"] = Case(at("{out}/pipe"), 2, ("pipe",), template, setup=fifo("pipe", "out"),
                                           process=process)
        if ROOT_USER:
            c[f"{name}-readonly-folder"] = Case(at("/sys/attrib-report.txt"), 2, ("/sys/attrib-report.txt",),
                                                template)
        else:
            c[f"{name}-readonly-folder"] = Case(at("{out}/ro/r.txt"), 2, ("permission denied",), template,
                                                setup=both(mkdir("ro", "out"), readonly("ro")))
        c[f"{name}-readonly-file"] = Case(at("{out}/r.txt"), 2, ("read-only",), template, setup=readonly("r.txt"),
                                          skip="root may write a read-only file" if ROOT_USER else None)
        if not name.startswith("generate"):
            # A write that fails half-way (the file-size limit stands for a full disk):
            # the report of 80 copies, or an existing file that is large, exceeds it.
            big = FILE_LIMIT // len(GOOD) + 1 if name in ("check-summary", "notice-file") else 1
            args_big = tuple(a.replace("/src/detect.py", "/src") for a in at("{out}/r.txt"))
            c[f"{name}-file-too-large"] = Case(
                args_big, 2, ("r.txt", "too large"), template, setup=both(_many_copies, good_output("r.txt", big)),
                after=kept("r.txt", big), process=True, limits=((resource.RLIMIT_FSIZE, FILE_LIMIT),))
        c[f"{name}-ok"] = Case(at("{out}/r.txt"), WRITE_OK[name], (), template, after=_written("r.txt"))
    return c


def _many_copies(lay: Layout) -> None:
    """80 more copies of the template's copy, committed."""
    text = (lay.repo / "src" / "detect.py").read_text()
    for i in range(80):
        (lay.repo / "src" / f"copy{i}.py").write_text(text)
    commit_all(lay)


def _written(name: str) -> Callable[[Layout, Run], None]:
    def after(lay: Layout, run: Run) -> None:
        assert (lay.out / name).stat().st_size > 0
        assert sorted(p.name for p in lay.out.iterdir()) == [name], "a temporary file was left behind"
    return after


GENERATE = ("generate", "-m", "{tiny}", "--device", "cpu")
GENERATE_ARGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "max-new-tokens-0": (("-p", "x", "-n", "0"), ("--max-new-tokens",)),
    "max-new-tokens-negative": (("-p", "x", "-n", "-5"), ("--max-new-tokens",)),
    "max-new-tokens-word": (("-p", "x", "-n", "many"), ("--max-new-tokens",)),
    "temperature-negative": (("-p", "x", "-t", "-1"), ("--temperature",)),
    "temperature-nan-word": (("-p", "x", "-t", "hot"), ("--temperature",)),
    "top-p-0": (("-p", "x", "--top-p", "0"), ("--top-p",)),
    "top-p-above-1": (("-p", "x", "--top-p", "1.5"), ("--top-p",)),
    "max-tries-0": (("-p", "x", "--max-tries", "0"), ("--max-tries",)),
    "max-tries-21": (("-p", "x", "--max-tries", "21"), ("--max-tries",)),
    "seed-word": (("-p", "x", "--seed", "abc"), ("--seed",)),
    "on-match-bogus": (("-p", "x", "--on-match", "ignore"), ("--on-match",)),
    "dtype-bogus": (("-p", "x", "--dtype", "int3"), ("--dtype",)),
    "format-sarif": (("-p", "x", "--format", "sarif"), ("--format",)),
    "prompt-and-prefix": (("-p", "x", "--prefix", "y"), ("not both",)),
    "prompt-and-prompt-file": (("-p", "x", "--prompt-file", "{outside}/head.py"), ("not both",)),
    "prefix-and-prefix-file": (("--prefix", "x", "--prefix-file", "{outside}/head.py"), ("not both",)),
    "prompt-file-missing": (("--prompt-file", "{case}/none.py"), ("none.py",)),
    "prompt-file-directory": (("--prompt-file", "{out}"), ("cannot read",)),
    "prompt-file-binary": (("--prompt-file", "{outside}/binary.toml"), ("binary",)),
    "suffix-file-missing": (("--prefix", "x", "--suffix-file", "{case}/none.py"), ("none.py",)),
    "model-missing": (("-p", "x", "-m", "{case}/no-model"), ("no such directory",)),
    "model-empty-dir": (("-p", "x", "-m", "{out}"), ("no model",)),
    "model-a-file": (("-p", "x", "-m", "{outside}/head.py"), ("--model",)),
    "device-bogus": (("-p", "x", "--device", "tpu:9"), ("tpu:9",)),
    "policy-missing": (("-p", "x", "--policy", "{case}/none.toml"), ("no such file",)),
    "policy-bad-value": (("-p", "x", "--policy", "{outside}/bad.toml"), ("line 1",)),
    "policy-deep": (("-p", "x", "--policy", "{outside}/deep.toml"), ("nested too deeply",)),
    "policy-dev-zero": (("-p", "x", "--policy", "/dev/zero"), ("not a regular file",)),
    "block-policy-bad": (("-p", "x", "--on-match", "block", "--policy", "{outside}/bad.toml"), ("line 1",)),
    "avoid-policy-bad": (("-p", "x", "--on-match", "avoid", "--policy", "{outside}/bad.toml"), ("line 1",)),
    "notice-directory": (("-p", "x", "--notice", "{out}"), ("directory",)),
    "notice-fifo": (("--prompt-file", "{outside}/head.py", "-n", "60", "--notice", "{outside}/pipe"),
                    ("not a regular file",)),
    "notice-dev-full": (("--prompt-file", "{outside}/head.py", "-n", "60", "--notice", "/dev/full"),
                        ("not a regular file",)),
}


def _generate_cases() -> dict[str, Case]:
    c = {}
    for name, (args, words) in GENERATE_ARGS.items():
        c[f"generate-{name}"] = Case((*GENERATE, *args), 2, words)
    return c


def _process_cases() -> dict[str, Case]:
    """Cases about the process: limits and the last-resort handler."""
    return {
        # 200 files of just under the size limit: reading them all exceeds the memory
        # the process may have (one BLAS thread keeps the address space it starts with small).
        "check-out-of-memory": Case(("check", "-C", "{repo}", "--all"), 2, ("out of memory",), process=True,
                                    setup=_many_large_files, limits=((resource.RLIMIT_AS, 450_000_000),),
                                    env=(("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1"))),
    }


def _many_large_files(lay: Layout) -> None:
    for i in range(200):
        (lay.repo / f"large{i}.dat").write_bytes(bytes(990_000) + b"%d\n" % i)
    commit_all(lay)


def all_cases() -> dict[str, Case]:
    c: dict[str, Case] = {}
    for name, (args, words) in SELECTION.items():
        process = "dev-" in name
        for command, case in _check_and_notice(args, 2, words, process=process).items():
            c[f"{command}-{name}"] = case
    c.update(_project_file_cases())
    c.update(_repository_cases())
    c.update(_store_cases())
    c.update(_output_cases())
    c.update(_generate_cases())
    c.update(_process_cases())
    return c


CASES = all_cases()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def index(sample_index) -> Path:
    return sample_index


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """Repositories to copy per case: own code, then a commit adding a denied copy
    (lgpl), a copy that needs a notice (apache) or more own code (clean)."""
    out = {}
    for name, spec in (("lgpl", LGPL), ("apache", APACHE), ("clean", None)):
        r = tmp_path_factory.mktemp(f"template-{name}") / "repo"
        (r / "src").mkdir(parents=True)
        (r / "src" / "app.py").write_text("\n".join(unrelated("app", 12)) + "\n")
        (r / "README.md").write_text("# project\n")
        git(r, "init", "-q", "-b", "main")
        git(r, "add", "-A")
        git(r, "commit", "-q", "-m", "initial")
        lines = copy_of(spec)[0] if spec else unrelated("more", 14)
        (r / "src" / "detect.py").write_text("\n".join(["import os", "", *lines, ""]) + "\n")
        git(r, "add", "-A")
        git(r, "commit", "-q", "-m", "add detect")
        out[name] = r
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory, index) -> dict[str, Path | str]:
    base = tmp_path_factory.mktemp("gate-stores")
    (base / "notes.db").write_text("my notes\n")
    (base / "dir.db").mkdir()
    empty = base / "empty.db"
    from attrib.store import open_store
    open_store(str(empty), mode="create").close()
    return {"sample": index, "missing": base / "missing" / "x.db", "notes": base / "notes.db",
            "directory": base / "dir.db", "empty": empty, "unreachable": "http://127.0.0.1:9/attrib"}


def _outside_files(outside: Path) -> None:
    outside.mkdir()
    (outside / "NOTICE").write_text("Credits: psf/requests, chardet/chardet\n")
    (outside / "lenient.toml").write_text('[categories]\ncopyleft-limited = "allow"\n')
    (outside / "pyproject.toml").write_text('[tool.attrib.categories]\ncopyleft-limited = "allow"\n')
    (outside / "ignore-everything").write_text("*\n")
    (outside / "binary.toml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff" * 50)
    (outside / "notes.toml").write_text("these are notes = = =\n")
    (outside / "huge.toml").write_bytes(b"# x\n" * 4_300_000)
    (outside / "bad.toml").write_text('min_lines = "four"\n')
    (outside / "deep.toml").write_text("min_lines = " + "[" * DEEP + "]" * DEEP + "\n")
    (outside / "head.py").write_text('"""\nrequests.structures\n~~~~~~~~~~~~~~~~~~~\n')
    os.mkfifo(outside / "pipe")


def snapshot(path: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``path``: kind and content hash (files), target (links)."""
    out = {}
    for p in sorted(path.rglob("*")):
        rel = str(p.relative_to(path))
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif stat.S_ISFIFO(p.lstat().st_mode):
            out[rel] = ("fifo", "")
        elif p.is_file():
            out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[rel] = ("dir", "")
    return out


def digest(path: Path | str) -> str:
    if not isinstance(path, Path) or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_in_process(lay: Layout, args: list[str], store: str) -> Run:
    def alarm(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(TIMEOUT)
    try:
        result = CliRunner().invoke(cli, ["--store", store, *args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(lay: Layout, args: list[str], store: str, env: dict, limits) -> Run:
    def child() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        for which, value in limits:
            resource.setrlimit(which, (value, value))

    try:
        done = subprocess.run([sys.executable, "-m", "attrib", "--store", store, *args], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=child, cwd=lay.case)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: no exit within {TIMEOUT} s")
    return Run(done.returncode, done.stdout, done.stderr)


# --------------------------------------------------------------------------- the test


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path, templates, stores, env, index):
    case = CASES[name]
    if case.skip:
        pytest.skip(case.skip)
    lay = Layout(tmp_path / "case", tmp_path / "case" / "repo", tmp_path / "case" / "out",
                 tmp_path / "case" / "outside", index)
    lay.case.mkdir()
    shutil.copytree(templates[case.template], lay.repo, symlinks=True)
    lay.out.mkdir()
    _outside_files(lay.outside)
    if case.setup:
        case.setup(lay)
    outside_before = snapshot(lay.outside)
    index_before = digest(index)
    store = str(stores[case.store])
    args = [lay.fill(a) for a in case.args]
    run = (run_process(lay, args, store, {**env, "PYTHONPATH": str(ROOT), **dict(case.env)}, case.limits)
           if case.process
           else run_in_process(lay, args, store))
    said = run.stdout + run.stderr
    assert "Traceback" not in said, said
    assert run.code in (0, 1, 2), f"exit {run.code}\n{said}"
    assert run.code == case.expect, f"exit {run.code}, expected {case.expect}\nstdout:\n{run.stdout}\n" \
                                    f"stderr:\n{run.stderr}"
    if run.code == 2:
        lines = [line for line in run.stderr.splitlines() if line.lower().startswith("error:")]
        assert lines, run.stderr
        for word in case.words:
            assert any(word in line for line in lines), f"no error line names {word!r}:\n{run.stderr}"
    assert "\x1b" not in said, "a raw escape character reached the terminal"
    assert digest(index) == index_before, "the index changed"
    assert snapshot(lay.outside) == outside_before, "something outside the tree changed"
    assert sorted(p.name for p in lay.case.iterdir()) == ["out", "outside", "repo"], "written outside the tree"
    if case.after:
        case.after(lay, run)


def test_the_table_is_large_and_every_case_has_an_expectation():
    assert len(CASES) >= 200
    assert all(case.expect in (0, 1, 2) for case in CASES.values())


# --------------------------------------------------------------------------- the process and the terminal


def _repo_copy(templates: dict[str, Path], where: Path, name: str = "lgpl") -> Path:
    repo = where / "repo"
    shutil.copytree(templates[name], repo, symlinks=True)
    return repo


def _console(*args: str, index: Path, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attrib", "--store", str(index), *args],
                          env={**env, "PYTHONPATH": str(ROOT)}, timeout=TIMEOUT, **kw)


def test_standard_output_on_a_full_device_is_an_error(tmp_path, templates, index, env):
    repo = _repo_copy(templates, tmp_path)
    with open("/dev/full", "w") as full:
        done = _console("check", "-C", str(repo), "--format", "json", index=index, env=env, stdout=full,
                        stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "error: " in done.stderr and "No space left on device" in done.stderr


def test_attrib_debug_adds_the_traceback_of_an_unexpected_error(tmp_path, templates, index, env):
    repo = _repo_copy(templates, tmp_path)
    _many_large_files(Layout(tmp_path, repo, tmp_path, tmp_path, index))

    def child() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (450_000_000, 450_000_000))

    quiet_blas = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = _console("check", "-C", str(repo), "--all", index=index, env={**env, **quiet_blas, "ATTRIB_DEBUG": "1"},
                    capture_output=True, text=True, preexec_fn=child)
    assert done.returncode == 2
    assert "MemoryError" in done.stderr and "Traceback" in done.stderr
    assert done.stderr.splitlines()[0] == "error: out of memory (the input is too large for this machine, or " \
                                          "the index too large to open here)"


EVIL_REPO = "evil\x1b[31m/x[/y]\u202e"
EVIL_LICENSE = "MIT\x1b]8;;http://x\x07"


def test_names_from_the_index_cannot_restyle_the_terminal_or_forge_lines(tmp_path, templates, env):
    """A repository indexed under a name with escape sequences, rich markup and a
    bidirectional override: check (text, markdown), notice and scan show it escaped, and
    the notice file written for it credits it."""
    source = tmp_path / "source"
    source.mkdir()
    lines, _ = copy_of(APACHE)
    (source / "helper.py").write_text("\n".join(lines) + "\n")
    index = tmp_path / "evil.db"
    ok(attrib("index", source, "--repo", EVIL_REPO, "--license", EVIL_LICENSE, store=index, env=env))
    repo = _repo_copy(templates, tmp_path, "apache")
    outputs = []
    for fmt in ("text", "markdown"):
        done = _console("check", "-C", str(repo), "--format", fmt, index=index, env=env, capture_output=True,
                        text=True)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        outputs.append(done.stdout + done.stderr)
    done = _console("scan", str(repo / "src" / "detect.py"), index=index, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    outputs.append(done.stdout + done.stderr)
    done = _console("notice", "-C", str(repo), index=index, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    notice = (repo / "THIRD_PARTY_NOTICES").read_text()
    outputs.append(notice)
    for out in outputs:
        unescaped = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", out)  # Markdown's escapes
        assert "evil\\x1b[31m/x[/y]\\u202e" in unescaped, out
        assert not any(ch in out for ch in "\x1b\x07\u202e"), "a control character got through"
    assert notice.count("\n## ") == 1, "a name forged a section of the notice file"
    done = _console("check", "-C", str(repo), index=index, env=env, capture_output=True, text=True)
    assert done.returncode == 0, "the notice written for the escaped name credits it"
