"""The standing bad-input suite of the store, indexer and server side: a generated table
of cases over ``index``, ``scan``, ``stats``, ``serve`` and the store errors of
``check`` and ``generate``.

Every case asserts the same things:

* the exit code is one the case allows, always within {0, 1, 2}, and an exit 2 comes
  with one ``error:`` line -- never a traceback, never the last-resort "a bug in attrib"
  line;
* no hang: in-process cases run under a ``SIGALRM`` limit, and the cases that could
  block in a system call or crash natively (FIFOs, devices, deep rows) run the real CLI
  in a subprocess with a timeout;
* the store is unchanged, byte for byte, after a read command (scan, stats, serve,
  check, generate) and after any command that fails;
* nothing is written outside what the command may write (the whole work folder is
  listed before and after), and nothing from outside the input tree -- a secret that
  links point to -- reaches the output or the index.

The classes (see ``CASES``): every kind of unusable store (missing, a folder, tiny and
foreign files, 25 kinds of damage, URLs with credentials or unknown schemes, an
unreachable Elasticsearch) under every command; sources that lead out of the tree or
cannot be read as files (links, FIFOs, sockets, devices); dataset files that are too
deep, too large, not rows, or damaged; scan inputs of the same kinds; and the server's
own bad options (a busy port, an unknown host, an empty index).
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from edges import (DAMAGE, IS_ROOT, ROOT, SAMPLE, SNIPPET, assert_clean, copy_store, invoke, marker, run_cli,
                   store_files)
from test_cli import git

TINY = ROOT / "examples" / "tiny-starcoder"
SECRET = marker()
CODE = "def scale(values, factor):\n    out = [v * factor for v in values]\n    return out\n"


# --------------------------------------------------------------------------- the world the cases run in


@dataclass
class World:
    root: Path
    busy_port: int

    def __getitem__(self, name: str) -> Path:
        return self.root / name


def build_world(root: Path) -> World:
    """Stores, inputs, a git repository and secrets outside everything, made once."""
    from attrib.store import open_store
    from attrib.indexer import pipeline
    from attrib.indexer.sources import open_source

    (root / "stores").mkdir(parents=True)
    good = root / "stores" / "good.db"
    with open_store(str(good), mode="create") as store:
        pipeline.run(open_source(str(SAMPLE)), store)
    empty = root / "stores" / "empty-index.db"
    open_store(str(empty), mode="create").close()
    stores = root / "stores"
    (stores / "zero.db").write_bytes(b"")
    (stores / "one-byte.db").write_bytes(b"x")
    (stores / "text.db").write_text("these are my notes, not an index\n")
    (stores / "random.db").write_bytes(os.urandom(4096))
    (stores / "header-only.db").write_bytes(b"SQLite format 3\0" + b"\0" * 84)
    (stores / "a-folder.db").mkdir()
    (stores / "file.txt").write_text("x\n")
    db = sqlite3.connect(stores / "foreign.db")
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.commit()
    db.close()
    db = sqlite3.connect(stores / "no-tables.db")
    db.execute("CREATE TABLE t (x)")
    db.execute("DROP TABLE t")
    db.commit()
    db.close()
    for name, damage in DAMAGE.items():
        damage(copy_store(good, stores / f"damaged-{name}.db"))

    outside = root / "outside"  # secrets the inputs link to
    (outside / "lib").mkdir(parents=True)
    (outside / "id_rsa").write_text(f"{SECRET} = 'private key'\n")
    (outside / "lib" / "helpers.py").write_text(f"{SECRET}_lib = 'private'\n")

    inputs = root / "in"
    inputs.mkdir()
    (inputs / "code.py").write_text(CODE)
    (inputs / "with space [x].py").write_text(CODE.replace("scale", "scale2"))
    tree = inputs / "tree"  # a plain directory with everything that must not be read
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "good.py").write_text(CODE.replace("scale", "scale3"))
    os.symlink(outside / "id_rsa", tree / "src" / "app.py")
    os.symlink(outside / "lib", tree / "lib")
    os.symlink(outside / "nowhere", tree / "src" / "dangling.py")
    os.mkfifo(tree / "src" / "pipe.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "src" / "sock.py"))
    sock.close()
    if IS_ROOT:
        os.mknod(tree / "src" / "zero.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    repo = inputs / "repo"  # a git work tree whose tracked files were replaced
    (repo / "src").mkdir(parents=True)
    (repo / "lib").mkdir()
    for rel in ("src/good.py", "src/app.py", "src/pipe.py", "lib/helpers.py"):
        (repo / rel).write_text(CODE.replace("scale", rel.replace("/", "_").replace(".", "_")))
    shutil.copy(SNIPPET, repo / "src" / "copied.py")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "code")
    (repo / "src" / "app.py").unlink()
    os.symlink(outside / "id_rsa", repo / "src" / "app.py")
    (repo / "src" / "pipe.py").unlink()
    os.mkfifo(repo / "src" / "pipe.py")
    shutil.rmtree(repo / "lib")
    os.symlink(outside / "lib", repo / "lib")
    for name in ("pipe", "pipe.py", "rows.jsonl", "data.parquet"):
        os.mkfifo(inputs / name)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(inputs / "socket.py"))
    sock.close()
    (inputs / "empty-dir").mkdir()
    (inputs / "no-code").mkdir()
    (inputs / "no-code" / "notes.txt").write_text("hello\n")

    data = inputs / "data"
    data.mkdir()
    for name, lines in DATA_FILES.items():
        write_lines(data / name, lines)
    (data / "rows.json").write_bytes(b"[" + row() + b"," + nested(20_000) + b"]")
    (data / "items.json").write_bytes(b"[" + row() + b", 5]")
    (data / "truncated.jsonl.gz").write_bytes(gzip.compress(b"\n".join([row()] * 3000))[:2000])
    (data / "plain.jsonl.gz").write_bytes(b"not gzip at all\n" * 50)
    (data / "empty.jsonl.gz").write_bytes(b"")
    sample = next((SAMPLE / "data").rglob("*.parquet")).read_bytes()
    (data / "truncated.parquet").write_bytes(sample[: len(sample) // 2])
    damaged = bytearray(sample)
    damaged[100: len(damaged) // 2] = b"\xab" * (len(damaged) // 2 - 100)
    (data / "damaged.parquet").write_bytes(bytes(damaged))
    pq.write_table(pa.table({"text": ["x = 1\n"]}), data / "no-content.parquet")
    deep = pa.string()
    for _ in range(80):
        deep = pa.list_(deep)
    pq.write_table(pa.table({"content": ["x = 1\n"], "meta": pa.array([None], type=deep)}), data / "deep.parquet")
    pq.write_table(pa.table({"content": pa.array([1, 2], type=pa.int64())}), data / "int-content.parquet")

    hostile = root / "stores" / "hostile.db"
    with open_store(str(hostile), mode="create") as store:
        for name in ("markup-names.jsonl", "control-names.jsonl"):
            pipeline.run(open_source(str(data / name)), store)

    check_repo = inputs / "check-repo"  # a repository to check: it copies the sample's LGPL code
    check_repo.mkdir()
    shutil.copy(SNIPPET, check_repo / "snippet.py")
    git(check_repo, "init", "-q")
    git(check_repo, "add", "-A")
    git(check_repo, "commit", "-q", "-m", "copy")

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    world = World(root, busy.getsockname()[1])
    world.busy = busy  # type: ignore[attr-defined] -- kept open for the module
    return world


def row(**extra) -> bytes:
    return json.dumps({"content": CODE, "max_stars_repo_name": "me/rows", "max_stars_repo_path": "rows.py",
                       "lang": "Python", **extra}).encode()


def nested(depth: int) -> bytes:
    return b'{"content": "x = 1\\n", "meta": ' + b"[" * depth + b"]" * depth + b"}"


def write_lines(path: Path, lines: list[bytes]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


#: Stack-schema files that are bad in one way each: name -> lines.
DATA_FILES: dict[str, list[bytes]] = {
    "deep-20000.jsonl": [row(), nested(20_000)],
    "deep-20000.jsonl.gz": [row(), nested(20_000)],
    "deep-65.jsonl": [nested(65), row()],
    "long-line.jsonl": [row(content="x = 1\n" * 1_200_000), row()],
    "invalid.jsonl": [row(), b"{not json"],
    "an-array.jsonl": [b"[1, 2, 3]"],
    "a-string.jsonl": [b'"text"'],
    "a-number.jsonl": [b"42"],
    "null-row.jsonl": [b"null"],
    "not-utf8.jsonl": [b"\xff\xfe{}"],
    "bom.jsonl": [b"\xef\xbb\xbf" + row()],
    "no-content.jsonl": [b'{"text": "x"}'],
    "content-null.jsonl": [b'{"content": null}', row()],
    "content-number.jsonl": [b'{"content": 5}', row()],
    "content-list.jsonl": [b'{"content": ["a", "b"]}'],
    "content-nul.jsonl": [row(content="x = 1\x00\n")],
    "content-surrogate.jsonl": [b'{"content": "x = \\"\\ud800\\"\\n", "lang": "Python"}'],
    "markup-names.jsonl": [row(max_stars_repo_name="evil/[/red]x", max_stars_repo_path="[bold]p[/].py")],
    "control-names.jsonl": [row(max_stars_repo_name="evil/\x1b[2Jx", max_stars_repo_path="a\x07\r.py")],
    "odd-types.jsonl": [row(max_stars_repo_name=5, max_stars_repo_licenses={"a": 1}, max_stars_count="many",
                            lang=["Python"])],
    "spoofed-hexsha.jsonl": [row(hexsha="0" * 40), row(content="y = 2\n", hexsha="0" * 40)],
    "huge-stars.jsonl": [row(max_stars_count=10 ** 30), row(content="z = 3\n", max_stars_count=float("inf"))],
    "blank-lines.jsonl": [b"", b"   ", b""],
    "empty.jsonl": [],
}


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One bad input: the arguments (given the world), what exit codes are right, what
    the output must say, which store it uses and whether it may change it."""

    name: str
    args: Callable[[World], list]
    codes: tuple[int, ...] = (2,)
    says: str | None = None
    store: str = "good.db"
    writes: bool = False  # the command may change the store when it succeeds
    process: bool = False  # run the real CLI in a subprocess (blocking calls, native crashes)


