"""Build corpora of real code with known licenses in The Stack v1.2 parquet schema.

The rows come from pinned packages of the registries (``bench/registries.py``): PyPI
sdists for Python, npm tarballs for JavaScript, Maven Central sources jars for Java, Go
modules, crates for Rust, and Debian source packages for C and C++. Every file of a
package with one of its language's extensions becomes one row, laid out like The Stack
on the hub::

    OUT/data/<language>/train-00000-of-0000N.parquet

Each language (:data:`LANGUAGES`) has packages to index -- permissive, weak-copyleft and
copyleft -- and two groups of held-out packages that are never indexed: ``dev`` for
developing the matcher and ``final`` for the last, untouched evaluation. Downloads are
cached under ``bench/data/`` (git-ignored). Used by the accuracy benchmark
(``bench/accuracy.py``) and to regenerate the bundled sample (``scripts/make_sample.py``).

    python bench/corpus.py --list                            # every pinned package
    python bench/corpus.py --out /tmp/corpus                 # the benchmark's indexed code
    python bench/corpus.py --out /tmp/c --lang Go            # one language
    python bench/corpus.py --out /tmp/c --packages six,idna  # chosen PyPI packages
"""
from __future__ import annotations

import argparse
import email.parser
import fnmatch
import hashlib
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import registries  # noqa: E402

from attrib.files import Limits, git_blob_sha  # noqa: E402  (the blob id and limits the indexer uses)


@dataclass(frozen=True)
class Package:
    name: str  # as the registry names it (Maven: GROUP:ARTIFACT, Go: module path, Debian: source package)
    version: str
    license: str  # SPDX expression as The Stack's max_stars_repo_licenses holds them ("A OR B": both listed)
    ecosystem: str = "pypi"
    repo: str | None = None  # GitHub owner/name where the package does not name it
    exclude: tuple[str, ...] = ()  # globs of paths inside the package that are left out (bundled code)

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def licenses(self) -> list[str]:
        return [x for x in re.split(r"\s+(?:OR|AND)\s+", self.license.strip("()")) if x]


@dataclass(frozen=True)
class Language:
    """A benchmarked language: The Stack's name for it, the extensions of its files, and
    its packages."""

    name: str
    extensions: tuple[str, ...]
    indexed: tuple[Package, ...]
    dev: tuple[Package, ...]  # held out, for development
    final: tuple[Package, ...]  # held out, for the final evaluation only
    excluded_dirs: tuple[str, ...] = field(default=())

    @property
    def folder(self) -> str:
        return self.name.lower()


def _pkgs(ecosystem: str, *specs: tuple) -> tuple[Package, ...]:
    return tuple(Package(*spec[:3], ecosystem, *spec[3:]) for spec in specs)


_MIT_APACHE = "MIT OR Apache-2.0"
_GNULIB = ("lib/*", "gnulib-tests/*", "gl/*")
_BUNDLED = ("third_party/*", "*/third_party/*", "vendor/*", "*/vendor/*", "external/*", "*/external/*",
            "node_modules/*", "*/node_modules/*")

