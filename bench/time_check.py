"""Time `qms check`, `qms findings` and `qms due` next to the bare C-loader baseline.

    python bench/time_check.py OUTDIR [--standards 5000 --audits 1000 --answers 50] [--runs 5]

Generates OUTDIR first when it does not exist. Prints the median wall time of each command over
the runs, their ratio, and the peak memory of `qms check` (maximum resident set size).
`qms findings` and `qms due` are timed twice: "cold" with the file cache in OUTDIR/build/.qms
removed before every run (a fresh clone, e.g. a scheduled CI job), and "warm" with it kept.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
QMS = Path(sys.executable).parent / "qms"


def timed(command: list[str], runs: int, before: Callable[[], object] = lambda: None
          ) -> tuple[float, int]:
    """Median wall seconds over `runs` (after one warm-up) and the peak RSS in MB."""
    subprocess.run(command, check=False, capture_output=True)
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return statistics.median(times), peak_mb


def main() -> None:
    """Parse arguments, generate if needed, time both commands and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--standards", type=int, default=5000)
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.outdir.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.outdir),
                        "--standards", str(args.standards), "--audits", str(args.audits),
                        "--answers", str(args.answers)], check=True)
    baseline, _ = timed([sys.executable, str(HERE / "load_baseline.py"), str(args.outdir)],
                        args.runs)
    print(f"bare C-loader load: {baseline:.2f} s (median of {args.runs})")
    pinned = ["--today", "2026-11-23"]
    cache = args.outdir / "build" / ".qms" / "cache"
    forget = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    for name, command, before in (
        ("qms check", ["check", *pinned, str(args.outdir)], lambda: None),
        ("qms findings cold", ["findings", *pinned, "-C", str(args.outdir)], forget),
        ("qms findings warm", ["findings", *pinned, "-C", str(args.outdir)], lambda: None),
        ("qms due cold", ["due", *pinned, "-C", str(args.outdir)], forget),
        ("qms due warm", ["due", *pinned, "-C", str(args.outdir)], lambda: None),
    ):
        seconds, peak = timed([str(QMS), *command], args.runs, before)
        print(f"{name + ':':<19} {seconds:.2f} s (median of {args.runs}), "
              f"{seconds / baseline:.2f}x the load; peak RSS so far {peak} MB")


if __name__ == "__main__":
    main()
