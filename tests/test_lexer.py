import numpy as np

from attrib.lexer import lex, strip_comments
from attrib.languages import resolve

PY = '''import os
from x import (
    a,
    b,
)
# a comment
def total(items, start=0):  # trailing comment
    """Sum items; a '#' in a string is not a comment."""
    acc = start
    for item in items:
        acc += item
    return acc

if __name__ == "__main__":
    main()
'''


def test_comments_blank_lines_and_whitespace_do_not_change_tokens():
    stripped = "\n".join(l.split("  #")[0] for l in PY.splitlines() if l.strip() and not l.lstrip().startswith("#"))
    reindented = PY.replace("    ", "\t")
    a, b, c = lex(PY, "Python"), lex(stripped, "Python"), lex(reindented, "Python")
    assert list(a.norm) == list(b.norm) == list(c.norm)


def test_line_numbers_are_one_based_and_survive_removed_comments():
    lexed = lex(PY, "Python")
    assert lexed.n_lines == PY.count("\n") + 1
    assert lexed.line.min() == 7  # imports (including the parenthesised block) and comments dropped
    assert set(lexed.line.tolist()) == {7, 8, 9, 10, 11, 12}  # __main__ guard is boilerplate


def test_renamed_identifiers_keep_the_abstract_stream():
    renamed = PY.replace("total", "sum_all").replace("items", "xs").replace("acc", "s").replace("item", "x")
    a, b = lex(PY, "Python"), lex(renamed, "Python")
    assert np.array_equal(a.abst, b.abst)
    assert not np.array_equal(a.norm, b.norm)
    # keywords are not abstracted
    assert not a.ident[0]  # "def"


def test_hash_marker_inside_string_is_not_a_comment():
    text = 'x = "#fff"  # colour\n'
    assert strip_comments(text, resolve("Python")).rstrip() == 'x = "#fff"'


def test_c_block_comments_keep_line_numbers():
    src = "int f() {\n/* one\n two */ return 1; // done\n}\n#include <stdio.h>\n"
    lexed = lex(src, "C")
    assert lexed.line.tolist() == [1, 1, 1, 1, 1, 3, 3, 3, 4]


def test_empty_and_whitespace_text():
    assert len(lex("", "Python")) == 0
    assert len(lex(" \n\t\n", "Python")) == 0


def test_non_ascii_identifiers_and_unknown_language():
    lexed = lex("größe = 1\nτ = größe * 2\n", None)
    assert len(lexed) == 8
