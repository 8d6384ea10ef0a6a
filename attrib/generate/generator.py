"""Generate code and attribute it as it is written: ``attrib generate``'s engine.

:func:`generate` runs the model on a :class:`~attrib.generate.prompt.Prompt`, feeds
every completed line to a :class:`~attrib.generate.watch.Watcher`, and acts on what it
finds according to ``on_match``:

* ``report``: generate everything, report every copy;
* ``block``: stop at the first copy whose license the policy denies; the caller
  withholds the output (``Generation.blocked``);
* ``avoid``: attribution-aware decoding. When a denied copy is found, roll back to the
  line where it began, ban the copied token sequence (:class:`~attrib.generate.decode.Bans`),
  and generate again, at most ``max_tries`` times; what was avoided is recorded. If
  the copy persists, the output is blocked as with ``block``.

The matches of a :class:`Generation` come from one :func:`attrib.match.attribute` call on
the final document, the call ``attrib scan`` makes, kept to the matches that touch
generated lines.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from attrib.policy import DEFAULT_POLICY, Policy
from attrib.match import attribute
from attrib.records import Match, SourceSpan
from attrib.report import FileResult, build_report
from attrib.store import Store

from .decode import Bans, Sampling, TokenText, decode
from .model import LoadedModel, ModelError
from .prompt import Prompt, context_ids
from .watch import Finding, Watcher, in_scope, verdict_of

ON_MATCH = ("report", "block", "avoid")
MAX_TRIES = 3


@dataclass(frozen=True)
class Avoided:
    """A denied copy that attribution-aware decoding steered away from: the document
    lines it covered, its best source and verdict, and the text that was taken back."""

    start_line: int
    end_line: int
    source: SourceSpan
    verdict: str
    text: str
    attempt: int


@dataclass(frozen=True)
class TextAdded:
    """Event: generated text (a token's worth) was appended."""

    text: str


@dataclass(frozen=True)
class RolledBack:
    """Event: generation was rolled back (to where ``avoided`` began) to avoid a copy."""

    avoided: Avoided


Event = TextAdded | Finding | RolledBack


@dataclass
class Generation:
    """The outcome of :func:`generate`."""

    model: str
    prompt: Prompt
    completion: str
    on_match: str
    tokens: int
    stop_reason: str
    seconds: float
    matches: list[Match]
    avoided: list[Avoided] = field(default_factory=list)
    blocked: bool = False
    policy: Policy = DEFAULT_POLICY
    attribution_seconds: float = 0.0  # matching time, streaming (on its thread) and final

    @property
    def document(self) -> str:
        return self.prompt.document(self.completion)

    @property
    def generated_lines(self) -> tuple[int, int] | None:
        return self.prompt.generated_lines(self.completion)

    @property
    def denied(self) -> list[Match]:
        return [m for m in self.matches if verdict_of(m, self.policy) == "fail"]


def generate(lm: LoadedModel, prompt: Prompt, store: Store | None, *, sampling: Sampling = Sampling(),
             on_match: str = "report", policy: Policy = DEFAULT_POLICY, max_tries: int = MAX_TRIES,
             lang: str | None = None, path: str | None = None,
             listener: Callable[[Event], None] | None = None) -> Generation:
    """Generate for ``prompt`` and attribute the output against ``store``.

    ``store=None`` generates without attribution (the benchmark's baseline). ``lang``
    or ``path`` tell the matcher the language, as for ``attrib scan``. ``listener``
    receives :data:`Event` objects as they happen, for a live view.
    """
    if on_match not in ON_MATCH:
        raise ModelError(f"--on-match {on_match}: choose one of {', '.join(ON_MATCH)}")
    if sampling.seed is not None:
        import torch

        torch.manual_seed(sampling.seed)
    emit = listener or (lambda event: None)
    context = context_ids(lm, prompt)
    out = TokenText(lm.tokenizer)
    before = prompt.before
    first_line = before.count("\n") + 1
    bans = Bans() if on_match == "avoid" else None
    avoided: list[Avoided] = []
    started = time.perf_counter()
    matching = 0.0
    attempt = 0
    while True:
        attempt += 1
        watcher = None
        if store is not None:
            watcher = Watcher(store, policy, first_line=first_line, lang=lang, path=path, on_finding=emit)

        def on_token(token: int) -> bool:
            piece = out.append(token)
            if piece:
                emit(TextAdded(piece))
            if watcher is None:
                return False
            if "\n" in piece:
                document = before + out.text
                watcher.line_done(document, document.count("\n"))
            return on_match != "report" and bool(watcher.denied())

        try:
            reason = decode(lm, context + out.ids, sampling, on_token=on_token, bans=bans,
                            max_new_tokens=sampling.max_new_tokens - len(out.ids))
            if watcher is not None:
                watcher.drain()
        finally:
            if watcher is not None:
                watcher.close()
                matching += watcher.seconds
        final_started = time.perf_counter()
        matches = _final_matches(prompt, out.text, store, lang, path, policy)
        matching += time.perf_counter() - final_started
        denied = [m for m in matches if verdict_of(m, policy) == "fail"]
        if on_match == "avoid" and attempt <= max_tries and (denied or reason == "stopped"):
            if denied:
                avoided.append(_roll_back(denied[0], out, prompt, context, bans, attempt, policy))  # type: ignore[arg-type]
                emit(RolledBack(avoided[-1]))
            continue
        break
    return Generation(model=lm.name, prompt=prompt, completion=out.text, on_match=on_match, tokens=len(out.ids),
                      stop_reason=reason, seconds=time.perf_counter() - started, matches=matches,
                      avoided=avoided, blocked=on_match != "report" and bool(denied), policy=policy,
                      attribution_seconds=matching)


def _final_matches(prompt: Prompt, completion: str, store: Store | None, lang: str | None,
                   path: str | None, policy: Policy) -> list[Match]:
    lines = prompt.generated_lines(completion)
    if store is None or lines is None:
        return []
    return in_scope(attribute(prompt.document(completion), store, lang=lang, path=path,
                              options=policy.match_options()), *lines)


def _roll_back(match: Match, out: TokenText, prompt: Prompt, context: list[int], bans: Bans,
               attempt: int, policy: Policy) -> Avoided:
    """Take back the output from the line where ``match`` begins, and ban the copied
    token sequence (with the tokens before it) so that it cannot be written again."""
    document = prompt.document(out.text)
    starts = _line_starts(document)
    before = len(prompt.before)
    begin = max(0, starts[match.start_line - 1] - before)
    end = min(len(out.text), (starts[match.end_line] if match.end_line < len(starts) else len(document)) - before)
    keep = out.tokens_before(begin)
    upto = max(keep + 1, out.tokens_before(end) + 1)
    everything = context + out.ids
    bans.add(everything[max(0, len(context) + keep - bans.k): len(context) + upto])
    avoided = Avoided(start_line=match.start_line, end_line=match.end_line, source=match.best,
                      verdict=verdict_of(match, policy), text=out.text[out.ends[keep - 1] if keep else 0:end],
                      attempt=attempt)
    out.truncate(keep)
    return avoided


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def generation_report(gen: Generation, index: dict[str, Any], path: str = "<generated>") -> dict[str, Any]:
    """The schema-v1 report of a generation: one file (the document), its matches
    limited to generated lines, and a ``generation`` section (model, mode, tokens,
    what was avoided, whether the output was blocked)."""
    document = gen.document
    lines = gen.generated_lines
    report = build_report([FileResult(path, gen.matches, document.count("\n") + 1, generated=lines)],
                          index, gen.policy)
    report["generation"] = {
        "model": gen.model,
        "mode": "fill-in-the-middle" if gen.prompt.fim else "completion",
        "generated_lines": None if lines is None else {"start_line": lines[0], "end_line": lines[1]},
        "tokens": gen.tokens,
        "stop_reason": gen.stop_reason,
        "seconds": round(gen.seconds, 3),
        "attribution_seconds": round(gen.attribution_seconds, 3),
        "on_match": gen.on_match,
        "blocked": gen.blocked,
        "avoided": [_avoided_json(a) for a in gen.avoided],
        "completion": None if gen.blocked else gen.completion,
    }
    return report


def _avoided_json(a: Avoided) -> dict[str, Any]:
    from attrib.report import source_json

    return {"query": {"start_line": a.start_line, "end_line": a.end_line}, "source": source_json(a.source),
            "verdict": a.verdict, "attempt": a.attempt}