# Pinned packages of Python: pure Python, sdist on PyPI.
PACKAGES: dict[str, Package] = {p.name: p for p in _pkgs("pypi", *[
    # permissive
    ("attrs", "23.2.0", "MIT"),
    ("click", "8.1.7", "BSD-3-Clause"),
    ("six", "1.16.0", "MIT"),
    ("idna", "3.7", "BSD-3-Clause"),
    ("jinja2", "3.1.4", "BSD-3-Clause"),
    ("itsdangerous", "2.2.0", "BSD-3-Clause"),
    ("werkzeug", "3.0.3", "BSD-3-Clause"),
    ("flask", "3.0.3", "BSD-3-Clause"),
    ("requests", "2.31.0", "Apache-2.0"),
    ("urllib3", "2.2.1", "MIT"),
    ("pyparsing", "3.1.2", "MIT"),
    ("tomli", "2.0.1", "MIT"),
    ("pluggy", "1.5.0", "MIT"),
    ("colorama", "0.4.6", "BSD-3-Clause"),
    ("markdown", "3.6", "BSD-3-Clause"),
    ("html5lib", "1.1", "MIT"),
    ("pycparser", "2.22", "BSD-3-Clause"),
    ("ply", "3.11", "BSD-3-Clause", "dabeaz/ply"),
    ("bottle", "0.12.25", "MIT", "bottlepy/bottle"),
    ("more-itertools", "10.2.0", "MIT"),
    ("sortedcontainers", "2.4.0", "Apache-2.0", "grantjenks/python-sortedcontainers"),
    ("toolz", "0.12.1", "BSD-3-Clause"),
    ("decorator", "5.1.1", "BSD-2-Clause"),
    ("jsonschema", "4.21.1", "MIT"),
    ("pyflakes", "3.2.0", "MIT"),
    ("pycodestyle", "2.11.1", "MIT", "PyCQA/pycodestyle"),
    ("isort", "5.13.2", "MIT"),
    ("tabulate", "0.9.0", "MIT"),
    ("docopt", "0.6.2", "MIT", "docopt/docopt"),
    ("sqlparse", "0.5.0", "BSD-3-Clause"),
    ("python-gnupg", "0.5.2", "BSD-3-Clause"),
    ("cachetools", "5.3.3", "MIT"),
    ("mccabe", "0.7.0", "MIT"),
    ("prettytable", "3.9.0", "BSD-3-Clause"),
    ("wcwidth", "0.2.6", "MIT"),
    ("rsa", "4.9", "Apache-2.0"),
    ("pyasn1", "0.5.0", "BSD-2-Clause"),
    ("tqdm", "4.66.1", "MPL-2.0 AND MIT"),
    # copyleft (weak and strong)
    ("chardet", "5.2.0", "LGPL-2.1-or-later"),
    ("paramiko", "3.4.0", "LGPL-2.1-or-later"),
    ("astroid", "3.1.0", "LGPL-2.1-or-later"),
    ("mutagen", "1.47.0", "GPL-2.0-or-later"),
    ("pathspec", "0.12.1", "MPL-2.0"),
])}

BENCH_INDEXED = [
    "attrs", "click", "six", "idna", "chardet", "jinja2", "itsdangerous", "werkzeug",
    "flask", "requests", "urllib3", "tomli", "pluggy", "colorama",
    "markdown", "html5lib", "pycparser", "ply", "bottle", "more-itertools",
    "sortedcontainers", "toolz", "decorator", "jsonschema", "pyflakes", "pycodestyle",
    "isort", "paramiko", "mutagen", "pathspec",
]
# The bundled sample (examples/stack-sample): a few permissive packages and one copyleft.
SAMPLE = ["six", "idna", "itsdangerous", "requests", "chardet"]

