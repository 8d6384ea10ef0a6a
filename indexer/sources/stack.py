"""The Stack v1.2 — from the Hugging Face Hub, or local parquet/JSON files in its schema.

Every *part* (a hub language folder, or one local file) gives rows that are filtered
by language, cut at ``limit`` and turned into :class:`RawFile` by
:func:`row_to_rawfile`. One reader per kind of part: the hub is streamed by
``datasets.load_dataset(..., streaming=True)`` (an ``IterableDataset``; ``datasets`` is
imported only then: it costs a process about 0.9 CPU s); a local parquet file is read
by pyarrow itself, :data:`PARQUET_BATCH_ROWS` rows and only the columns
:func:`row_to_rawfile` reads at a time (:func:`local_parquet_rows`: 6 ms per MB of
code to files, where ``datasets`` took 13); local JSON files by :mod:`.jsonrows`, which
bounds every row's size and nesting before parsing it (pyarrow's JSON reader does not).
A local parquet file's footer is checked first (:func:`parquet_rows`): a schema nested
deeper than :data:`.jsonrows.MAX_DEPTH` or a row group over
:data:`MAX_ROW_GROUP_BYTES` uncompressed is refused before a row is read.

Row → RawFile (only ``content`` is required; every other column may be missing)::

    content                     → data        (str, as The Stack stores decoded text)
    max_stars_repo_name         → repo        (falls back to the forks/issues repo, then to
    max_stars_repo_path         → path         the caller's defaults; path falls back to
    max_stars_repo_head_hexsha  → commit       "<data file>#<row>")
    max_stars_repo_licenses     → licenses
    lang, max_stars_count       → lang, stars

``hexsha`` is not read: a row cannot name its own id, the pipeline computes it from
the content (:mod:`attrib.files`).

How failures surface (and why every part is read on its own): a parquet file with a
broken footer (truncated, not parquet) fails when it is opened, with pyarrow's
``ArrowInvalid``; damage inside a row group fails only *during iteration*, with messages
such as "Corrupt snappy compressed data" that do not name the file. Reading one file at
a time lets every error name its file. Local parquet footers are also read up front
(:func:`parquet_rows`), which both counts rows for the progress bar and reports a
truncated file before any work is done.

The hub is checked before anything is loaded: ``huggingface_hub`` retries a failing
request five times with back-off (about 25 s when DNS fails, minutes when packets are
dropped), so one ``auth-check`` request with a short timeout (``HF_HUB_ETAG_TIMEOUT``,
10 s by default) tells "unreachable", "terms not accepted / no token" and "no such
dataset" apart, quickly, in one clear message.
"""
from __future__ import annotations

import logging
import math
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from attrib.errors import InputError
from attrib.files import DEFAULT_MAX_FILE_BYTES, RawFile, Skipped
from attrib.indexer.sources.datafiles import data_format
from attrib.indexer.sources.jsonrows import MAX_DEPTH, json_rows
from attrib.indexer.sources.shard import WHOLE, Shard
from attrib.languages import KNOWN_LANG_KEYS, lang_key

if TYPE_CHECKING:
    import datasets as datasets_module


@cache
def load_datasets() -> ModuleType:
    """``datasets`` (for the hub), imported on first use with its torch support off: it
    imports torch when torch is installed (for tensor formatting, unused here), which
    costs an ``attrib index`` process 0.5 GB of memory and 1.5 s. The setting is
    restored at once, so a later import of transformers still finds torch."""
    previous = os.environ.get("USE_TORCH")
    os.environ["USE_TORCH"] = "0"
    try:
        import datasets as module
    finally:
        if previous is None:
            del os.environ["USE_TORCH"]
        else:
            os.environ["USE_TORCH"] = previous
    return module

DEFAULT_DATASET = "bigcode/the-stack"