STORE_VARIANTS: dict[str, tuple[str, str | None]] = {
    # name -> (store path under stores/ or a URL, what the error says)
    "missing": ("missing.db", "no index at"),
    "missing-folder": ("no/such/folder/x.db", "no index at"),
    "a-folder": ("a-folder.db", "directory"),
    "under-a-file": ("file.txt/x.db", "file.txt"),
    "zero-bytes": ("zero.db", "empty file"),
    "one-byte": ("one-byte.db", "not an attrib index"),
    "text": ("text.db", "not an attrib index"),
    "random": ("random.db", "not an attrib index"),
    "header-only": ("header-only.db", None),
    "foreign-sqlite": ("foreign.db", "not an attrib index"),
    "no-tables": ("no-tables.db", "not an attrib index"),
    **{f"damaged-{name}": (f"damaged-{name}.db", None) for name in DAMAGE},
    "url-ftp-credentials": (f"ftp://user:{SECRET}@host/x.db", "unknown store URL scheme"),
    "url-sqlite-credentials": (f"sqlite://user:{SECRET}@host/x.db", "bad store URL"),
    "url-sqlite-relative": ("sqlite://relative.db", "bad store URL"),
    "url-unknown-scheme": (f"mysql://root:{SECRET}@db/attrib", "unknown store URL scheme"),
    "url-elastic-unreachable": (f"http://user:{SECRET}@127.0.0.1:1/idx", None),
}

