"""End-to-end attribution in-process: planted copies of real code, with mutations."""
import re

import pytest

from attrib.match import attribute
from realcode import click_files

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
