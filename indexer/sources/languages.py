"""File name → language name, spelled the way The Stack's ``lang`` column spells it.

The Stack assigned a language to each file from its extension (GitHub Linguist names:
``Python``, ``C++``, ``C#``, ``Shell``, …), so a local file mapped here lands in the same
bucket as the training rows of that language. Ambiguous extensions pick the common
reading: ``.h`` is C (C++ headers usually say ``.hpp``/``.hh``), ``.m`` is left out
(Objective-C or MATLAB).

:func:`lang_key` is the comparison form used by every language filter: The Stack's hub
folders are named ``data/python``, ``data/c++``, ``data/c-sharp``, ``data/visual-basic``,
so ``"C#"``, ``"c-sharp"`` and ``"C-Sharp"`` all compare equal.
"""
from __future__ import annotations

from pathlib import PurePath

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


def language_for_path(path: str) -> str | None:
    """The Stack language name for a file path, or ``None`` when the name says nothing.

    >>> language_for_path("src/app/main.py"), language_for_path("lib/x.HPP")
    ('Python', 'C++')
    >>> language_for_path("Dockerfile"), language_for_path("notes.xyz")
    ('Dockerfile', None)
    """
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