READ_COMMANDS: dict[str, Callable[[World], list]] = {
    "scan": lambda w: ["scan", SNIPPET],
    "scan-json": lambda w: ["scan", SNIPPET, "--format", "json"],
    "stats": lambda w: ["stats"],
    "stats-json": lambda w: ["stats", "--format", "json"],
    "serve": lambda w: ["serve", "--port", "0"],
    "check": lambda w: ["check", "--all", "-C", w["in/check-repo"]],
    "generate": lambda w: ["generate", "-m", TINY, "-p", "import os\n", "-n", "4"],
}


def store_arg(variant: str) -> Callable[[World], str]:
    where = STORE_VARIANTS[variant][0]
    return lambda w: where if "://" in where else str(w["stores"] / where)


NEW_STORES = ("missing", "missing-folder", "zero-bytes")
"""Where ``attrib index`` makes a new index (``create``); every other variant refuses it."""


def store_cases() -> list[Case]:
    cases = []
    for variant, (_, says) in STORE_VARIANTS.items():
        damaged = variant.startswith("damaged-")
        commands = {**READ_COMMANDS, "index": lambda w: ["index", w["in/code.py"]]}
        if damaged:  # the store might open: a busy port, so no server starts
            commands["serve"] = lambda w: ["serve", "--port", w.busy_port]
        for command, args in commands.items():
            codes, expected = (2,), says
            if damaged:  # a damage a command never reads is no error for it
                codes, expected = ((0, 1, 2) if command == "check" else (0, 2)), None
            elif command == "index" and variant in NEW_STORES:
                codes, expected = (0,), None
            cases.append(Case(f"store-{variant}-{command}",
                              lambda w, args=args, at=store_arg(variant): ["--store", at(w), *args(w)],
                              codes=codes, says=expected, store=STORE_VARIANTS[variant][0],
                              writes=command == "index"))
    return cases