LANGUAGES: dict[str, Language] = {lang.name: lang for lang in [
    Language(
        "Python", (".py",),
        indexed=tuple(PACKAGES[n] for n in BENCH_INDEXED),
        dev=tuple(PACKAGES[n] for n in ("tabulate", "docopt", "sqlparse", "prettytable", "wcwidth")),
        final=tuple(PACKAGES[n] for n in ("python-gnupg", "cachetools", "mccabe", "rsa", "pyasn1", "tqdm"))),
    Language(
        "JavaScript", (".js", ".mjs", ".cjs", ".jsx"),
        indexed=_pkgs("npm",
                      ("lodash", "4.17.21", "MIT"), ("underscore", "1.13.6", "MIT"), ("moment", "2.29.4", "MIT"),
                      ("jquery", "3.7.1", "MIT"), ("express", "4.18.2", "MIT"), ("async", "3.2.4", "MIT"),
                      ("handlebars", "4.7.8", "MIT"), ("marked", "4.3.0", "MIT"), ("acorn", "8.10.0", "MIT"),
                      ("esprima", "4.0.1", "BSD-2-Clause"), ("uglify-js", "3.17.4", "BSD-2-Clause"),
                      ("bluebird", "3.7.2", "MIT"), ("commander", "11.0.0", "MIT"), ("yargs", "17.7.2", "MIT"),
                      ("highlight.js", "11.8.0", "BSD-3-Clause"),
                      ("tinymce", "5.10.9", "LGPL-2.1-only"), ("openpgp", "5.10.1", "LGPL-3.0-or-later"),
                      ("ckeditor4", "4.22.1", "GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1")),
        dev=_pkgs("npm", ("chalk", "4.1.2", "MIT"), ("debug", "4.3.4", "MIT"), ("qs", "6.11.2", "BSD-3-Clause"),
                  ("semver", "7.5.4", "ISC"), ("uuid", "9.0.0", "MIT"), ("rxjs", "7.8.1", "Apache-2.0")),
        final=_pkgs("npm", ("minimist", "1.2.8", "MIT"), ("ws", "8.13.0", "MIT"), ("js-yaml", "4.1.0", "MIT"),
                    ("immutable", "4.3.0", "MIT"), ("mime", "3.0.0", "MIT"))),
    Language(
        "Java", (".java",),
        indexed=_pkgs("maven",
                      ("com.google.guava:guava", "32.1.2-jre", "Apache-2.0"),
                      ("org.apache.commons:commons-lang3", "3.13.0", "Apache-2.0"),
                      ("commons-io:commons-io", "2.13.0", "Apache-2.0"),
                      ("org.apache.commons:commons-collections4", "4.4", "Apache-2.0"),
                      ("com.fasterxml.jackson.core:jackson-core", "2.15.2", "Apache-2.0"),
                      ("com.fasterxml.jackson.core:jackson-databind", "2.15.2", "Apache-2.0"),
                      ("com.google.code.gson:gson", "2.10.1", "Apache-2.0"),
                      ("junit:junit", "4.13.2", "EPL-1.0"),
                      ("ch.qos.logback:logback-core", "1.4.11", "EPL-1.0 OR LGPL-2.1-only"),
                      ("org.hibernate:hibernate-core", "5.6.15.Final", "LGPL-2.1-only"),
                      ("org.jfree:jfreechart", "1.5.4", "LGPL-2.1-or-later"),
                      ("com.itextpdf:itextpdf", "5.5.13.3", "AGPL-3.0-only"),
                      ("org.mariadb.jdbc:mariadb-java-client", "3.1.4", "LGPL-2.1-or-later")),
        dev=_pkgs("maven", ("joda-time:joda-time", "2.12.5", "Apache-2.0"), ("org.jsoup:jsoup", "1.16.1", "MIT"),
                  ("org.yaml:snakeyaml", "2.0", "Apache-2.0")),
        final=_pkgs("maven", ("commons-codec:commons-codec", "1.16.0", "Apache-2.0"),
                    ("org.slf4j:slf4j-api", "2.0.7", "MIT"),
                    ("com.github.javaparser:javaparser-core", "3.25.4", "LGPL-3.0-or-later OR Apache-2.0"),
                    ("org.antlr:antlr4-runtime", "4.13.0", "BSD-3-Clause"))),
    Language(
        "Go", (".go",),
        indexed=_pkgs("go",
                      ("github.com/pkg/errors", "v0.9.1", "BSD-2-Clause"),
                      ("github.com/spf13/cobra", "v1.7.0", "Apache-2.0"),
                      ("github.com/gorilla/mux", "v1.8.0", "BSD-3-Clause"),
                      ("github.com/sirupsen/logrus", "v1.9.3", "MIT"),
                      ("github.com/stretchr/testify", "v1.8.4", "MIT"),
                      ("gopkg.in/yaml.v3", "v3.0.1", "MIT AND Apache-2.0", "go-yaml/yaml"),
                      ("github.com/gin-gonic/gin", "v1.9.1", "MIT"),
                      ("github.com/spf13/pflag", "v1.0.5", "BSD-3-Clause"),
                      ("golang.org/x/text", "v0.12.0", "BSD-3-Clause", "golang/text"),
                      ("github.com/prometheus/client_golang", "v1.16.0", "Apache-2.0"),
                      ("github.com/hashicorp/hcl", "v1.0.0", "MPL-2.0"),
                      ("github.com/hashicorp/raft", "v1.5.0", "MPL-2.0"),
                      ("github.com/hashicorp/memberlist", "v0.5.0", "MPL-2.0"),
                      ("github.com/ethereum/go-ethereum", "v1.12.2", "LGPL-3.0-or-later", None, ("cmd/*",))),
        dev=_pkgs("go", ("github.com/google/uuid", "v1.3.1", "BSD-3-Clause"),
                  ("github.com/urfave/cli/v2", "v2.25.7", "MIT", "urfave/cli"),
                  ("github.com/go-chi/chi/v5", "v5.0.10", "MIT", "go-chi/chi")),
        final=_pkgs("go", ("github.com/BurntSushi/toml", "v1.3.2", "MIT"),
                    ("github.com/mitchellh/mapstructure", "v1.5.0", "MIT"),
                    ("github.com/fatih/color", "v1.15.0", "MIT"),
                    ("github.com/hashicorp/go-version", "v1.6.0", "MPL-2.0"),
                    ("github.com/gorilla/websocket", "v1.5.0", "BSD-2-Clause"),
                    ("github.com/json-iterator/go", "v1.1.12", "MIT"))),
    Language(
        "Rust", (".rs",),
        indexed=_pkgs("crates",
                      ("serde", "1.0.188", _MIT_APACHE), ("serde_json", "1.0.105", _MIT_APACHE),
                      ("regex", "1.9.5", _MIT_APACHE), ("regex-syntax", "0.7.5", _MIT_APACHE),
                      ("clap_builder", "4.4.2", _MIT_APACHE), ("tokio", "1.32.0", "MIT"),
                      ("rand", "0.8.5", _MIT_APACHE), ("syn", "2.0.31", _MIT_APACHE),
                      ("hyper", "0.14.27", "MIT"), ("anyhow", "1.0.75", _MIT_APACHE),
                      ("itertools", "0.11.0", _MIT_APACHE), ("nom", "7.1.3", "MIT"),
                      ("chrono", "0.4.30", _MIT_APACHE),
                      ("sequoia-openpgp", "1.16.0", "LGPL-2.0-or-later"),
                      ("cssparser", "0.31.2", "MPL-2.0"), ("selectors", "0.25.0", "MPL-2.0")),
        dev=_pkgs("crates", ("bytes", "1.4.0", "MIT"), ("memchr", "2.6.3", "Unlicense OR MIT"),
                  ("once_cell", "1.18.0", _MIT_APACHE)),
        final=_pkgs("crates", ("semver", "1.0.18", _MIT_APACHE), ("toml_edit", "0.19.14", _MIT_APACHE),
                    ("indexmap", "2.0.0", _MIT_APACHE), ("smallvec", "1.11.0", _MIT_APACHE))),
    Language(
        "C", (".c", ".h"),
        indexed=_pkgs("debian",
                      ("zlib", "1.2.13.dfsg", "Zlib", "madler/zlib"),
                      ("lua5.4", "5.4.4", "MIT", "lua/lua"),
                      ("libyaml", "0.2.5", "MIT", "yaml/libyaml"),
                      ("jansson", "2.14", "MIT", "akheron/jansson"),
                      ("expat", "2.5.0", "MIT", "libexpat/libexpat"),
                      ("curl", "7.88.1", "curl", "curl/curl"),
                      ("sed", "4.9", "GPL-3.0-or-later", "gnu/sed", _GNULIB),
                      ("grep", "3.8", "GPL-3.0-or-later", "gnu/grep", _GNULIB),
                      ("glib2.0", "2.74.6", "LGPL-2.1-or-later", "GNOME/glib"),
                      ("readline", "8.2", "GPL-3.0-or-later", "gnu/readline"),
                      ("libpng1.6", "1.6.39", "Libpng", "glennrp/libpng"),
                      ("nano", "7.2", "GPL-3.0-or-later", "gnu/nano", _GNULIB)),
        dev=_pkgs("debian", ("bzip2", "1.0.8", "bzip2-1.0.6", "libarchive/bzip2"),
                  ("lz4", "1.9.4", "BSD-2-Clause", "lz4/lz4"),
                  ("libuv1", "1.44.2", "MIT", "libuv/libuv")),
        final=_pkgs("debian", ("libsodium", "1.0.18", "ISC", "jedisct1/libsodium"),
                    ("jq", "1.6", "MIT", "jqlang/jq", ("modules/*",)),
                    ("pcre2", "10.42", "BSD-3-Clause", "PCRE2Project/pcre2"),
                    ("libarchive", "3.6.2", "BSD-2-Clause", "libarchive/libarchive"))),
    Language(
        "C++", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".h", ".ipp", ".inl"),
        indexed=_pkgs("debian",
                      ("fmtlib", "9.1.0+ds1", "MIT", "fmtlib/fmt"),
                      ("googletest", "1.12.1", "BSD-3-Clause", "google/googletest"),
                      ("leveldb", "1.23", "BSD-3-Clause", "google/leveldb"),
                      ("yaml-cpp", "0.7.0+dfsg", "MIT", "jbeder/yaml-cpp"),
                      ("tinyxml2", "9.0.0+dfsg", "Zlib", "leethomason/tinyxml2"),
                      ("pugixml", "1.13", "MIT", "zeux/pugixml"),
                      ("re2", "20220601+dfsg", "BSD-3-Clause", "google/re2"),
                      ("snappy", "1.1.9", "BSD-3-Clause", "google/snappy"),
                      ("poppler", "22.12.0", "GPL-2.0-or-later", "freedesktop/poppler"),
                      ("taglib", "1.13", "LGPL-2.1-only OR MPL-1.1", "taglib/taglib"),
                      ("eigen3", "3.4.0", "MPL-2.0", "libeigen/eigen")),
        dev=_pkgs("debian", ("cli11", "2.1.2+ds", "BSD-3-Clause", "CLIUtils/CLI11"),
                  ("libcereal", "1.3.2+dfsg", "BSD-3-Clause", "USCiLab/cereal"),
                  ("double-conversion", "3.2.1", "BSD-3-Clause", "google/double-conversion")),
        final=_pkgs("debian", ("gflags", "2.2.2", "BSD-3-Clause", "gflags/gflags"),
                    ("flatbuffers", "2.0.8+dfsg1", "Apache-2.0", "google/flatbuffers"),
                    ("libjsoncpp", "1.9.5", "MIT", "open-source-parsers/jsoncpp"))),
]}

