"""Text from outside (file names, indexed repository names, paths, licenses) made safe to
show: every character that could move the cursor, restyle a terminal, reorder what is
displayed or start a new line is written as a visible escape.

* C0 and C1 control characters (``\\x1b``, ``\\r``, newline, tab, ...): ``\\n``, ``\\t``,
  ``\\r``, else ``\\xNN``;
* Unicode format characters, among them the bidirectional overrides of "Trojan Source"
  (U+202E ...), line and paragraph separators, and lone surrogates: ``\\uNNNN``.

Rich markup is a separate danger: attrib never passes outside text to rich as markup
(it builds :class:`rich.text.Text` objects), so ``[`` needs no escape here.
"""
from __future__ import annotations

import unicodedata

_SHORT = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def unsafe(ch: str) -> bool:
    """Whether the character ``ch`` must not be shown as it is."""
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def printable(text: str) -> str:
    """``text`` with every unsafe character escaped (see the module docstring)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if not unsafe(ch):
            out.append(ch)
        elif ch in _SHORT:
            out.append(_SHORT[ch])
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)
