"""CycloneDX 1.6 JSON: each indexed file a scanned file copies from, as a component.

For SBOM pipelines (cdxgen, Dependency-Track, SCANOSS-style snippet results). One
``file`` component per source file (repository, path, commit):

- ``purl`` ``pkg:github/<owner>/<repo>@<commit>#<path>`` and a ``vcs`` reference to
  the repository; ``hashes`` the SHA-1 of its text;
- ``licenses``: the effective licenses (what the verdict uses), as SPDX ids, or one
  expression when they need one; ``copyright``: the copyright lines of its header;
- ``evidence.occurrences``: where it was copied to, one per span (``location`` the
  scanned file, ``line`` its first line, ``additionalContext`` the line ranges on
  both sides); ``evidence.copyright`` the copyright lines;
- ``properties`` (``attrib:...``): the line ranges, similarity, kind, the file's own
  and the repository's licenses, and whether it is the likely origin, with the reason.

``cyclonedx-python-lib``'s JSON schema validation checks the output in the tests.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
import uuid
from urllib.parse import quote

from attrib.bom import Bom, BomSource, from_report
from attrib.formats.spdx import license_expression
from attrib.licenses import normalize
from attrib.report import Report


def render_cyclonedx(report: Report, source_text: Callable[[str], str | None] = lambda sha: None, *,
                     created: datetime | None = None) -> str:
    """The CycloneDX 1.6 JSON BOM of ``report``; ``source_text(blob sha)`` gives an
    indexed file's text (``Store.content``) for its SHA-1."""
    bom = from_report(report, source_text, created)
    uses: dict[tuple[str, str, str], list[tuple[str, int, int, BomSource, str]]] = {}
    for scanned in bom.files:
        for span in scanned.spans:
            for source in span.sources:
                uses.setdefault((source.repo, source.path, source.commit), []).append(
                    (scanned.path, span.start_line, span.end_line, source, span.verdict))
    components = [_component(number, bom_uses) for number, bom_uses in enumerate(uses.values(), 1)]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{_serial(bom)}",
        "version": 1,
        "metadata": {
            "timestamp": bom.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "attrib", "version": bom.tool.split("-", 1)[1]}]},
            "properties": [{"name": "attrib:index", "value": bom.index_name}],
        },
        "components": components,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _component(number: int, uses: list[tuple[str, int, int, BomSource, str]]) -> dict:
    source = uses[0][3]
    component: dict = {
        "type": "file",
        "bom-ref": f"source-{number}",
        "name": source.path,
        "group": source.repo,
        "purl": _purl(source),
        "licenses": _licenses(source.licenses),
        "externalReferences": [{"type": "vcs", "url": source.repo_url},
                               {"type": "other", "url": source.url.split("#")[0], "comment": "the file at its commit"}],
        "evidence": {
            "occurrences": [{"location": path, "line": first,
                             "additionalContext": f"lines {first}-{last} copy {s.repo}/{s.path} lines "
                                                  f"{s.start_line}-{s.end_line} ({s.kind}, similarity {s.similarity})"}
                            for path, first, last, s, _ in uses],
        },
        "properties": _properties(uses),
    }
    if source.commit:
        component["version"] = source.commit
    if source.sha1:
        component["hashes"] = [{"alg": "SHA-1", "content": source.sha1}]
    if source.copyrights:
        component["copyright"] = "\n".join(source.copyrights)
        component["evidence"]["copyright"] = [{"text": c} for c in source.copyrights]
    return component


def _licenses(ids: tuple[str, ...]) -> list[dict]:
    """Listed SPDX ids as ``license.id``; a compound (``WITH``, ``OR``) of listed ids as
    one ``expression``; anything else by its ``name``, as recorded."""
    refs: dict[str, str] = {}
    parts = [(i, license_expression((i,), refs)) for i in normalize(ids)]
    if any(" " in spdx for _, spdx in parts) and not refs:
        return [{"expression": license_expression(ids, refs)}]
    return [{"license": {"id": spdx}} if " " not in spdx and spdx not in refs else {"license": {"name": given}}
            for given, spdx in parts]


def _properties(uses: list[tuple[str, int, int, BomSource, str]]) -> list[dict[str, str]]:
    source = uses[0][3]
    props = [
        {"name": "attrib:origin", "value": "true" if source.origin else "false"},
        {"name": "attrib:file_licenses", "value": " AND ".join(source.file_licenses)},
        {"name": "attrib:repo_licenses", "value": " AND ".join(source.repo_licenses)},
    ]
    if source.origin_reason:
        props.append({"name": "attrib:origin_reason", "value": source.origin_reason})
    for path, first, last, s, verdict in uses:
        props += [{"name": "attrib:span", "value": f"{path}:{first}-{last}"},
                  {"name": "attrib:source_lines", "value": f"{s.start_line}-{s.end_line}"},
                  {"name": "attrib:similarity", "value": str(s.similarity)},
                  {"name": "attrib:verdict", "value": verdict}]
    return [p for p in props if p["value"]]


def _purl(source: BomSource) -> str:
    owner, _, name = source.repo.partition("/")
    purl = f"pkg:github/{quote(owner.lower(), safe='')}/{quote(name.lower(), safe='')}"
    if source.commit:
        purl += f"@{quote(source.commit, safe='')}"
    return purl + "#" + "/".join(quote(part, safe="") for part in source.path.split("/") if part not in ("", ".", ".."))


def _serial(bom: Bom) -> str:
    key = json.dumps([bom.created.isoformat(), bom.index_name,
                      [(f.path, f.sha1, [(s.start_line, s.end_line) for s in f.spans]) for f in bom.files]])
    return str(uuid.uuid5(uuid.NAMESPACE_OID, key))
