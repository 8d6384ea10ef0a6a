"""End-to-end attribution in-process: planted copies of real code, with mutations, in
every language the accuracy benchmark measures, and generic code that is never attributed."""
import re
from pathlib import Path

import pytest

from attrib.files import RawFile
from attrib.indexer import pipeline
from attrib.match import DEFAULT_OPTIONS, MatchOptions, attribute
from attrib.store import open_store
from realcode import click_files, raw

SOURCE = click_files()[2]  # a real click module
LINES = SOURCE.read_text().splitlines()
UNRELATED_BEFORE = """def parse_header(raw):
    fields = {}
    for part in raw.split(";"):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip()
    return fields
""".splitlines()
UNRELATED_AFTER = """class Counter:
    def __init__(self):
        self.hits = 0
    def bump(self, n=1):
        self.hits += n
        return self.hits
""".splitlines()


def pick_span(n: int, seed: int) -> tuple[int, int]:
    """A span of n lines (1-based, inclusive) with real content, starting and ending on code."""
    starts = [i for i in range(len(LINES) - n)
              if LINES[i].strip() and LINES[i + n - 1].strip()
              and sum(1 for l in LINES[i:i + n]
                      if l.strip() and not l.strip().startswith(("#", "import", "from"))) >= n - 1]
    i = starts[(seed * 7919) % len(starts)]
    return i + 1, i + n


def rename(code: str) -> str:
    """Consistently rename every name that is not a keyword, a builtin or self."""
    import builtins
    import keyword
    names: dict[str, str] = {}

    def new_name(m: re.Match) -> str:
        word = m.group()
        if keyword.iskeyword(word) or word in dir(builtins) or word in ("self", "cls"):
            return word
        return names.setdefault(word, f"v{len(names)}_x")

    return re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", new_name, code)


def dedent_block(lines: list[str]) -> list[str]:
    width = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
    return [l[width:] for l in lines]


def hits(matches, start, end):
    """Matches overlapping the planted lines, with their IoU."""
    out = []
    for m in matches:
        inter = max(0, min(m.end_line, end) - max(m.start_line, start) + 1)
        union = max(m.end_line, end) - min(m.start_line, start) + 1
        if inter:
            out.append((m, inter / union))
    return out