MAX_ROW_GROUP_BYTES = 2 << 30
"""A parquet row group's pages are decompressed as it is read: a row group larger than
this (uncompressed, as the footer says) is refused before anything is decompressed."""
PARQUET_BATCH_ROWS = 256
"""Rows of a local parquet file turned into Python at once (not a whole row group: a
dictionary-encoded column can expand far beyond its size)."""

_REPO_PREFIXES = ("max_stars", "max_forks", "max_issues")
_REPO_FIELDS = ("repo_name", "repo_path", "repo_head_hexsha", "repo_licenses", "repo_stars_event_min_datetime")
ROW_COLUMNS = frozenset({"content", "lang", "max_stars_count",
                         *(f"{prefix}_{name}" for prefix in _REPO_PREFIXES for name in _REPO_FIELDS)})
"""The columns :func:`row_to_rawfile` reads; a local parquet file's others are not decoded."""
_DATASET_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


@dataclass(frozen=True)
class Defaults:
    """Caller-given values for rows that lack their own (a JSONL dump without metadata)."""

    repo: str | None = None
    commit: str | None = None
    licenses: tuple[str, ...] | None = None


def row_to_rawfile(row: Mapping[str, Any], fallback_path: str,
                   defaults: Defaults = Defaults()) -> RawFile | None:
    """One Stack-schema row as a :class:`RawFile`; ``None`` for a row without content.

    The repository fields come from the first of max_stars / max_forks / max_issues that
    names a repository (The Stack fills all three; other dumps may keep only one), so
    repo, path, commit and licenses always describe the same copy of the file.

    >>> row_to_rawfile({"content": "x = 1\\n", "max_stars_repo_name": "o/r",
    ...                 "max_stars_repo_path": "a.py", "max_stars_repo_licenses": ["MIT"],
    ...                 "max_stars_count": 3.0, "lang": "Python",
    ...                 "max_stars_repo_stars_event_min_datetime": "2015-03-02T11:22:33.000Z"}, "f.parquet#0")
    ... # doctest: +NORMALIZE_WHITESPACE
    RawFile(data='x = 1\\n', repo='o/r', path='a.py', commit='', licenses=('MIT',), lang='Python', stars=3,
            first_seen='2015-03-02T11:22:33', licenses_given=False)
    """
    content = row.get("content")
    if not isinstance(content, (str, bytes)):
        return None
    prefix = next((p for p in _REPO_PREFIXES if _text(row.get(f"{p}_repo_name"))), None)

    def field(suffix: str) -> Any:
        return row.get(f"{prefix}_{suffix}") if prefix else None

    licenses = _licenses(field("repo_licenses"))
    return RawFile(
        data=content,
        repo=_text(field("repo_name")) or defaults.repo or "",
        path=_text(field("repo_path")) or fallback_path,
        commit=_text(field("repo_head_hexsha")) or defaults.commit or "",
        licenses=licenses or defaults.licenses or (),
        lang=_text(row.get("lang")) or None,
        stars=_count(row.get("max_stars_count")),
        first_seen=_date(field("repo_stars_event_min_datetime")),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _licenses(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2})?")


def _date(value: Any) -> str | None:
    """A repository event date as ``YYYY-MM-DDTHH:MM:SS`` (UTC as The Stack writes it),
    from a string or a datetime; None when it is not one.

    >>> _date("2015-03-02T11:22:33.000Z"), _date("not a date"), _date(None)
    ('2015-03-02T11:22:33', None, None)
    """
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    found = _ISO_DATE.match(value.strip()) if isinstance(value, str) else None
    return found.group().replace(" ", "T") if found else None


