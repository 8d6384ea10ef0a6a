"""License knowledge: SPDX normalization, ScanCode categories, obligations."""
from __future__ import annotations

import pytest

from attrib.licenses import (
    CATEGORIES,
    LicenseInfo,
    category,
    describe,
    normalize,
    obligation,
)


class TestNormalize:
    def test_canonical_spelling(self):
        assert normalize(["mit", "apache-2.0", "bsd-3-clause"]) == (
            "MIT", "Apache-2.0", "BSD-3-Clause")

    def test_deprecated_ids_become_current(self):
        assert normalize(["GPL-3.0", "GPL-2.0+"]) == ("GPL-3.0-only", "GPL-2.0-or-later")

    def test_or_later_kept(self):
        assert normalize(["GPL-3.0-or-later"]) == ("GPL-3.0-or-later",)

    def test_expressions(self):
        assert normalize(["mit or apache-2.0"]) == ("MIT OR Apache-2.0",)

    def test_unknown_ids_kept_as_given(self):
        assert normalize(["LicenseRef-x", "MIT/X11"]) == ("LicenseRef-x", "MIT/X11")

    def test_deduplicated_in_first_seen_order(self):
        assert normalize(["MIT", "Apache-2.0", "mit", " MIT "]) == ("MIT", "Apache-2.0")

    def test_blank_and_empty(self):
        assert normalize(["", "  "]) == ()
        assert normalize(iter(())) == ()


class TestCategory:
    @pytest.mark.parametrize("license_id", ["MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "mit"])
    def test_permissive(self, license_id):
        assert category(license_id) == "permissive"

    @pytest.mark.parametrize("license_id", ["GPL-3.0", "GPL-3.0-or-later", "AGPL-3.0",
                                            "GPL-2.0-only"])
    def test_copyleft(self, license_id):
        assert category(license_id) == "copyleft"

    @pytest.mark.parametrize("license_id", ["LGPL-2.1", "MPL-2.0", "EPL-2.0"])
    def test_copyleft_limited(self, license_id):
        assert category(license_id) == "copyleft-limited"

    @pytest.mark.parametrize("license_id", ["CC0-1.0", "Unlicense"])
    def test_public_domain(self, license_id):
        assert category(license_id) == "public-domain"

    @pytest.mark.parametrize("license_id", ["LicenseRef-x", "not a license", "MIT/X11", "(", ""])
    def test_unknown(self, license_id):
        assert category(license_id) == "unknown"

    def test_non_free_scancode_categories_are_restricted(self):
        assert category("CC-BY-NC-4.0") == "restricted"  # ScanCode: Free Restricted

    def test_or_takes_the_most_permissive_choice(self):
        assert category("MIT OR GPL-3.0") == "permissive"
        assert category("GPL-3.0 OR LGPL-2.1") == "copyleft-limited"
        assert category("CC0-1.0 OR MIT") == "public-domain"

    def test_and_takes_the_most_restrictive(self):
        assert category("MIT AND GPL-3.0") == "copyleft"
        assert category("MIT AND MPL-2.0") == "copyleft-limited"
        assert category("MIT AND LicenseRef-x") == "unknown"
        assert category("GPL-3.0 AND LicenseRef-x") == "copyleft"

    def test_with_takes_the_most_restrictive(self):
        assert category("GPL-2.0 WITH Classpath-exception-2.0") == "copyleft"
        assert category("Apache-2.0 WITH LLVM-exception") == "permissive"

    def test_nested(self):
        assert category("MIT AND (BSD-2-Clause OR GPL-3.0)") == "permissive"
        assert category("(MIT OR GPL-3.0) AND LGPL-2.1") == "copyleft-limited"

    def test_every_result_is_a_known_category(self):
        for license_id in ["MIT", "GPL-3.0", "LicenseRef-x", "CC-BY-NC-4.0", "CC0-1.0"]:
            assert category(license_id) in CATEGORIES


@pytest.mark.parametrize(("cat", "expected"), [
    ("permissive", "notice"),
    ("copyleft", "copyleft"),
    ("copyleft-limited", "copyleft"),
    ("public-domain", "none"),
    ("unknown", "unknown"),
    ("restricted", "unknown"),
])
def test_obligation(cat, expected):
    assert obligation(cat) == expected


class TestDescribe:
    def test_single(self):
        assert describe(["mit"]) == LicenseInfo(ids=("MIT",), category="permissive",
                                                obligation="notice")

    def test_several_licenses_all_apply(self):
        info = describe(["MIT", "GPL-3.0"])
        assert info.ids == ("MIT", "GPL-3.0-only")
        assert (info.category, info.obligation) == ("copyleft", "copyleft")

    def test_no_license_is_unknown(self):
        assert describe([]) == LicenseInfo(ids=(), category="unknown", obligation="unknown")

    def test_frozen(self):
        with pytest.raises(AttributeError):
            describe(["MIT"]).category = "copyleft"  # type: ignore[misc]


def test_single_ids_are_read_as_the_expression_parser_reads_them():
    """normalize() and category() look single ids up in the index instead of building
    license-expression's parser: for every id and alias, in any case, the answer is the
    parser's."""
    from license_expression import get_license_index

    from attrib import licenses

    parser = licenses._licensing()
    for entry in get_license_index():
        for key in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or ())]:
            if not key:
                continue
            for spelling in (key, key.lower(), key.upper()):
                parsed = parser.parse(spelling, validate=False)
                assert licenses._normalize_one(spelling) == str(parsed), spelling
                assert licenses.category(spelling) == licenses._category_of(parsed), spelling
