"""Download pinned packages from the registries, through their ordinary clients.

One function per ecosystem, each returning the package's source archive in the cache
(``bench/data/registry/``, git-ignored; PyPI sdists stay in ``bench/data/sdists/``):

==========  =====================================================================
pypi        ``pip download --no-deps --no-binary NAME NAME==VERSION`` (the sdist)
npm         ``npm pack NAME@VERSION`` (the published tarball)
maven       ``GROUP:ARTIFACT``'s ``-sources.jar`` from Maven Central, checked
            against the ``.sha1`` Maven publishes beside it
go          ``go mod download -json MODULE@VERSION`` (the module zip, verified by the
            go command against sum.golang.org)
crates      ``NAME-VERSION.crate`` from static.crates.io, where cargo fetches it
debian      the upstream tarball of a Debian source package
            (``pool/main/.../SRC_VERSION.orig.tar.*``), what ``apt-get source`` fetches
==========  =====================================================================

:func:`members` reads any of them as (path inside the package, bytes) pairs.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "registry"
SDISTS = HERE / "data" / "sdists"
USER_AGENT = "attrib-bench/0.1 (accuracy benchmark corpus; https://github.com/)"
ARCHIVES = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".jar", ".crate")


class FetchError(RuntimeError):
    """A package could not be downloaded."""


def fetch(ecosystem: str, name: str, version: str) -> Path:
    """The archive of ``name`` ``version`` from ``ecosystem``, downloaded once."""
    try:
        fetcher = _FETCHERS[ecosystem]
    except KeyError:
        raise FetchError(f"unknown ecosystem {ecosystem!r}; known: {', '.join(_FETCHERS)}") from None
    return fetcher(name, version)


def _cached(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    found = sorted(f for f in folder.iterdir() if f.name.endswith(ARCHIVES) and not f.name.startswith("."))
    return found[0] if found else None


def _slug(name: str) -> str:
    return name.replace("/", "_").replace(":", "_").replace("@", "")


def _download(url: str, dest: Path, attempts: int = 3) -> None:
    """``url`` to ``dest`` (written atomically), retried on transient failures."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name("." + dest.name + ".part")
    for attempt in range(attempts):
        try:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(request, timeout=120) as resp, open(tmp, "wb") as out:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
            tmp.replace(dest)
            return
        except urllib.error.HTTPError as e:
            if e.code == 404 or attempt == attempts - 1:
                raise FetchError(f"GET {url}: HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            if attempt == attempts - 1:
                raise FetchError(f"GET {url}: {e}") from None
        time.sleep(2 * (attempt + 1))


def _text(url: str) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.read().decode()
    except (urllib.error.URLError, OSError) as e:
        raise FetchError(f"GET {url}: {e}") from None


def _once(dest: Path, get) -> Path:
    """The archive cached in ``dest``, or ``get(dest)`` (which fetches it there) the first time."""
    found = _cached(dest)
    if found:
        return found
    dest.mkdir(parents=True, exist_ok=True)
    return get(dest)


def pypi(name: str, version: str) -> Path:
    def get(dest: Path) -> Path:
        # --no-binary for the package only: build requirements may come as wheels (fast).
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
               "--no-binary", name, f"{name}=={version}", "-d", str(dest)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if not _cached(dest):
            # Old setup.py files import pkg_resources, which new setuptools dropped: pip
            # only gets the sdist after preparing its metadata, so retry with an older one.
            constraints = dest / "build-constraints.txt"
            constraints.write_text("setuptools<70\n")
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  env=dict(os.environ, PIP_CONSTRAINT=str(constraints)))
        return _fetched(dest, f"pip download {name}=={version}", proc)
    return _once(SDISTS / f"{name}-{version}", get)


def npm(name: str, version: str) -> Path:
    def get(dest: Path) -> Path:
        proc = subprocess.run(["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(dest)],
                              capture_output=True, text=True, cwd=dest)
        return _fetched(dest, f"npm pack {name}@{version}", proc)
    return _once(CACHE / "npm" / f"{_slug(name)}-{version}", get)


def maven(coordinate: str, version: str) -> Path:
    group, _, artifact = coordinate.partition(":")

    def get(dest: Path) -> Path:
        url = f"https://repo1.maven.org/maven2/{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}-sources.jar"  # noqa: E501
        jar = dest / f"{artifact}-{version}-sources.jar"
        _download(url, jar)
        want = _text(url + ".sha1").split()[0].strip()
        got = hashlib.sha1(jar.read_bytes()).hexdigest()
        if got != want:
            jar.unlink()
            raise FetchError(f"{url}: sha1 {got} does not match the published {want}")
        return jar
    return _once(CACHE / "maven" / f"{_slug(coordinate)}-{version}", get)


def go(module: str, version: str) -> Path:
    def get(dest: Path) -> Path:
        env = dict(os.environ, GOMODCACHE=str(CACHE / "go" / "modcache"), GOFLAGS="-modcacherw",
                   GOTOOLCHAIN="local", GO111MODULE="on")
        proc = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], capture_output=True,
                              text=True, env=env, cwd=CACHE)
        try:
            info = json.loads(proc.stdout)
        except ValueError:
            info = {}
        if proc.returncode != 0 or not info.get("Zip"):
            raise FetchError(f"go mod download {module}@{version} failed:\n"
                             f"{(info.get('Error') or proc.stderr)[-2000:]}")
        target = dest / f"{_slug(module)}-{version}.zip"
        target.write_bytes(Path(info["Zip"]).read_bytes())
        return target
    return _once(CACHE / "go" / f"{_slug(module)}-{version}", get)


def crates(name: str, version: str) -> Path:
    def get(dest: Path) -> Path:
        target = dest / f"{name}-{version}.crate"
        _download(f"https://static.crates.io/crates/{name}/{name}-{version}.crate", target)
        return target
    return _once(CACHE / "crates" / f"{name}-{version}", get)


def debian(source: str, upstream: str) -> Path:
    prefix = source[:4] if source.startswith("lib") else source[0]

    def get(dest: Path) -> Path:
        errors = []
        for ext in ("xz", "gz", "bz2"):
            name = f"{source}_{upstream}.orig.tar.{ext}"
            try:
                _download(f"https://deb.debian.org/debian/pool/main/{prefix}/{source}/{name}", dest / name)
                return dest / name
            except FetchError as e:
                errors.append(str(e))
        raise FetchError(f"no upstream tarball for Debian source {source} {upstream}: {'; '.join(errors)}")
    return _once(CACHE / "debian" / f"{source}-{upstream}", get)


def _fetched(dest: Path, what: str, proc: subprocess.CompletedProcess) -> Path:
    found = _cached(dest)
    if not found:
        raise FetchError(f"{what} failed:\n{proc.stderr[-2000:]}")
    return found


_FETCHERS = {"pypi": pypi, "npm": npm, "maven": maven, "go": go, "crates": crates, "debian": debian}


def members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every regular file of an archive, paths relative to its one top
    folder when it has one (``package/``, ``name-version/``, ``module@version/``)."""
    entries = list(_raw_members(archive))
    tops = {p.split("/", 1)[0] for p, _ in entries}
    strip = len(tops) == 1 and all("/" in p for p, _ in entries)
    for path, data in entries:
        yield (path.split("/", 1)[1] if strip else path), data


def _raw_members(archive: Path) -> Iterator[tuple[str, bytes]]:
    if archive.name.endswith((".zip", ".jar")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)
        return
    with tarfile.open(archive) as tf:
        for m in tf.getmembers():
            if m.isfile():
                fh = tf.extractfile(m)
                if fh is not None:
                    yield m.name.removeprefix("./"), fh.read()