def _count(value: Any) -> int | None:
    """A star count: a finite number that fits the index (64 bits), else unknown."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if -2**63 <= value < 2**63 else None


# ---------------------------------------------------------------------------------------
# The source


@dataclass(frozen=True)
class Part:
    """A local data file, or one folder of a hub dataset."""

    label: str
    """What messages name: the file path, or ``bigcode/the-stack data/python``."""
    rows: Callable[[], Iterator[Mapping[str, Any] | Skipped]]
    """Its rows, or what was skipped, from the start; failures are :class:`InputError`."""


@dataclass(frozen=True)
class StackSource:
    """Rows of Stack-schema datasets as :class:`RawFile` items, read lazily, part by part."""

    description: str
    parts: tuple[Part, ...]
    langs: frozenset[str] = frozenset()
    """Language keys (:func:`lang_key`) to keep; empty keeps every row."""
    limit: int | None = None
    defaults: Defaults = Defaults()
    total_rows: int | None = None
    """Rows the parts hold, when cheaply known (parquet metadata) and not thinned further
    by the language filter."""
    shard: Shard = WHOLE
    """Rows are kept when their blob sha falls in this shard (the parts are the whole
    source); :data:`WHOLE` when the parts are already this shard's data files."""

    def describe(self) -> str:
        return self.description

    def estimated_total(self) -> int | None:
        """Rows to expect: exact for parquet, else ``limit`` when one is set."""
        total = self.shard.expected(self.total_rows)
        if total is None:
            return self.limit
        return total if self.limit is None else min(total, self.limit)

    def __iter__(self) -> Iterator[RawFile | Skipped]:
        emitted = 0
        if self.limit == 0:
            return
        for part in self.parts:
            for number, row in enumerate(part.rows()):
                if isinstance(row, Skipped):
                    yield row
                    continue
                if self.langs and lang_key(_text(row.get("lang"))) not in self.langs:
                    continue
                raw = row_to_rawfile(row, f"{Path(part.label).name}#{number}", self.defaults)
                if raw is None or not self.shard.keeps(raw.data):
                    continue
                yield raw
                emitted += 1
                if emitted == self.limit:
                    return


def dataset_rows(label: str, load: Callable[[], datasets_module.IterableDataset],
                 fail: Callable[[str, Exception], InputError]) -> Iterator[Mapping[str, Any]]:
    """The rows of one ``load_dataset`` call, with every failure of ``datasets`` turned
    into the InputError ``fail`` makes."""
    with _quiet_datasets():
        try:
            dataset = load()
            columns = dataset.column_names  # None when the schema is only known per row
        except Exception as exc:  # datasets and pyarrow raise many types; all mean "unreadable"
            raise fail(label, exc) from exc
        if columns is not None:
            _require_content(columns, label)
        rows = iter(dataset)
        checked = columns is not None
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # raised lazily: damaged row groups
                error = fail(label, exc)
                # Drop the reader now: pyarrow threads still alive at interpreter exit abort it.
                close = getattr(rows, "close", None)
                if close is not None:
                    close()
                del rows, dataset, exc
                raise error from None
            if not checked:
                _require_content(row.keys(), label)
                checked = True
            yield row


def local_parquet_rows(file: Path) -> Iterator[Mapping[str, Any]]:
    """The rows of a local parquet file, read by pyarrow :data:`PARQUET_BATCH_ROWS` at a
    time, with only the columns :data:`ROW_COLUMNS` names; every failure an InputError
    naming the file (its footer was checked by :func:`parquet_rows`)."""
    label = str(file)
    try:
        reader = pq.ParquetFile(file)
        names = reader.schema_arrow.names
    except Exception as exc:  # ArrowInvalid, OSError: the footer is missing or damaged
        raise _local_failure(label, exc) from exc
    _require_content(names, label)
    batches = reader.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=[n for n in names if n in ROW_COLUMNS])
    while True:
        try:
            rows = next(batches).to_pylist()
        except StopIteration:
            return
        except Exception as exc:  # raised lazily: damaged row groups
            reader.close()
            raise _local_failure(label, exc) from None
        yield from rows


def local_json_rows(file: Path, max_row_bytes: int) -> Iterator[Mapping[str, Any] | Skipped]:
    """The rows of a local JSON data file (:mod:`.jsonrows`), its first row checked
    for a ``content`` field like a parquet file's columns."""
    checked = False
    for row in json_rows(file, max_row_bytes):
        if not checked and not isinstance(row, Skipped):
            _require_content(row.keys(), str(file))
            checked = True
        yield row