def index_cases() -> list[Case]:
    """Sources that lead out of the tree, are not files, or are bad data; indexed into a
    copy of the good store (``writes``: a success may add to it, a failure may not)."""
    def into(*paths: str, extra: tuple = ()) -> Callable[[World], list]:
        return lambda w: ["--store", w["stores/good.db"], "index", *(w[p] for p in paths), *extra]

    cases = [
        Case("index-tree-with-links-fifos-sockets", into("in/tree"), (0,), "Skipped", writes=True, process=True),
        Case("index-git-tree-with-replaced-files", into("in/repo"), (0,), "outside-tree", writes=True,
             process=True),
        Case("index-missing-path", into("in/nowhere"), (2,), "no such file"),
        Case("index-empty-dir", into("in/empty-dir"), (2,), "nothing was indexed"),
        Case("index-no-code", into("in/no-code"), (2,), "nothing was indexed"),
        Case("index-socket", into("in/socket.py"), (2,), "socket"),
        Case("index-file-with-markup-name", into("in/with space [x].py"), (0,), writes=True),
        Case("index-a-file-and-a-missing-one", into("in/code.py", "in/nowhere"), (2,), "no such file"),
        Case("index-max-file-size-tiny", into("in/code.py", extra=("--max-file-size", "10")), (2,), "too-large"),
        Case("index-max-line-length-tiny", into("in/code.py", extra=("--max-line-length", "5")), (2,),
             "long-lines"),
        Case("index-limit-zero", into("in/code.py", extra=("--limit", "0")), (2,), "--limit"),
        Case("index-workers-zero", into("in/code.py", extra=("--workers", "0")), (2,), "--workers"),
        Case("index-bad-shard", into("in/code.py", extra=("--shard", "3/2")), (2,), "shard"),
        Case("index-hub-bad-id", lambda w: ["--store", w["stores/good.db"], "index", "hf:../../etc"], (2,),
             "not a Hugging Face dataset id"),
    ]
    for name in ("pipe", "pipe.py", "rows.jsonl", "data.parquet"):
        cases.append(Case(f"index-fifo-{name}", into(f"in/{name}"), (2,), "FIFO", process=True))
    for device in ("/dev/zero", "/dev/null", "/dev/urandom", "/dev/full"):
        cases.append(Case(f"index-device-{device}", lambda w, d=device: ["--store", w["stores/good.db"], "index", d],
                          (2,), "character device", process=True))
    for name in DATA_FILES:
        risky = "deep-20000" in name or "long-line" in name
        cases.append(Case(f"index-data-{name}", into(f"in/data/{name}"), (0, 2), writes=True, process=risky))
    for name, says in (("rows.json", "deeper"), ("items.json", "not an object"), ("truncated.jsonl.gz", "gz"),
                       ("plain.jsonl.gz", "gz"), ("empty.jsonl.gz", "nothing was indexed"),
                       ("truncated.parquet", "truncated.parquet"), ("damaged.parquet", "damaged.parquet"),
                       ("no-content.parquet", "content"), ("deep.parquet", "nest"),
                       ("int-content.parquet", "nothing was indexed")):
        cases.append(Case(f"index-data-{name}", into(f"in/data/{name}"), (2,), says, writes=True,
                          process=name.endswith(".parquet")))
    # Each data file into a new store path: a failed first run leaves nothing behind.
    for name in ("invalid.jsonl", "an-array.jsonl", "no-content.jsonl", "blank-lines.jsonl"):
        cases.append(Case(f"index-new-store-{name}",
                          lambda w, n=name: ["--store", w["stores"] / f"new-{n}.db", "index", w[f"in/data/{n}"]],
                          (2,), store=f"new-{name}.db"))
    return cases


