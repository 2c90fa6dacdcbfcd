#!/usr/bin/env python3
"""Time `qms build` at scale as ratios to plain sphinx-build of the same pages (issue 10).

Usage::

    .venv/bin/python bench/bench_build.py [--sizes 1000 5000] [--audits 1000] [--jobs 1]
                                          [--runs 1] [--workdir /tmp/qms-bench-build]
                                          [--skip-qms-source] [--readings-per-measure N]

For each size it generates a repository with bench/generate.py (made a git repository with
one commit) and the reference project of issue 10 from it with bench/reference_site.py (plain
reST: the same standard and audit pages, tables as list-tables, furo). Then, per run:

- ref-clean       `sphinx-build -b html -E` of the reference (a fresh output folder)
- ref-noop        `sphinx-build` of the reference again, nothing changed
- ref-edit-title  `sphinx-build` after changing one standard's title in its .rst
- clean           `qms build --clean`
- no-op           `qms build` again, nothing changed
- edit-title      `qms build` after changing the same standard's title (index pages show it too)
- edit-text       `qms build` after changing that standard's statement (its page and its
                  encounter's card)
- edit-item       `qms build` after changing a measure's source (the first standard with one):
                  its page only, an item page, written without Sphinx
- sphinx          plain `sphinx-build -E` on qms's own build/source (a fresh environment)
- sphinx-noop     plain `sphinx-build` again on the same output
- serve-edit      `qms serve`: seconds from saving a title edit to the page showing it over
                  HTTP, and the server's CPU seconds meanwhile (medians of five edits)
- serve-edit-item the same for an edit of a measure's source

(the last two not with --skip-qms-source). With --readings-per-measure N the repository has N
weekly readings of every measure at each of its sites (52: a year, issue 12's charts at scale)
instead of about one reading per standard. Each child runs under a small Python wrapper that
measures its wall time, CPU time (user + system, children included) and peak resident memory
(the largest single process, from getrusage(RUSAGE_CHILDREN)). It prints a Markdown table of
medians over the runs (peak memory: the largest of the runs) and the ratios of qms to the
reference measured in the same run: clean / ref-clean, edit-title / ref-edit-title,
no-op / ref-noop.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.test",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.test"}
# Runs the command given as its arguments and prints, as its last stderr line, the child's
# figures: measured inside a fresh process, so ru_maxrss is this child's peak and no earlier one's.
WRAPPER = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
figures = {"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
           "rss_kb": usage.ru_maxrss}
print(json.dumps(figures), file=sys.stderr)
"""
RATIOS = (("clean", "ref-clean"), ("edit-title", "ref-edit-title"), ("no-op", "ref-noop"))


@dataclass(frozen=True)
class Sample:
    """One timed child: wall and CPU seconds, peak RSS in MB, its stdout."""

    wall: float
    cpu: float
    mb: int
    out: str


def timed(command: Sequence[str], cwd: Path) -> Sample:
    """Run command under the wrapper; a failure stops the benchmark with its output."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], cwd=cwd,
                          capture_output=True, text=True)
    *errors, last = done.stderr.rstrip("\n").split("\n")
    figures = json.loads(last)
    if done.returncode != 0 or figures["code"] != 0:
        tail = "\n".join(errors)[-3000:]
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout[-3000:]}\n{tail}")
    return Sample(figures["wall"], figures["cpu"], figures["rss_kb"] // 1024, done.stdout)


def prepare(size: int, audits: int, workdir: Path, readings: int = 0) -> Path:
    """A generated repository of `size` standards (with `readings` weekly readings per measure
    and site when given), committed to git (reset if it exists)."""
    repo = workdir / (f"qms-{size}-{audits}" + (f"-r{readings}" if readings else ""))
    if (repo / ".git").is_dir():
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
        shutil.rmtree(repo / "build", ignore_errors=True)
        return repo
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(repo), "--standards",
                    str(size), "--audits", str(audits), "--force",
                    *(["--readings-per-measure", str(readings)] if readings else [])],
                   check=True, capture_output=True)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    return repo


def edited_standard(repo: Path) -> Path:
    """The standard both edits change: the first by file name."""
    return sorted((repo / "standards").rglob("STD-*.yaml"))[0]


def edit(repo: Path, field: str) -> None:
    """Change one standard's title or statement (the first standard by file name)."""
    path = edited_standard(repo)
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