def max_row_bytes(max_file_bytes: int) -> int:
    """The longest JSON row worth reading for files of up to ``max_file_bytes``: JSON
    escapes at most 6 bytes per byte (``\\u0001``), plus the other fields."""
    return 6 * max_file_bytes + (64 << 10)


def _require_content(columns: Collection[str], label: str) -> None:
    if "content" not in columns:
        raise InputError(
            f"{label} has no 'content' column (it has: {', '.join(columns) or 'none'}); "
            "attrib reads The Stack's schema, where 'content' holds each file's text and "
            "every other column (max_stars_repo_name, max_stars_repo_path, lang, ...) is optional"
        )


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Silence ``datasets``' own logging and progress bars while it works for us.

    It logs an error line ("Failed to read schema from ...") before raising, and draws
    "Resolving data files" bars; the InputError carries the same facts in one line, and
    the CLI draws the one progress bar.
    """
    datasets = load_datasets()
    loggers = [logging.getLogger(name) for name in ("datasets", "huggingface_hub")]
    levels = [logger.level for logger in loggers]
    bars_were_disabled = datasets.are_progress_bars_disabled()
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        if not bars_were_disabled:
            datasets.enable_progress_bars()


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


# ---------------------------------------------------------------------------------------
# Local files


def parquet_rows(files: list[Path]) -> int:
    """Rows in the parquet files, from their footers, which are checked: InputError
    names a damaged file, a schema nested deeper than ``MAX_DEPTH`` or a row group
    larger than ``MAX_ROW_GROUP_BYTES`` uncompressed."""
    total = 0
    for file in files:
        if data_format(file) != "parquet":
            continue
        try:
            meta = pq.ParquetFile(file).metadata
        except Exception as exc:  # ArrowInvalid, OSError: the footer is missing or damaged
            raise _local_failure(str(file), exc) from exc
        depth = max((meta.schema.column(i).path.count(".") + 1 for i in range(meta.num_columns)), default=0)
        if depth > MAX_DEPTH:
            raise InputError(f"cannot read {file}: its columns nest {depth} levels deep (attrib reads up to "
                             f"{MAX_DEPTH}); The Stack's schema is flat")
        for i in range(meta.num_row_groups):
            size = meta.row_group(i).total_byte_size
            if size > MAX_ROW_GROUP_BYTES:
                raise InputError(f"cannot read {file}: row group {i} holds {size / 2**30:.1f} GiB uncompressed "
                                 f"(attrib reads up to {MAX_ROW_GROUP_BYTES >> 30} GiB at once); rewrite it "
                                 "with smaller row groups")
        total += meta.num_rows
    return total


def _local_failure(label: str, exc: Exception) -> InputError:
    return InputError(
        f"cannot read {label}: {_one_line(exc)} — the file is damaged or not in the format its "
        "name says; download or export it again, or leave it out of the input"
    )


def open_local_stack(path: Path, files: list[Path], *, langs: frozenset[str] = frozenset(),
                     limit: int | None = None, defaults: Defaults = Defaults(),
                     shard: Shard = WHOLE, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> StackSource:
    """A source over local Stack-schema files (``files`` from :func:`stack_data_files`).

    With a language filter, files in a folder named for another language (The Stack's
    ``data/java/`` when only Python is wanted) are not opened at all; files in other
    folders are read and filtered row by row. A shard (:mod:`.shard`) is taken from the
    files left.
    """
    if langs:
        files = [file for file in files if _folder_lang(file) in langs or _folder_lang(file) is None]
    files, rows_shard = shard.split(files)
    unusable = {file: skip for file in files if (skip := _not_a_data_file(file))}
    parts = tuple(
        Part(str(file), partial(iter, [unusable[file]])) if file in unusable else
        Part(str(file), partial(local_parquet_rows, file)) if data_format(file) == "parquet" else
        Part(str(file), partial(local_json_rows, file, max_row_bytes(max_file_bytes)))
        for file in files
    )
    all_parquet = all(data_format(file) == "parquet" for file in files)
    rows = parquet_rows([file for file in files if file not in unusable])
    # Rows counted are rows yielded when no row is dropped by language: no filter, or
    # every file sits in a folder of a wanted language.
    exact = all_parquet and (not langs or all(_folder_lang(file) in langs for file in files))
    kinds = "parquet" if all_parquet else "data"
    noun = f"{len(files)} {kinds} file{'s' if len(files) != 1 else ''}"
    description = str(path) if path.is_file() else f"{noun} under {path}"
    return StackSource(description=shard.label(description), parts=parts, langs=langs, limit=limit,
                       defaults=defaults, total_rows=rows if exact else None, shard=rows_shard)


def _not_a_data_file(file: Path) -> Skipped | None:
    """Why a data file in a folder cannot be read (a FIFO would block), or None.

    Links are followed here, unlike in a code tree: the Hugging Face cache's
    ``snapshots/<rev>/data/...`` files are links to its ``blobs/``; only what they lead
    to must be a regular file."""
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        return Skipped(str(file), "unreadable", exc.strerror or str(exc))
    return None if stat.S_ISREG(mode) else Skipped(str(file), "not-regular", "not a regular file")


def _folder_lang(file: Path) -> str | None:
    """The language a file's folder is named for (``data/python/x.parquet`` → python)."""
    key = lang_key(file.parent.name)
    return key if key in KNOWN_LANG_KEYS else None