# The Stack v1.2 column order.
COLUMNS = [
    "hexsha", "size", "ext", "lang",
    "max_stars_repo_path", "max_stars_repo_name", "max_stars_repo_head_hexsha",
    "max_stars_repo_licenses", "max_stars_count",
    "max_stars_repo_stars_event_min_datetime", "max_stars_repo_stars_event_max_datetime",
    "max_issues_repo_path", "max_issues_repo_name", "max_issues_repo_head_hexsha",
    "max_issues_repo_licenses", "max_issues_count",
    "max_issues_repo_issues_event_min_datetime", "max_issues_repo_issues_event_max_datetime",
    "max_forks_repo_path", "max_forks_repo_name", "max_forks_repo_head_hexsha",
    "max_forks_repo_licenses", "max_forks_count",
    "max_forks_repo_forks_event_min_datetime", "max_forks_repo_forks_event_max_datetime",
    "content", "avg_line_length", "max_line_length", "alphanum_fraction",
]


def fetch(pkg: Package) -> Path:
    """The package's archive (downloaded once, then from the cache)."""
    return registries.fetch(pkg.ecosystem, pkg.name, pkg.version)


def members(pkg: Package) -> list[tuple[str, bytes]]:
    """(path inside the package, bytes) of every file of the package."""
    return list(registries.members(fetch(pkg)))


