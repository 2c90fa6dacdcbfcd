"""Time `qms kpi`, `qms sqi`, `qms servqual` and `qms survey import` at the size of issue 11.

    .venv/bin/python bench/bench_measure.py OUTDIR [--runs 5] [--standards 5000] [--seed 1]

Generates OUTDIR first when it does not exist (seeded; the same bytes for the same arguments):
OUTDIR/repo is bench/generate.py's repository with its evidence replaced by 100,000 KPI readings
(weekly series of real measures of hard standards, monthly files), two years of daily SQI over
10 categories with volume, and a 2,000-respondent x 22-item wave with importance points;
OUTDIR/export-gbk.csv is a 10,000-row survey-tool export (GBK, Chinese headers in shuffled order,
name, phone and channel columns, blank and non-numeric answers) and OUTDIR/export.xlsx the same
export as a workbook (answers as numbers). Then prints the median wall time
of each command as a whole process (after one warm-up), cold (the file cache removed before each
run) and warm, next to issue 11's targets. A command this qms does not have is reported as
"missing", one that fails as "failed" with its exit status and last line of error output.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py, the shared repository generator)

QMS = Path(sys.executable).parent / "qms"
TODAY = "2026-11-23"
READINGS = 100_000
WEEKS = 50  # readings per KPI series
SQI_DAYS = 730
RESPONDENTS = 2_000
EXPORT_ROWS = 10_000
SQI_WEIGHTS = {"right-day-late": 1, "wrong-day-late": 5, "traced-not-found": 1,
               "complaint-reopened": 5, "missing-proof-of-delivery": 1,
               "overcharge-adjustment": 1, "missed-pickup": 10, "damaged": 10, "lost": 10,
               "wrong-address": 3}
DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"
TEXTS = ("", "", "", "", "", "", "", "节假日客流高峰", "System outage: manual count",
         "Public holiday, short staffed")


class MeasureGenerator(generate.Generator):
    """bench/generate.py's repository with issue 11's volume of measurement evidence."""

    def config(self) -> None:
        """qms.yaml with the 10 SQI categories of this bench."""
        super().config()
        path = self.out / "qms.yaml"
        text = path.read_text(encoding="utf-8")
        old = "  weights: {right-day-late: 1, wrong-day-late: 5, lost: 10}\n"
        new = "  weights: {" + ", ".join(f"{k}: {v}" for k, v in SQI_WEIGHTS.items()) + "}\n"
        if old not in text:
            raise SystemExit("bench/generate.py's qms.yaml changed; update bench_measure.py")
        path.write_text(text.replace(old, new), encoding="utf-8")

    def measurements(self) -> None:
        """100,000 readings: weekly series of real measures, one file per month (< 5 MB each)."""
        rng = self.rng
        pairs = [(self.sid(i), mid, m) for i, ms in enumerate(self.std_measures) for mid, m in ms]
        first = dt.date(2025, 12, 7)
        files: dict[str, list[tuple[str, str, str, str, str, str]]] = {}
        for series in range(READINGS // WEEKS):
            sid, mid, m = pairs[series % len(pairs)]
            low, high = generate.MEASURES[m][6]
            level, site = rng.uniform(low, high), rng.choice(generate.SITES)
            for week in range(WEEKS):
                day = first + dt.timedelta(weeks=week)
                value = min(high, max(low, rng.gauss(level, (high - low) * 0.04)))
                text = str(round(value)) if generate.MEASURES[m][2] == "count" else f"{value:.1f}"
                files.setdefault(f"audits/measurements/kpi-{day:%Y-%m}.csv", []).append(
                    (day.isoformat(), sid, mid, text, site, rng.choice(TEXTS)))
        for name, rows in files.items():
            self.csv_file(name, ("date", "standard", "measure", "value", "site", "note"),
                          sorted(rows))

    def sqi(self) -> None:
        """Two years of daily counts over the 10 categories, one volume a day, monthly files."""
        rng = self.rng
        files: dict[str, list[tuple[str, str, int, int]]] = {}
        first = dt.date(2024, 11, 24)
        for offset in range(SQI_DAYS):
            day = first + dt.timedelta(days=offset)
            volume = rng.randint(8_000, 15_000)
            rows = files.setdefault(f"audits/sqi/sqi-{day:%Y-%m}.csv", [])
            for category, weight in SQI_WEIGHTS.items():
                rows.append((day.isoformat(), category, rng.randint(0, 120 // weight), volume))
        for name, rows in files.items():
            self.csv_file(name, ("date", "category", "count", "volume"), rows)

    def survey(self) -> None:
        """A 2,000-respondent wave of the 22 items with importance points and a few blanks."""
        rng = self.rng
        header = ["respondent", *(f"E{i}" for i in range(1, 23)),
                  *(f"P{i}" for i in range(1, 23)), *(f"W_{d}" for d in DIMENSIONS)]
        rows = []
        for number in range(1, RESPONDENTS + 1):
            answers: list[object] = [
                min(7, max(1, round(rng.gauss(6.0 if n < 22 else 5.2, 0.9)))) for n in range(44)
            ]
            for index in range(44):
                if rng.random() < 0.01:
                    answers[index] = ""  # a missing answer
            rows.append([f"R{number:05d}", *answers, 10, 30, 20, 20, 20])
        self.csv_file("audits/surveys/wave-1.csv", header, rows)

    def export(self, path: Path, workbook: Path) -> None:
        """A survey tool's export, as GBK CSV and as XLSX: Chinese headers, personal columns,
        items in any order."""
        rng = self.rng
        items = [f"{i}、期望：题目{i}" for i in range(1, 23)] + [
            f"{i}、感知：题目{i}" for i in range(1, 23)]
        rng.shuffle(items)
        header = ["序号", "提交时间", "姓名", "手机号", *items[:20], "来源渠道", *items[20:]]
        rows: list[list[object]] = [list(header)]
        for number in range(1, EXPORT_ROWS + 1):
            cells: dict[str, object] = {
                "序号": number,
                "提交时间": f"2026-11-{rng.randint(1, 22):02d} {rng.randint(8, 22):02d}:"
                            f"{rng.randint(0, 59):02d}",
                "姓名": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
                "手机号": f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
                "来源渠道": rng.choice(("微信", "短信", "门店二维码")),
            }
            for item in items:
                roll = rng.random()
                cells[item] = ("" if roll < 0.01 else "不清楚" if roll < 0.015
                               else rng.randint(3, 7))
            rows.append([cells[column] for column in header])
        with path.open("w", encoding="gbk", newline="") as handle:
            csv.writer(handle).writerows(rows)
        write_workbook(workbook, rows)


def write_workbook(path: Path, rows: list[list[object]]) -> None:
    """The rows as an XLSX workbook (numbers as numbers, blanks empty), the same bytes each time:
    openpyxl stamps the clock into its properties and zip entries, so both are fixed here."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("问卷结果")
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = [(item.filename, source.read(item.filename)) for item in source.infolist()]
    stamp = rb"\g<1>2026-11-23T00:00:00Z<"  # openpyxl dates the workbook with the clock
    parts = [(name, re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*<", stamp, data))
             for name, data in parts]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            target.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 23, 0, 0, 0)), data,
                            zipfile.ZIP_DEFLATED)


