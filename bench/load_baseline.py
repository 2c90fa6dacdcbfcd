#!/usr/bin/env python3
"""The "bare C-loader" baseline: parse every file of a QMS repository and nothing else.

Usage::

    python bench/load_baseline.py OUTDIR

Loads every ``*.yaml`` under OUTDIR with ``yaml.load(..., Loader=yaml.CSafeLoader)`` and reads
every ``*.csv`` with ``csv.reader``, then prints the file count and the elapsed seconds. No
validation, no models, no line marks: this is the floor that ``qms check`` is measured against.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml


def load_all(root: Path) -> tuple[int, int, int]:
    """Parse every YAML and CSV file under ``root``; return (YAML files, CSV files, CSV rows)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise SystemExit("error: PyYAML was built without libyaml (no yaml.CSafeLoader)")
    n_yaml = n_csv = n_rows = 0
    for path in sorted(root.rglob("*.yaml")):
        with path.open("rb") as handle:
            yaml.load(handle, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
        n_yaml += 1
    for path in sorted(root.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            n_rows += sum(1 for _ in csv.reader(handle))
        n_csv += 1
    return n_yaml, n_csv, n_rows


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load the repository and print the count and the time."""
    parser = argparse.ArgumentParser(description="Time a bare C-loader pass over a QMS repository.")
    parser.add_argument("outdir", type=Path, help="the repository to load")
    args = parser.parse_args(argv)
    if not args.outdir.is_dir():
        parser.error(f"{args.outdir} is not a folder")
    start = time.perf_counter()
    n_yaml, n_csv, n_rows = load_all(args.outdir)
    elapsed = time.perf_counter() - start
    print(
        f"loaded {n_yaml + n_csv} files ({n_yaml} YAML, {n_csv} CSV with {n_rows} rows) "
        f"in {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