_GITHUB = re.compile(r"https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+)", re.I)


def repo_name(pkg: Package, files: list[tuple[str, bytes]]) -> str:
    """``owner/name`` of the project's GitHub repository: pinned, else from the package's
    metadata (PKG-INFO, package.json, a Go module path on github.com), else
    ``<ecosystem>/<name>``."""
    if pkg.repo:
        return pkg.repo
    if pkg.ecosystem == "go" and pkg.name.startswith("github.com/"):
        return "/".join(pkg.name.split("/")[1:3])
    meta = dict(files).get({"pypi": "PKG-INFO", "npm": "package.json"}.get(pkg.ecosystem, ""))
    urls: list[tuple[int, str]] = []
    if meta and pkg.ecosystem == "pypi":
        msg = email.parser.BytesParser().parsebytes(meta, headersonly=True)
        for value in msg.get_all("Project-URL") or []:
            label, _, url = value.partition(",")
            urls.append((0 if re.search(r"source|repo|code|github", label, re.I) else 1, url.strip()))
        for key in ("Home-page", "Download-URL"):
            if msg.get(key):
                urls.append((2, msg[key].strip()))
    elif meta:
        urls = [(0, u) for u in re.findall(r"github\.com[/:][\w.-]+/[\w.-]+", meta.decode("utf-8", "replace"))]
        urls = [(0, "https://" + u.replace(":", "/", 1)) for _, u in urls]
    for _, url in sorted(urls, key=lambda u: u[0]):
        m = _GITHUB.match(url)
        if m:
            return f"{m.group(1)}/{m.group(2).removesuffix('.git')}"
    return f"{pkg.ecosystem}/{pkg.name.split(':')[-1]}"


