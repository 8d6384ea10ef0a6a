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

from attrib.judge import Judge
from attrib.match import attribute
from attrib.policy import DEFAULT_POLICY, Policy
from attrib.records import Match
from attrib.report import Avoided, Finding, GenerationInfo, IndexInfo, Report, Scope
from attrib.store import Store

from .decode import Bans, Sampling, TokenText, decode
from .model import LoadedModel, ModelError
from .modes import MAX_TRIES, ON_MATCH
from .prompt import Prompt, context_ids
from .watch import Watcher, in_scope


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
    judge: Judge = Judge()
    attribution_seconds: float = 0.0  # matching time, streaming (on its thread) and final

    @property
    def document(self) -> str:
        return self.prompt.document(self.completion)

    @property
    def generated_lines(self) -> tuple[int, int] | None:
        return self.prompt.generated_lines(self.completion)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The matches as the judge sees them: the policy's filters applied, verdicts given."""
        return self.judge.findings(self.matches)

    @property
    def denied(self) -> list[Match]:
        """The matches whose license the policy denies."""
        return [f.match for f in self.findings if f.verdict == "fail"]


def generate(lm: LoadedModel, prompt: Prompt, store: Store | None, *, sampling: Sampling = Sampling(),
             on_match: str = "report", policy: Policy = DEFAULT_POLICY, notices: str = "",
             max_tries: int = MAX_TRIES, lang: str | None = None, path: str | None = None,
             listener: Callable[[Event], None] | None = None) -> Generation:
    """Generate for ``prompt`` and attribute the output against ``store``.

    ``store=None`` generates without attribution (the benchmark's baseline). Copies are
    judged under ``policy`` and ``notices`` (the lower-cased text of the project's
    notice files: see :mod:`attrib.judge`). ``lang`` or ``path`` tell the matcher the
    language, as for ``attrib scan``. ``listener`` receives :data:`Event` objects as
    they happen, for a live view.
    """
    if on_match not in ON_MATCH:
        raise ModelError(f"--on-match {on_match}: choose one of {', '.join(ON_MATCH)}")
    if sampling.seed is not None:
        import torch

        torch.manual_seed(sampling.seed)
    run = _Run(lm, prompt, store, sampling, on_match, Judge(policy, notices), lang, path,
               listener or (lambda event: None), context_ids(lm, prompt), TokenText(lm.tokenizer),
               Bans() if on_match == "avoid" else None)
    avoided: list[Avoided] = []
    started = time.perf_counter()
    matching = 0.0
    for attempt in range(1, max_tries + 2):
        reason, seconds = run.decode()
        final_started = time.perf_counter()
        matches = _final_matches(prompt, run.out.text, store, lang, path, policy)
        matching += seconds + time.perf_counter() - final_started
        denied = [f for f in run.judge.findings(matches) if f.verdict == "fail"]
        if on_match != "avoid" or attempt > max_tries or not (denied or reason == "stopped"):
            break
        if denied:
            assert run.bans is not None
            avoided.append(_roll_back(denied[0], run.out, prompt, run.context, run.bans, attempt))
            run.emit(RolledBack(avoided[-1]))
    return Generation(model=lm.name, prompt=prompt, completion=run.out.text, on_match=on_match,
                      tokens=len(run.out.ids), stop_reason=reason, seconds=time.perf_counter() - started,
                      matches=matches, avoided=avoided, blocked=on_match != "report" and bool(denied),
                      judge=run.judge, attribution_seconds=matching)


@dataclass
class _Run:
    """One generation's settings and state: the output so far, the bans."""

    lm: LoadedModel
    prompt: Prompt
    store: Store | None
    sampling: Sampling
    on_match: str
    judge: Judge
    lang: str | None
    path: str | None
    emit: Callable[[Event], None]
    context: list[int]
    out: TokenText
    bans: Bans | None

    def decode(self) -> tuple[str, float]:
        """Generate (on from what is kept of the output) with a fresh watcher; the stop
        reason, and the seconds the watcher spent matching."""
        watcher = None
        if self.store is not None:
            watcher = Watcher(self.store, self.judge, first_line=self.prompt.before.count("\n") + 1,
                              lang=self.lang, path=self.path, on_finding=self.emit)
        try:
            reason = decode(self.lm, self.context + self.out.ids, self.sampling, on_token=self._hook(watcher),
                            bans=self.bans, max_new_tokens=self.sampling.max_new_tokens - len(self.out.ids))
            if watcher is not None:
                watcher.drain()
        finally:
            if watcher is not None:
                watcher.close()
        return reason, watcher.seconds if watcher is not None else 0.0

    def _hook(self, watcher: Watcher | None) -> Callable[[int], bool]:
        """What runs after every token: show it, hand completed lines to the watcher,
        and say whether to stop (a denied copy, unless reporting)."""
        before = self.prompt.before

        def on_token(token: int) -> bool:
            piece = self.out.append(token)
            if piece:
                self.emit(TextAdded(piece))
            if watcher is None:
                return False
            if "\n" in piece:
                document = before + self.out.text
                watcher.line_done(document, document.count("\n"))
            return self.on_match != "report" and bool(watcher.denied())

        return on_token


def _final_matches(prompt: Prompt, completion: str, store: Store | None, lang: str | None,
                   path: str | None, policy: Policy) -> list[Match]:
    lines = prompt.generated_lines(completion)
    if store is None or lines is None:
        return []
    return in_scope(attribute(prompt.document(completion), store, lang=lang, path=path,
                              options=policy.match_options()), *lines)


def _roll_back(finding: Finding, out: TokenText, prompt: Prompt, context: list[int], bans: Bans,
               attempt: int) -> Avoided:
    """Take back the output from the line where ``finding``'s match begins, and ban the
    copied token sequence (with the tokens before it) so that it cannot be written again."""
    match = finding.match
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
                      verdict=finding.verdict, text=out.text[out.ends[keep - 1] if keep else 0:end],
                      attempt=attempt)
    out.truncate(keep)
    return avoided


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def generation_report(gen: Generation, index: IndexInfo, path: str = "<generated>") -> Report:
    """The report of a generation: one file (the document), its matches limited to the
    generated lines and judged as ``attrib scan`` judges them, and a ``generation``
    section (model, mode, tokens, what was avoided, whether the output was blocked)."""
    lines = gen.generated_lines
    scope = Scope.generated(*lines) if lines is not None else None
    entry = gen.judge.file(path, gen.document, gen.matches, scope=scope)
    info = GenerationInfo(
        model=gen.model, mode="fill-in-the-middle" if gen.prompt.fim else "completion", generated_lines=lines,
        tokens=gen.tokens, stop_reason=gen.stop_reason, seconds=gen.seconds,
        attribution_seconds=gen.attribution_seconds, on_match=gen.on_match, blocked=gen.blocked,
        avoided=tuple(gen.avoided), completion=None if gen.blocked else gen.completion)
    return gen.judge.report([entry], index, generation=info)