def scan_cases() -> list[Case]:
    def scan(*paths: str, extra: tuple = ()) -> Callable[[World], list]:
        return lambda w: ["--store", w["stores/good.db"], "scan", *(w[p] for p in paths), *extra]

    cases = [
        Case("scan-tree-with-links-fifos-sockets", scan("in/tree", extra=("--format", "json")), (0,), "skipped",
             process=True),
        Case("scan-git-tree-with-replaced-files", scan("in/repo", extra=("--format", "json")), (0,), "skipped",
             process=True),
        Case("scan-socket", scan("in/socket.py"), (2,), "socket"),
        Case("scan-empty-dir", scan("in/empty-dir"), (2,), "no source files"),
        Case("scan-missing", scan("in/nowhere.py"), (2,), "no such file"),
        Case("scan-lang-unknown", scan("in/code.py", extra=("--lang", "Klingon")), (0, 2)),
        Case("scan-stdin-empty", lambda w: ["--store", w["stores/good.db"], "scan", "-", "--lang", "Python"], (2,),
             "empty"),
    ]
    for name in ("pipe", "pipe.py"):
        cases.append(Case(f"scan-fifo-{name}", scan(f"in/{name}"), (2,), "FIFO", process=True))
    for device in ("/dev/zero", "/dev/null", "/dev/urandom"):
        cases.append(Case(f"scan-device-{device}", lambda w, d=device: ["--store", w["stores/good.db"], "scan", d],
                          (2,), "character device", process=True))
    return cases


def serve_cases() -> list[Case]:
    def serve(*extra, store: str = "good.db") -> Callable[[World], list]:
        return lambda w: ["--store", w["stores"] / store, "serve", *[e(w) if callable(e) else e for e in extra]]

    return [
        Case("serve-busy-port", serve("--port", lambda w: w.busy_port), (2,), "in use"),
        Case("serve-unknown-host", serve("--host", "no.such.host.invalid", "--port", "0"), (2,), "unknown host"),
        Case("serve-address-not-here", serve("--host", "192.0.2.1", "--port", "0"), (2,), "no such address"),
        Case("serve-empty-index", serve("--port", "0", store="empty-index.db"), (2,), "empty",
             store="empty-index.db"),
        Case("generate-empty-index", lambda w: ["--store", w["stores/empty-index.db"], "generate", "-m", TINY, "-p",
                                                "import os\n", "-n", "4", "--on-match", "block"], (2,), "empty",
             store="empty-index.db"),
        Case("serve-port-out-of-range", serve("--port", "70000"), (2,), "70000"),
        Case("serve-max-bytes-too-small", serve("--max-bytes", "10", "--port", "0"), (2,), "--max-bytes"),
        Case("serve-timeout-zero", serve("--timeout", "0", "--port", "0"), (2,), "--timeout"),
    ]


