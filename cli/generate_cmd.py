"""``attrib generate``: run a code model and attribute what it writes, line by line."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from attrib.generate.model import DEFAULT_MODEL, DTYPES
from attrib.generate.modes import MAX_TRIES, ON_MATCH

from .context import Context, policy_option, store_options
from .output import check_writable, emit_report, write_text

if TYPE_CHECKING:
    from rich.console import Console

    from attrib.report import Report


def _read(path: str | None, what: str) -> str | None:
    from attrib.errors import InputError

    if path is None:
        return None
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the {what} {path}: {e.strerror}") from None
    if b"\0" in data:
        raise InputError(f"the {what} {path} is binary, not text")
    return data.decode("utf-8", errors="replace")


@click.command()
@click.option("-p", "--prompt", metavar="TEXT", help="Code to complete.")
@click.option("--prompt-file", metavar="FILE", help="Read the code to complete from FILE (- for stdin).")
@click.option("--prefix", metavar="TEXT", help="Fill in the middle: the code before the gap.")
@click.option("--suffix", metavar="TEXT", help="Fill in the middle: the code after the gap.")
@click.option("--prefix-file", metavar="FILE", help="Fill in the middle: read the code before the gap from FILE.")
@click.option("--suffix-file", metavar="FILE", help="Fill in the middle: read the code after the gap from FILE.")
@click.option("-m", "--model", "model_name", default=DEFAULT_MODEL, show_default=True, envvar="ATTRIB_MODEL",
              metavar="ID|DIR", help="Hugging Face hub id or local directory of a causal LM [$ATTRIB_MODEL].")
@click.option("--device", default="auto", show_default=True, metavar="DEVICE",
              help="auto (CUDA if present, else CPU), cpu, cuda, cuda:N.")
@click.option("--dtype", type=click.Choice(DTYPES), default="auto", show_default=True,
              help="auto: bfloat16 on GPU, float32 on CPU.")
@click.option("-n", "--max-new-tokens", type=click.IntRange(1), default=256, show_default=True,
              help="Stop after this many tokens (or at end of text).")
@click.option("-t", "--temperature", type=click.FloatRange(0), default=0.0, show_default=True,
              help="0 is greedy decoding; above 0 samples.")
@click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=0.95, show_default=True,
              help="Nucleus sampling mass (with --temperature > 0).")
@click.option("--seed", type=int, help="Random seed, for repeatable sampling.")
@click.option("--on-match", type=click.Choice(ON_MATCH), default="report", show_default=True,
              help="report every copy; block output that copies a denied license (exit 1); "
                   "avoid such copies by rolling back and resampling.")
@policy_option
@click.option("--max-tries", type=click.IntRange(1, 20), default=MAX_TRIES, show_default=True,
              help="With --on-match avoid: roll-backs before giving up and blocking.")
@click.option("--lang", metavar="LANG", help="Language of the code (default: from the file names given).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "spdx", "cyclonedx"]), default="text",
              show_default=True, help="text streams the code with copies marked; json is report schema v1; spdx "
                                      "(SPDX 2.3 JSON) and cyclonedx (CycloneDX 1.6 JSON) for SBOM tools.")
@click.option("-o", "--output", metavar="FILE", help="Write the finished code (prompt and completion) to FILE.")
@click.option("--report", "report_path", metavar="FILE", help="Write the report to FILE instead of the terminal.")
@click.option("--notice", "notice_path", metavar="FILE",
              help="Credit the sources the policy requires a notice for (by default: permissive licenses) in FILE "
                   "(created if missing), as `attrib notice` does.")
@store_options
@click.pass_obj
def generate_cmd(ctx: Context, prompt: str | None, prompt_file: str | None, prefix: str | None, suffix: str | None,
                 prefix_file: str | None, suffix_file: str | None, model_name: str, device: str, dtype: str,
                 max_new_tokens: int, temperature: float, top_p: float, seed: int | None, on_match: str,
                 policy_path: str | None, max_tries: int, lang: str | None, fmt: str, output: str | None,
                 report_path: str | None,
                 notice_path: str | None) -> None:
    """Generate code with a model and attribute every line it writes.

    \b
    The model completes a prompt (--prompt, --prompt-file, or standard input) or fills
    the gap between --prefix and --suffix. As each line completes it is matched
    against the index; copies are reported with the source repository, file, lines,
    commit and license. Only generated lines are attributed; a copy that starts in the
    prompt is reported for its generated part.

    \b
    Examples:
      attrib generate --model examples/tiny-starcoder --prompt-file head.py
      attrib generate -p 'def fibonacci(n):' --max-new-tokens 128 --format json
      attrib generate --prefix-file a.py --suffix-file b.py -o filled.py --notice NOTICE.md
      attrib generate -p '...' --on-match avoid    # steer away from copyleft copies

    \b
    The default model, bigcode/starcoderbase-1b, is gated: accept its licence on the
    hub and log in (or set HF_TOKEN), or pass --model DIR for a local copy. Needs the
    model extra: pip install 'attrib[model]'.

    Exit code 0 when the output was produced, 1 when --on-match block (or avoid, when
    avoiding failed) withheld it, 2 for bad input or an unusable model or index.
    """
    from rich.console import Console
    from rich.text import Text

    from attrib.formats.escape import printable
    from attrib.generate import Prompt, Sampling, generate, generation_report, load
    from attrib.generate.model import require_torch
    from attrib.languages import from_path
    from attrib.project import find_project
    from attrib.report import IndexInfo
    from attrib.store import indexed_stats

    from .live import QuietView, StreamView

    require_torch()
    fim = any(x is not None for x in (prefix, suffix, prefix_file, suffix_file))
    if fim and (prompt is not None or prompt_file is not None):
        raise click.UsageError("give either a prompt (--prompt/--prompt-file) or --prefix/--suffix, not both")
    for text, path, name in ((prompt, prompt_file, "prompt"), (prefix, prefix_file, "prefix"),
                             (suffix, suffix_file, "suffix")):
        if text is not None and path is not None:
            raise click.UsageError(f"give --{name} or --{name}-file, not both")
    if fim:
        request = Prompt(prefix=prefix if prefix is not None else _read(prefix_file, "prefix file") or "",
                         suffix=suffix if suffix is not None else _read(suffix_file, "suffix file") or "")
    else:
        text = prompt if prompt is not None else _read(prompt_file, "prompt file")
        if text is None:
            if sys.stdin.isatty():
                raise click.UsageError("give a prompt: --prompt TEXT, --prompt-file FILE or standard input; "
                                       "or --prefix/--suffix to fill in the middle")
            text = _read("-", "prompt from")
        request = Prompt(text=text or "")
    check_writable(output, report_path, notice_path)
    project = find_project(Path.cwd(), policy_path)
    named = output or prompt_file or prefix_file or suffix_file
    lang = lang or from_path(named if named != "-" else None)
    err = ctx.err_console()
    with ctx.open_store() as store:
        stats = indexed_stats(store)
        with err.status(f"loading {model_name}…"):
            lm = load(model_name, device=device, dtype=dtype)
        err.print(Text(printable(f"{lm.describe()} · index {stats.name} ({stats.files} files)"), style="dim"))
        sampling = Sampling(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, seed=seed)
        out = Console(highlight=False, soft_wrap=True)
        streaming = on_match == "report" and fmt == "text" and not report_path
        run = dict(sampling=sampling, on_match=on_match, policy=project.policy, notices=project.notices,
                   max_tries=max_tries, lang=lang, path=named)
        if streaming:
            view = StreamView(out, err, before=request.before)
            gen = generate(lm, request, store, listener=view, **run)
            view.finish()
        else:
            with QuietView(err) as quiet:
                gen = generate(lm, request, store, listener=quiet, **run)
    report = generation_report(gen, IndexInfo.of(stats), path=output or "<generated>")
    if not gen.blocked:
        if output:
            write_text(output, gen.document)
        if notice_path:
            _write_notices(notice_path, report, project.root, err)
        if fmt == "text" and not streaming and not report_path:
            out.file.write(gen.completion + ("" if gen.completion.endswith("\n") else "\n"))
    _emit_report(ctx, report, streaming, fmt, report_path, out, err)
    if gen.blocked:
        err.print(f"[bold red]blocked[/]: the output copies code whose license the policy denies "
                  f"({len(gen.denied)} match{'es' if len(gen.denied) != 1 else ''}); it was not written",
                  highlight=False, soft_wrap=True)
        sys.exit(1)


def _emit_report(ctx: Context, report: Report, streaming: bool, fmt: str, path: str | None, out: Console,
                 err: Console) -> None:
    """The final report: to ``path``, else text on stderr (the code went to stdout)
    without the code again when it was streamed, other formats on stdout."""
    if fmt == "text" and not path:
        err.print()
        emit_report(report, fmt, None, err, show_code=not streaming)
    else:
        emit_report(report, fmt, path, open_store=ctx.open_store)
        out.file.flush()


def _write_notices(path: str, report: Report, root: Path, err: Console) -> None:
    from rich.text import Text

    from attrib.formats.escape import printable
    from attrib.notices import notices_from_report, update

    notices = notices_from_report(report, root)
    if not notices:
        err.print(Text(f"no copy needs a notice under the policy; {printable(path)} left as it was"))
        return
    updated = update(Path(path), notices)
    if updated is not None:
        write_text(path, updated)
    err.print(Text(f"notices for {len(notices)} source file(s) written to {printable(path)}"))