def timed(command: list[str], runs: int, before: Callable[[], object]) -> tuple[str, float]:
    """('ok', median wall seconds) after one warm-up, or ('failed ...', 0) if it fails."""
    times = []
    for attempt in range(runs + 1):
        before()
        start = time.perf_counter()
        done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [""])[-1]
            return f"failed (exit {done.returncode}): {last}", 0.0
        if attempt:
            times.append(elapsed)
    return "ok", statistics.median(times)


def available(words: Sequence[str]) -> str | None:
    """The command's help text, or None when this qms has no such command."""
    done = subprocess.run([str(QMS), *words, "--help"], check=False, capture_output=True,
                          text=True)
    return done.stdout if done.returncode == 0 else None


def build(out: Path, standards: int, seed: int) -> None:
    """Generate the repository and the export into a new folder."""
    start = time.perf_counter()
    gen = MeasureGenerator(out / "repo", standards, standards // 5, 50, seed)
    gen.run()
    gen.export(out / "export-gbk.csv", out / "export.xlsx")
    print(f"generated {out} in {time.perf_counter() - start:.1f} s "
          f"({gen.files} files, {gen.bytes / 1e6:.1f} MB)")


def main() -> None:
    """Parse arguments, generate if needed, time each command and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--standards", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.outdir.exists():
        build(args.outdir, args.standards, args.seed)
    repo = args.outdir / "repo"
    imported = repo / "audits" / "surveys" / "bench-import.csv"
    cache = repo / "build" / ".qms" / "cache"
    forget = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    keep = lambda: None  # noqa: E731
    cases: list[tuple[str, list[str], float]] = [
        ("qms kpi", ["kpi"], 2.0), ("qms sqi", ["sqi"], 2.0), ("qms servqual", ["servqual"], 2.0)]
    for kind, name in (("CSV", "export-gbk.csv"), ("XLSX", "export.xlsx")):
        export = args.outdir / name
        if not export.exists():
            print(f"qms survey import ({kind}): {export} is missing (an OUTDIR of an older "
                  "bench_measure.py); generate a new OUTDIR")
            continue
        cases.append((f"qms survey import ({kind})", [
            "survey", "import", str(export), "--wave", "bench-import", "--expectation",
            r"^(?P<item>\d+)、期望", "--perception", r"^(?P<item>\d+)、感知", "--respondent",
            "序号", "--force"], 3.0))
    for name, words, target in cases:
        help_text = available(words[:2] if words[0] == "survey" else words)
        if help_text is None:
            print(f"{name}: missing")
            continue
        command = [str(QMS), *words, "-C", str(repo)]
        if "--today" in help_text:
            command += ["--today", TODAY]
        for label, before in (("cold", forget), ("warm", keep)):
            status, seconds = timed(command, args.runs, before)
            figure = f"{seconds:.2f} s (median of {args.runs})" if status == "ok" else status
            print(f"{name} {label}: {figure}; target <= {target:g} s")
        imported.unlink(missing_ok=True)  # leave the repository as generated


if __name__ == "__main__":
    main()
