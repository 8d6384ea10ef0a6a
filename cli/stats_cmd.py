"""``attrib stats``: what the index holds."""
from __future__ import annotations

import json
from dataclasses import asdict

import click

from .context import Context, store_options


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_options
@click.pass_obj
def stats(ctx: Context, fmt: str) -> None:
    """Show what the index holds: files, repositories, languages, licenses, parameters.

    \b
    Examples:
      attrib stats
      attrib --store stack.db stats --format json | jq .files
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from attrib.formats.escape import printable
    from attrib.licenses import category

    with ctx.open_store() as store:
        s = store.stats()
    if fmt == "json":
        click.echo(json.dumps(asdict(s), indent=2))
        return
    out = Console(highlight=False)
    out.print(f"[bold]{escape(printable(s.name))}[/] — {escape(printable(s.location))}", soft_wrap=True)
    out.print(f"{s.files:,} files · {s.sources:,} sources in {s.repos:,} repositories · "
              f"{s.bytes / 1e6:.1f} MB of code · {s.postings:,} fingerprints")
    if s.index_bytes:
        out.print(f"index size: {s.index_bytes / 1e6:.1f} MB ({s.bytes_per_mb / 1e6:.2f} MB per MB of code)")
    table = Table("language", "files", box=None)
    for lang, n in list(s.languages.items())[:15]:
        table.add_row(escape(printable(lang)), f"{n:,}")
    out.print(table)
    table = Table("repository", "files", box=None)
    for repo, n in s.top_repos.items():
        table.add_row(escape(printable(repo)), f"{n:,}")
    out.print(table)
    table = Table("license", "category", "sources", box=None)
    for lic, n in list(s.licenses.items())[:15]:
        table.add_row(escape(printable(lic)), category(lic) if lic != "(none)" else "unknown", f"{n:,}")
    out.print(table)
    out.print("parameters: " + escape(printable(", ".join(f"{k}={v}" for k, v in s.params.items()))),
              soft_wrap=True)
