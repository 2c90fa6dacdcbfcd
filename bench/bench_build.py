#!/usr/bin/env python3
"""Time `qms build` at scale, next to plain sphinx-build on the same generated reST.

Usage::

    .venv/bin/python bench/bench_build.py [--sizes 1000 5000] [--audits 1000] [--jobs 1]
                                          [--workdir /tmp/qms-bench-build]

For each size it generates a repository with bench/generate.py (made a git repository with
one commit), then measures with /usr/bin/time -v (wall time and peak memory):

- clean      `qms build --clean`
- no-op      `qms build` again, nothing changed
- edit-title `qms build` after changing one standard's title (shown on index pages too)
- edit-text  `qms build` after changing one standard's statement (shown on its page only)
- sphinx     plain `sphinx-build -E` on qms's own build/source (a fresh environment)
- sphinx-noop plain `sphinx-build` again on the same output

and prints a Markdown table. Needs /usr/bin/time (Debian package `time`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.test",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.test"}


def timed(command: Sequence[str], cwd: Path) -> tuple[float, int, str]:
    """Run command under /usr/bin/time -v: (wall seconds, peak RSS in MB, its stdout)."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr[-2000:]
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return total, int(rss.group(1)) // 1024, done.stdout


def prepare(size: int, audits: int, workdir: Path) -> Path:
    """A generated repository of `size` standards, committed to git."""
    repo = workdir / f"qms-{size}"
    if (repo / ".git").is_dir():
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
        shutil.rmtree(repo / "build", ignore_errors=True)
        return repo
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(repo), "--standards",
                    str(size), "--audits", str(audits), "--force"], check=True,
                   capture_output=True)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    return repo


def edit(repo: Path, field: str) -> None:
    """Change one standard's title or statement (the first standard by file name)."""
    path = sorted((repo / "standards").rglob("STD-*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if field == "title":
        i = next(n for n, line in enumerate(lines) if line.startswith("title: "))
        quoted = lines[i].endswith('"')
        lines[i] = lines[i][:-1] + ' (edited)"' if quoted else lines[i] + " (edited)"
    else:  # a block scalar gets a first line; a one-line statement a first word
        i = next(n for n, line in enumerate(lines) if line.startswith("statement:"))
        value = lines[i][len("statement:"):].strip()
        if value[:1] in (">", "|"):
            indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
            lines.insert(i + 1, " " * indent + "Edited.")
        elif value[:1] in ('"', "'"):
            lines[i] = f"statement: {value[0]}Edited. {value[1:]}"
        else:
            lines[i] = f"statement: Edited. {value}"
    path.write_text("\n".join(lines), encoding="utf-8")


def measure(size: int, audits: int, jobs: str, workdir: Path) -> list[tuple[str, float, int]]:
    """Every measurement for one size."""
    repo = prepare(size, audits, workdir)
    qms = [str(BIN / "qms"), "build", "--today", "2026-11-23", "-j", jobs, "-q"]
    rows = []
    for name, extra, before in (("clean", ["--clean"], None), ("no-op", [], None),
                                ("edit-title", [], "title"), ("edit-text", [], "text")):
        if before:
            edit(repo, before)
        seconds, mb, out = timed([*qms, *extra], repo)
        rows.append((name, seconds, mb))
        print(f"  {size:>5} {name:<11} {seconds:7.1f} s {mb:5d} MB  {out.strip()[-160:]}",
              file=sys.stderr)
    plain = workdir / f"plain-{size}"
    shutil.rmtree(plain, ignore_errors=True)
    sphinx = [str(BIN / "sphinx-build"), "-q", "-b", "html", "-d", str(plain / "doctrees"),
              *(["-j", jobs] if jobs != "1" else []), str(repo / "build" / "source"),
              str(plain / "html")]
    for name in ("sphinx", "sphinx-noop"):
        seconds, mb, _ = timed(sphinx, repo)
        rows.append((name, seconds, mb))
        print(f"  {size:>5} {name:<11} {seconds:7.1f} s {mb:5d} MB", file=sys.stderr)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--jobs", default="1", help="-j for qms build and sphinx-build")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qms-bench-build"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {size: measure(size, args.audits, args.jobs, args.workdir) for size in args.sizes}
    print(f"| standards | step | wall (s) | peak RSS (MB) |  (-j {args.jobs})")
    print("| ---: | --- | ---: | ---: |")
    for size, rows in results.items():
        for name, seconds, mb in rows:
            print(f"| {size} | {name} | {seconds:.1f} | {mb} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
