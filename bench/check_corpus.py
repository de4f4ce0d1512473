"""Benchmark: ``pgmig check`` on a large corpus against squawk, in the same run.

    python bench/check_corpus.py [DIR] [--files N] [--projects P] [--runs K]

Without DIR, a corpus of N (default 2,500) realistic dbmate migrations is generated in a temp
directory: one history, or with ``--projects P`` spread over P projects (each its own history,
like a corpus of real repositories). Each tool runs as a whole process (start-up included), K times; the medians and the
ratios to squawk are printed, with peak memory (max RSS) of each.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.corpus import parse_floor, write_corpus, write_projects


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one run of ``command``."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource,subprocess,sys,json;"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(json.dumps(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))",
        *command,
    ]
    start = time.perf_counter()
    out = subprocess.run(wrapper, cwd=cwd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    return elapsed, int(out.stdout.strip() or 0)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("directory", nargs="?", type=Path)
    args.add_argument("--files", type=int, default=2500)
    args.add_argument("--projects", type=int, default=1)
    args.add_argument("--runs", type=int, default=5)
    options = args.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pgmig-bench-"))
    try:
        directory = options.directory or tmp / "corpus"
        if options.directory is None and options.projects > 1:
            write_projects(directory, options.files, options.projects)
        elif options.directory is None:
            directory = tmp / "db" / "migrations"
            write_corpus(directory, options.files)
        files = sorted(p for p in directory.rglob("*.sql"))
        size = sum(p.stat().st_size for p in files)
        print(f"corpus: {len(files)} files, {size / 1e6:.2f} MB in {directory}")
        pgmig = shutil.which("pgmig") or str(Path(sys.executable).parent / "pgmig")
        squawk = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
        cache_dir = tmp / "cache-home"
        cache_dir.mkdir()
        results: dict[str, tuple[float, int]] = {}

        def measure(label: str, command: list[str], cwd: Path, before: object = None) -> None:
            times, peaks = [], []
            for _ in range(options.runs):
                if callable(before):
                    before()
                elapsed, peak = timed(command, cwd)
                times.append(elapsed)
                peaks.append(peak)
            results[label] = (statistics.median(times), max(peaks))

        def clear_cache() -> None:
            shutil.rmtree(cache_dir / ".pgmig_cache", ignore_errors=True)

        if Path(squawk).exists():
            measure("squawk", [squawk, "--reporter", "json", *map(str, files)], cache_dir)
        measure(
            "pgmig cold",
            [pgmig, "check", "--format", "json", "--fail-on", "never", str(directory)],
            cache_dir,
            before=clear_cache,
        )
        timed([pgmig, "check", "--format", "json", str(directory)], cache_dir)  # fill the cache
        measure(
            "pgmig warm",
            [pgmig, "check", "--format", "json", "--fail-on", "never", str(directory)],
            cache_dir,
        )
        floor = parse_floor(p.read_text(encoding="utf-8") for p in files)
        print(f"raw pglast parse_sql_json floor (in process): {floor * 1000:.0f} ms")
        reference = results.get("squawk", (None, None))[0]
        for label, (seconds, peak) in results.items():
            ratio = f"  {seconds / reference:.2f}x squawk" if reference else ""
            print(f"{label:<12} {seconds * 1000:7.0f} ms  peak {peak / 1024:6.1f} MB{ratio}")
        print(json.dumps({k: {"seconds": v[0], "peak_kib": v[1]} for k, v in results.items()}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
