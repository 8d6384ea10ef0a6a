"""Fingerprint parameters: part of an index's format, recorded in it and checked on use.

A query fingerprinted with other parameters than the index would silently find
nothing, so every store records the :class:`FingerprintParams` it was built with and
refuses queries made with different ones (:func:`check_compatible`).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

from .errors import ParamsMismatch
from .lexer import LEXER_VERSION


@dataclass(frozen=True)
class FingerprintParams:
    """How text becomes LSH band keys.

    * ``shingle``: tokens per shingle (k-gram);
    * ``num_perm``: MinHash permutations per window, split into ``bands`` x ``rows``;
    * ``window_tokens``: a window is this many tokens from the start of a line;
    * ``stride_lines``: the index keeps a window at every n-th non-empty line (queries
      keep one at every line, so some query window lines up with an indexed one);
    * ``seed``, ``scheme``, ``datasketch``: the MinHash permutations (datasketch 2.x);
    * ``lexer``: the tokenizer version.
    """

    shingle: int = 5
    num_perm: int = 32
    bands: int = 4
    rows: int = 8
    window_tokens: int = 16
    stride_lines: int = 2
    seed: int = 1
    scheme: str = "affine32"
    datasketch: str = "2.0.0"  # the scheme fingerprint.permutations reproduces (the pinned dependency)
    lexer: int = LEXER_VERSION

    def __post_init__(self) -> None:
        if self.bands * self.rows != self.num_perm:
            raise ValueError(f"bands x rows must equal num_perm ({self.bands} x {self.rows} != {self.num_perm})")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FingerprintParams":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


DEFAULT_PARAMS = FingerprintParams()


def from_record(raw: str, where: str) -> FingerprintParams:
    """Parse the parameters recorded in an index; a damaged record is a clear error."""
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ParamsMismatch(f"the index at {where} has an unreadable parameter record ({e}). "
                             "Re-index into a new store.") from None
    try:
        return FingerprintParams.from_dict(data)
    except (ValueError, TypeError, AttributeError) as e:
        ours = DEFAULT_PARAMS.to_dict()
        diffs = [f"{k}={v!r} (this attrib uses {ours[k]!r})" for k, v in dict(data).items()
                 if k in ours and v != ours[k]] if isinstance(data, dict) else []
        raise ParamsMismatch(f"the index at {where} was built with fingerprint parameters this attrib "
                             f"cannot use: {', '.join(diffs) or e}. Re-index into a new store.") from None


def check_compatible(index: FingerprintParams, ours: FingerprintParams, where: str) -> None:
    """Raise :class:`ParamsMismatch` naming every parameter that differs."""
    a, b = index.to_dict(), ours.to_dict()
    diffs = [f"{k}={a[k]!r} (this attrib uses {b[k]!r})" for k in a if a[k] != b[k]]
    if diffs:
        raise ParamsMismatch(
            f"the index at {where} was built with other fingerprint parameters: {', '.join(diffs)}. "
            "Re-index into a new store with this version of attrib, or use the attrib version "
            "that built it.")
