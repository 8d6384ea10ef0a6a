"""License policies: verdicts by category and SPDX id, and policy files with clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from attrib.judge import Judge
from attrib.policy import DEFAULT_NOTICE_FILES, DEFAULT_POLICY, Policy, PolicyError, discover, load
from attrib.records import Match, SourceSpan

LICENSE_OF = {"public-domain": "CC0-1.0", "permissive": "MIT", "copyleft-limited": "LGPL-2.1-only",
              "copyleft": "GPL-3.0-only"}


def verdict_for(categories, policy: Policy = DEFAULT_POLICY) -> str:
    """The judge's verdict on a file with one match from a source of each category."""
    matches = [Match(10 * n + 1, 10 * n + 5, (SourceSpan("o/r", "x.py", "", 1, 5, (LICENSE_OF[c],), None, None,
                                                          "a" * 40, 1.0, "exact"),))
               for n, c in enumerate(categories)]
    return Judge(policy).file("a.py", "x\n" * 100, matches).verdict


class TestVerdict:
    def test_no_matches_pass(self):
        assert verdict_for([]) == "pass"

    @pytest.mark.parametrize(("cat", "expected"), [
        ("public-domain", "pass"),
        ("permissive", "notice"),
        ("copyleft-limited", "fail"),
        ("copyleft", "fail"),
        ("unknown", "notice"),
        ("restricted", "notice"),
    ])
    def test_default_policy(self, cat, expected):
        assert DEFAULT_POLICY.verdict(cat) == expected
        if cat in LICENSE_OF:
            assert verdict_for([cat]) == expected

    def test_worst_wins(self):
        assert verdict_for(["public-domain", "permissive"]) == "notice"
        assert verdict_for(["permissive", "copyleft", "public-domain"]) == "fail"
        assert verdict_for(iter(["public-domain", "public-domain"])) == "pass"

    def test_custom_policy(self):
        lenient = Policy(verdicts={"copyleft-limited": "notice"}, otherwise="pass")
        assert verdict_for(["copyleft-limited", "permissive"], lenient) == "notice"
        assert verdict_for(["copyleft"], lenient) == "pass"

    def test_a_license_id_overrides_its_category(self):
        strict = Policy(licenses={"MIT": "fail"})
        assert strict.verdict("permissive", ("MIT",)) == "fail"
        assert strict.verdict("permissive", ("BSD-3-Clause",)) == "notice"
        assert strict.verdict("permissive", ("Apache-2.0", "MIT")) == "fail", "several licenses: the worst wins"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


class TestPolicyFile:
    def test_full_file(self, tmp_path):
        p = load(write(tmp_path, ".attrib.toml", """
min_lines = 4
min_similarity = 0.9
ignore_sources = ["acme/*"]
notice_files = ["CREDITS.md"]
exclude = ["gen/**"]

[categories]
permissive = "allow"
copyleft-limited = "require-notice"

[licenses]
"gpl-2.0" = "allow"
"""))
        assert (p.min_lines, p.min_similarity, p.notice_files, p.exclude) == (4, 0.9, ("CREDITS.md",), ("gen/**",))
        assert p.verdict("permissive") == "pass" and p.verdict("copyleft-limited") == "notice"
        assert p.verdict("copyleft") == "fail", "categories not named keep the default"
        assert p.verdict("copyleft", ("GPL-2.0-only",)) == "pass", "ids are normalised"
        assert p.ignores("acme/widgets") and not p.ignores("psf/requests")

    def test_pyproject_tool_table(self, tmp_path):
        path = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.attrib]\nmin_lines = 6\n\n'
                                                 '[tool.attrib.categories]\ncopyleft = "allow"\n')
        assert discover(tmp_path) == path
        p = load(path)
        assert p.min_lines == 6 and p.verdict("copyleft") == "pass"
        assert p.notice_files == DEFAULT_NOTICE_FILES

    def test_discovery_prefers_attrib_toml_and_ignores_unrelated_pyproject(self, tmp_path):
        write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
        assert discover(tmp_path) is None
        own = write(tmp_path, ".attrib.toml", "min_lines = 2\n")
        assert discover(tmp_path) == own

    @pytest.mark.parametrize("text, words", [
        ('min_lines = 3\nmin_lnes = 4\n', ["line 2", "unknown key 'min_lnes'"]),
        ('\n[categories]\npermissive = "maybe"\n', ["line 3", "categories.permissive", "'require-notice'"]),
        ('[categories]\ncopyleftish = "deny"\n', ["line 2", "unknown license category 'copyleftish'"]),
        ('min_similarity = 2\n', ["line 1", "from 0 to 1"]),
        ('min_lines = "four"\n', ["line 1", "min_lines"]),
        ('ignore_sources = "acme/x"\n', ["line 1", "list of non-empty strings"]),
        ('[licenses]\n"MIT" = 1\n', ["line 2", "licenses.MIT"]),
        ('min_lines = = 3\n', ["not valid TOML", "line 1"]),
        ('max_chance = 0\n', ["line 1", "max_chance must be a number above 0"]),
        ('max_chance = "low"\n', ["line 1", "max_chance"]),
    ])
    def test_mistakes_name_the_key_and_line(self, tmp_path, text, words):
        with pytest.raises(PolicyError) as e:
            load(write(tmp_path, ".attrib.toml", text))
        for word in words:
            assert word in str(e.value)
        assert str(tmp_path / ".attrib.toml") in str(e.value)

    def test_key_line_in_pyproject(self, tmp_path):
        path = write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.attrib]\nmin_lines = 0\n')
        with pytest.raises(PolicyError, match="line 4"):
            load(path)

    def test_default_is_documented_behaviour(self):
        assert DEFAULT_POLICY.verdict("restricted") == "notice" and DEFAULT_POLICY.min_lines == 1


def test_max_chance_becomes_the_matchers_option(tmp_path):
    from attrib.match import DEFAULT_OPTIONS
    assert DEFAULT_POLICY.match_options() == DEFAULT_OPTIONS
    strict = load(write(tmp_path, ".attrib.toml", "max_chance = 1e-6\n"))
    assert strict.match_options().max_chance == 1e-6
    assert strict.match_options().min_band_hits == DEFAULT_OPTIONS.min_band_hits