# ---------------------------------------------------------------------------------------
# The Hugging Face Hub


def hub_failure(dataset_id: str, what: str) -> InputError:
    """The one message for every way reading ``dataset_id`` from the hub can fail."""
    return InputError(
        f"cannot stream {dataset_id} from the Hugging Face Hub: {what}. To fix: accept the "
        f"dataset's terms at https://huggingface.co/datasets/{dataset_id} and set HF_TOKEN "
        "or run `huggingface-cli login` (`hf auth login`); or download its parquet files "
        f"(data/<lang>/*.parquet) and pass their local path instead of hf:{dataset_id}"
    )


def check_hub_access(dataset_id: str, token: str | None) -> None:
    """Raise the hub InputError unless the hub answers and lets this token read the dataset."""
    from huggingface_hub import constants
    from huggingface_hub.utils import (
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        build_hf_headers,
        get_session,
        hf_raise_for_status,
    )

    if constants.HF_HUB_OFFLINE:
        raise hub_failure(dataset_id, "HF_HUB_OFFLINE is set, so the hub is not contacted")
    url = f"{constants.ENDPOINT}/api/datasets/{dataset_id}/auth-check"
    try:
        response = get_session().get(url, headers=build_hf_headers(token=token),
                                     timeout=constants.HF_HUB_ETAG_TIMEOUT)
    except Exception as exc:  # httpx or requests errors, depending on huggingface_hub
        raise hub_failure(dataset_id, f"{constants.ENDPOINT} cannot be reached "
                                      f"({type(exc).__name__}: {_one_line(exc)})") from exc
    try:
        hf_raise_for_status(response)
    except GatedRepoError as exc:
        who = "this token has" if token else "no Hugging Face token was found, so you have"
        raise hub_failure(dataset_id, f"access refused: the dataset is gated and {who} "
                                      "not accepted its terms") from exc
    except RepositoryNotFoundError as exc:
        raise hub_failure(dataset_id, "no such dataset, or it is private") from exc
    except HfHubHTTPError as exc:
        raise hub_failure(dataset_id, f"the hub answered HTTP {response.status_code}") from exc