def package_rows(pkg: Package, lang: Language, max_bytes: int | None = None,
                 limits: Limits = Limits()) -> list[dict]:
    """One Stack-schema row per file of the package written in ``lang``.

    Binary, over-size and minified files (the indexer would skip them) are left out, and so are
    ``pkg.exclude`` and bundled third-party folders. ``max_bytes`` caps a package: files
    are taken in a fixed pseudo-random order until the cap is reached.
    """
    files = members(pkg)
    repo = repo_name(pkg, files)
    head = hashlib.sha1(pkg.pin.encode()).hexdigest()  # a stand-in commit
    skip = pkg.exclude + _BUNDLED
    rows = []
    for path, data in files:
        if not path.lower().endswith(lang.extensions) or any(fnmatch.fnmatch(path, g) for g in skip):
            continue
        if b"\0" in data or len(data) > limits.max_file_bytes:
            continue
        content = data.decode("utf-8", errors="replace")
        if content.count("\ufffd") > 0.01 * len(content) or \
                max(map(len, content.split("\n"))) > limits.max_line_chars:
            continue
        rows.append(stack_row(content, repo, path, head, pkg.licenses, lang.name))
    rows.sort(key=lambda r: r["max_stars_repo_path"])
    if max_bytes is not None:
        kept, total = [], 0
        for row in sorted(rows, key=lambda r: hashlib.sha1(r["max_stars_repo_path"].encode()).digest()):
            if total + row["size"] > max_bytes and kept:
                continue
            kept.append(row)
            total += row["size"]
        rows = sorted(kept, key=lambda r: r["max_stars_repo_path"])
    return rows


def stack_row(content: str, repo: str, path: str, head: str, licenses: list[str], lang: str = "Python",
              stars: int | None = None) -> dict:
    data = content.encode("utf-8")
    lines = content.splitlines() or [""]
    row = {
        "hexsha": git_blob_sha(data),
        "size": len(data),
        "ext": path.rsplit(".", 1)[-1],
        "lang": lang,
        "content": content,
        "avg_line_length": sum(len(l) for l in lines) / len(lines),
        "max_line_length": max(len(l) for l in lines),
        "alphanum_fraction": (sum(c.isalnum() for c in content) / len(content)) if content else 0.0,
    }
    for kind in ("stars", "issues", "forks"):
        row[f"max_{kind}_repo_path"] = path
        row[f"max_{kind}_repo_name"] = repo
        row[f"max_{kind}_repo_head_hexsha"] = head
        row[f"max_{kind}_repo_licenses"] = list(licenses)
        row[f"max_{kind}_count"] = stars
        row[f"max_{kind}_repo_{kind}_event_min_datetime"] = None
        row[f"max_{kind}_repo_{kind}_event_max_datetime"] = None
    return row


