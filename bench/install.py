"""What installing attrib costs: size on disk and time, for the core and with extras.

Builds a wheel from this tree, then for each set of extras makes a fresh virtual
environment and times ``pip install WHEEL[extras]`` (pip's cache as it is: run twice to
see a warm cache) and measures the environment's ``site-packages`` (``du``) and how many
distributions it holds. ``stack,elastic`` is what the core was before the extras split.

    python bench/install.py [--extras "" stack,elastic web model] [--no-cache]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def build_wheel(work: Path) -> Path:
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("attrib", "cli", "indexer"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(src)], check=True)
    return next(work.glob("attrib-*.whl"))


def measure(wheel: Path, extras: str, work: Path, no_cache: bool) -> dict:
    venv = work / f"venv-{extras or 'core'}".replace(",", "-")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *(["--no-cache-dir"] if no_cache else [])]
    started = time.perf_counter()
    subprocess.run([*pip, f"{wheel}[{extras}]" if extras else str(wheel)], check=True)
    seconds = time.perf_counter() - started
    [site] = (venv / "lib").glob("python3*/site-packages")
    size = int(subprocess.run(["du", "-sk", str(site)], capture_output=True, text=True, check=True).stdout.split()[0])
    dists = len(list(site.glob("*.dist-info")))
    largest = subprocess.run(f"du -sk {site}/* | sort -n | tail -5", shell=True, capture_output=True, text=True)
    return {"extras": extras or "(core)", "seconds": round(seconds, 1), "mb": round(size / 1024, 1),
            "distributions": dists, "largest": [line.split("/")[-1] + f" {int(line.split()[0]) // 1024} MB"
                                                for line in largest.stdout.splitlines()[::-1]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extras", nargs="*", default=["", "stack,elastic", "web"])
    parser.add_argument("--no-cache", action="store_true", help="download everything (pip --no-cache-dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = build_wheel(work)
        rows = [measure(wheel, extras, work, args.no_cache) for extras in args.extras]
    print(f"{'extras':16} {'install s':>9} {'MB':>8} {'dists':>6}  largest")
    for r in rows:
        print(f"{r['extras']:16} {r['seconds']:9.1f} {r['mb']:8.1f} {r['distributions']:6}  {', '.join(r['largest'])}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "install.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
