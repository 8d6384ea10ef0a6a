"""What ``attrib generate`` shows while the model writes.

:class:`StreamView` is the ``report`` mode view. Generated text goes to stdout as it
arrives; each copy the watcher finds is announced on stderr the moment it is seen. In a
terminal, stdout shows complete lines with a gutter instead, so a line that is part of a
known copy is marked (coloured by the policy's verdict) as it streams:

     4 ┃ from collections import OrderedDict          <- part of a copy
       ↳ L1–12 psf/requests › requests/structures.py L1–12 · Apache-2.0 · notice

:class:`QuietView` is for ``block`` and ``avoid``, where no line may be shown before it
is cleared: a status line counts tokens and announces copies found and avoided.

Names from the index are shown with their control characters escaped; the generated
code itself is written as the model wrote it (it is the output).
"""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from attrib.formats.escape import printable
from attrib.formats.text import CATEGORY_STYLES, VERDICT_STYLES
from attrib.generate.generator import RolledBack, TextAdded
from attrib.report import Finding


def describe_finding(finding: Finding) -> Text:
    """``L4–12 repo › path L4–12 · Apache-2.0 · permissive · notice``."""
    m, best, info = finding.match, finding.best, finding.license
    start, end = m.start_line, m.end_line
    return Text.assemble(
        (f"L{start}–{end}", "bold"), " ", (printable(best.repo), "bold"), " › ", printable(best.path),
        f" L{best.start_line}–{best.end_line} · ", printable(", ".join(info.ids)) or "no license recorded", " · ",
        (info.category, CATEGORY_STYLES.get(info.category, "")), " · ",
        (finding.verdict, VERDICT_STYLES.get(finding.verdict, "")))


class StreamView:
    """Streams the output with copies announced as they are found (``--on-match report``)."""

    def __init__(self, out: Console, err: Console, *, before: str) -> None:
        self.out, self.err = out, err
        self.terminal = out.is_terminal
        *prompt_lines, self.partial = before.split("\n")  # the unfinished line is completed by the model
        self.line = len(prompt_lines) + 1  # document line number of the line being written
        self.findings: list[Finding] = []
        self.notes: list[Text] = []  # held until the current line ends (not in a terminal)
        if self.terminal:
            for number, text in enumerate(prompt_lines, 1):
                self.out.print(Text.assemble((f"{number:>5} │ ", "dim"), (text, "dim")), soft_wrap=True)

    def __call__(self, event: object) -> None:
        if isinstance(event, TextAdded):
            self._text(event.text)
        elif isinstance(event, Finding):
            self.findings.append(event)
            note = Text("  ↳ ")
            note.append_text(describe_finding(event))
            if self.terminal:
                self.out.print(note, soft_wrap=True)
            else:
                self.notes.append(note)

    def _text(self, piece: str) -> None:
        if not self.terminal:
            head, newline, rest = piece.rpartition("\n")
            self.out.file.write(head + newline)
            self.out.file.flush()
            if newline:
                self._flush_notes()
            self.out.file.write(rest)
            self.out.file.flush()
            return
        *done, self.partial = (self.partial + piece).split("\n")
        for line in done:
            self._line(line)

    def _line(self, text: str) -> None:
        verdicts = [f.verdict for f in self.findings if f.match.start_line <= self.line <= f.match.end_line]
        style = VERDICT_STYLES.get(max(verdicts, key=("pass", "notice", "fail").index), "") if verdicts else "dim"
        self.out.print(Text.assemble((f"{self.line:>5} ", "dim"), ("┃ " if verdicts else "│ ", style), text),
                       soft_wrap=True, highlight=False)
        self.line += 1

    def finish(self) -> None:
        if self.terminal and self.partial:
            self._line(self.partial)
            self.partial = ""
        elif not self.terminal:
            self.out.file.write("\n")
            self.out.file.flush()
            self._flush_notes()

    def _flush_notes(self) -> None:
        for note in self.notes:
            self.err.print(note, soft_wrap=True)
        self.notes.clear()


class QuietView:
    """A status line while output is held back (``--on-match block|avoid``)."""

    def __init__(self, err: Console) -> None:
        self.err = err
        self.tokens = 0
        self.status = err.status("generating…")

    def __enter__(self) -> "QuietView":
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.__exit__(*exc)

    def __call__(self, event: object) -> None:
        if isinstance(event, TextAdded):
            self.tokens += 1
            if self.tokens % 8 == 0:
                self.status.update(f"generating… {self.tokens} tokens")
        elif isinstance(event, Finding):
            self.err.print(Text.assemble("  found ", describe_finding(event)), soft_wrap=True)
        elif isinstance(event, RolledBack):
            a = event.avoided
            self.err.print(Text.assemble(("  avoided ", "bold yellow"), f"L{a.start_line}–{a.end_line} ",
                                         (printable(a.source.repo), "bold"), " › ", printable(a.source.path),
                                         f" (try {a.attempt}): rolled back and banned that continuation"),
                           soft_wrap=True)
