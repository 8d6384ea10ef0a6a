"""What the accuracy benchmark needs to know about a source file, and its mutations.

Independent of attrib's own lexer (the thing under test): files are tokenized with
Pygments, a well-kept highlighter with a lexer for every benchmarked language, and the
benchmark's queries are made from its tokens:

* per line: whether it holds code (a token that is neither a comment nor punctuation:
  a line of closing brackets is not content), belongs to an import
  statement (``import``, ``package``, ``use``, ``#include``, ``require(...)``), starts inside
  a multi-line string or comment, or starts outside brackets (a clean place to cut);
* the names the file *defines* (functions, classes, types, parameters, variables,
  fields and attributes it assigns), found from the syntax around each name: after a
  declaration keyword, before an assignment, in a parameter list, ``Type name`` in the
  C family, ``name Type`` in Go, ``name: Type`` in Rust, TypeScript and Python;
* three mutations of a span of lines: re-indented (the indentation unit changed
  consistently), comments and blank lines removed, identifiers renamed (every name the
  file defines, consistently, ``count`` -> ``v_3a1``; keywords, builtins, ``self``/``this``,
  imported names and the APIs the file calls are kept).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, String, Text, Whitespace, Error

PYGMENTS = {"Python": "python", "JavaScript": "javascript", "TypeScript": "typescript", "Java": "java",
            "Go": "go", "Rust": "rust", "C": "c", "C++": "cpp"}

# Words a lexer may report as names that are reserved (or as good as reserved) in the language.
RESERVED = {
    "Python": {"self", "cls", "super", "print", "len", "range", "str", "int", "float", "dict", "list", "set",
               "tuple", "bool", "object", "isinstance", "NotImplemented"},
    "JavaScript": {"this", "super", "get", "set", "of", "async", "await", "static", "undefined", "arguments",
                   "require", "module", "exports", "console", "window", "document", "prototype", "constructor"},
    "Java": {"this", "super", "String", "Object", "Override", "var", "record", "System", "Integer", "Long",
             "Boolean", "Double", "Float", "Character", "Byte", "Short", "Exception", "RuntimeException"},
    "Go": {"err", "nil", "error", "string", "int", "bool", "byte", "rune", "len", "cap", "make", "new", "append",
           "panic", "recover", "fmt", "iota"},
    "Rust": {"self", "Self", "super", "crate", "mut", "ref", "dyn", "Some", "None", "Ok", "Err", "Box", "Vec",
             "String", "Option", "Result", "str", "usize", "isize", "u8", "u16", "u32", "u64", "i8", "i16", "i32",
             "i64", "f32", "f64", "bool", "char"},
    "C": {"NULL", "size_t", "bool", "true", "false", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t",
          "int16_t", "int32_t", "int64_t", "FILE", "errno"},
    "C++": {"this", "std", "NULL", "nullptr", "size_t", "bool", "true", "false", "string", "vector", "map",
            "uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "override",
            "final"},
}
DECLARE = {"def", "class", "function", "fn", "let", "var", "const", "val", "func", "type", "struct", "enum",
           "interface", "trait", "union", "typedef", "static"}
ASSIGN = {"=", ":=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<=", ">>=", "??=", "||=", "&&=", "**=", "//="}
IMPORTS = {
    "Python": {"import", "from"}, "JavaScript": {"import"}, "TypeScript": {"import"}, "Java": {"import", "package"},
    "Go": {"import", "package"}, "Rust": {"use", "extern"}, "C": set(), "C++": {"using"},
}
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    kind: str  # name, fixed (a name never renamed), keyword, op, string, comment, preproc, other
    text: str
    line: int  # 0-based line of the first character
    end_line: int  # 0-based line of the last character
    definition: bool = False  # the lexer marks it as a function or class being defined


@dataclass
class CodeFile:
    idx: int
    package: str
    lang: str
    sha: str
    repo: str
    path: str
    content: str  # newlines normalised to \n
    lines: list[str]
    tokens: list[Tok]  # every token but whitespace
    code: list[bool]  # per line: holds a token that is not a comment
    imports: list[bool]  # per line: part of an import statement
    inside: list[bool]  # per line: starts inside a multi-line string or comment
    clean: list[bool]  # per line: starts outside strings, comments and brackets
    indent_unit: str = "    "
    defined: set[str] = field(default_factory=set)
    imported: set[str] = field(default_factory=set)
    errors: int = 0  # tokens the lexer could not read


@lru_cache(maxsize=None)
def _lexer(lang: str):
    return get_lexer_by_name(PYGMENTS[lang], stripnl=False, stripall=False, ensurenl=False)


def _kind(ttype, text: str, lang: str) -> str:
    if ttype in Comment.Preproc or ttype in Comment.PreprocFile:
        return "preproc"
    if ttype in Comment:
        return "comment"
    if ttype in String.Doc:
        return "comment" if lang != "Python" and text.lstrip().startswith(("//", "/*")) else "string"
    if ttype in String:
        return "string"
    if ttype in Name:
        if (ttype in Name.Builtin or ttype in Name.Decorator or ttype in Name.Namespace
                or ttype in Name.Function.Magic or ttype in Name.Exception or ttype in Name.Label
                or not _IDENT.match(text) or text in RESERVED.get(lang, ())):
            return "fixed"
        return "name"
    if ttype in Keyword:
        return "keyword"
    if ttype in Error:
        return "error"
    if ttype in Text and _IDENT.match(text):
        return "name"
    return "op"


def analyse(idx: int, package: str, lang: str, row: dict) -> CodeFile:
    content = row["content"].replace("\r\n", "\n").replace("\r", "\n")
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n = len(lines)
    line_starts = [0]
    for line in lines:
        line_starts.append(line_starts[-1] + len(line) + 1)
    tokens: list[Tok] = []
    line = 0
    for start, ttype, text in _lexer(lang).get_tokens_unprocessed(content):
        if not text:
            continue
        first = line
        while first + 1 < len(line_starts) and line_starts[first + 1] <= start:
            first += 1
        line = first
        if ttype in Whitespace or (ttype in Text and not text.strip()):
            continue
        stripped = text.rstrip("\n")
        last = first + stripped.count("\n")
        tokens.append(Tok(start, start + len(stripped), _kind(ttype, stripped, lang), stripped, first, last,
                          ttype in Name.Function or ttype in Name.Class))
    code = [False] * n
    inside = [False] * n
    for t in tokens:
        if t.kind == "comment" or (t.kind == "op" and not any(c.isalnum() for c in t.text)):
            continue  # comments, and lines of brackets and punctuation alone, are not content
        for r in range(t.line, min(t.end_line, n - 1) + 1):
            code[r] = True
        if t.kind in ("string", "comment") and t.end_line > t.line:
            for r in range(t.line + 1, min(t.end_line, n - 1) + 1):
                inside[r] = True
    info = CodeFile(idx, package, lang, row["hexsha"], row["max_stars_repo_name"], row["max_stars_repo_path"],
                    content, lines, tokens, code, _import_lines(tokens, lang, n), inside, [False] * n,
                    _indent_unit(lines, tokens, n), errors=sum(t.kind == "error" for t in tokens))
    info.clean = _clean_lines(tokens, lang, inside, n)
    info.imported = {t.text for t in tokens if t.kind == "name" and t.line < n and info.imports[t.line]}
    info.defined = _defined(tokens, lang, info.imports)
    return info


def _import_lines(tokens: list[Tok], lang: str, n: int) -> list[bool]:
    """Lines of import statements (and C/C++ ``#include`` lines, JavaScript ``require``)."""
    out = [False] * n
    sig = [t for t in tokens if t.kind != "comment"]
    starts = IMPORTS.get(lang, set())
    first_on_line = {t.line: i for i, t in reversed(list(enumerate(sig)))}
    for line, i in first_on_line.items():
        t = sig[i]
        if t.kind == "preproc" and re.match(r"#\s*(include|import)\b", "".join(
                s.text for s in sig[i:i + 3] if s.line == line).replace(" ", "")):
            out[line] = True
            continue
        if lang in ("JavaScript", "TypeScript") and any(s.text == "require" for s in sig[i:i + 8] if s.line == line) \
                and t.text in ("const", "var", "let"):
            out[line] = True
            continue
        if t.text not in starts or t.kind not in ("keyword", "name", "fixed"):
            continue
        if lang == "Rust" and t.text == "extern" and not (i + 1 < len(sig) and sig[i + 1].text == "crate"):
            continue
        if lang == "C++" and not (i + 1 < len(sig) and sig[i + 1].text == "namespace"):
            continue
        end = _statement_end(sig, i, lang)
        for r in range(line, min(end, n - 1) + 1):
            out[r] = True
    return out


def _statement_end(sig: list[Tok], i: int, lang: str) -> int:
    """Last line of the import statement that starts at ``sig[i]``."""
    depth = 0
    line = sig[i].line
    for t in sig[i:i + 400]:
        if t.line > line and depth == 0 and lang in ("Python", "Go"):
            return line
        if t.text in ("(", "[", "{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
            if depth == 0 and lang in ("Python", "Go"):
                return t.line
        elif t.text == ";" and depth == 0:
            return t.line
        if lang in ("JavaScript", "TypeScript") and depth == 0 and t.kind == "string":
            return t.line
        line = t.line
    return sig[i].line


def _clean_lines(tokens: list[Tok], lang: str, inside: list[bool], n: int) -> list[bool]:
    """Lines that start outside strings, comments and brackets (``{}`` counts only in Python)."""
    opening = "([{" if lang == "Python" else "(["
    closing = ")]}" if lang == "Python" else ")]"
    depth_at: list[int | None] = [None] * n
    depth = 0
    for t in tokens:
        if t.line < n and depth_at[t.line] is None:
            depth_at[t.line] = depth
        if t.kind == "op":
            depth += sum(t.text.count(c) for c in opening) - sum(t.text.count(c) for c in closing)
            depth = max(depth, 0)
    out, last = [], 0
    for r in range(n):
        d = depth_at[r] if depth_at[r] is not None else last
        last = d
        out.append(d == 0 and not inside[r])
    return out


def _indent_unit(lines: list[str], tokens: list[Tok], n: int) -> str:
    """The file's indentation step: a tab, or the largest of 8, 4, 3, 2 spaces that 90% of
    the indented code lines are a multiple of."""
    starts_code = [False] * n
    seen = set()
    for t in tokens:
        if t.line not in seen and t.line < n:
            seen.add(t.line)
            starts_code[t.line] = t.kind != "comment"
    widths, tabs = [], 0
    for r, line in enumerate(lines):
        if not starts_code[r] or not line.strip():
            continue
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if lead.startswith("\t"):
            tabs += 1
        elif lead:
            widths.append(len(lead))
    if tabs > len(widths):
        return "\t"
    for unit in (8, 4, 3, 2):
        if widths and sum(w % unit == 0 for w in widths) >= 0.9 * len(widths):
            return " " * unit
    return "    "


def _defined(tokens: list[Tok], lang: str, imports: list[bool]) -> set[str]:
    """Names the file defines (see the module docstring)."""
    sig = [t for t in tokens if t.kind not in ("comment",)]
    out: set[str] = set()
    marked: set[int] = set()  # indices of names read as definitions
    c_like = lang in ("C", "C++", "Java")
    params_open: list[int] = []  # depths of parameter lists being read
    depth = 0
    for i, t in enumerate(sig):
        if t.kind == "op":
            if t.text == "(":
                depth += 1
                before = [s.text for s in sig[max(0, i - 3):i]]
                if any(w in ("def", "function", "fn", "func", "lambda") for w in before) or \
                        (i - 1 in marked) or _arrow_params(sig, i):
                    params_open.append(depth)
            elif t.text == ")":
                if params_open and params_open[-1] == depth:
                    params_open.pop()
                depth = max(0, depth - 1)
            continue
        if t.kind != "name":
            continue
        prev = sig[i - 1] if i else None
        prev2 = sig[i - 2] if i > 1 else None
        nxt = sig[i + 1] if i + 1 < len(sig) else None
        nxt2 = sig[i + 2] if i + 2 < len(sig) else None
        after_dot = prev is not None and prev.text in (".", "->", "?.")
        path = nxt is not None and (nxt.text == "::" or (nxt.text == ":" and nxt2 is not None and nxt2.text == ":"))
        if path or (prev is not None and prev.text in ("::", ":") and prev2 is not None and prev2.text in ("::", ":")):
            continue  # a module path (std::fmt, a::b::c) names what another file defines
        in_params = bool(params_open) and params_open[-1] == depth
        assigns = nxt is not None and (nxt.text in ASSIGN or (nxt.text == "," and _multi_assign(sig, i)))
        if assigns and lang == "Python" and depth and not in_params:
            assigns = False  # a keyword argument of a call
        defines = (
            (t.definition and not after_dot)
            or (prev is not None and prev.text in DECLARE and not after_dot)
            or (prev is not None and prev.text == "mut" and prev2 is not None and prev2.text in ("let", "(", ",", "|"))
            or assigns
            or (nxt is not None and nxt.text == "=>" and (prev is None or prev.text != ")"))
            or (in_params and nxt is not None and nxt.text in (",", ")", "=", ":") and not after_dot)
            or (prev is not None and prev.text == "as" and not imports[t.line] and lang == "Python")
            or _for_target(sig, i)
            or (c_like and _c_declaration(prev, prev2, nxt))
            or (lang == "Go" and _go_declaration(sig, i, prev, nxt))
            or (lang in ("Rust", "TypeScript", "Python") and nxt is not None and nxt.text == ":"
                and not (nxt2 is not None and nxt2.text == ":") and prev is not None
                and (prev.text in ("(", ",", "{", "let", "mut", "pub") or prev.line < t.line))
            or (lang in ("JavaScript", "TypeScript", "Go") and _method_definition(sig, i, prev, nxt))
        )
        if defines:
            out.add(t.text)
            marked.add(i)
    return out


def _multi_assign(sig: list[Tok], i: int) -> bool:
    """``a, b = ...`` / ``a, b := ...``: names and commas up to an assignment."""
    for t in sig[i + 1:i + 12]:
        if t.text in ASSIGN:
            return True
        if t.text not in (",", "*") and t.kind not in ("name", "fixed"):
            return False
    return False


def _method_definition(sig: list[Tok], i: int, prev: Tok | None, nxt: Tok | None) -> bool:
    """A method: ``name(...) {`` first on its line (JavaScript), or Go's ``func (r *T) name(``."""
    if nxt is None or nxt.text != "(":
        return False
    if prev is not None and prev.text == ")":  # Go: the receiver's list, right after func
        depth, k = 0, i - 1
        while k >= 0:
            depth += {")": 1, "(": -1}.get(sig[k].text, 0)
            if depth == 0:
                return k > 0 and sig[k - 1].text == "func"
            k -= 1
        return False
    if prev is not None and prev.line == sig[i].line and prev.text not in ("async", "static", "get", "set", "*"):
        return False
    depth = 0
    for j in range(i + 1, min(len(sig), i + 80)):
        depth += {"(": 1, ")": -1}.get(sig[j].text, 0)
        if depth == 0:
            return j + 1 < len(sig) and sig[j + 1].text == "{"
    return False


def _arrow_params(sig: list[Tok], i: int) -> bool:
    """Whether the ``(`` at ``i`` opens an arrow function's parameters: ``(a, b) =>``."""
    depth = 0
    for j in range(i, min(len(sig), i + 60)):
        if sig[j].text == "(":
            depth += 1
        elif sig[j].text == ")":
            depth -= 1
            if depth == 0:
                return j + 1 < len(sig) and sig[j + 1].text == "=>"
    return False


def _for_target(sig: list[Tok], i: int) -> bool:
    """``for a, b in``, ``for i, v := range``, ``for (x of``: a loop variable."""
    for j in range(i - 1, max(-1, i - 8), -1):
        text = sig[j].text
        if text == "for":
            nxt = sig[i + 1].text if i + 1 < len(sig) else ""
            return nxt in (",", "in", "of", ":=", "=", ")")
        if text not in (",", "(", "let", "const", "var", "mut", "&") and sig[j].kind != "name":
            return False
    return False


def _c_declaration(prev: Tok | None, prev2: Tok | None, nxt: Tok | None) -> bool:
    """``Type name`` followed by ``= ; , ) [ (``: a declaration in C, C++ or Java."""
    if prev is None or nxt is None or nxt.text not in ("=", ";", ",", ")", "[", "(", ":", "{"):
        return False
    if prev.kind in ("name", "fixed") or (prev.kind == "keyword" and prev.text in _C_TYPES):
        return True
    if prev.text in (">", "]", "*", "&", "&&", "**") and prev2 is not None:
        return prev2.kind in ("name", "fixed", "op") or prev2.text in _C_TYPES
    return False


_C_TYPES = {"int", "char", "long", "short", "float", "double", "void", "unsigned", "signed", "bool", "boolean",
            "byte", "auto", "const", "struct", "enum", "union", "size_t", "final"}


def _go_declaration(sig: list[Tok], i: int, prev: Tok | None, nxt: Tok | None) -> bool:
    """``name Type`` in Go parameters, fields and ``var`` blocks."""
    if nxt is None or prev is None:
        return False
    typed = nxt.kind in ("name", "fixed") or nxt.text in ("*", "[", "func", "map", "chan", "struct", "interface",
                                                          "...") or (nxt.kind == "keyword")
    if not typed or nxt.line != sig[i].line:
        return False
    return prev.text in ("(", ",") or prev.line < sig[i].line


# ---------------------------------------------------------------------------- mutations

def reindent(f: CodeFile, a: int, b: int, new_unit: str) -> list[str]:
    """Lines a..b-1 with the indentation unit replaced consistently by ``new_unit``."""
    unit = f.indent_unit
    out = []
    for line in f.lines[a:b]:
        stripped = line.lstrip(" \t")
        lead = line[: len(line) - len(stripped)]
        if unit == "\t":
            levels, rest = lead.count("\t"), lead.replace("\t", "")
        else:
            levels, rem = divmod(len(lead.expandtabs(8)), len(unit))
            rest = " " * rem
        out.append(new_unit * levels + rest + stripped if stripped else "")
    return out


def other_units(unit: str) -> list[str]:
    """Indentation units to re-indent to."""
    return {"\t": ["    ", "  "], "  ": ["    ", "\t"], "    ": ["  ", "\t"]}.get(unit, ["    ", "\t"])


def strip_comments(f: CodeFile, a: int, b: int) -> list[str]:
    """Lines a..b-1 without their comments (documentation strings of Python stay), then
    without the lines left blank (outside strings)."""
    lo, hi = _offset(f, a), _offset(f, b)
    text = f.content[lo:hi]
    for t in sorted((t for t in f.tokens if t.kind == "comment" and t.end > lo and t.start < hi),
                    key=lambda t: -t.start):
        s, e = max(t.start, lo) - lo, min(t.end, hi) - lo
        text = text[:s] + "\n" * text[s:e].count("\n") + text[e:]
    out = []
    for r, line in enumerate(text.split("\n")[: b - a]):
        original = f.lines[a + r]
        if line != original:
            line = line.rstrip()
        if not line.strip() and not f.inside[a + r]:
            continue
        out.append(line)
    return out


def _offset(f: CodeFile, line: int) -> int:
    return sum(len(x) + 1 for x in f.lines[:line])


def renamable(f: CodeFile) -> set[str]:
    """The names a renaming changes: those the file defines, except imported ones,
    reserved words, dunders and ``_``."""
    return {n for n in f.defined - f.imported
            if n not in RESERVED.get(f.lang, ()) and n != "_" and not (n.startswith("__") and n.endswith("__"))}


def rename_identifiers(f: CodeFile, a: int, b: int, seed: int) -> tuple[list[str], int]:
    """Lines a..b-1 with every renamable name renamed consistently (``foo`` -> ``v_3a1``),
    also as an attribute, except in attribute chains that start at an imported name."""
    rename = renamable(f)
    lo, hi = _offset(f, a), _offset(f, b)
    sig = [t for t in f.tokens if t.kind != "comment"]
    mapping: dict[str, str] = {}
    edits = []
    for i, t in enumerate(sig):
        if t.kind != "name" or t.start < lo or t.end > hi or t.text not in rename:
            continue
        j = i
        while j >= 2 and sig[j - 1].text in (".", "->", "?.") and sig[j - 2].kind in ("name", "fixed"):
            j -= 2
        if j != i and sig[j].text in f.imported:
            continue
        if t.text not in mapping:
            h = hashlib.sha1(f"{seed}:{t.text}".encode()).hexdigest()
            k = 3
            while f"v_{h[:k]}" in mapping.values():
                k += 1
            mapping[t.text] = f"v_{h[:k]}"
        edits.append((t.start - lo, t.end - lo, mapping[t.text]))
    text = f.content[lo:hi]
    for s, e, new in sorted(edits, reverse=True):
        text = text[:s] + new + text[e:]
    return text.split("\n")[: b - a], len(mapping)