def language_rows(lang: Language, packages: tuple[Package, ...], max_bytes: int | None = None,
                  jobs: int = 3) -> dict[str, list[dict]]:
    """Rows of each package (downloads in parallel), by package name."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(fetch, packages))
    return {p.name: package_rows(p, lang, max_bytes) for p in packages}


def build_rows(names: list[str], jobs: int = 3) -> dict[str, list[dict]]:
    """Rows of each named PyPI package of :data:`PACKAGES`."""
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        raise SystemExit(f"unknown package(s) {', '.join(unknown)}; pinned ones: " + ", ".join(sorted(PACKAGES)))
    return language_rows(LANGUAGES["Python"], tuple(PACKAGES[n] for n in names), jobs=jobs)


def schema():
    import pyarrow as pa

    strlist = pa.list_(pa.string())
    types = {
        "size": pa.int64(), "max_line_length": pa.int64(),
        "avg_line_length": pa.float64(), "alphanum_fraction": pa.float64(),
        "max_stars_count": pa.int64(), "max_issues_count": pa.int64(),
        "max_forks_count": pa.int64(),
        "max_stars_repo_licenses": strlist, "max_issues_repo_licenses": strlist,
        "max_forks_repo_licenses": strlist,
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def write_stack(rows: list[dict], out: Path, lang_dir: str = "python",
                shard_bytes: int = 4 << 20, row_group_rows: int | None = None) -> list[Path]:
    """Write rows as ``out/data/<lang_dir>/train-XXXXX-of-YYYYY.parquet`` (row groups of
    ``row_group_rows`` rows, else one per file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards: list[list[dict]] = [[]]
    size = 0
    for row in rows:
        if shards[-1] and size + row["size"] > shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(row)
        size += row["size"]
    d = Path(out) / "data" / lang_dir
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("train-*.parquet"):
        old.unlink()
    paths = []
    for i, shard in enumerate(shards):
        table = pa.Table.from_pylist(shard, schema=schema())
        path = d / f"train-{i:05d}-of-{len(shards):05d}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=row_group_rows)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="output dir (gets data/<language>/)")
    ap.add_argument("--lang", action="append", choices=list(LANGUAGES),
                    help="a language to build (repeatable; default: every one)")
    ap.add_argument("--packages", help="comma-separated PyPI names from the pinned list (Python only)")
    ap.add_argument("--max-package-mb", type=float, default=1.2, help="cap per package, MB of code")
    ap.add_argument("--shard-mb", type=float, default=4.0, help="content MB per parquet file")
    ap.add_argument("--list", action="store_true", help="print the pinned packages and exit")
    args = ap.parse_args(argv)
    if args.list:
        for lang in LANGUAGES.values():
            for group in ("indexed", "dev", "final"):
                for p in getattr(lang, group):
                    print(f"{lang.name:10} {group:7} {p.ecosystem:6} {p.pin:50} {p.license}")
        return 0
    if args.out is None:
        ap.error("--out is required")
    if args.packages:
        per_lang = {"Python": build_rows([n.strip() for n in args.packages.split(",") if n.strip()])}
    else:
        cap = int(args.max_package_mb * 1e6) if args.max_package_mb else None
        per_lang = {name: language_rows(LANGUAGES[name], LANGUAGES[name].indexed, cap)
                    for name in (args.lang or LANGUAGES)}
    for name, per_pkg in per_lang.items():
        rows = [r for rs in per_pkg.values() for r in rs]
        paths = write_stack(rows, args.out, LANGUAGES[name].folder, shard_bytes=int(args.shard_mb * (1 << 20)))
        for pkg, rs in per_pkg.items():
            print(f"{name:10} {pkg:40} {len(rs):5} files {sum(r['size'] for r in rs) / 1e6:7.2f} MB  "
                  f"{rs[0]['max_stars_repo_name'] if rs else ''}")
        print(f"{name}: {len(rows)} files, {sum(r['size'] for r in rows) / 1e6:.2f} MB -> {len(paths)} parquet "
              f"file(s) under {args.out / 'data' / LANGUAGES[name].folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
