#!/usr/bin/env python3
"""What issue 12's charts and dashboards cost a build: the same commit with and without them.

    .venv/bin/python bench/bench_dashboards.py [--standards 1000] [--readings-per-measure 52]
                                               [--runs 3] [--edit] [--workdir /tmp/qms-bench-dash]

Exports the committed qms (git archive HEAD) twice into WORKDIR: `with` as it is, `without`
with the dashboards taken out (the home page's figures, the measure, SQI, SERVQUAL, audit chart
and gap pages, a standard's latest results, and the figures worked out for them: `STRIP` below;
a replacement that no longer matches stops the benchmark). Generates the bench repository
(bench/generate.py, a fifth as many audits, N weekly readings per measure and site) and times
`qms build --clean -j 1` with each copy (PYTHONPATH puts it before the installed qms), the two
alternating, --runs times: CPU seconds (user + system, children included) and wall. With --edit
it also times a one-standard edit twice (the first standard's statement, built incrementally
after a build that follows the clean one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench_build import compiled, edit  # bench/ is on the path of a script run from it

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QMS = Path(sys.executable).parent / "qms"
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.test",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.test"}
WRAPPER = """\
import json, os, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": time.perf_counter() - start,
                  "cpu": usage.ru_utime + usage.ru_stime}), file=sys.stderr)
"""
# (file, text, replacement): the dashboards taken out of the `without` copy
STRIP = (
    ("qms/manual/pages.py",
     '                   {"current": current, "home": home, "audit_figures": audits},\n'
     '                   (*counting(project, "manual/index.rst.j2"), *home.inputs()))',
     '                   {"current": current, "audit_figures": audits},\n'
     '                   counting(project, "manual/index.rst.j2"))'),
    ("qms/manual/pages.py", "        home = HomeFigures(project, derived, measurement, service)\n",
     ""),
    ("qms/manual/pages.py",
     "    others: list[Iterable[Page]] = [measure_pages(project, measurement, service, wanted),\n"
     "                                    service_pages(project, service)]\n"
     "    if audits:\n"
     "        others += [audit_chart_pages(project, derived, docs),\n"
     "                   gap_pages(project, GapFigures(project, measurement, service, docs), "
     "wanted)]\n",
     "    others: list[Iterable[Page]] = []\n"),
    ("qms/manual/pages.py",
     '{"s": standard, "results": StandardResults(measurement, standard)},', '{"s": standard},'),
    ("qms/manual/pages.py", "*checklists, *sorted(audits), *measured)",
     "*checklists, *sorted(audits))"),
    ("qms/manual/pipeline.py", "    versions.update(measurement.versions())\n"
     "    versions.update(service.versions())\n", ""),
    ("qms/manual/pipeline.py",
     "            measurement.prepare(share)\n            service.prepare(share)\n", ""),
)


def export(target: Path, strip: bool) -> Path:
    """The committed qms package under target (the dashboards taken out when strip)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD", "qms"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for name, text, replacement in STRIP if strip else ():
        path = target / name
        code = path.read_text(encoding="utf-8")
        if text not in code:
            raise SystemExit(f"{name}: the dashboards are no longer where STRIP looks: {text!r}")
        path.write_text(code.replace(text, replacement), encoding="utf-8")
    compiled(target / "qms")
    return target


def repository(target: Path, standards: int, readings: int) -> Path:
    """The bench repository, generated and committed."""
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(target), "--standards",
                    str(standards), "--audits", str(standards // 5),
                    *(["--readings-per-measure", str(readings)] if readings else [])],
                   check=True, capture_output=True)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=target, check=True, env=env)
    return target


def timed(code: Path, repo: Path, *extra: str) -> dict[str, float]:
    """One `qms build` of repo with the qms under code: its wall and CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(QMS), "build", "--today",
                           "2026-11-23", "-j", "1", "-q", *extra, str(repo)], env=env,
                          cwd=repo.parent, capture_output=True, text=True)
    figures = json.loads(done.stderr.rstrip("\n").rsplit("\n", 1)[-1])
    if figures["code"] != 0:
        raise SystemExit(f"qms build failed under {code}:\n{done.stdout[-2000:]}")
    return {"wall": figures["wall"], "cpu": figures["cpu"]}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the medians, with and without the dashboards, and the difference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standards", type=int, default=1000)
    parser.add_argument("--readings-per-measure", type=int, default=52)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edit", action="store_true", help="time a one-standard edit too")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qms-bench-dash"))
    args = parser.parse_args(argv)
    work = args.workdir
    codes = {"with": export(work / "with", False), "without": export(work / "without", True)}
    repos = {name: repository(work / f"repo-{name}", args.standards, args.readings_per_measure)
             for name in codes}
    steps = ["clean", *(["edit", "edit again"] if args.edit else [])]
    found: dict[tuple[str, str], list[dict[str, float]]] = {}
    for run in range(args.runs):
        for name, code in codes.items():
            found.setdefault((name, "clean"), []).append(timed(code, repos[name], "--clean"))
            if args.edit:
                # the first build after a clean one frames every item page again: not timed
                timed(code, repos[name])
                for step in ("edit", "edit again"):
                    edit(repos[name], "text")  # the first standard's statement
                    found.setdefault((name, step), []).append(timed(code, repos[name]))
            print(f"run {run + 1}: {name} {found[name, 'clean'][-1]}", file=sys.stderr)
    print(f"{args.standards} standards, {args.readings_per_measure} readings per measure and "
          f"site; medians of {args.runs} runs, -j 1\n")
    print("| step | without: CPU s (wall) | with: CPU s (wall) | added CPU |")
    print("| --- | ---: | ---: | ---: |")
    for step in steps:
        medians = {name: {k: statistics.median(r[k] for r in found[name, step])
                          for k in ("cpu", "wall")} for name in codes}
        plain, full = medians["without"], medians["with"]
        print(f"| {step} | {plain['cpu']:.2f} ({plain['wall']:.2f}) | {full['cpu']:.2f} "
              f"({full['wall']:.2f}) | {full['cpu'] - plain['cpu']:+.2f} s "
              f"({(full['cpu'] / plain['cpu'] - 1) * 100:+.0f} %) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
