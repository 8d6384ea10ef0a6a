"""The lexer per language: comments, literals, boilerplate, abstraction."""
import numpy as np
import pytest

from attrib.languages import resolve
from attrib.lexer import boilerplate_lines, lex, strip_comments, token_hashes

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


def words(lexed, text: str) -> list[str]:
    """The tokens of ``lexed`` as text (looked up among the words of ``text``)."""
    import re
    vocab = {int(token_hashes(w)[0]): w for w in re.findall(r"\w+|[^\w\s]", text)}
    return [vocab.get(int(h), "?") for h in lexed.norm]


def lines_of(text: str, lang: str) -> list[int]:
    return sorted(set(lex(text, lang).line.tolist()))


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
    code = PY.split('"""')[0] + PY.split('"""')[2]  # the docstring is data: renaming leaves it alone
    renamed = code.replace("total", "sum_all").replace("items", "xs").replace("acc", "s").replace("item", "x")
    a, b = lex(code, "Python"), lex(renamed, "Python")
    assert np.array_equal(a.abst, b.abst)
    assert not np.array_equal(a.norm, b.norm)
    assert not a.ident[0]  # "def" is a keyword


def test_words_in_literals_are_not_abstracted():
    lexed = lex('log.warning("disk full on %s", device)\n', "Python")
    assert [w for w, i in zip(words(lexed, 'log warning disk full on s device'), lexed.ident) if i] == \
        ["log", "warning", "device"]


def test_hash_marker_inside_string_is_not_a_comment():
    text = 'x = "#fff"  # colour\n'
    assert strip_comments(text, resolve("Python")).rstrip() == 'x = "#fff"'


@pytest.mark.parametrize("lang, text, kept", [
    # JavaScript: a regular expression holding /* or // opens no comment; division is not one
    ("JavaScript", "var re = /[=+\\-\\/*:]/g; // c\nvar d = a / b / c; /* x */\n",
     "var re = /[=+\\-\\/*:]/g; \nvar d = a / b / c; \n"),
    ("JavaScript", "if (/^https?:\\/\\//.test(u)) return;  // c\n", "if (/^https?:\\/\\//.test(u)) return;  \n"),
    ("JavaScript", "s = `a // b ${c /* d */}` + 'e /* f'; /* g */ h();\n", "s = `a // b ${c /* d */}` + 'e /* f';  h();\n"),  # noqa: E501
    # Rust: lifetimes are not character literals; raw strings hold anything
    ("Rust", "fn f<'a>(x: &'a str) -> &'a str { x } // c\nlet c = '/'; let s = r#\"/* \"# x\"#; /* d */\n",
     "fn f<'a>(x: &'a str) -> &'a str { x } \nlet c = '/'; let s = r#\"/* \"# x\"#; \n"),
    # Go: raw strings in backquotes
    ("Go", "s := `// not a comment\n/* nor this */` // c\n", "s := `// not a comment\n/* nor this */` \n"),
    # C and C++: character literals, preprocessor lines, C++ raw strings
    ("C", "char q = '\"'; /* a */ char *s = \"/*\"; // b\n#define X 1 /* c */\n",
     "char q = '\"';  char *s = \"/*\"; \n#define X 1 \n"),
    ("C++", "auto r = R\"x(// */ \")x\"; // c\n", "auto r = R\"x(// */ \")x\"; \n"),
    # Java: text blocks
    ("Java", 'String t = """\n  // in a text block\n  """; // c\n', 'String t = """\n  // in a text block\n  """; \n'),
])
def test_comment_markers_inside_literals_open_nothing(lang, text, kept):
    assert strip_comments(text, resolve(lang)) == kept


def test_block_comments_keep_line_numbers():
    src = "int f() {\n/* one\n two */ return 1; // done\n}\n#include <stdio.h>\n"
    assert lex(src, "C").line.tolist() == [1, 1, 1, 1, 1, 3, 3, 3, 4]


@pytest.mark.parametrize("lang, text, boiler", [
    ("Python", "import os\nfrom x import (\n    a,\n)\n__all__ = [\n    'a',\n]\nx = 1\n", [1, 2, 3, 4, 5, 6, 7]),
    ("C", "#ifndef FOO_H\n#define FOO_H\n#include <stdio.h>\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
          "int x;\n#define LIMIT 10\n#endif\n", [1, 2, 3, 4, 5, 6, 9]),
    ("C++", "#pragma once\n#include <vector>\nusing namespace std;\nint x;\n", [1, 2, 3]),
    ("Java", "package a.b;\n\nimport java.util.List;\nimport static x.Y.z;\nclass A {}\n", [1, 3, 4]),
    ("JavaScript", "'use strict';\nconst fs = require('fs');\nconst { a, b } = require(\"x\").y;\n"
                   "import x, {\n  y,\n  z\n} from './q';\nexport * from 'r';\nfoo();\n", [1, 2, 3, 4, 5, 6, 7, 8]),
    ("Go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {}\n", [1, 3, 4, 5, 6]),
    ("Rust", "use std::{\n    fmt,\n    io,\n};\nextern crate core;\nmod foo;\npub(crate) mod bar;\nmod baz {\n}\n",
     [1, 2, 3, 4, 5, 6, 7]),
])
def test_boilerplate_statements_per_language(lang, text, boiler):
    syntax = resolve(lang)
    assert sorted(boilerplate_lines(strip_comments(text, syntax), syntax)) == boiler
    code = set(range(1, text.count("\n") + 1)) - set(boiler)
    assert set(lex(text, lang).line.tolist()) <= code


@pytest.mark.parametrize("lang, keyword_words, names", [
    ("Python", ["def", "return", "self", "len"], ["total", "items"]),
    ("JavaScript", ["function", "return", "this", "console", "prototype"], ["total", "items"]),
    ("Java", ["public", "int", "return", "String", "equals"], ["total", "items"]),
    ("Go", ["func", "return", "err", "nil", "fmt"], ["total", "items"]),
    ("Rust", ["fn", "let", "mut", "Vec", "Some", "unwrap"], ["total", "items"]),
    ("C", ["int", "return", "sizeof", "NULL", "size_t"], ["total", "items"]),
    ("C++", ["template", "typename", "std", "vector", "nullptr"], ["total", "items"]),
])
def test_keywords_and_standard_names_are_kept_when_abstracting(lang, keyword_words, names):
    lexed = lex(" ".join(keyword_words + names), lang)
    assert lexed.ident.tolist() == [False] * len(keyword_words) + [True] * len(names)


def test_each_language_family_abstracts_names_its_own_way():
    a, b = lex("x = y\n", "Python"), lex("x = y\n", "JavaScript")
    assert np.array_equal(a.norm, b.norm) and not np.array_equal(a.abst, b.abst)
    c, cpp = lex("x = y;\n", "C"), lex("x = y;\n", "C++")
    assert np.array_equal(c.abst, cpp.abst)  # one family: a renamed copy is found across them


def test_empty_and_whitespace_text():
    assert len(lex("", "Python")) == 0
    assert len(lex(" \n\t\n", "Python")) == 0


def test_non_ascii_identifiers_literals_and_unknown_language():
    lexed = lex("größe = 1\nτ = größe * 2\n", None)
    assert len(lexed) == 8
    lexed = lex('größe = "straße"\nτ = größe\n', "Python")
    assert lexed.ident.tolist() == [True, False, False, False, False, True, False, True]
