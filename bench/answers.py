"""Dump every scale query's matches as JSON lines, to compare two versions of the code.

    PYTHONPATH=/work/main python bench/answers.py bench/data/scale/c-10mb.db > /tmp/main.jsonl
    PYTHONPATH=$PWD      python bench/answers.py bench/data/scale/c-10mb.db > /tmp/mine.jsonl
    cmp /tmp/main.jsonl /tmp/mine.jsonl

Each line: the query's number and its matches (query lines; per source: repo, path,
lines, similarity, kind, chance). Whatever ``attrib`` is on PYTHONPATH is the one measured.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from attrib.match import attribute
from attrib.store import open_store


def main(argv: list[str]) -> int:
    store = open_store(argv[0])
    queries = json.loads(Path(argv[1] if len(argv) > 1 else "bench/data/scale/queries.json").read_text())
    for n, q in enumerate(queries):
        matches = attribute(q["text"], store, lang="C")
        print(json.dumps({"query": n, "matches": [
            [m.start_line, m.end_line, [[s.repo, s.path, s.start_line, s.end_line, s.similarity, s.kind,
                                         float.hex(s.chance)] for s in m.sources]] for m in matches]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
