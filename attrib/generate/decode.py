"""Token-level generation with a hook after every token and bannable continuations.

:func:`decode` runs ``model.generate`` (so greedy decoding, temperature and top-p
sampling, end-of-text and the KV cache are the ``transformers`` ones) and calls
``on_token`` after each new token; the hook can stop generation early. :class:`Bans`
forbids token sequences: after the ``k`` tokens that preceded a banned token in a
copied sequence, that token gets probability zero. That is how attribution-aware
decoding makes a copied continuation impossible without touching anything else.

:class:`TokenText` keeps the decoded text of a growing token sequence and where each
token ends in it, so that a line of text maps back to the token where it began.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .model import LoadedModel, ModelError

BAN_CONTEXT = 4  # tokens of context that identify a banned continuation


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen: greedy when ``temperature`` is 0, else sampled at
    that temperature from the smallest set of tokens holding ``top_p`` of the
    probability. ``seed`` makes sampling repeatable."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0


class TokenText:
    """Decoded text of a token sequence, grown one token at a time.

    Byte-level tokens can split a UTF-8 character; such a token adds no text until the
    token that completes the character arrives. Special tokens (``<fim_middle>``,
    ``<|endoftext|>``...) add no text.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self.ids: list[int] = []
        self.ends: list[int] = []  # character offset where each token's text ends
        self.text = ""
        self._anchor = 0  # tokens before this are in ``text``

    def append(self, token_id: int) -> str:
        """Add a token; returns the text it completed (possibly empty)."""
        self.ids.append(token_id)
        piece = self._tokenizer.decode(self.ids[self._anchor:], skip_special_tokens=True,
                                       clean_up_tokenization_spaces=False)
        if piece.endswith("\ufffd") and len(self.ids) - self._anchor < 4:
            self.ends.append(len(self.text))
            return ""
        self.text += piece
        self._anchor = len(self.ids)
        self.ends.append(len(self.text))
        return piece

    def truncate(self, n: int) -> None:
        """Keep the first ``n`` tokens."""
        del self.ids[n:], self.ends[n:]
        self.text = self.text[: self.ends[-1] if self.ends else 0]
        self._anchor = n

    def tokens_before(self, offset: int) -> int:
        """How many tokens end at or before character ``offset``."""
        return bisect_right(self.ends, offset)


class Bans:
    """Continuations the model may no longer produce.

    ``add(seq)`` bans ``seq[i]`` after ``seq[i-k:i]`` for every ``i``; the model can
    still write any of those tokens in another context.
    """

    def __init__(self, k: int = BAN_CONTEXT) -> None:
        self.k = k
        self._next: dict[tuple[int, ...], set[int]] = {}

    def add(self, seq: Sequence[int]) -> None:
        for i in range(self.k, len(seq)):
            self._next.setdefault(tuple(seq[i - self.k:i]), set()).add(seq[i])

    def after(self, context: Sequence[int]) -> set[int]:
        """Tokens banned right after ``context``."""
        if len(context) < self.k:
            return set()
        return self._next.get(tuple(context[-self.k:]), set())

    def __len__(self) -> int:
        return sum(map(len, self._next.values()))


def decode(lm: LoadedModel, context: list[int], sampling: Sampling, *, max_new_tokens: int,
           on_token: Callable[[int], bool], bans: Bans | None = None) -> str:
    """Generate after ``context``, calling ``on_token(id)`` for each new token (not for
    the end-of-text token). ``on_token`` returns True to stop.

    Returns why generation ended: ``"eos"`` (end of text), ``"length"`` (the token
    budget or the model's context) or ``"stopped"`` (the hook asked).
    """
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

    if lm.max_positions is not None:
        room = lm.max_positions - len(context)
        if room <= 0:
            raise ModelError(f"the prompt is {len(context)} tokens; {lm.name} reads at most {lm.max_positions}")
        max_new_tokens = min(max_new_tokens, room)
    if max_new_tokens <= 0:
        return "length"
    state = {"reason": "length"}
    eos = lm.eos_id
    answers = {flag: torch.tensor([flag], dtype=torch.bool, device=lm.device) for flag in (False, True)}

    class Hook(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            token = int(input_ids[0, -1])
            stop = False
            if token == eos:
                state["reason"] = "eos"
            elif on_token(token):
                state["reason"], stop = "stopped", True
            return answers[stop]  # made once: no allocation per token

    class Ban(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            banned = bans.after(input_ids[0, -bans.k:].tolist()) if bans else ()
            if banned:
                scores[:, list(banned)] = -float("inf")
            return scores

    ids = torch.tensor([context], device=lm.device)
    options: dict[str, Any] = {"do_sample": False}
    if not sampling.greedy:
        options = {"do_sample": True, "temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": 0}
    with torch.inference_mode():
        lm.model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
            eos_token_id=eos, pad_token_id=eos if eos is not None else 0,
            stopping_criteria=StoppingCriteriaList([Hook()]),
            logits_processor=LogitsProcessorList([Ban()]) if bans else None,
            **options)
    return state["reason"]
