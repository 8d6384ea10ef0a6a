"""What a file says about itself: its own license and its authors' copyright lines.

Read once per file when it is indexed (from The Stack, local Stack-schema files or a
local repository alike: :mod:`indexer.pipeline` calls :func:`file_evidence` for every
file it stores), from the file's header comments (:mod:`attrib.header`):

- :attr:`FileEvidence.license`: :func:`attrib.file_license.file_license`;
- :attr:`FileEvidence.copyrights`: :func:`attrib.copyrights.copyrights`.

How the file's license combines with its repository's is
:func:`attrib.licenses.effective`.
"""
from __future__ import annotations

from dataclasses import dataclass

from attrib.copyrights import copyrights
from attrib.file_license import NONE, FileLicense, file_license
from attrib.header import header
from attrib.licenses import effective


@dataclass(frozen=True)
class FileEvidence:
    license: FileLicense = NONE
    copyrights: tuple[str, ...] = ()

    def licenses(self, repo_licenses: tuple[str, ...]) -> tuple[str, ...]:
        """The effective licenses of this file in a repository under ``repo_licenses``."""
        return effective(self.license.ids, repo_licenses, self.license.explicit)


def file_evidence(text: str, lang: str | None) -> FileEvidence:
    """The license and copyright evidence in the header of ``text``.

    >>> e = file_evidence("# Copyright 2021 Jane Doe\\n# SPDX-License-Identifier: GPL-2.0-only\\nx = 1\\n", "Python")
    >>> e.license.ids, e.copyrights, e.licenses(("MIT",))
    (('GPL-2.0-only',), ('Copyright 2021 Jane Doe',), ('GPL-2.0-only',))
    """
    head = header(text, lang)
    if not head:
        return FileEvidence()
    return FileEvidence(file_license(head), copyrights(head))
