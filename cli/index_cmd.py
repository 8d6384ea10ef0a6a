"""``attrib index``: fingerprint code into the store, with a progress bar and a summary."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from attrib.files import Limits
from attrib.indexer.sources.shard import Shard

from .context import Context, store_options

if TYPE_CHECKING:  # imported when indexing starts: other commands do not pay for them
    from attrib.indexer import pipeline

CORES = os.cpu_count() or 1


class ShardType(click.ParamType):
    """``--shard i/N`` as a :class:`Shard`; anything else is a usage error naming the fix."""

    name = "i/N"

    def convert(self, value, param, ctx) -> Shard:
        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Only files in this language (The Stack name, e.g. Python, JavaScript). Repeatable.")
@click.option("--limit", type=click.IntRange(min=1),
              help="Stop after this many files per source (per shard with --shard).")
@click.option("--workers", type=click.IntRange(min=1), default=CORES,
              help=f"Processes fingerprinting in parallel (default: the number of CPU cores, {CORES} here).")
@click.option("--shard", type=ShardType(), default="0/1", metavar="i/N",
              help="Index only shard i of N disjoint parts of each source (0 <= i < N), so N "
                   "machines can each run one shard into the same index.")
@click.option("--max-file-size", type=click.IntRange(min=1), default=Limits.max_file_bytes, show_default=True,
              help="Skip files larger than this many bytes.")
@click.option("--max-line-length", type=click.IntRange(min=1), default=Limits.max_line_chars, show_default=True,
              help="Skip files with a longer line (minified or generated code).")
@click.option("--repo", help="Repository name (owner/name) for a local directory; detected from git otherwise.")
@click.option("--commit", help="Commit for a local directory; detected from git otherwise.")
@click.option("--license", "licenses", multiple=True, metavar="SPDX",
              help="License of a local directory (SPDX id); detected from LICENSE files otherwise. Repeatable.")
@store_options
@click.pass_obj
def index(ctx: Context, sources: tuple[str, ...], langs: tuple[str, ...], limit: int | None,
          workers: int, shard: Shard, max_file_size: int, max_line_length: int, repo: str | None,
          commit: str | None, licenses: tuple[str, ...]) -> None:
    """Index code so it can be attributed.

    \b
    SOURCE is any of:
      hf:bigcode/the-stack            The Stack v1.2 on the Hugging Face hub (streamed;
                                      needs HF_TOKEN and the dataset terms accepted;
                                      pick languages with --lang)
      data/ or x.parquet / x.jsonl    local files in The Stack schema (a directory of
                                      them, e.g. a download of data/python/)
      path/to/repo                    a local directory or git repository (repository
                                      name, commit and license are detected)

    \b
    Indexing is incremental and idempotent: files already in the index (same content)
    are not fingerprinted again, and an interrupted run resumes where it stopped when
    you run the same command again.

    \b
    A directory is read inside itself only: links are not followed and only regular
    files are read (FIFOs, sockets, devices are skipped and counted). Dataset rows
    over 6 x --max-file-size or nested over 64 levels are skipped and counted.

    \b
    Scaling out: --workers uses every core of a machine; --shard i/N splits each source
    the same way on every machine (a directory of N or more data files by file, anything
    else by each file's content sha), so N machines running shards 0/N to N-1/N fill
    one index with every file exactly once.

    \b
    Examples:
      attrib index examples/stack-sample
      attrib --store stack.db index hf:bigcode/the-stack --lang Python --limit 100000
      attrib index ~/src/myproject --license MIT
      attrib index data/python --workers 16 --shard 0/4    # machine 1 of 4
    """
    from attrib.errors import InputError
    from attrib.indexer import pipeline
    from attrib.indexer.sources import open_source

    console = ctx.err_console()
    limits = Limits(max_file_bytes=max_file_size, max_line_chars=max_line_length)
    opened = [open_source(s, langs=list(langs) or None, limit=limit, repo=repo, commit=commit,
                          licenses=tuple(licenses) or None, shard=shard, max_file_bytes=max_file_size)
              for s in sources]
    existed = ctx.store_exists()
    store = ctx.open_store(mode="create")
    runs: list[pipeline.IndexStats] = []  # updated live: they count what an interrupted run stored
    try:
        for source in opened:
            runs.append(pipeline.IndexStats())
            _run_one(source, store, limits, workers, console, runs[-1])
    finally:
        store.close()
        totals = _total(runs)
        if not existed and totals.indexed + totals.already == 0:
            ctx.remove_store()  # do not leave an empty index behind
    _summary(totals, ctx, console)
    if totals.indexed + totals.already == 0:
        raise InputError("nothing was indexed: " + (_skips(totals) or "the sources hold no files"))


def _run_one(source, store, limits: Limits, workers: int, console, stats: pipeline.IndexStats) -> None:
    from rich.markup import escape
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from attrib.formats.escape import printable
    from attrib.indexer import pipeline

    total = source.estimated_total()
    columns = [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
               MofNCompleteColumn() if total else TextColumn("{task.completed:,} files"),
               TextColumn("{task.fields[mb]:.1f} MB · {task.fields[rate]:.1f} MB/s"),
               TimeElapsedColumn(), TimeRemainingColumn()]
    # A live bar only on a terminal; logs and pipes get the summary lines alone.
    with Progress(*columns, console=console, transient=False,
                  disable=console.quiet or not console.is_terminal) as progress:
        task = progress.add_task(escape(printable(source.describe())), total=total, mb=0.0, rate=0.0)

        def update(s: pipeline.IndexStats) -> None:
            progress.update(task, completed=s.seen, mb=s.bytes_seen / 1e6,
                            rate=s.bytes_seen / 1e6 / s.seconds if s.seconds else 0.0)

        pipeline.run(iter(source), store, limits=limits, workers=workers, on_progress=update, stats=stats)


def _total(runs: list[pipeline.IndexStats]) -> pipeline.IndexStats:
    """The counters of the sources' runs, added up (one example per skip reason)."""
    from attrib.indexer import pipeline

    totals = pipeline.IndexStats()
    for s in runs:
        for name in ("seen", "indexed", "already", "bytes_seen", "bytes_indexed", "postings", "seconds"):
            setattr(totals, name, getattr(totals, name) + getattr(s, name))
        totals.skipped.update(s.skipped)
        for reason, example in s.examples.items():
            totals.examples.setdefault(reason, example)
    return totals


def _skips(s: pipeline.IndexStats) -> str:
    parts = [f"{n:,} {reason} (e.g. {s.examples[reason].path}: {s.examples[reason].detail})"
             for reason, n in s.skipped.most_common()]
    return "skipped " + "; ".join(parts) if parts else ""


def _summary(s: pipeline.IndexStats, ctx: Context, console) -> None:
    from rich.text import Text

    from attrib.formats.escape import printable

    console.print(f"[green]Indexed[/] {s.indexed:,} files ({s.bytes_indexed / 1e6:.1f} MB) in {s.seconds:.1f} s"
                  f" · {s.mb_per_s:.1f} MB/s · {s.postings:,} fingerprints")
    if s.already:
        console.print(f"Already indexed: {s.already:,} files (provenance updated)")
    if s.skipped:
        console.print(Text.assemble(("Skipped", "yellow"), ": " + printable(_skips(s)[len("skipped "):])),
                      soft_wrap=True)
    console.print(Text("Store: " + printable(ctx.url)), soft_wrap=True)