def hub_data_files(paths: Iterable[str], langs: frozenset[str] = frozenset()) -> list[str]:
    """The data files among a hub dataset's ``paths``, in name order: those under
    ``data/<lang>/`` for the language keys ``langs``, or every one under ``data/``.

    >>> hub_data_files(["README.md", "data/python/b.parquet", "data/python/a.parquet",
    ...                 "data/java/a.parquet"], frozenset({"python"}))
    ['data/python/a.parquet', 'data/python/b.parquet']
    """
    def wanted(parts: tuple[str, ...]) -> bool:
        return len(parts) > 2 and parts[0] == "data" and (not langs or parts[1] in langs)

    return sorted(p for p in paths if data_format(Path(p)) and wanted(PurePosixPath(p).parts))


def open_hub(dataset_id: str = DEFAULT_DATASET, *, langs: frozenset[str] = frozenset(),
             limit: int | None = None, defaults: Defaults = Defaults(),
             shard: Shard = WHOLE) -> StackSource:
    """Stream a Stack dataset from the hub: one ``data/<lang>`` folder per language, or all.

    The token is ``HF_TOKEN`` or the one ``huggingface-cli login`` saved. Access is
    checked now, so a refusal surfaces before any indexing starts. A shard lists the
    dataset's data files (:func:`hub_data_files`) and, when there are enough of them,
    streams only its own share, one part per file.
    """
    if not _DATASET_ID.match(dataset_id):
        raise InputError(f"not a Hugging Face dataset id: {dataset_id!r} "
                         f"(expected owner/name, e.g. hf:{DEFAULT_DATASET})")
    from huggingface_hub import get_token

    token = get_token()
    check_hub_access(dataset_id, token)
    return stream_stack(dataset_id, token=token, langs=langs, limit=limit, defaults=defaults, shard=shard,
                        list_files=partial(_hub_files, dataset_id, token))


def stream_stack(dataset: str, *, token: str | None = None, langs: frozenset[str] = frozenset(),
                 limit: int | None = None, defaults: Defaults = Defaults(), shard: Shard = WHOLE,
                 list_files: Callable[[], list[str]] = list) -> StackSource:
    """A Stack dataset streamed by ``datasets.load_dataset(dataset, streaming=True)``: one
    part per ``data/<lang>`` folder, or one for all; a shard streams only its share of
    the data files ``list_files`` names, when there are enough of them. ``dataset`` is a
    hub id (:func:`open_hub` checks access first) or, for tests, a local folder in the
    hub's layout -- ``datasets`` reads both the same way."""
    def fail(label: str, exc: Exception) -> InputError:
        return hub_failure(dataset, f"reading {label} failed ({_one_line(exc)})")

    load = partial(load_datasets().load_dataset, dataset, split="train", streaming=True, token=token)
    # The folders pick the languages; the rows are not filtered again, so a row whose
    # ``lang`` is spelled unlike its folder name is still kept.
    def part(label: str, **where: Any) -> Part:
        return Part(label, partial(dataset_rows, label, partial(load, **where), fail))

    if langs:
        parts = tuple(part(f"{dataset} data/{key}", data_dir=f"data/{key}") for key in sorted(langs))
        description = f"{dataset} on the Hugging Face Hub ({', '.join(sorted(langs))})"
    else:
        parts = (part(dataset),)
        description = f"{dataset} on the Hugging Face Hub (all languages)"
    rows_shard = shard
    if not shard.whole:
        files, rows_shard = shard.split(hub_data_files(list_files(), langs))
        if rows_shard.whole:
            parts = tuple(part(f"{dataset} {file}", data_files=[file]) for file in files)
    return StackSource(description=shard.label(description), parts=parts, limit=limit,
                       defaults=defaults, shard=rows_shard)


def _hub_files(dataset_id: str, token: str | None) -> list[str]:
    """Every file path in the dataset's repository on the hub (one API request)."""
    from huggingface_hub import HfApi

    try:
        return HfApi(token=token).list_repo_files(dataset_id, repo_type="dataset")
    except Exception as exc:  # httpx or requests errors, depending on huggingface_hub
        raise hub_failure(dataset_id, f"listing its files failed ({_one_line(exc)})") from exc