@pytest.mark.parametrize("n", [8, 12, 24])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verbatim_span_is_found_with_exact_lines_and_license(click_store, n, seed):
    a, b = pick_span(n, seed)
    query = "\n".join(LINES[a - 1:b]) + "\n"
    found = hits(attribute(query, click_store, lang="Python"), 1, n)
    assert found, f"span {a}-{b} of {SOURCE.name} not found"
    match, iou = found[0]
    assert iou >= 0.8
    src = match.best
    assert src.path == f"src/click/{SOURCE.name}" and src.repo == "pallets/click"
    assert src.licenses == ("BSD-3-Clause",)
    assert abs(src.start_line - (a + match.start_line - 1)) <= 1
    assert src.url.startswith(f"https://github.com/pallets/click/blob/{'a' * 40}/src/click/{SOURCE.name}#L")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reindented_and_comment_free_copy_embedded_in_unrelated_code(click_store, seed):
    a, b = pick_span(16, seed)
    body = [re.sub(r"\s+#.*$", "", l) for l in dedent_block(LINES[a - 1:b])
            if l.strip() and not l.strip().startswith("#")]
    body = [("\t" * ((len(l) - len(l.lstrip())) // 4)) + l.lstrip() for l in body]
    query = UNRELATED_BEFORE + body + UNRELATED_AFTER
    start, end = len(UNRELATED_BEFORE) + 1, len(UNRELATED_BEFORE) + len(body)
    matches = attribute("\n".join(query), click_store, lang="Python")
    found = hits(matches, start, end)
    assert found and found[0][1] >= 0.8, (matches, start, end)
    for m in matches:  # nothing reported in the unrelated code
        assert m.start_line >= start - 1 and m.end_line <= end + 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_renamed_copy_is_found_as_near(click_store, seed):
    a, b = pick_span(24, seed)
    code = "\n".join(dedent_block(LINES[a - 1:b])) + "\n"
    renamed = rename(code)
    assert renamed != code
    found = hits(attribute(renamed, click_store, lang="Python"), 1, renamed.count("\n"))
    assert found, renamed
    assert found[0][0].best.kind == "near"
    assert found[0][0].best.similarity < 1.0


def test_unrelated_code_and_boilerplate_are_not_attributed(click_store):
    unrelated = "\n".join(UNRELATED_BEFORE + UNRELATED_AFTER)
    assert attribute(unrelated, click_store, lang="Python") == []
    boilerplate = ("import os\nimport sys\nimport typing as t\nfrom gettext import gettext as _\n\n"
                   "if __name__ == '__main__':\n    main()\n")
    assert attribute(boilerplate, click_store, lang="Python") == []
    getters = "\n".join(f"    @property\n    def v{i}(self):\n        return self._v{i}\n" for i in range(6))
    assert attribute("class A:\n" + getters, click_store, lang="Python") == []


def test_whole_file_is_one_maximal_span(click_store):
    text = SOURCE.read_text()
    matches = attribute(text, click_store, lang="Python")
    assert len(matches) == 1
    m = matches[0]
    assert m.best.kind == "exact" and m.best.similarity == 1.0
    assert m.end_line - m.start_line + 1 >= 0.9 * len(LINES)


# ---------------------------------------------------------------------------- every benchmarked language

CODE = Path(__file__).resolve().parent / "data" / "code"
LICENSES = {".go": "MIT", ".rs": "Apache-2.0", ".java": "GPL-3.0-only", ".js": "MPL-2.0", ".c": "LGPL-2.1-or-later",
            ".h": "LGPL-2.1-or-later", ".hpp": "BSD-3-Clause"}


# Boilerplate as it fills The Stack: the same shapes in many projects with other names.
# A few dozen files of it make the index know that these shapes are common.
BOILERPLATE = {
    "Java": ("java", """package org.{pkg};

import java.util.Objects;

public class {Type} {{
    private String {a};
    private long {b};

    public String get{A}() {{
        return {a};
    }}

    public void set{A}(String {a}) {{
        this.{a} = {a};
    }}

    public long get{B}() {{
        return {b};
    }}

    public void set{B}(long {b}) {{
        this.{b} = {b};
    }}

    @Override
    public boolean equals(Object o) {{
        if (this == o) return true;
        if (o == null || getClass() != o.getClass()) return false;
        {Type} that = ({Type}) o;
        return {b} == that.{b} && Objects.equals({a}, that.{a});
    }}

    @Override
    public int hashCode() {{
        return Objects.hash({a}, {b});
    }}
}}
"""),
    "Go": ("go", """package main

import (
\t"fmt"
\t"os"
)

func main() {{
\t{a}, err := os.ReadFile(os.Args[1])
\tif err != nil {{
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}}
\t{b}, err := parse{Type}({a})
\tif err != nil {{
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}}
\tfmt.Println({b})
}}
"""),
    "Rust": ("rs", """use std::fmt;

pub struct {Type}(pub f64);

impl fmt::Display for {Type} {{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{
        write!(f, "{{}} {a}", self.0)
    }}
}}

#[cfg(test)]
mod tests {{
    use super::*;

    #[test]
    fn shows_{b}() {{
        assert_eq!({Type}(1.5).to_string(), "1.5 {a}");
    }}
}}
"""),
    "Python": ("py", """class {Type}:
    def __init__(self, {a}):
        self._{a} = {a}

    @property
    def {a}(self):
        return self._{a}

    @{a}.setter
    def {a}(self, value):
        self._{a} = value

    def __eq__(self, other):
        if not isinstance(other, {Type}):
            return NotImplemented
        return self._{a} == other._{a}

    def __repr__(self):
        return f"{Type}({{self._{a}!r}})"


def main():
    print({Type}(1))


if __name__ == "__main__":
    main()
"""),
    "C": ("c", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{{
    if (argc < 2) {{
        fprintf(stderr, "usage: %s {A}\\n", argv[0]);
        return EXIT_FAILURE;
    }}
    size_t {a} = strlen(argv[1]);
    printf("%zu\\n", {a});
    return EXIT_SUCCESS;
}}
"""),
    "C++": ("hpp", """#include <string>
#include <vector>

class {Type} {{
public:
    const std::string& {a}() const {{ return {a}_; }}
    void set_{a}(std::string {a}) {{ {a}_ = std::move({a}); }}
    const std::vector<std::string>& {b}() const {{ return {b}_; }}

private:
    std::string {a}_;
    std::vector<std::string> {b}_;
}};
"""),
    "JavaScript": ("js", """'use strict';

class {Type} {{
  constructor() {{
    this.{a} = 0;
  }}

  get {b}() {{
    return this.{a};
  }}

  increment() {{
    this.{a} += 1;
    return this;
  }}
}}

module.exports = {{ {Type} }};
"""),
}
NAMES = [("Order", "title", "quantity"), ("Customer", "email", "visits"), ("Ticket", "subject", "priority"),
         ("Parcel", "label", "weight"), ("Sensor", "model", "reading"), ("Invoice2", "code", "amount"),
         ("Route", "origin", "stops"), ("Badge", "holder", "level"), ("Recipe", "dish", "servings"),
         ("Lease", "tenant", "months"), ("Vote", "option", "tally"), ("Cargo", "manifest", "tons")]


def boilerplate_files(names: list[tuple[str, str, str]] = NAMES) -> list[RawFile]:
    files = []
    for lang, (ext, template) in BOILERPLATE.items():
        for i, (kind, a, b) in enumerate(names):
            text = template.format(Type=kind, a=a, b=b, A=a.capitalize(), B=b.capitalize(), pkg=kind.lower())
            files.append(RawFile(text, repo=f"someone{i}/{kind.lower()}-{ext}", path=f"{kind.lower()}.{ext}",
                                 commit="c" * 40, licenses=("MIT",), lang=lang))
    return files


@pytest.fixture(scope="module")
def polyglot_store(tmp_path_factory):
    """click's source (Python), the small programs of tests/data/code (one repository and
    license each) and boilerplate in every language, in one index."""
    store = open_store(str(tmp_path_factory.mktemp("polyglot") / "p.db"), mode="create")
    files = [raw(p) for p in click_files()] + boilerplate_files()
    files += [RawFile(p.read_bytes(), repo=f"acme/{p.stem.lower()}", path=f"src/{p.name}", commit="b" * 40,
                      licenses=(LICENSES[p.suffix],)) for p in sorted(CODE.iterdir())]
    pipeline.run(files, store)
    yield store
    store.close()


# language: (file, first and last line of the copied span, code of our own before and after it)
PLANTED = {
    "Go": ("ratelimit.go", 44, 56,
           "func describe(items []string) string {\n\tif len(items) == 0 {\n\t\treturn \"none\"\n\t}\n"
           "\treturn strings.Join(items, \" and \")\n}\n",
           "func (s *Server) routes() {\n\ts.mux.HandleFunc(\"/health\", s.health)\n\ts.mux.HandleFunc(\"/jobs\", s.jobs)\n}\n"),  # noqa: E501
    "Rust": ("ringbuffer.rs", 20, 30,
             "fn mean(xs: &[f64]) -> Option<f64> {\n    if xs.is_empty() {\n        return None;\n    }\n"
             "    Some(xs.iter().sum::<f64>() / xs.len() as f64)\n}\n",
             "fn clamp_all(xs: &mut [i32], lo: i32, hi: i32) {\n    for x in xs.iter_mut() {\n"
             "        *x = (*x).max(lo).min(hi);\n    }\n}\n"),
    "Java": ("RunLength.java", 21, 33,
             "static int parsePort(String value) {\n    int port = Integer.parseInt(value.trim());\n"
             "    if (port <= 0 || port > 65535) {\n        throw new IllegalArgumentException(\"port \" + port);\n"
             "    }\n    return port;\n}\n",
             "static String banner(String name) {\n    return \"== \" + name.toUpperCase() + \" ==\";\n}\n"),
    "JavaScript": ("lru.js", 29, 42,
                   "function debounce(fn, ms) {\n  let timer = null;\n  return (...args) => {\n"
                   "    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}\n",
                   "const total = (xs) => xs.reduce((a, b) => a + b, 0);\nexport { debounce, total };\n"),
    "C": ("strbuf.c", 42, 57,
          "static unsigned checksum(const unsigned char *p, size_t n)\n{\n    unsigned sum = 0;\n"
          "    while (n--)\n        sum = (sum << 1 | sum >> 31) ^ *p++;\n    return sum;\n}\n",
          "static int is_blank(const char *s)\n{\n    while (*s == ' ' || *s == '\\t')\n        s++;\n"
          "    return *s == '\\0';\n}\n"),
    "C++": ("matrix.hpp", 27, 38,
            "inline double lerp(double a, double b, double t) {\n    return a + (b - a) * t;\n}\n\n",
            "struct Range {\n    int lo, hi;\n    bool contains(int x) const { return lo <= x && x < hi; }\n};\n"),
}
RENAMES = {
    "Go": {"tokens": "avail", "capacity": "limit", "refill": "topUp"},
    "Rust": {"slots": "cells", "head": "front", "displaced": "old", "capacity": "cap"},
    "Java": {"input": "data", "value": "current", "run": "length", "out": "sink"},
    "JavaScript": {"entries": "store", "oldest": "first", "evicted": "dropped", "limit": "max"},
    "C": {"sb": "buf", "again": "copy", "ap": "args"},
    "C++": {"out": "result", "scale": "factor", "rhs": "other"},
}


def planted(lang: str) -> tuple[str, int, int, str, int, int]:
    """(query, first and last query line of the copy, source path, first and last source line)."""
    name, a, b, before, after = PLANTED[lang]
    span = (CODE / name).read_text().splitlines()[a - 1:b]
    head = before.splitlines()
    query = "\n".join(head + span + after.splitlines()) + "\n"
    return query, len(head) + 1, len(head) + len(span), f"src/{name}", a, b


@pytest.mark.parametrize("lang", sorted(PLANTED))
def test_copy_in_each_language_is_found_with_exact_lines_and_license(polyglot_store, lang):
    query, qa, qb, path, sa, sb = planted(lang)
    (match,) = attribute(query, polyglot_store, lang=lang)
    assert (match.start_line, match.end_line) == (qa, qb)
    src = match.best
    assert (src.path, src.start_line, src.end_line, src.kind) == (path, sa, sb, "exact")
    assert src.licenses == (LICENSES[Path(path).suffix],) and src.repo == f"acme/{Path(path).stem.lower()}"
    assert src.chance < 1e-3


@pytest.mark.parametrize("lang", sorted(PLANTED))
def test_renamed_copy_in_each_language_is_found_as_near(polyglot_store, lang):
    query, qa, qb, path, sa, sb = planted(lang)
    lines = query.split("\n")
    for old, new in RENAMES[lang].items():
        lines[qa - 1:qb] = [re.sub(rf"\b{old}\b", new, line) for line in lines[qa - 1:qb]]
    found = hits(attribute("\n".join(lines), polyglot_store, lang=lang), qa, qb)
    assert found and found[0][1] >= 0.8, found
    src = found[0][0].best
    assert src.path == path and src.kind == "near" and abs(src.start_line - sa) <= 1


GENERIC = {  # common code written for these tests, in shapes the index holds many times with other names
    "Python": '''class Temperature:
    def __init__(self, celsius):
        self._celsius = celsius

    @property
    def celsius(self):
        return self._celsius

    @celsius.setter
    def celsius(self, value):
        self._celsius = value

    def __eq__(self, other):
        if not isinstance(other, Temperature):
            return NotImplemented
        return self._celsius == other._celsius

    def __repr__(self):
        return f"Temperature({self._celsius!r})"


def main():
    print(Temperature(21))


if __name__ == "__main__":
    main()
''',
    "Java": '''public class Invoice {
    private String number;
    private long cents;

    public String getNumber() {
        return number;
    }

    public void setNumber(String number) {
        this.number = number;
    }

    public long getCents() {
        return cents;
    }

    public void setCents(long cents) {
        this.cents = cents;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass()) return false;
        Invoice invoice = (Invoice) o;
        return cents == invoice.cents && Objects.equals(number, invoice.number);
    }

    @Override
    public int hashCode() {
        return Objects.hash(number, cents);
    }
}
''',
    "Rust": '''use std::fmt;

pub struct Celsius(pub f64);

impl fmt::Display for Celsius {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} C", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_degrees() {
        assert_eq!(Celsius(3.5).to_string(), "3.5 C");
    }
}
''',
    "Go": '''package main

import (
	"fmt"
	"os"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(data))
}
''',
    "C": '''#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE\\n", argv[0]);
        return EXIT_FAILURE;
    }
    printf("%zu\\n", strlen(argv[1]));
    return EXIT_SUCCESS;
}
''',
    "C++": '''#include <string>
#include <vector>

class Team {
public:
    const std::string& name() const { return name_; }
    void set_name(std::string name) { name_ = std::move(name); }
    const std::vector<std::string>& members() const { return members_; }

private:
    std::string name_;
    std::vector<std::string> members_;
};
''',
    "JavaScript": ''''use strict';

const fs = require('fs');

class Counter {
  constructor() {
    this.count = 0;
  }

  get value() {
    return this.count;
  }

  increment() {
    this.count += 1;
    return this;
  }
}

module.exports = { Counter };
''',
}


@pytest.mark.parametrize("lang", sorted(GENERIC))
def test_generic_short_code_is_not_attributed(polyglot_store, lang):
    assert attribute(GENERIC[lang], polyglot_store, lang=lang) == []


def test_chance_matches_do_not_grow_with_the_index(tmp_path):
    """Four times the boilerplate, as a bigger index holds: generic code only looks more
    common, never more like a copy."""
    more = [(f"{kind}{n}", f"{a}_{n}", f"{b}_{n}") for n in range(4) for kind, a, b in NAMES]
    everything = MatchOptions(max_chance=float("inf"))
    odds = []
    for i, names in enumerate((NAMES, more)):
        with open_store(str(tmp_path / f"{i}.db"), mode="create") as store:
            pipeline.run(boilerplate_files(names), store)
            odds.append({lang: min((s.chance for m in attribute(GENERIC[lang], store, lang=lang, options=everything)
                                    for s in m.sources), default=float("inf")) for lang in GENERIC})
    for lang in GENERIC:
        assert odds[1][lang] >= odds[0][lang] > DEFAULT_OPTIONS.max_chance, lang


@pytest.mark.parametrize("lang", sorted(BOILERPLATE))
def test_look_alikes_within_one_repository_count_as_common_code(tmp_path, lang):
    """A monorepo (the Linux kernel: every driver in torvalds/linux) holds one piece of
    boilerplate under other names in many files: those are other code that looks alike,
    not copies of one file within its project, so a new instance of the boilerplate
    stays common -- while a copy of one of those files is still found, whole."""
    one_repo = [RawFile(f.data, repo="someone/monorepo", path=f"{i}/{f.path}", commit=f.commit,
                        licenses=f.licenses, lang=f.lang) for i, f in enumerate(boilerplate_files())]
    ext, template = BOILERPLATE[lang]
    instance = template.format(Type="Widget", a="size", b="count", A="Size", B="Count", pkg="widget")
    with open_store(str(tmp_path / "mono.db"), mode="create") as store:
        pipeline.run(one_repo, store)
        assert attribute(instance, store, lang=lang) == []
        copied = next(f for f in one_repo if f.lang == lang).data
        found = attribute(copied if isinstance(copied, str) else copied.decode(), store, lang=lang)
        assert found and found[0].sources[0].kind == "exact", found



RESULT_JS = """function result(obj, path, fallback) {
  path = toPath(path);
  var length = path.length;
  if (!length) {
    return isFunction(fallback) ? fallback.call(obj) : fallback;
  }
  for (var i = 0; i < length; i++) {
    var prop = obj == null ? void 0 : obj[path[i]];
    if (prop === void 0) {
      prop = fallback;
      i = length; // Ensure we don't continue iterating.
    }
    obj = isFunction(prop) ? prop.call(obj) : prop;
  }
  return obj;
}
"""
BUILDS = {  # underscore's builds of one module: (before, after) the function
    "modules/result.js": ("import isFunction from './isFunction.js';\nimport toPath from './_toPath.js';\n\n", ""),
    "cjs/result.js": ("var isFunction = require('./isFunction.js');\nvar toPath = require('./_toPath.js');\n\n",
                      "\nmodule.exports = result;\n"),
    "underscore.js": ("// Underscore.js 1.13.6\n// (c) 2009-2022 Jeremy Ashkenas\n\n",
                      "\nvar _ = mixin(allExports);\n"),
    "amd/result.js": ("define(['./isFunction', './_toPath'], function (isFunction, toPath) {\n\n",
                      "\n  result.displayName = 'result';\n  return result;\n\n});\n"),
}


def test_a_copy_holding_part_of_a_region_is_one_with_it_there(tmp_path, monkeypatch):
    """Builds of one module in its project (ES module, CommonJS, a bundle, AMD) are one
    piece of evidence where they hold the same code. A renamed copy of the AMD build
    (its wrapper included) is aligned further in it than in the others, which hold the
    function only: where they hold it, they are still its copies, so the AMD build --
    the copy of the most code -- is no weaker evidence than the others."""
    from attrib import match

    files = [RawFile(before + RESULT_JS + after, repo="jashkenas/underscore", path=path, commit="d" * 40,
                     licenses=("MIT",), lang="JavaScript") for path, (before, after) in BUILDS.items()]
    after = BUILDS["amd/result.js"][1]
    tail = RESULT_JS[RESULT_JS.index("    var prop"):]  # the query starts inside the function
    query = re.sub(r"\bobj\b", "v_1", re.sub(r"\bprop\b", "v_2", re.sub(r"\blength\b", "v_3",
                                                                          tail + after)))
    paths: list[str] = []
    odds: list[float] = []
    count_related, chance = match._count_related, match.chance

    def related_spy(evidence, regions):
        paths[:] = [f.provenance[0].path for _, f in regions]
        return count_related(evidence, regions)

    def chance_spy(*args):
        odds[:] = chance(*args)
        return odds

    monkeypatch.setattr(match, "_count_related", related_spy)
    monkeypatch.setattr(match, "chance", chance_spy)
    with open_store(str(tmp_path / "builds.db"), mode="create") as store:
        pipeline.run(files, store)
        matches = attribute(query, store, lang="JavaScript")
    found = dict(zip(paths, odds))
    assert set(found) == set(BUILDS), found
    assert found["amd/result.js"] <= min(found.values()), found
    assert "amd/result.js" in {s.path for m in matches for s in m.sources}, matches


# Code an interface mandates: every implementation of a trait repeats its method
# signatures, every IDE-generated `equals` its prologue. Each project below writes its
# own bodies; what they share is what the interface makes them write.
MANDATED = {
    "Rust": ("rs", """use serde::ser::{{self, Serialize}};

pub struct {Type}Serializer {{
    {a}: Vec<u8>,
}}

impl<'a> ser::Serializer for &'a mut {Type}Serializer {{
    type Ok = ();
    type Error = Error;

    fn serialize_newtype_variant<T: ?Sized>(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Self::Error>
    where
        T: Serialize,
    {{
        {body1}
    }}

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {{
        {body2}
    }}
}}
"""),
    "Java": ("java", """package org.{pkg};

public final class {Type} {{
    private final String {a};
    private final int {b};

    {Type}(String {a}, int {b}) {{
        this.{a} = {a};
        this.{b} = {b};
    }}

    @Override
    public boolean equals(Object o) {{
        if (this == o) return true;
        if (o == null || getClass() != o.getClass()) return false;

        {body1}
    }}

    @Override
    public int hashCode() {{
        {body2}
    }}
}}
"""),
}
BODIES = {
    "Rust": [("self.{a}.push(b'{{');\n        variant.serialize(&mut *self)?;\n        value.serialize(&mut *self)",
              "self.{a}.extend_from_slice(variant.as_bytes());\n        let _ = len;\n        Ok(self)"),
             ("let key = variant.to_owned();\n        self.{a}.extend(key.bytes());\n        value.serialize(self)",
              "Err(Error::unsupported(\"tuple variant\", len))"),
             ("write_tag(&mut self.{a}, variant)?;\n        value.serialize(&mut *self)?;\n        Ok(())",
              "self.begin_variant(variant)?;\n        Ok(Compound::new(self, len))"),
             ("if self.{a}.is_empty() {{\n            return Err(Error::custom(variant));\n        }}\n"
              "        value.serialize(&mut **self)",
              "let mut seq = self.start_seq(Some(len))?;\n        seq.tag(variant)?;\n        Ok(seq)")],
    "Java": [("{Type} that = ({Type}) o;\n        return {b} == that.{b} && {a}.equals(that.{a});",
              "return 31 * {a}.hashCode() + {b};"),
             ("{Type} other = ({Type}) o;\n        if ({b} != other.{b}) return false;\n"
              "        return {a}.equals(other.{a});",
              "int result = {a}.hashCode();\n        result = 31 * result + {b};\n        return result;"),
             ("final {Type} x = ({Type}) o;\n        return x.{b} == {b} && x.{a}.equals({a});",
              "return java.util.Objects.hash({a}, {b});"),
             ("{Type} rhs = ({Type}) o;\n        return {a}.equals(rhs.{a}) && {b} == rhs.{b};",
              "return {a}.hashCode() ^ {b};")],
}


def mandated(lang: str, i: int, kind: str, a: str, b: str) -> str:
    ext, template = MANDATED[lang]
    body1, body2 = (x.format(Type=kind, a=a, b=b) for x in BODIES[lang][i % len(BODIES[lang])])
    return template.format(Type=kind, a=a, b=b, pkg=kind.lower(), body1=body1, body2=body2)


@pytest.mark.parametrize("lang", sorted(MANDATED))
def test_code_an_interface_mandates_is_not_attributed(tmp_path, lang):
    """Three projects implement one interface with bodies of their own: the signatures
    (or the `equals` prologue) they must all write are code other projects hold too,
    line after line, and a fourth implementation is no copy of any of them."""
    ext = MANDATED[lang][0]
    files = [RawFile(mandated(lang, i, kind, a, b), repo=f"team{i}/{kind.lower()}", path=f"src/{kind.lower()}.{ext}",
                     commit="e" * 40, licenses=("MIT",), lang=lang) for i, (kind, a, b) in enumerate(NAMES[:3])]
    with open_store(str(tmp_path / "mandated.db"), mode="create") as store:
        pipeline.run([raw(p) for p in click_files()] + boilerplate_files() + files, store)
        fourth = mandated(lang, 3, "Shipment", "carrier", "boxes")
        assert attribute(fourth, store, lang=lang) == []
        # ... while a copy of one implementation, bodies and all, is still found
        found = attribute(files[1].data if isinstance(files[1].data, str) else files[1].data.decode(), store,
                          lang=lang)
        assert found and found[0].best.repo == "team1/customer" and found[0].best.kind == "exact", found


def test_code_vendored_into_another_project_is_still_found(tmp_path):
    """A module copied whole into another project (vendored) is one code in two places,
    not a piece every project writes: a span of it is found, in both."""
    original = raw(SOURCE)
    text = original.data if isinstance(original.data, str) else original.data.decode()
    vendored = RawFile("# Vendored from click; do not edit.\nimport os\n\n" + text + "\n\nVENDORED = True\n",
                       repo="someone/tool", path="tool/_vendor/click_part.py", commit="f" * 40,
                       licenses=("BSD-3-Clause",), lang="Python")
    a, b = pick_span(12, 5)
    with open_store(str(tmp_path / "vendored.db"), mode="create") as store:
        pipeline.run([raw(p) for p in click_files()] + boilerplate_files() + [vendored], store)
        found = hits(attribute("\n".join(LINES[a - 1:b]) + "\n", store, lang="Python"), 1, b - a + 1)
    assert found and found[0][1] >= 0.8, found
    assert {s.repo for s in found[0][0].sources} >= {"pallets/click", "someone/tool"}, found[0][0].sources
