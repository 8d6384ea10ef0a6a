"""The package as users install it: a wheel built from this tree, installed into a fresh
virtual environment with the core dependencies only.

* The wheel holds one top-level package, ``attrib`` (``cli/`` and ``indexer/`` inside
  it as ``attrib.cli`` and ``attrib.indexer``), and every module of the three folders.
* The core install indexes code on disk, and runs ``attrib scan`` and ``attrib check``
  on the embedded store; the public API works from a fresh interpreter, and importing
  ``attrib`` loads nothing heavy.
* What needs an extra says which one, in one line: The Stack's files ``[stack]``,
  Elasticsearch ``[elastic]``, ``serve`` ``[web]``, ``generate`` ``[model]``.

These tests build and install for real (pip, from PyPI or its cache): they are marked
``install`` and take a minute or two.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"attrib": "attrib", "cli": "attrib/cli", "indexer": "attrib/indexer"}


class Venv:
    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path, self.env = path, env
        self.bin = path / "bin"

    def run(self, *args: str | Path, cwd: Path, check: bool = True, input: str | None = None
            ) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in args], cwd=cwd, env=self.env, capture_output=True, text=True,
                              timeout=600, input=input)
        if check:
            assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def attrib(self, *args: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(self.bin / "attrib", *args, cwd=cwd, check=check)

    def python(self, code: str, cwd: Path) -> str:
        return self.run(self.bin / "python", "-c", code, cwd=cwd).stdout


@pytest.fixture(scope="module")
def clean_env(tmp_path_factory) -> dict[str, str]:
    """No PYTHONPATH (nothing of this checkout), no ATTRIB_* settings, a private data dir."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ATTRIB_", "PYTHON", "VIRTUAL_ENV")) and k != "PATH"}
    env["PATH"] = os.defpath
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, clean_env) -> Path:
    """A wheel built from a copy of the tree's package sources (the tree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                          env={**clean_env, "PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    [built] = out.glob("attrib-*.whl")
    return built


@pytest.fixture(scope="module")
def core(tmp_path_factory, wheel, clean_env) -> Venv:
    """A fresh virtual environment with the wheel and its core dependencies only."""
    path = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    venv = Venv(path, {**clean_env, "PATH": f"{path / 'bin'}{os.pathsep}{os.defpath}"})
    venv.run(venv.bin / "python", "-m", "pip", "install", "-q", wheel, cwd=path)
    return venv


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working directory that is not this checkout."""
    return tmp_path_factory.mktemp("elsewhere")


def test_the_wheel_installs_one_package_with_every_module(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"attrib", wheel.name.split("-py3")[0] + ".dist-info"}
    for folder, installed in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".js", ".html", ".css"):
                assert f"{installed}/{path.relative_to(ROOT / folder).as_posix()}" in names, path
    assert "attrib/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "attrib = attrib.cli.main:main" in text and "attrib-precommit = attrib.cli.main:precommit" in text


def test_no_generic_top_level_modules(core, outside):
    for name in ("cli", "indexer"):
        done = core.run(core.bin / "python", "-c", f"import {name}", cwd=outside, check=False)
        assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr
    top = {p.name for p in (core.path / "lib").glob("python3*/site-packages/*")}
    assert "cli" not in top and "indexer" not in top and "attrib" in top


def test_the_core_install_leaves_the_extras_out(core, outside):
    missing = json.loads(core.python(
        "import importlib.util, json; print(json.dumps([m for m in ('datasets', 'pyarrow', 'pandas', "
        "'elasticsearch', 'fastapi', 'torch', 'transformers') if importlib.util.find_spec(m)]))", outside))
    assert missing == []


def test_public_api_from_a_fresh_interpreter(core, outside):
    out = core.python(
        "import sys, attrib\n"
        "heavy = sorted(m for m in ('numpy', 'rich', 'click', 'license_expression') if m in sys.modules)\n"
        "from attrib import attribute, scan, scan_text, open_store, Policy, Report, find_project, load_policy\n"
        "import attrib.generate as g\n"
        "print(heavy, attrib.__version__, Policy().verdict('copyleft'), callable(scan), g.ON_MATCH,"
        " sorted(attrib.__all__) == sorted(set(attrib.__all__)))", outside)
    assert out.split() == ["[]", "0.1.0", "fail", "True", "('report',", "'block',", "'avoid')", "True"]


def test_the_core_install_indexes_scans_and_checks(core, outside):
    click_dir = next((core.path / "lib").glob("python3*/site-packages/click"))
    store = outside / "index.db"
    core.attrib("--store", store, "index", click_dir, "--repo", "pallets/click", "--license", "BSD-3-Clause",
                cwd=outside)
    copied = outside / "copied.py"
    copied.write_text((click_dir / "termui.py").read_text())
    scanned = json.loads(core.attrib("scan", copied, "--store", store, "--format", "json", cwd=outside).stdout)
    [entry] = scanned["files"]
    assert entry["matches"] and entry["matches"][0]["source"]["repo"] == "pallets/click"
    assert entry["verdict"] == "notice"
    repo = outside / "repo"
    repo.mkdir()
    shutil.copy(copied, repo / "copied.py")
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("-c", "user.name=t", "-c", "user.email=t@t",
                                                               "commit", "-q", "-m", "copy")):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    checked = core.attrib("check", "--all", "--store", store, "--format", "json", cwd=repo, check=False)
    assert checked.returncode == 1, checked.stderr  # a notice is missing
    assert json.loads(checked.stdout)["summary"]["violations"] >= 1


@pytest.mark.parametrize("extra, args", [
    ("stack", ("index", ROOT / "examples" / "stack-sample")),
    ("elastic", ("--store", "http://127.0.0.1:9/attrib", "stats")),
    ("web", ("serve",)),
    ("model", ("generate", "-p", "import os")),
])
def test_a_missing_extra_is_one_line_naming_it(core, outside, extra, args):
    done = core.attrib(*args, cwd=outside, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert f"pip install 'attrib[{extra}]'" in lines[0]
