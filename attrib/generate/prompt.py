"""What the model is asked to write, and how the result reads as one document.

Two modes, as StarCoder was trained:

* **completion**: the model continues ``text``; the document is prompt + completion.
* **fill-in-the-middle** (prefix-suffix-middle order): the model sees
  ``<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>`` and writes the middle; the
  document is prefix + middle + suffix.

The *document* is what a user ends up with, so it is what gets attributed; only its
*generated* lines (those holding generated characters) are reported.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import FIM_TOKENS, LoadedModel, ModelError


@dataclass(frozen=True)
class Prompt:
    """A completion prompt (``text``) or a fill-in-the-middle request (``prefix`` and
    ``suffix``, either may be empty)."""

    text: str = ""
    prefix: str | None = None
    suffix: str | None = None

    @property
    def fim(self) -> bool:
        return self.prefix is not None or self.suffix is not None

    @property
    def before(self) -> str:
        """Text of the document before the generated part."""
        return (self.prefix or "") if self.fim else self.text

    @property
    def after(self) -> str:
        """Text of the document after the generated part."""
        return (self.suffix or "") if self.fim else ""

    def document(self, generated: str) -> str:
        return self.before + generated + self.after

    def generated_lines(self, generated: str) -> tuple[int, int] | None:
        """First and last document line (1-based) holding generated characters, or None
        when nothing was generated."""
        if not generated:
            return None
        first = self.before.count("\n") + 1
        return first, first + generated.count("\n") - (1 if generated.endswith("\n") else 0)


def context_ids(lm: LoadedModel, prompt: Prompt) -> list[int]:
    """The token ids the model starts from.

    A completion starts with the tokenizer's beginning-of-text token when it has one
    (StarCoder's is ``<|endoftext|>``, the separator between training files), so the
    prompt reads as the start of a file.
    """
    tok = lm.tokenizer

    def encode(text: str) -> list[int]:
        return list(tok(text, add_special_tokens=False)["input_ids"]) if text else []

    if prompt.fim:
        if lm.fim_ids is None:
            raise ModelError(f"{lm.name} has no fill-in-the-middle tokens ({', '.join(FIM_TOKENS)}); "
                             f"use --prompt instead of --prefix/--suffix")
        start, suffix, middle = lm.fim_ids
        return [start, *encode(prompt.prefix or ""), suffix, *encode(prompt.suffix or ""), middle]
    ids = ([lm.bos_id] if lm.bos_id is not None else []) + encode(prompt.text)
    if not ids:
        raise ModelError("the prompt is empty and the model has no beginning-of-text token; give a prompt")
    return ids
