"""Unit tests of token alignment (attrib.align) on small real-looking code."""
import numpy as np

from attrib.align import align, extend_edges
from attrib.lexer import lex

SOURCE = '''import os


def read_config(path, defaults=None):
    """Read a key=value file into a dict."""
    config = dict(defaults or {})
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"{path}:{number}: expected key=value")
            config[key.strip()] = value.strip()
    return config
'''
BODY = SOURCE.splitlines()[6:16]  # lines 7-16: the loop and the return


def regions(query: str, source: str = SOURCE):
    return align(lex(query, "Python"), lex(source, "Python"), 5, min_tokens=16)


def test_identical_text_is_one_identical_region():
    (r,) = regions(SOURCE)
    assert r.identical and r.similarity == 1.0 and r.consistency == 1.0
    assert (r.q_start_line, r.q_end_line) == (r.s_start_line, r.s_end_line) == (4, 16)


def test_embedded_copy_gets_exact_lines_on_both_sides():
    before = ["total = 0", "for item in basket:", "    total += item.price * item.count"]
    after = ["print('done', total)", "sys.exit(0)"]
    query = "\n".join(before + BODY + after)
    (r,) = regions(query)
    assert (r.q_start_line, r.q_end_line) == (4, 13)
    assert (r.s_start_line, r.s_end_line) == (7, 16)
    assert r.identical


def test_a_copy_cut_short_inside_a_source_line_is_identical():
    # A model stopped mid-line: the last line is a prefix of the source's line. The
    # tokens it has are the source's, in order -- an exact copy, not a look-alike.
    query = "\n".join(BODY[:-1]).replace("config[key.strip()] = value.strip()", "config[key.strip()] = value")
    (r,) = regions(query)
    assert r.identical and (r.q_start_line, r.q_end_line) == (1, 9)
    assert (r.s_start_line, r.s_end_line) == (7, 15)


def test_reindented_copy_without_comments_is_still_identical():
    query = "\n".join(line[4:].replace("    ", "\t") for line in BODY)
    (r,) = regions(query)
    assert r.identical and (r.s_start_line, r.s_end_line) == (7, 16)


def test_renamed_copy_aligns_as_a_consistent_renaming():
    query = "\n".join(BODY).replace("config", "settings").replace("handle", "fh").replace("line", "row")
    (r,) = regions(query)
    assert not r.identical and r.exact_ratio < 0.9
    assert r.consistency == 1.0
    assert (r.s_start_line, r.s_end_line) == (7, 16)


def test_inconsistent_renaming_is_not_a_copy():
    # The same names renamed differently from line to line: look-alike structure, not a
    # renamed copy: beyond single lines, nothing reads as a consistent renaming.
    names = ("line", "config", "key", "value", "sep", "handle", "path", "number")
    lines = []
    for i, line in enumerate(BODY):
        for j, name in enumerate(names):
            line = line.replace(name, f"n{(i + j) % 5}")
        lines.append(line)
    regions = align(lex("\n".join(lines), "Python"), lex(SOURCE, "Python"), 5)
    assert all(r.lines <= 1 or r.consistency < 0.9 for r in regions)


def test_unrelated_code_does_not_align():
    other = '''def area(shapes):
    return sum(s.width * s.height for s in shapes if s.visible)
'''
    assert regions(other) == []


def test_edges_widen_over_identical_comments_and_imports():
    source = "# Copyright 2020 Example\n# SPDX-License-Identifier: MIT\n" + SOURCE
    query = "x = 1\n# Copyright 2020 Example\n# SPDX-License-Identifier: MIT\n" + SOURCE
    q, s = lex(query, "Python"), lex(source, "Python")
    (r,) = align(q, s, 5, min_tokens=16)
    wide = extend_edges(r, q, s, query.split("\n"), source.split("\n"))
    assert (wide.q_start_line, wide.s_start_line) == (2, 1)  # comments and the import line joined
    assert (wide.q_end_line, wide.s_end_line) == (r.q_end_line, r.s_end_line)


def test_regions_carry_their_aligned_token_pairs():
    query = "\n".join(BODY).replace("config", "settings")
    q, s = lex(query, "Python"), lex(SOURCE, "Python")
    (r,) = align(q, s, 5, min_tokens=16)
    assert len(r.q_aligned) == len(r.s_aligned) == r.aligned
    assert np.all(np.diff(r.q_aligned) > 0)
    same = q.norm[r.q_aligned] == s.norm[r.s_aligned]
    assert int(same.sum()) == r.exact and (q.abst[r.q_aligned] == s.abst[r.s_aligned]).all()


def test_a_copy_does_not_start_with_the_brackets_before_it():
    source = "def f(a):\n    return g(\n        a,\n)\n" + "\n".join(SOURCE.splitlines()[3:])
    query = "x = h(\n    1,\n)\n" + "\n".join(SOURCE.splitlines()[3:])
    (r,) = align(lex(query, "Python"), lex(source, "Python"), 5, min_tokens=16)
    assert (r.q_start_line, r.s_start_line) == (4, 5)  # not the ")" closing unrelated code before it
