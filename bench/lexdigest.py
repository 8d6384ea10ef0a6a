"""A digest of everything :func:`attrib.lexer.lex` returns, to prove a speed change
left its output byte for byte as it was.

Every text of the given Stack-schema folders is lexed as every language family attrib
knows (so each family's comment, literal and boilerplate rules meet real code, its own
and others'), and the token hashes, abstracted hashes, identifier flags, line numbers and
line count of each are hashed into one digest per family. Run it on two trees and
compare::

    PYTHONPATH=/path/to/main   python bench/lexdigest.py --mb 2 CORPUS... > main.txt
    PYTHONPATH=$PWD            python bench/lexdigest.py --mb 2 CORPUS... > this.txt
    diff main.txt this.txt     # no output: identical
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path


def texts(folder: Path, mb: float) -> list[str]:
    """About ``mb`` MB of each language folder's texts (or of the folder)."""
    import pyarrow.parquet as pq

    out: list[str] = []
    groups: dict[Path, list[Path]] = {}
    for f in sorted(folder.rglob("*.parquet")):
        groups.setdefault(f.parent, []).append(f)
    for files in groups.values():
        size = 0
        for f in files:
            for text in pq.read_table(f, columns=["content"]).column("content").to_pylist():
                if size >= mb * 1e6:
                    break
                out.append(text)
                size += len(text.encode("utf-8", "surrogatepass"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, nargs="+", help="folders of Stack-schema parquet files")
    ap.add_argument("--mb", type=float, default=2.0, help="MB of text per language folder")
    args = ap.parse_args(argv)
    from attrib.languages import resolve
    from attrib.lexer import lex

    corpus = [t for folder in args.corpus for t in texts(folder, args.mb)]
    names = ["Python", "C", "C++", "Java", "C#", "JavaScript", "Go", "Rust", "Kotlin", "Scala", "Swift", "PHP",
             "Ruby", "Shell", "SQL", "Lua", "Haskell", "HTML", "CSS", "Emacs-Lisp", "JSON"]
    assert len({resolve(n).name for n in names}) == len(names)  # one name per family
    print(f"{len(corpus)} texts, {sum(len(t) for t in corpus) / 1e6:.1f} M characters", file=sys.stderr)
    for name in names:
        digest = hashlib.sha256()
        for text in corpus:
            x = lex(text, name)
            for part in (x.norm, x.abst, x.ident, x.line):
                digest.update(part.tobytes())
            digest.update(str(x.n_lines).encode())
        print(name, digest.hexdigest())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
