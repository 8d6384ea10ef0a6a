"""What attrib knows about each programming language: comments, keywords, boilerplate.

The lexer needs four facts per language: how comments look (they are dropped, so
comment edits cannot hide a copy), which literals may hold comment markers without
opening a comment (strings, characters, regular expressions), which words are keywords
(kept when identifiers are abstracted, so renamed copies still show their structure),
and which statements are trivial boilerplate (imports, includes, package lines, include
guards, ``if __name__ == "__main__":``) that must never be attributed on their own.

Languages are named as in The Stack's ``lang`` column ("Python", "C++", ...);
:func:`resolve` accepts any spelling :func:`lang_key` folds together, and
:func:`from_path` names the language of a file from its name the way The Stack did.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(frozen=True)
class Syntax:
    """How one language family is read: comments, literals, keywords and boilerplate.

    * ``line_comments`` / ``block_comments``: comment markers (comments are dropped);
    * literals, whose contents never open a comment: ``triple_quotes`` (``'''``/``\"\"\"``
      strings that may span lines: Python, Java text blocks), ``backtick_strings``
      (JavaScript templates, Go raw strings), ``char_literals`` (a single quote holds one
      character or escape, so a Rust lifetime ``'a`` opens nothing), ``raw_strings``
      (Rust ``r#"..."#``, C++ ``R"(...)"``) and ``regex_literals`` (JavaScript
      ``/[/*]/``, told apart from division by what precedes it);
    * ``keywords``: words kept as they are when identifiers are abstracted (reserved
      words, and the builtins and standard names a renamed copy keeps);
    * ``boilerplate``: statements that are never attributed on their own -- imports,
      includes, package lines, include guards -- as (needle, regular expression): the
      expression is matched (multi-line mode, on the text without comments) at the start
      of each line holding the needle, and every line a match touches is dropped;
    * ``family``: languages of one family (C and C++) abstract identifiers alike, so a
      renamed copy is found across them; other families never share abstract keys.
    """

    name: str
    line_comments: tuple[str, ...] = ()
    block_comments: tuple[tuple[str, str], ...] = ()
    triple_quotes: bool = False
    backtick_strings: bool = False
    char_literals: bool = False
    raw_strings: bool = False
    regex_literals: bool = False
    keywords: frozenset[str] = field(default_factory=frozenset)
    boilerplate: tuple[tuple[str, str], ...] = ()
    family: str = ""

    @property
    def group(self) -> str:
        return self.family or self.name


_C_BLOCK = (("/*", "*/"),)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PY_KW = _words("""False None True and as assert async await break class continue def del elif else
except finally for from global if import in is lambda nonlocal not or pass raise return
try while with yield self cls match case print len range str int float dict list set
tuple bool object super isinstance issubclass type NotImplemented NotImplementedError Exception
ValueError TypeError KeyError IndexError AttributeError RuntimeError property staticmethod
classmethod enumerate zip open hasattr getattr setattr sorted min max sum any all iter next repr
bytes callable format id map filter reversed abs round __init__ __name__ __eq__ __hash__ __repr__
__str__ __len__ __iter__ __enter__ __exit__ __call__ __getitem__ __setitem__ __contains__""")
_C_KW = _words("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while bool true false NULL nullptr include define
ifdef ifndef endif elif undef defined pragma error size_t ssize_t uint8_t uint16_t uint32_t uint64_t
int8_t int16_t int32_t int64_t uintptr_t intptr_t FILE EOF errno stdin stdout stderr printf fprintf
sprintf snprintf malloc calloc realloc free memcpy memmove memset memcmp strlen strcmp strncmp strcpy
strncpy strchr assert exit abort""")
_CPP_KW = _C_KW | _words("""class namespace template typename public private protected virtual override
final new delete this throw try catch using operator friend explicit mutable constexpr noexcept
static_cast dynamic_cast reinterpret_cast const_cast decltype std string vector map unordered_map set
unique_ptr shared_ptr make_unique make_shared move forward size begin end push_back emplace_back
cout cerr endl""")
_JAVA_KW = _words("""abstract assert boolean break byte case catch char class const continue default do
double else enum extends final finally float for goto if implements import instanceof int
interface long native new package private protected public return short static strictfp
super switch synchronized this throw throws transient try void volatile while true false
null var record yield String Object Integer Long Boolean Double Float Character Byte Short Math
System Override Deprecated SuppressWarnings FunctionalInterface Exception RuntimeException
IllegalArgumentException IllegalStateException NullPointerException IOException
UnsupportedOperationException List Map Set Collection Iterator Iterable ArrayList HashMap HashSet
StringBuilder Arrays Collections Objects Optional equals hashCode toString getClass""")
_JS_KW = _words("""break case catch class const continue debugger default delete do else export extends
finally for function if import in instanceof let new return super switch this throw try
typeof var void while with yield async await of true false null undefined interface type
implements enum public private protected readonly static get set constructor prototype arguments
require module exports console Object Array String Number Boolean Math JSON Promise Error TypeError
Symbol Map Set Date RegExp prototype call apply bind""")
_GO_KW = _words("""break case chan const continue default defer else fallthrough for func go goto if
import interface map package range return select struct switch type var nil true false
err string int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64
byte rune bool error any len cap make new append copy delete panic recover close iota fmt errors
Errorf Sprintf Printf Println Fprintf context Context""")
_RUST_KW = _words("""as async await break const continue crate dyn else enum extern false fn for if impl in
let loop match mod move mut pub ref return self Self static struct super trait true type
unsafe use where while Some None Ok Err Vec String Box Option Result Rc Arc str bool char u8 u16
u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 std core fmt Debug Display Clone Copy Default
PartialEq Eq Hash derive cfg test println print format vec assert assert_eq assert_ne panic write
writeln unwrap expect clone into iter new len""")
_RUBY_KW = _words("""BEGIN END alias and begin break case class def defined do else elsif end ensure false for
if in module next nil not or redo rescue retry return self super then true undef unless
until when while yield require""")
_PHP_KW = _words("""abstract and array as break callable case catch class clone const continue declare
default do echo else elseif empty enddeclare endfor endforeach endif endswitch endwhile
extends final finally fn for foreach function global goto if implements include
instanceof insteadof interface isset list namespace new or print private protected public
require return static switch throw trait try unset use var while xor yield true false
null this""")
_CS_KW = _JAVA_KW | _words("""namespace using internal readonly sealed override virtual out ref params
struct get set value async await foreach in is as base object string bool""")
_SHELL_KW = _words("""if then else elif fi case esac for while until do done in function select time
echo local export return exit set""")
_SQL_KW = _words("""select from where insert into values update set delete create table drop alter index
join left right inner outer on group by order having limit and or not null is as
primary key foreign references distinct union all""")
_LUA_KW = _words("""and break do else elseif end false for function goto if in local nil not or repeat
return then true until while""")

_LINE = r"[ \t]*"  # rules are matched from the start of a line
_TROVE = ("Development Status", "Environment", "Framework", "Intended Audience", "License",
          "Natural Language", "Operating System", "Programming Language", "Topic", "Typing")
_PY_BOILER = (
    ("import", _LINE + r"(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:\([^)]*\)|[^\n]*)"),
    ("__main__", _LINE + r"if[ \t]+__name__[ \t]*==[ \t]*['\"]__main__['\"][ \t]*:"),
    ("__all__", _LINE + r"__all__[ \t]*\+?=[ \t]*(?:\[[^\]]*\]|\([^)]*\)|[^\n]*)"),
    ("main()", _LINE + r"(?:sys\.exit\([ \t]*)?main\(\)[ \t]*\)?[ \t]*$"),
    # Packaging metadata is not code: trove classifiers and Sphinx extension lists.
    ("::", _LINE + r"['\"](?:" + "|".join(_TROVE) + r")[ \t]*::[^\n]*"),
    ("sphinx.ext.", _LINE + r"['\"]sphinx\.ext\.[^\n]*"),
)
_C_BOILER = (
    ("#", _LINE + r"#[ \t]*(?:(?:include|import)\b[^\n]*|pragma[ \t]+once\b[^\n]*|(?:else|endif)\b[^\n]*"
          r"|ifndef[ \t]+(?P<guard>\w+)[ \t]*\n[ \t]*#[ \t]*define[ \t]+(?P=guard)[ \t]*$"  # an include guard
          r"|if(?:def[ \t]+__cplusplus|[ \t]+defined[ \t]*\(?[ \t]*__cplusplus[ \t]*\)?)[ \t]*$)"),
    ('"C"', _LINE + r'extern[ \t]+"C"[ \t]*\{[ \t]*$'),
)
_CPP_BOILER = _C_BOILER + (("namespace", _LINE + r"using[ \t]+namespace\b[^;\n]*;"),)
_JAVA_BOILER = (("import", _LINE + r"import\b[^;]*;"), ("package", _LINE + r"package\b[^;]*;"))
_JS_BOILER = (
    ("import", _LINE + r"import\b[^;'\"`()]*['\"][^'\"\n]*['\"][ \t]*;?"),
    ("from", _LINE + r"export[ \t]+(?:\*|\{[^}]*\})(?:[ \t]+as[ \t]+[\w$]+)?[ \t]*from[ \t]*['\"][^'\"\n]*['\"][ \t]*;?"),
    ("use strict", _LINE + r"['\"]use strict['\"][ \t]*;?"),
    ("require", _LINE + r"(?:const|let|var)[ \t]+(?:[\w$]+|\{[^}]*\})[ \t]*=[ \t]*require\([^)\n]*\)[\w$.]*"
                r"[ \t]*[;,]?[ \t]*$"),
    ("__esModule", _LINE + r"Object\.defineProperty\(exports,[ \t]*['\"]__esModule['\"][^;]*;"),
)
_GO_BOILER = (("package", _LINE + r"package[ \t]+\w+[ \t]*$"),
              ("import", _LINE + r"import[ \t]*(?:\([^)]*\)|[^\n]*)"))
_RUST_VIS = r"(?:pub(?:\([^)\n]*\))?[ \t]+)?"
_RUST_BOILER = (
    ("use", _LINE + _RUST_VIS + r"use[ \t][^;]*;"),
    ("crate", _LINE + r"extern[ \t]+crate\b[^;]*;"),
    ("mod", _LINE + _RUST_VIS + r"mod[ \t]+\w+[ \t]*;"),
)


def _statements(*heads: str) -> tuple[tuple[str, str], ...]:
    """Boilerplate statements that start with one of ``heads`` and end their line."""
    return tuple((head, _LINE + head + r"\b[^\n]*") for head in heads)


_SYNTAXES: dict[str, Syntax] = {
    s.name: s for s in [
        Syntax("python", ("#",), triple_quotes=True, keywords=_PY_KW, boilerplate=_PY_BOILER),
        Syntax("c", ("//",), _C_BLOCK, char_literals=True, keywords=_C_KW, boilerplate=_C_BOILER, family="c"),
        Syntax("c++", ("//",), _C_BLOCK, char_literals=True, raw_strings=True, keywords=_CPP_KW,
               boilerplate=_CPP_BOILER, family="c"),
        Syntax("java", ("//",), _C_BLOCK, triple_quotes=True, char_literals=True, keywords=_JAVA_KW,
               boilerplate=_JAVA_BOILER),
        Syntax("c#", ("//",), _C_BLOCK, char_literals=True, keywords=_CS_KW,
               boilerplate=_statements("using", "namespace")),
        Syntax("javascript", ("//",), _C_BLOCK, backtick_strings=True, regex_literals=True, keywords=_JS_KW,
               boilerplate=_JS_BOILER),
        Syntax("go", ("//",), _C_BLOCK, backtick_strings=True, char_literals=True, keywords=_GO_KW,
               boilerplate=_GO_BOILER),
        Syntax("rust", ("//",), _C_BLOCK, char_literals=True, raw_strings=True, keywords=_RUST_KW,
               boilerplate=_RUST_BOILER),
        Syntax("kotlin", ("//",), _C_BLOCK, triple_quotes=True, char_literals=True, keywords=_JAVA_KW,
               boilerplate=_statements("import", "package")),
        Syntax("scala", ("//",), _C_BLOCK, triple_quotes=True, keywords=_JAVA_KW,
               boilerplate=_statements("import", "package")),
        Syntax("swift", ("//",), _C_BLOCK, triple_quotes=True, keywords=_JAVA_KW, boilerplate=_statements("import")),
        Syntax("php", ("//", "#"), _C_BLOCK, keywords=_PHP_KW,
               boilerplate=_statements("use", "namespace", "require", "require_once", "include", "include_once")),
        Syntax("ruby", ("#",), (("=begin", "=end"),), keywords=_RUBY_KW,
               boilerplate=_statements("require", "require_relative")),
        Syntax("shell", ("#",), backtick_strings=True, keywords=_SHELL_KW, boilerplate=(("set", _LINE + r"set[ \t]+-[^\n]*"),)),
        Syntax("sql", ("--",), _C_BLOCK, keywords=_SQL_KW),
        Syntax("lua", ("--",), (("--[[", "]]"),), keywords=_LUA_KW, boilerplate=_statements("require")),
        Syntax("haskell", ("--",), (("{-", "-}"),), boilerplate=_statements("import", "module")),
        Syntax("html", (), (("<!--", "-->"),)),
        Syntax("css", (), _C_BLOCK),
        Syntax("lisp", (";",)),
        Syntax("text"),
    ]
}

# The Stack language names and common aliases -> syntax family.
_ALIASES = {
    "python": "python", "py": "python", "cython": "python", "starlark": "python",
    "c": "c", "cuda": "c++", "glsl": "c", "protocol-buffer": "c", "java-server-pages": "java", "c++": "c++", "cpp": "c++", "objective-c": "c", "objective-c++": "c++",
    "java": "java", "groovy": "java", "c-sharp": "c#", "csharp": "c#", "f-sharp": "text",
    "javascript": "javascript", "js": "javascript", "typescript": "javascript", "ts": "javascript",
    "jsx": "javascript", "tsx": "javascript", "vue": "javascript", "dart": "java",
    "go": "go", "rust": "rust", "kotlin": "kotlin", "scala": "scala", "swift": "swift",
    "php": "php", "ruby": "ruby", "shell": "shell", "bash": "shell", "powershell": "shell",
    "dockerfile": "shell", "makefile": "shell", "perl": "shell", "r": "shell", "julia": "shell",
    "yaml": "shell", "toml": "shell", "cmake": "shell", "elixir": "ruby",
    "sql": "sql", "plpgsql": "sql", "lua": "lua", "haskell": "haskell", "elm": "haskell",
    "html": "html", "xml": "html", "markdown": "html", "css": "css", "scss": "css", "less": "css",
    "json": "text", "emacs-lisp": "lisp", "common-lisp": "lisp", "scheme": "lisp", "jupyter-notebook": "python",
    "clojure": "lisp", "racket": "lisp", "verilog": "c", "systemverilog": "c", "vhdl": "sql",
    "fortran": "text", "ocaml": "text", "solidity": "javascript", "zig": "rust",
}

_BY_EXTENSION: dict[str, str] = {
    # Python and notebooks
    "py": "Python", "pyw": "Python", "pyi": "Python", "ipynb": "Jupyter Notebook",
    # JavaScript family
    "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript", "jsx": "JavaScript",
    "ts": "TypeScript", "mts": "TypeScript", "cts": "TypeScript", "tsx": "TypeScript",
    "vue": "Vue", "coffee": "CoffeeScript",
    # C family
    "c": "C", "h": "C",
    "cpp": "C++", "cc": "C++", "cxx": "C++", "c++": "C++",
    "hpp": "C++", "hh": "C++", "hxx": "C++", "h++": "C++", "ipp": "C++", "inl": "C++",
    "cu": "Cuda", "cuh": "Cuda", "mm": "Objective-C++",
    "cs": "C#", "fs": "F#", "fsx": "F#", "vb": "Visual Basic",
    # JVM
    "java": "Java", "jsp": "Java Server Pages", "kt": "Kotlin", "kts": "Kotlin",
    "scala": "Scala", "sc": "Scala", "groovy": "Groovy", "gradle": "Groovy",
    "clj": "Clojure", "cljs": "Clojure", "cljc": "Clojure",
    # systems and compiled
    "go": "Go", "rs": "Rust", "swift": "Swift", "zig": "Zig", "nim": "Nim", "d": "D",
    "f": "Fortran", "f90": "Fortran", "f95": "Fortran", "f03": "Fortran",
    "pas": "Pascal", "ada": "Ada", "adb": "Ada", "ads": "Ada",
    "asm": "Assembly", "s": "Assembly",
    "v": "Verilog", "sv": "SystemVerilog", "svh": "SystemVerilog",
    "vhd": "VHDL", "vhdl": "VHDL",
    # scripting
    "rb": "Ruby", "php": "PHP", "pl": "Perl", "pm": "Perl", "lua": "Lua",
    "r": "R", "jl": "Julia", "tcl": "Tcl", "awk": "Awk",
    "sh": "Shell", "bash": "Shell", "zsh": "Shell", "ksh": "Shell", "tcsh": "Tcsh",
    "ps1": "PowerShell", "psm1": "PowerShell", "bat": "Batchfile", "cmd": "Batchfile",
    # functional
    "hs": "Haskell", "lhs": "Literate Haskell", "ml": "OCaml", "mli": "OCaml",
    "ex": "Elixir", "exs": "Elixir", "erl": "Erlang", "hrl": "Erlang", "elm": "Elm",
    "lisp": "Common Lisp", "el": "Emacs Lisp", "scm": "Scheme", "rkt": "Racket",
    "sml": "Standard ML", "idr": "Idris", "agda": "Agda", "lean": "Lean",
    # other languages in The Stack
    "dart": "Dart", "sol": "Solidity", "sql": "SQL", "proto": "Protocol Buffer",
    "thrift": "Thrift", "glsl": "GLSL", "cmake": "CMake", "mk": "Makefile",
    "y": "Yacc", "yy": "Yacc", "xsl": "XSLT", "xslt": "XSLT", "sparql": "SPARQL",
    "tex": "TeX", "sty": "TeX", "stan": "Stan", "do": "Stata", "sas": "SAS",
    "rmd": "RMarkdown", "rst": "reStructuredText", "md": "Markdown", "markdown": "Markdown",
    # markup, style and data
    "html": "HTML", "htm": "HTML", "css": "CSS", "scss": "SCSS", "sass": "Sass",
    "less": "Less", "xml": "XML", "json": "JSON", "yaml": "YAML", "yml": "YAML",
    "toml": "TOML", "ini": "INI",
}

_BY_FILENAME: dict[str, str] = {
    "dockerfile": "Dockerfile", "makefile": "Makefile", "gnumakefile": "Makefile",
    "cmakelists.txt": "CMake", "rakefile": "Ruby", "gemfile": "Ruby",
}


def from_path(path: str | None) -> str | None:
    """The Stack language name for a file path, or ``None`` when the name says nothing.

    >>> from_path("src/app/main.py"), from_path("lib/x.HPP")
    ('Python', 'C++')
    >>> from_path("Dockerfile"), from_path("notes.xyz")
    ('Dockerfile', None)
    """
    if not path:
        return None
    name = PurePath(path).name.lower()
    if name in _BY_FILENAME:
        return _BY_FILENAME[name]
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:  # no extension, or a dotfile such as ".bashrc"
        return None
    return _BY_EXTENSION.get(ext)


def lang_key(lang: str) -> str:
    """Comparison form of a language name, equal to The Stack's hub folder name.

    >>> [lang_key(x) for x in ("Python", "C#", "c-sharp", "C++", "Visual Basic")]
    ['python', 'c-sharp', 'c-sharp', 'c++', 'visual-basic']
    """
    return "-".join(lang.strip().lower().replace("#", " sharp").split())


KNOWN_LANG_KEYS = frozenset(lang_key(name) for name in {*_BY_EXTENSION.values(), *_BY_FILENAME.values()})
"""Keys of the languages named here: the common part of The Stack's 358."""


def resolve(lang: str | None) -> Syntax:
    """The syntax for a language name (any spelling; unknown names get plain-text rules)."""
    key = lang_key(lang or "")
    return _SYNTAXES[_ALIASES.get(key, key if key in _SYNTAXES else "text")]


# Telling marks of a language in a snippet, for pasted code with no file name. Each
# pattern that occurs scores one point; the best score wins if it reaches 2.
_MARKS: dict[str, tuple[str, ...]] = {
    "Python": (r"^\s*def \w+\(.*\)( -> .+)?:\s*$", r"^\s*(from [\w.]+ )?import \w", r"\bself\.", r"^\s*elif\b",
               r"^\s*class \w+(\(.*\))?:\s*$", r'"""', r"\bNone\b"),
    "JavaScript": (r"\bfunction\b", r"\bconst \w+ =", r"=>", r"\bconsole\.log\(", r"\brequire\(", r"===",
                   r"\blet \w+"),
    "TypeScript": (r":\s*(string|number|boolean)\b", r"\binterface \w+ \{", r"\bexport (type|interface)\b"),
    "Java": (r"\bpublic (static )?(class|void|final)\b", r"\bSystem\.out\.", r"^\s*package [\w.]+;",
             r"^\s*import java\.", r"@Override"),
    "C": (r"^\s*#include <\w+\.h>", r"\bprintf\(", r"\bmalloc\(", r"\bsizeof\("),
    "C++": (r"^\s*#include <\w+>", r"\bstd::", r"\btemplate\s*<", r"::\w+\(", r"\bnullptr\b"),
    "Go": (r"^\s*package \w+\s*$", r"\bfunc \w*\(", r":=", r"\bfmt\.", r"\berr != nil\b"),
    "Rust": (r"\bfn \w+\(", r"\blet mut\b", r"\bimpl\b", r"\bpub fn\b", r"&self\b", r"\w+!\("),
    "Ruby": (r"^\s*def \w+[?!]?(\(.*\))?\s*$", r"^\s*end\s*$", r"\bputs\b", r"\battr_(reader|accessor)\b"),
    "PHP": (r"<\?php", r"\$\w+\s*=", r"\bfunction \w+\(\$", r"->\w+\("),
    "C#": (r"\busing System", r"\bnamespace \w+", r"\bpublic (static )?(class|void)\b", r"\bvar \w+ ="),
    "Shell": (r"^#!\s*/bin/(ba)?sh", r"^\s*(if|then|fi|do|done)\b", r"\$\{?\w+\}?", r"^\s*echo\b"),
}


def from_text(text: str) -> str | None:
    """A best guess at the language of a snippet, or None when nothing is telling.

    >>> from_text("def f(x):\\n    return self.x\\n"), from_text("hello there")
    ('Python', None)
    """
    import re

    head = text[:20_000]
    if head.startswith("#!"):
        first = head.split("\n", 1)[0]
        for word, lang in (("python", "Python"), ("node", "JavaScript"), ("ruby", "Ruby"), ("sh", "Shell")):
            if word in first:
                return lang
    scores = {lang: sum(1 for p in marks if re.search(p, head, re.M)) for lang, marks in _MARKS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= 2 else None
