#!/usr/bin/env python3
"""Write the sample QMS's year of evidence: KPI readings, daily SQI counts, SERVQUAL waves.

    python bench/make_sample_evidence.py [ROOT]      # default: the repository root

Writes ``audits/measurements/kpi-2026.csv``, ``audits/sqi/sqi-YYYY-MM.csv`` (365 days up to
2026-11-22) and ``audits/surveys/2026-q1.csv``, ``-q2.csv``, ``-q4.csv`` around the hand-written
``2026-q3.csv``, which it leaves as it is (the planned gaps of the other waves bracket its
measured ones). Seeded and free of the clock: re-running it writes the same bytes. Standard
library only.

The year tells a story the measurement commands should show (see bench/README.md):
TEL-001's answer rate drifts below its centre line from August and falls beyond the lower XmR
limit in the National Day week and on 1 November (staff turnover, fixed by staggered lunch breaks
from 9 November); a new courier partner pulls DLV-005 off target from mid-October; Xujiahui's
knitwear sizes run short in October and November; DLV-001 and DLV-002 are computed from the same
days' SQI counts, so the delivery KPIs and the SQI agree; the reliability gap narrows quarter by
quarter while responsiveness worsens in the Double 11 quarter.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

SEED = 36
FIRST_DAY = dt.date(2026, 1, 1)  # KPI readings: the year to date
LAST_DAY = dt.date(2026, 11, 22)  # the last Sunday before the tests' today (2026-11-23)
SQI_FIRST = LAST_DAY - dt.timedelta(days=364)

NJR, XJH = "Nanjing Road store", "Xujiahui store"
CSC, DLV = "Customer Service Centre", "Delivery Service"
STORES = (NJR, XJH)

# Readings written by hand before this script existed; their notes cite audits and events.
# (date, standard, measure, site): (value or None when computed from the SQI, note)
ANCHORS: dict[tuple[str, str, str, str], tuple[float | None, str]] = {
    ("2026-09-26", "PRES-002", "knowledge-test-mean-score", NJR): (88, ""),
    ("2026-09-26", "PRES-002", "knowledge-test-mean-score", XJH): (84.5, ""),
    ("2026-09-26", "PRES-002", "knowledge-test-pass-rate", NJR): (
        100, "Autumn collection, 14 associates"),
    ("2026-09-26", "PRES-002", "knowledge-test-pass-rate", XJH): (
        91.7, "11 of 12 passed; re-test on 3 Oct"),
    ("2026-09-30", "CMP-001", "acknowledged-within-24h", CSC): (98.6, ""),
    ("2026-09-30", "CMP-004", "cause-reviews-held", ""): (3, "Q3: July, August, September"),
    ("2026-09-30", "GRT-001", "greeted-within-30s", NJR): (
        93, "Cinema opened upstairs; afternoon peak earlier"),
    ("2026-09-30", "GRT-001", "greeted-within-30s", XJH): (96, ""),
    ("2026-09-30", "RET-001", "exchange-within-10-min", NJR): (92.9, "39 of 42 exchanges"),
    ("2026-09-30", "RET-001", "exchange-within-10-min", XJH): (88.6, "31 of 35 exchanges"),
    ("2026-10-04", "DLV-001", "on-time-delivery", DLV): (None, "National Day holiday week"),
    ("2026-10-04", "DLV-001", "wrong-day-deliveries", DLV): (None, "National Day holiday week"),
    ("2026-10-04", "TEL-001", "answered-in-3-rings", CSC): (93.1, "National Day holiday week"),
    ("2026-10-11", "CHK-001", "served-within-3-min", NJR): (97.5, ""),
    ("2026-10-11", "CHK-001", "served-within-3-min", XJH): (
        93.5, "Second till out of order on Saturday"),
    ("2026-10-11", "CHK-002", "till-price-accuracy", NJR): (
        94, "Knitwear promotion not loaded in POS"),
    ("2026-10-11", "TEL-001", "answered-in-3-rings", CSC): (95.8, ""),
    ("2026-10-18", "CHK-002", "till-price-accuracy", NJR): (100, "POS corrected 15 Oct"),
    ("2026-10-18", "TEL-001", "answered-in-3-rings", CSC): (94.6, ""),
    ("2026-10-25", "DLV-001", "on-time-delivery", DLV): (None, "Rain on 21-22 Oct"),
    ("2026-10-25", "DLV-003", "pod-captured", DLV): (99.6, ""),
    ("2026-10-25", "DLV-005", "pickups-in-slot", DLV): (
        97.4, "New courier partner in Minhang district"),
    ("2026-10-25", "PRM-002", "size-availability", XJH): (87.5, "Knitwear sizes S and XL short"),
    ("2026-10-25", "TEL-001", "answered-in-3-rings", CSC): (95.2, ""),
    ("2026-10-31", "CMP-001", "acknowledged-within-24h", CSC): (
        97.2, "Golden Week backlog 2-4 Oct"),
    ("2026-10-31", "CMP-004", "complaints-cause-coded", ""): (
        98.9, "Two cases coded after the monthly cut-off"),
    ("2026-10-31", "FIT-002", "second-outfit-offered", NJR): (80, ""),
    ("2026-10-31", "FIT-002", "second-outfit-offered", XJH): (
        72, "Two fitting rooms closed for repair"),
    ("2026-10-31", "GRT-001", "greeted-within-30s", NJR): (90, "See AUD-20261015-NJR-7F3A-F1"),
    ("2026-10-31", "GRT-001", "greeted-within-30s", XJH): (97, ""),
    ("2026-11-01", "TEL-001", "abandoned-calls", CSC): (3.6, ""),
    ("2026-11-01", "TEL-001", "answered-in-3-rings", CSC): (91.2, "See AUD-20261102-CSC-19B4-F1"),
    ("2026-11-15", "TEL-001", "answered-in-3-rings", CSC): (
        96.4, "Staggered lunch breaks from 9 Nov"),
}

# Share of the day's parcels failing in each SQI category (FedEx's categories, qms.yaml weights).
SQI_RATES = {
    "right-day-late": 0.0125,
    "wrong-day-late": 0.0022,
    "traced-not-found": 0.0007,
    "complaint-reopened": 0.0004,
    "missing-proof-of-delivery": 0.0004,
    "overcharge-adjustment": 0.0004,
    "missed-pickup": 0.0004,
    "damaged": 0.0005,
    "lost": 0.00018,
}

# TEL-001 answered-in-3-rings, week by week from 4 January (the first 20 are the baseline).
TEL_001_ANSWERED = (
    96.9, 97.4, 96.5, 97.1, 96.2, 95.9, 96.8, 97.3, 96.6, 97.0,
    96.4, 97.2, 96.7, 96.1, 96.9, 97.5, 96.8, 96.3, 97.0, 96.6,
    97.1, 96.5, 96.9, 97.4, 96.2, 96.8, 97.0, 96.4, 96.7, 97.2,
    96.2, 95.8, 96.0, 95.5, 96.3, 95.7, 95.9, 95.4, 96.1, 93.1,
    95.8, 94.6, 95.2, 91.2, 95.9, 96.4, 96.9,
)

DIMENSIONS = {
    "tangibles": (1, 2, 3, 4),
    "reliability": (5, 6, 7, 8, 9),
    "responsiveness": (10, 11, 12, 13),
    "assurance": (14, 15, 16, 17),
    "empathy": (18, 19, 20, 21, 22),
}
EXPECTATION = {"tangibles": 5.7, "reliability": 6.45, "responsiveness": 6.15,
               "assurance": 6.0, "empathy": 5.9}
# Planned dimension gaps (P - E) of the generated waves; 2026-q3 is the hand-written wave.
WAVES = {
    "2026-q1": (40, {"tangibles": -0.35, "reliability": -1.75, "responsiveness": -1.0,
                     "assurance": -0.8, "empathy": -0.6}),
    "2026-q2": (36, {"tangibles": -0.3, "reliability": -1.45, "responsiveness": -1.05,
                     "assurance": -0.75, "empathy": -0.55}),
    "2026-q4": (44, {"tangibles": -0.25, "reliability": -0.8, "responsiveness": -1.3,
                     "assurance": -0.65, "empathy": -0.5}),
}


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from first to last, both included."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def sundays() -> list[dt.date]:
    """The week-ending Sundays of the KPI year."""
    return [d for d in days(FIRST_DAY, LAST_DAY) if d.weekday() == 6]


def month_ends() -> list[dt.date]:
    """The last day of every month closed before LAST_DAY."""
    ends = [d for d in days(FIRST_DAY, LAST_DAY) if (d + dt.timedelta(days=1)).day == 1]
    return [d for d in ends if d < LAST_DAY]


def number(value: float, places: int = 1) -> str:
    """A value as the readings write it: at most `places` decimals, no trailing zeros."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, the normal approximation above)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class Evidence:
    """Builds the rows of every file from one seeded generator, in a fixed order."""

    def __init__(self, seed: int) -> None:
        """Start the seeded generator; nothing is drawn yet."""
        self.rng = random.Random(seed)
        self.kpis: list[tuple[str, str, str, str, str, str]] = []
        self.sqi: dict[dt.date, tuple[int, dict[str, int]]] = {}

    # ------------------------------------------------------------------ SQI

    def volume_and_strain(self, day: dt.date) -> tuple[float, float]:
        """The day's expected parcels and how much harder than usual delivering them is."""
        weekday = (1.10, 1.06, 1.0, 0.97, 0.95, 1.05, 0.87)[day.weekday()]
        growth = 1 + 0.10 * (day - SQI_FIRST).days / 365
        volume, strain = 2750 * weekday * growth, 1.0
        if dt.date(2026, 11, 11) <= day <= dt.date(2026, 11, 16):  # Double 11
            volume, strain = volume * (2.6 - 0.25 * (day.day - 11)), 1.8
        elif dt.date(2025, 12, 12) <= day <= dt.date(2025, 12, 14):  # Double 12
            volume, strain = volume * 1.6, 1.4
        elif dt.date(2026, 2, 13) <= day <= dt.date(2026, 2, 23):  # Spring Festival
            volume, strain = volume * 0.35, 3.0
        elif dt.date(2026, 6, 18) <= day <= dt.date(2026, 6, 20):  # 618
            volume, strain = volume * 1.8, 1.6
        elif dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 7):  # National Day
            volume, strain = volume * 1.3, 2.2
        elif day in (dt.date(2026, 10, 21), dt.date(2026, 10, 22)):  # rain
            strain = 2.5
        # The "delivery within 24 hours" banner was dropped (PLN-EXP-001) before the May holiday.
        if day >= dt.date(2026, 5, 1):
            strain *= 0.85
        return volume, strain

    def make_sqi(self) -> None:
        """Draw the daily parcels and failure counts of the 365 days up to LAST_DAY."""
        rng = self.rng
        for day in days(SQI_FIRST, LAST_DAY):
            expected, strain = self.volume_and_strain(day)
            volume = max(1, round(rng.gauss(expected, expected * 0.04)))
            counts = {}
            for category, rate in SQI_RATES.items():
                lateness = strain if category in ("right-day-late", "wrong-day-late") else 1.0
                counts[category] = poisson(rng, volume * rate * lateness * rng.uniform(0.8, 1.2))
            self.sqi[day] = (volume, counts)

    def sqi_share(self, first: dt.date, last: dt.date, categories: Sequence[str]) -> float:
        """Failures of the categories per parcel over the days first..last (from the SQI)."""
        picked = [self.sqi[d] for d in days(first, last) if d in self.sqi]
        return sum(sum(c[k] for k in categories) for _, c in picked) / sum(v for v, _ in picked)

    def sqi_files(self) -> dict[str, list[Sequence[object]]]:
        """The monthly SQI files: one row per category with failures, the day's volume on each."""
        files: dict[str, list[Sequence[object]]] = {}
        for day, (volume, counts) in self.sqi.items():
            rows = files.setdefault(f"audits/sqi/sqi-{day:%Y-%m}.csv", [])
            rows += [(day.isoformat(), k, n, volume) for k, n in counts.items() if n]
        return files

    # ------------------------------------------------------------------ KPI

    def add(self, day: dt.date, standard: str, measure: str, site: str, value: float,
            places: int = 1, cap: float = 100.0) -> None:
        """One reading, unless a hand-written anchor replaces its value and note."""
        key = (day.isoformat(), standard, measure, site)
        note = ""
        if key in ANCHORS:
            anchored, note = ANCHORS[key]
            value = value if anchored is None else anchored
        self.kpis.append((day.isoformat(), standard, measure,
                          number(min(cap, max(0.0, value)), places), site, note))

    def series(self, when: Iterable[dt.date], standard: str, measure: str, sites: Sequence[str],
               level: Callable[[dt.date, str], float], spread: float, places: int = 1,
               cap: float = 100.0) -> None:
        """Readings around a level that may change with the day and site."""
        for day in when:
            for site in sites:
                value = self.rng.gauss(level(day, site), spread)
                self.add(day, standard, measure, site, value, places, cap)

    def fraction(self, when: Iterable[dt.date], standard: str, measure: str,
                 sites: Sequence[str], sample: int, miss: float) -> None:
        """Readings that are a share of a fixed sample (k of 50 items: 100, 98, 96 ...)."""
        for day in when:
            for site in sites:
                wrong = poisson(self.rng, sample * miss)
                self.add(day, standard, measure, site, 100 * (sample - wrong) / sample)

    def make_kpis(self) -> None:
        """Draw every reading of the KPI year, measure by measure."""
        rng, weeks, months = self.rng, sundays(), month_ends()
        flat = lambda mean: (lambda day, site: mean)  # noqa: E731
        for day in days(FIRST_DAY, LAST_DAY):  # APP-001 is read at every opening check
            for site in STORES:
                staff = rng.randint(11, 16)
                self.add(day, "APP-001", "uniform-compliance", site,
                         100 * (staff - poisson(rng, 0.2)) / staff)
        self.series(weeks, "APP-002", "badge-worn", STORES, flat(99.1), 0.6)
        self.series(months, "CMP-001", "acknowledged-within-24h", (CSC,), flat(98.5), 0.6)
        self.series(months, "CMP-002", "resolved-within-5d", (CSC,), flat(92.0), 1.8)
        self.series(months, "CMP-002", "complaints-reopened", (CSC,), flat(2.3), 0.45)
        for day in months:
            self.add(day, "CMP-004", "complaints-cause-coded", "",
                     100 - (rng.random() < 0.3) * rng.choice((0.6, 1.1, 1.5)))
        for day, held in ((dt.date(2026, 3, 31), 3), (dt.date(2026, 6, 30), 2),
                          (dt.date(2026, 9, 30), 3)):
            self.add(day, "CMP-004", "cause-reviews-held", "", held, 0)
        for day in weeks:  # DLV-001 is what the week's SQI counts say
            first = day - dt.timedelta(days=6)
            late = self.sqi_share(first, day, ("right-day-late", "wrong-day-late"))
            wrong = self.sqi_share(first, day, ("wrong-day-late",))
            self.add(day, "DLV-001", "on-time-delivery", DLV, 100 * (1 - late))
            self.add(day, "DLV-001", "wrong-day-deliveries", DLV, 100 * wrong, 2)
        for day in months:
            lost = self.sqi_share(day.replace(day=1), day, ("damaged", "lost"))
            self.add(day, "DLV-002", "damaged-or-lost-rate", DLV, 10_000 * lost, cap=10_000)
        self.series(weeks, "DLV-003", "pod-captured", (DLV,), flat(99.62), 0.17)
        pilot = [d for d in weeks if d >= dt.date(2026, 9, 6)]  # DLV-004 is a draft on trial
        self.series(pilot, "DLV-004", "same-day-on-time", (DLV,), flat(96.3), 1.2)
        minhang = dt.date(2026, 10, 12)  # the new courier partner starts
        self.series(weeks, "DLV-005", "pickups-in-slot", (DLV,),
                    lambda day, site: 97.3 if day >= minhang else 98.7, 0.45)
        self.series(months, "DLV-006", "courier-courtesy-rating", (DLV,), flat(6.15), 0.12, 2, 7)
        for standard, measure, mean in (
            ("ADD-001", "add-on-suggestion-score", 77), ("FAR-001", "farewell-score", 87),
            ("FIT-001", "fitting-invite-score", 83), ("GRT-002", "greeting-warmth-score", 87),
            ("NEED-001", "needs-probing-score", 81), ("OBJ-001", "objection-handling-score", 79),
            ("PRES-001", "fab-presentation-score", 82),
        ):
            self.series(months, standard, measure, STORES, flat(mean), 4.0, 0)
        self.series(weeks, "CHK-001", "served-within-3-min", STORES, flat(96.6), 1.3)
        self.fraction(weeks, "CHK-002", "till-price-accuracy", STORES, 50, 0.004)
        self.series(months, "FIT-002", "second-outfit-offered", STORES, flat(83), 4.0, 0)
        cinema = dt.date(2026, 9, 1)
        self.series(months, "GRT-001", "greeted-within-30s", STORES,
                    lambda day, site: 92.5 if site == NJR and day >= cinema else 96.5, 1.5, 0)
        for day, mean in ((dt.date(2026, 3, 21), 87), (dt.date(2026, 9, 26), 87)):
            self.series((day,), "PRES-002", "knowledge-test-mean-score", STORES, flat(mean), 2)
            self.series((day,), "PRES-002", "knowledge-test-pass-rate", STORES, flat(96), 3)
        self.series(months, "RET-001", "exchange-within-10-min", STORES, flat(92.5), 2.2)
        self.series(weeks, "PRM-001", "cleanliness-rounds-done", STORES, flat(97.2), 1.4)
        self.fraction(weeks, "PRM-002", "price-ticket-accuracy", STORES, 50, 0.008)
        knitwear = dt.date(2026, 10, 4)
        self.series(weeks, "PRM-002", "size-availability", STORES,
                    lambda day, site: 87.8 if site == XJH and day >= knitwear else 92.6, 1.6)
        self.series(weeks, "PRM-003", "fitting-room-reset-5-min", STORES, flat(92.4), 2.2)
        # Written out, not drawn: the signal is planted. Two agents left in July; from August
        # the answer rate stays below its centre line (8 in a row by mid-September) and falls
        # beyond the lower limit in the National Day week and on 1 November.
        for day, value in zip(weeks, TEL_001_ANSWERED, strict=True):
            self.add(day, "TEL-001", "answered-in-3-rings", CSC, value)
        self.series(weeks, "TEL-001", "abandoned-calls", (CSC,), flat(2.2), 0.35)
        self.series(months, "TEL-002", "mystery-call-score", (CSC,), flat(87), 2.5, 0)
        self.series(weeks, "TEL-003", "callbacks-on-time", (CSC,), flat(96.6), 1.0)
        # TEL-004 (a draft) has no readings yet: `qms kpi` shows it as no-data.
        self.kpis.sort()

    # ------------------------------------------------------------------ SERVQUAL

    def wave(self, respondents: int, gaps: dict[str, float]) -> list[list[object]]:
        """One wave's rows: E1..E22, P1..P22 and W_ points, a few answers left blank."""
        rng, rows = self.rng, []
        for number_ in range(1, respondents + 1):
            mood = rng.gauss(0, 0.35)  # some respondents answer higher throughout
            expect: dict[int, object] = {}
            perceive: dict[int, object] = {}
            for dimension, items in DIMENSIONS.items():
                e_level = EXPECTATION[dimension] + mood + rng.gauss(0, 0.3)
                p_level = e_level + gaps[dimension] + rng.gauss(0, 0.55)
                for item in items:
                    expect[item] = min(7, max(1, round(rng.gauss(e_level, 0.5))))
                    perceive[item] = min(7, max(1, round(rng.gauss(p_level, 0.6))))
            for answers in (expect, perceive):
                for item in answers:
                    if rng.random() < 0.006:
                        answers[item] = ""  # a missing answer, never a zero
            rows.append([f"R{number_:03d}", *(expect[i] for i in range(1, 23)),
                         *(perceive[i] for i in range(1, 23)), *self.importance()])
        return rows

    def importance(self) -> list[int]:
        """100 importance points in fives, reliability usually weighing most."""
        centre = (11, 32, 22, 19, 16)
        points = [max(5, 5 * round(self.rng.gauss(c, 5) / 5)) for c in centre]
        while sum(points) != 100:
            index = self.rng.randrange(5)
            step = 5 if sum(points) < 100 else -5
            if points[index] + step >= 5:
                points[index] += step
        return points


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a UTF-8 CSV with LF line ends, quoting only where a cell needs it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: Sequence[str]) -> int:
    """Generate every evidence file of the sample under ROOT."""
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    evidence = Evidence(SEED)
    evidence.make_sqi()
    evidence.make_kpis()
    write_csv(root / "audits/measurements/kpi-2026.csv",
              ("date", "standard", "measure", "value", "site", "note"), evidence.kpis)
    for name, rows in evidence.sqi_files().items():
        write_csv(root / name, ("date", "category", "count", "volume"), rows)
    header = ["respondent", *(f"E{i}" for i in range(1, 23)), *(f"P{i}" for i in range(1, 23)),
              *(f"W_{d}" for d in DIMENSIONS)]
    for wave, (respondents, gaps) in WAVES.items():
        write_csv(root / f"audits/surveys/{wave}.csv", header, evidence.wave(respondents, gaps))
    print(f"wrote {len(evidence.kpis)} KPI readings, {len(evidence.sqi)} SQI days, "
          f"{len(WAVES)} survey waves under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