def stats_cases() -> list[Case]:
    def on(store: str, *args) -> Callable[[World], list]:
        return lambda w: ["--store", w["stores"] / store, *[a(w) if callable(a) else a for a in args]]

    return [
        Case("stats-format-xml", on("good.db", "stats", "--format", "xml"), (2,), "xml"),
        Case("stats-empty-index", on("empty-index.db", "stats", "--format", "json"), (0,), store="empty-index.db"),
        Case("stats-empty-index-text", on("empty-index.db", "stats"), (0,), store="empty-index.db"),
        # An index whose repository and path names hold rich markup and terminal controls.
        Case("stats-hostile-names", on("hostile.db", "stats"), (0,), "evil", store="hostile.db"),
        Case("stats-hostile-names-json", on("hostile.db", "stats", "--format", "json"), (0,), "evil",
             store="hostile.db"),
        Case("scan-hostile-names", on("hostile.db", "scan", lambda w: w["in/data/markup-names.jsonl"], "--lang",
                                      "Python"), (0,), store="hostile.db"),
        Case("serve-hostile-names", on("hostile.db", "serve", "--port", lambda w: w.busy_port), (2,), "in use",
             store="hostile.db"),
        Case("index-into-hostile-names", on("hostile.db", "index", lambda w: w["in/data/markup-names.jsonl"]), (0,),
             "already indexed", store="hostile.db", writes=True),
    ]


CASES = store_cases() + index_cases() + scan_cases() + serve_cases() + stats_cases()


# --------------------------------------------------------------------------- running them


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    w = build_world(tmp_path_factory.mktemp("matrix"))
    yield w
    w.busy.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def matrix_env(env) -> dict:
    return {**env, "ATTRIB_ES_RETRY_SECONDS": "0.2", "HF_HUB_OFFLINE": "1"}


def listing(root: Path) -> dict[str, int]:
    """Every file under ``root`` with its size (FIFOs, sockets, devices and links: -1),
    leaving out SQLite's shared-memory and empty log files and git's own bookkeeping."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            p = Path(folder, name)
            st = p.lstat()
            if name.endswith("-shm") or (name.endswith("-wal") and st.st_size == 0):
                continue
            out[str(p.relative_to(root))] = st.st_size if stat.S_ISREG(st.st_mode) else -1
    return out


def test_there_are_enough_cases():
    assert len(CASES) >= 250 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, world: World, matrix_env, monkeypatch, tmp_path):
    args = [str(a) for a in case.args(world)]
    store = None if "://" in case.store else world["stores"] / case.store
    if store is not None and case.writes and not store.parent.is_file() and not store.is_dir():
        private = tmp_path / "store" / case.store  # a private copy (or place) to write to
        (tmp_path / "store").mkdir()
        if store.exists():
            copy_store(store, private)
        args = [a.replace(str(store), str(private)) for a in args]
        store = private
    before = store_files(store) if store is not None and store.is_file() else None
    files_before = listing(world.root)
    if case.process:
        done = run_cli(args, env=matrix_env, timeout=120, cwd=tmp_path)
        code, text, escaped = done.returncode, done.stdout + done.stderr, None
    else:
        for key in ("ATTRIB_ES_RETRY_SECONDS", "HF_HUB_OFFLINE"):
            monkeypatch.setenv(key, matrix_env[key])
        monkeypatch.delenv("ATTRIB_STORE", raising=False)
        monkeypatch.setenv("XDG_DATA_HOME", matrix_env["XDG_DATA_HOME"])
        r = invoke(args, seconds=120, cwd=tmp_path)
        code, text, escaped = r.code, r.text, r.exception
    assert_clean(code, text, escaped, allowed=case.codes)
    if case.says:
        assert case.says.lower() in text.lower(), text
    assert SECRET not in text, "nothing from outside the tree, and no credential, is shown"
    if before is not None and not (case.writes and code == 0):
        assert store_files(store) == before, "the store is unchanged"
    if store is not None and before is None and code != 0:
        assert not store.is_file() or store.stat().st_size == 0, "a failed command leaves no new store behind"
    if store is not None and store.is_file() and case.writes:
        assert not any(SECRET in text for text in stored_texts(store)), "nothing from outside reaches the index"
    assert listing(world.root) == files_before, "nothing is written outside the store"


def stored_texts(store: Path) -> list[str]:
    import zlib

    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    texts = []
    try:
        for (blob,) in db.execute("SELECT content FROM files"):
            try:
                texts.append(zlib.decompress(blob).decode("utf-8", "replace"))
            except (zlib.error, TypeError):
                texts.append(repr(blob))  # a damaged store's own damage
    except sqlite3.Error:
        pass
    finally:
        db.close()
    return texts
