"""The likely origin of a span comes first: an original repository before its vendored
copies, on a real index of real repositories."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from attrib.origin import rank
from attrib.vendored import vendored_dir

CODE = Path(__file__).resolve().parents[1] / "attrib" / "align.py"


def _repo(root: Path, name: str, path: str) -> Path:
    repo = root / name
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(CODE.read_text())
    return repo


def _attrib(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "attrib", "--store", str(store), "--quiet", *args],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], check=False)


def test_an_original_and_three_vendored_copies_name_the_original_first(tmp_path):
    store = tmp_path / "index.db"
    repos = [("acme/original", _repo(tmp_path, "original", "src/align.py"), "5"),
             ("big/app", _repo(tmp_path, "app", "vendor/acme/align.py"), "90000"),
             ("big/tool", _repo(tmp_path, "tool", "third_party/align/align.py"), "5000"),
             ("big/site", _repo(tmp_path, "site", "lib/site-packages/align/align.py"), "700")]
    for name, repo, _stars in repos:
        done = _attrib("index", str(repo), "--repo", name, "--license", "MIT", store=store)
        assert done.returncode == 0, done.stderr
    done = _attrib("scan", str(CODE), "--format", "json", store=store)
    assert done.returncode == 0, done.stderr
    [match, *_] = json.loads(done.stdout)["files"][0]["matches"]
    assert match["source"]["repo"] == "acme/original" and match["source"]["origin"] is True
    assert "vendored" in match["source"]["origin_reason"]
    assert match["copies"] == 3
    assert {a["repo"] for a in match["alternatives"]} == {"big/app", "big/tool", "big/site"}
    assert all(a["origin"] is False for a in match["alternatives"])


class _S:
    def __init__(self, repo, path, stars=None, similarity=1.0, first_seen=None, chance=0.0):
        self.repo, self.path, self.stars, self.similarity, self.first_seen = repo, path, stars, similarity, first_seen
        self.chance = chance


def test_rank_prefers_first_seen_then_stars_and_keeps_less_similar_sources_last():
    old = _S("a/old", "x.py", stars=1, first_seen="2012-01-01T00:00:00")
    new = _S("b/new", "x.py", stars=900, first_seen="2018-01-01T00:00:00")
    other = _S("c/other", "x.py", stars=10**6, similarity=0.5)
    ordered, origin = rank([new, other, old])
    assert [s.repo for s in ordered] == ["a/old", "b/new", "c/other"]
    assert origin.reason == "seen first (2012-01-01)" and origin.copies == 2
    ordered, origin = rank([_S("a/x", "x.py", stars=3), _S("b/y", "x.py", stars=30)])
    assert ordered[0].repo == "b/y" and origin.reason == "the most stars (30)"
    assert rank([_S("a/x", "x.py")])[1].reason == "the only source"
    assert rank([]) == ([], rank([])[1])


def test_vendored_folders_are_folders_not_file_names():
    assert vendored_dir("a/site-packages/requests/api.py") == "site-packages"
    assert vendored_dir("vendor.py") is None and vendored_dir("src/vendoring/x.py") is None


def test_a_sibling_with_weaker_evidence_is_never_the_origin():
    # The matcher puts the strongest evidence first (the true file among near-identical
    # siblings); a sibling holding a shorter region is as similar but far likelier by
    # chance: it stays behind, however many stars or however early.
    true = _S("a/lib", "src/parser.py", stars=1, chance=1e-30)
    sibling = _S("a/lib", "src/old_parser.py", stars=1, chance=1e-12, first_seen="2001-01-01")
    popular = _S("z/app", "vendor/lib/parser.py", stars=10**5, chance=3e-30)
    ordered, origin = rank([true, sibling, popular])
    assert [s.path for s in ordered] == ["src/parser.py", "vendor/lib/parser.py", "src/old_parser.py"]
    assert origin.reason == "the other sources are under vendored folders (vendor)"
