"""SPDX 2.3 JSON: the scanned files, and for each copied span a snippet of its source.

For SBOM pipelines (ORT, FOSSology, ...). The document holds:

- a ``File`` for each scanned file (``./`` + its path as the report names it) and for
  each indexed file a span comes from (``./<owner>/<repo>/<path>``), with its SHA-1;
  a source's ``licenseInfoInFiles`` are the licenses its own header states, its
  ``copyrightText`` the copyright lines found there;
- a ``Snippet`` per span and source: ``snippetFromFile`` the source, line ``ranges``
  the source's lines, ``licenseConcluded`` the effective license (what the verdict
  uses), ``copyrightText``, and a comment naming the scanned lines, the similarity,
  whether the source is the likely origin and why;
- relationships: the document ``DESCRIBES`` each scanned file, which ``CONTAINS``
  the snippets copied into it (the comment names its lines).

A license id that is not on the SPDX License List becomes a ``LicenseRef-`` with an
``hasExtractedLicensingInfos`` entry, so the document stays valid. ``spdx-tools``
validates the output in the tests.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
import re
import uuid

from attrib.bom import Bom, BomSource, from_report
from attrib.licenses import normalize
from attrib.report import Report

_NOT_REF = re.compile(r"[^A-Za-z0-9.-]+")
NOASSERTION = "NOASSERTION"


def license_expression(ids: tuple[str, ...], refs: dict[str, str]) -> str:
    """One SPDX expression for a source's licenses (all apply: ``AND``); ids the SPDX
    License List does not have become ``LicenseRef-`` ids, recorded in ``refs``."""
    parts = []
    for license_id in normalize(ids):
        parts.append(_part(license_id, refs))
    if not parts:
        return NOASSERTION
    return " AND ".join(f"({p})" if " OR " in p and len(parts) > 1 else p for p in parts)


def _part(license_id: str, refs: dict[str, str]) -> str:
    from attrib.file_license import expression_ids
    from attrib.license_list import listed

    if license_id.startswith("LicenseRef-") or (expression_ids(license_id) and all(
            listed(i.split(" WITH ")[0]) is not None for i in expression_ids(license_id))):
        if license_id.startswith("LicenseRef-"):
            refs.setdefault(license_id, license_id)
        return license_id
    ref = "LicenseRef-" + (_NOT_REF.sub("-", license_id).strip("-") or "unknown")
    refs.setdefault(ref, license_id)
    return ref


def render_spdx(report: Report, source_text: Callable[[str], str | None] = lambda sha: None, *,
                name: str = "attrib scan", created: datetime | None = None) -> str:
    """The SPDX 2.3 JSON document of ``report``; ``source_text(blob sha)`` gives an
    indexed file's text (``Store.content``) for its SHA-1 and the snippets' byte ranges."""
    bom = from_report(report, source_text, created)
    refs: dict[str, str] = {}
    files, snippets, relationships = [], [], []
    source_ids: dict[tuple[str, str, str], str] = {}
    for number, source in enumerate(bom.sources, 1):
        source_ids[(source.repo, source.path, source.commit)] = spdx_id = f"SPDXRef-Source-{number}"
        files.append({
            "SPDXID": spdx_id,
            "fileName": f"./{source.repo}/{source.path}",
            "checksums": _checksums(source.sha1),
            "licenseConcluded": license_expression(source.licenses, refs),
            "licenseInfoInFiles": [license_expression((i,), refs) for i in source.file_licenses] or [NOASSERTION],
            "copyrightText": "\n".join(source.copyrights) or NOASSERTION,
            "comment": f"{source.url.split('#')[0]} (git blob {source.sha}); repository licenses: "
                       f"{', '.join(source.repo_licenses) or 'not recorded'}",
        })
    snippet_number = 0
    for number, scanned in enumerate(bom.files, 1):
        file_id = f"SPDXRef-File-{number}"
        files.append({"SPDXID": file_id, "fileName": f"./{scanned.path.lstrip('./')}",
                      "checksums": _checksums(scanned.sha1), "licenseConcluded": NOASSERTION,
                      "copyrightText": NOASSERTION})
        relationships.append({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                              "relatedSpdxElement": file_id})
        for span in scanned.spans:
            for source in span.sources:
                snippet_number += 1
                snippet_id = f"SPDXRef-Snippet-{snippet_number}"
                from_file = source_ids[(source.repo, source.path, source.commit)]
                snippets.append(_snippet(snippet_id, from_file, source, refs,
                                         f"{scanned.path} lines {span.start_line}-{span.end_line}"))
                relationships.append({
                    "spdxElementId": file_id, "relationshipType": "CONTAINS", "relatedSpdxElement": snippet_id,
                    "comment": f"lines {span.start_line}-{span.end_line} copy this snippet "
                               f"({source.kind}, similarity {source.similarity}; verdict {span.verdict})"})
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://spdx.org/spdxdocs/attrib-{_namespace(bom)}",
        "creationInfo": {"created": bom.created.strftime("%Y-%m-%dT%H:%M:%SZ"), "creators": [f"Tool: {bom.tool}"],
                         "comment": f"Spans attributed by attrib against the index {bom.index_name!r}."},
        "files": files,
        "snippets": snippets,
        "relationships": relationships,
    }
    if refs:
        document["hasExtractedLicensingInfos"] = [
            {"licenseId": ref, "name": given, "extractedText": f"The license recorded as {given!r} by the index."}
            for ref, given in refs.items()]
    return json.dumps(document, indent=2, ensure_ascii=False)


def _snippet(snippet_id: str, from_file: str, source: BomSource, refs: dict[str, str], used_in: str) -> dict:
    # SPDX 2.3 requires a byte range; without the stored text it is the first byte.
    first, last = source.byte_range or (1, 1)
    origin = f"likely origin: {source.origin_reason}" if source.origin else "a copy; see the likely origin"
    return {
        "SPDXID": snippet_id,
        "snippetFromFile": from_file,
        "ranges": [{"startPointer": {"reference": from_file, "offset": first},
                    "endPointer": {"reference": from_file, "offset": last}},
                   {"startPointer": {"reference": from_file, "lineNumber": source.start_line},
                    "endPointer": {"reference": from_file, "lineNumber": source.end_line}}],
        "licenseConcluded": license_expression(source.licenses, refs),
        "licenseInfoInSnippets": [license_expression((i,), refs) for i in source.licenses] or [NOASSERTION],
        "copyrightText": "\n".join(source.copyrights) or NOASSERTION,
        "comment": f"Copied into {used_in}; {origin}. {source.url}",
    }


def _checksums(sha1: str | None) -> list[dict[str, str]]:
    # SPDX 2.3 requires a SHA-1 for every file; one whose text is not at hand (the
    # index no longer has it) gets the SHA-1 of the empty text.
    return [{"algorithm": "SHA1", "checksumValue": sha1 or "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]


def _namespace(bom: Bom) -> str:
    key = json.dumps([bom.created.isoformat(), bom.index_name,
                      [(f.path, f.sha1, [(s.start_line, s.end_line) for s in f.spans]) for f in bom.files]])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))