def measured_standard(repo: Path) -> Path:
    """The standard edit-item changes: the first by file name with a measure's source."""
    return next(path for path in sorted((repo / "standards").rglob("STD-*.yaml"))
                if "\n    source: " in path.read_text(encoding="utf-8"))


def edit_source(repo: Path, marker: str = "(edited)") -> None:
    """Put marker at the end of the first measure's source (after an earlier marker's place)."""
    path = measured_standard(repo)
    text = re.sub(r"^(    source: .*?)( \(\w+ \d+\)| \(edited\))?$", rf"\1 {marker}",
                  path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def edit_reference_title(page: Path) -> None:
    """Change the title of one reference page (its first line), underline lengthened to fit."""
    title, underline, rest = page.read_text(encoding="utf-8").split("\n", 2)
    suffix = " (edited)"
    page.write_text(f"{title}{suffix}\n{underline}{underline[0] * len(suffix)}\n{rest}",
                    encoding="utf-8")


def check_edited(html: Path) -> None:
    """Stop when a timed edit did not reach the page (the timing would measure nothing)."""
    if "(edited)" not in html.read_text(encoding="utf-8"):
        raise SystemExit(f"{html}: the edited title is missing after the rebuild")


def report(size: int, name: str, sample: Sample, note: str = "") -> None:
    """One progress line on stderr."""
    print(f"  {size:>5} {name:<15} {sample.wall:7.1f} s wall {sample.cpu:7.1f} s CPU "
          f"{sample.mb:5d} MB  {note}", file=sys.stderr)


def sphinx_command(source: Path, out: Path, jobs: str, *extra: str) -> list[str]:
    """Plain sphinx-build of source into out/html (its environment in out/doctrees)."""
    return [str(BIN / "sphinx-build"), "-q", "-b", "html", "-d", str(out / "doctrees"),
            *(["-j", jobs] if jobs != "1" else []), *extra, str(source), str(out / "html")]


def measure_reference(repo: Path, size: int, jobs: str, workdir: Path) -> dict[str, Sample]:
    """The reference project of this repository: clean build, no-op, one title edited."""
    reference = workdir / f"reference-{size}"
    subprocess.run([sys.executable, str(HERE / "reference_site.py"), str(repo),
                    str(reference / "source")], check=True, capture_output=True)
    for folder in ("html", "doctrees"):
        shutil.rmtree(reference / folder, ignore_errors=True)
    rows = {}
    for name in ("ref-clean", "ref-noop", "ref-edit-title"):
        if name == "ref-edit-title":
            page = reference / "source" / "standards" / f"{edited_standard(repo).stem}.rst"
            edit_reference_title(page)
        extra = ["-E"] if name == "ref-clean" else []
        rows[name] = timed(sphinx_command(reference / "source", reference, jobs, *extra), repo)
        report(size, name, rows[name])
    check_edited(reference / "html" / "standards" / f"{edited_standard(repo).stem}.html")
    return rows


def measure_qms(repo: Path, size: int, jobs: str, workdir: Path,
                qms_source: bool) -> dict[str, Sample]:
    """qms build: clean, no-op, the two edits; then plain Sphinx on qms's own source."""
    qms = [str(BIN / "qms"), "build", "--today", "2026-11-23", "-j", jobs, "-q"]
    rows = {}
    for name, extra, before in (("clean", ["--clean"], None), ("no-op", [], None),
                                ("edit-title", [], "title"), ("edit-text", [], "text"),
                                ("edit-item", [], "source")):
        if before == "source":
            edit_source(repo)
        elif before:
            edit(repo, before)
        rows[name] = timed([*qms, *extra], repo)
        report(size, name, rows[name], rows[name].out.strip()[-120:])
    check_edited(repo / "build" / "html" / "standards" / f"{edited_standard(repo).stem}.html")
    if qms_source:
        plain = workdir / f"plain-{size}"
        shutil.rmtree(plain, ignore_errors=True)
        for name in ("sphinx", "sphinx-noop"):
            rows[name] = timed(sphinx_command(repo / "build" / "source", plain, jobs), repo)
            report(size, name, rows[name])
    return rows


SERVE_EDITS = 5


def measure_serve(repo: Path, size: int, jobs: str) -> dict[str, Sample]:
    """`qms serve`: seconds from saving a title edit, and a measure's source, to the page
    showing it over HTTP, and the server's CPU seconds meanwhile (Linux: /proc; else 0): the
    medians of SERVE_EDITS edits of each in one server, each save made once the server is idle.
    The page has been asked for when the rebuild starts (by the edit before, or by the first
    poll, made within the 0.05 s serve waits for more saves), as a reader has it open: it is
    served first (firstpages), the pages that list it follow in the same rebuild."""
    server = subprocess.Popen([str(BIN / "qms"), "serve", "--today", "2026-11-23", "-j", jobs,
                               "--port", "0", str(repo)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, preexec_fn=_interruptible)
    try:
        assert server.stdout is not None
        address = ""
        while not address:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("qms serve ended before serving")
            found = re.search(r"serving the manual at (http://127\.0\.0\.1:\d+/)", line)
            address = found.group(1) if found else ""
        rows = {}
        for name, path in (("serve-edit", edited_standard(repo)),
                           ("serve-edit-item", measured_standard(repo))):
            url = f"{address}standards/{path.stem}.html"
            latencies, used = [], []
            for number in range(SERVE_EDITS):
                _settled(server.pid)
                before = _cpu_seconds(server.pid)
                # its own words: the two edits may be of one standard's page
                marker = f"(served {number})" if name == "serve-edit" else f"(sourced {number})"
                saved = time.perf_counter()
                if name == "serve-edit":
                    text = path.read_text(encoding="utf-8")
                    text = re.sub(r"^(title: .*?)( \(served \d+\))?(\"?)$", rf"\1 {marker}\3",
                                  text, count=1, flags=re.M)
                    path.write_text(text, encoding="utf-8")
                else:
                    edit_source(repo, marker)
                while marker not in _fetch(url):
                    if time.perf_counter() - saved > 120:
                        raise SystemExit(f"{url}: the edit did not show within 120 s")
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - saved)
                used.append(_cpu_seconds(server.pid) - before)
            rows[name] = Sample(statistics.median(latencies), statistics.median(used), 0, "")
            report(size, name, rows[name], " ".join(f"{x:.2f}" for x in latencies))
        # what the server writes from now on is read (and dropped): a full pipe would stop it
        threading.Thread(target=server.stdout.read, daemon=True).start()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # noted, not fatal: the figures above stand
            print(f"qms serve (pid {server.pid}) did not stop within 60 s of Ctrl-C; "
                  "killed", file=sys.stderr)
            server.kill()
            server.wait()
    return rows


def _cpu_seconds(pid: int) -> float:
    # The process's user and system CPU seconds (its threads' included), 0 where /proc is not.
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settled(pid: int, seconds: float = 1.0) -> None:
    # Wait until the server used (almost) no CPU for `seconds`: its last rebuild is over.
    time.sleep(seconds)
    for _ in range(60):
        before = _cpu_seconds(pid)
        time.sleep(seconds)
        if _cpu_seconds(pid) - before < 0.02:
            return


def _interruptible() -> None:
    # A benchmark started in the background (`... &`) has Ctrl-C ignored, and so would the
    # server it starts (Python keeps an inherited SIG_IGN): it is stopped with Ctrl-C below.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - localhost only
        return str(response.read().decode("utf-8"))


def measure(size: int, audits: int, jobs: str, workdir: Path, runs: int,
            qms_source: bool, readings: int = 0) -> list[dict[str, Sample]]:
    """Every measurement for one size, once per run (the repository reset before each)."""
    results = []
    for run in range(runs):
        print(f"size {size}, run {run + 1} of {runs}", file=sys.stderr)
        repo = prepare(size, audits, workdir, readings)
        rows = measure_reference(repo, size, jobs, workdir)
        rows.update(measure_qms(repo, size, jobs, workdir, qms_source))
        rows.update(measure_serve(repo, size, jobs))
        results.append(rows)
    return results


def tables(results: dict[int, list[dict[str, Sample]]], jobs: str, runs: int) -> str:
    """The Markdown tables: medians per step, then the ratios of qms to the reference."""
    lines = [f"Medians of {runs} run(s), -j {jobs}; peak RSS: the largest of the runs.", "",
             "| standards | step | wall (s) | CPU (s) | peak RSS (MB) |",
             "| ---: | --- | ---: | ---: | ---: |"]
    ratios: dict[int, dict[str, list[tuple[float, float]]]] = {}
    for size, per_run in results.items():
        samples: dict[str, list[Sample]] = defaultdict(list)
        for rows in per_run:
            for name, sample in rows.items():
                samples[name].append(sample)
        for name, values in samples.items():
            wall = statistics.median(s.wall for s in values)
            cpu = statistics.median(s.cpu for s in values)
            lines.append(f"| {size} | {name} | {wall:.2f} | {cpu:.2f} | "
                         f"{max(s.mb for s in values)} |")
        # a ratio pairs figures of the same run, then takes the median over runs
        ratios[size] = {f"{qms} / {ref}": [(rows[qms].wall / rows[ref].wall,
                                            rows[qms].cpu / rows[ref].cpu) for rows in per_run]
                        for qms, ref in RATIOS}
    lines += ["", "| standards | ratio | wall | CPU |", "| ---: | --- | ---: | ---: |"]
    for size, by_name in ratios.items():
        for name, pairs in by_name.items():
            wall = statistics.median(p[0] for p in pairs)
            cpu = statistics.median(p[1] for p in pairs)
            lines.append(f"| {size} | {name} | {wall:.2f}× | {cpu:.2f}× |")
    return "\n".join(lines)


def compiled(package: Path = ROOT / "qms") -> None:
    """Compile qms's modules to bytecode first, as installing it does (Sphinx and the other
    libraries the reference runs were compiled when pip installed them): an editable checkout
    under PYTHONDONTWRITEBYTECODE compiles qms's source on every run, ~60 ms of each build."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--audits", type=int, nargs="+", default=None,
                        help="audits per size (default: one fifth of the standards)")
    parser.add_argument("--jobs", default="1", help="-j for qms build and sphinx-build")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (medians reported)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qms-bench-build"))
    parser.add_argument("--skip-qms-source", action="store_true",
                        help="do not time plain sphinx-build on qms's own build/source")
    parser.add_argument("--readings-per-measure", type=int, default=0, metavar="N",
                        help="N weekly readings per measure and site (52: a year of readings)")
    args = parser.parse_args(argv)
    audits = args.audits or [size // 5 for size in args.sizes]
    if len(audits) == 1:
        audits *= len(args.sizes)
    if len(audits) != len(args.sizes) or args.runs < 1:
        parser.error("--audits takes one number or one per size; --runs at least 1")
    args.workdir.mkdir(parents=True, exist_ok=True)
    compiled()
    results = {size: measure(size, count, args.jobs, args.workdir, args.runs,
                             not args.skip_qms_source, args.readings_per_measure)
               for size, count in zip(args.sizes, audits, strict=True)}
    print(tables(results, args.jobs, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
