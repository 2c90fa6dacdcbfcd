"""SERVQUAL gap scores of survey waves (Parasuraman, Zeithaml & Berry), as docs/format.md and
docs/measurement.md define them: item, dimension and overall gaps, weights, reliability."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from qms.base.errors import QmsError
from qms.format.config import ServqualConfig
from qms.format.tables import SurveyWave
from qms.measurement.stats import ALPHA_FLOOR, cronbach_alpha, mean_interval_95, rounded

# Importance–performance quadrants (Martilla & James 1977), by (important, performing).
QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}
RESPONDENTS, CONFIGURED = "respondents", "configured"


@dataclass
class ItemScore:
    """One item: answered pairs, missing answers, E, P, the gap and its 95 % interval."""

    item: int
    dimension: str
    reverse: bool
    n: int
    missing_expectation: int
    missing_perception: int
    expectation: float | None
    perception: float | None
    gap: float | None
    gap_interval: tuple[float, float] | None


@dataclass
class DimensionScore:
    """One dimension of a wave: means over its respondents, reliability and importance."""

    dimension: str
    items: tuple[int, ...]
    n: int  # respondents with at least one answered item pair in the dimension
    expectation: float | None
    perception: float | None
    gap: float | None
    alpha_expectation: float | None
    alpha_perception: float | None
    importance: float | None = None  # points out of 100
    quadrant: str | None = None
    change: float | None = None  # gap minus the previous wave's gap

    @property
    def unreliable(self) -> list[str]:
        """'E', 'P' for each alpha under the customary 0.70."""
        return [side for side, alpha in (("E", self.alpha_expectation),
                                         ("P", self.alpha_perception))
                if alpha is not None and alpha < ALPHA_FLOOR]


@dataclass
class WaveScore:
    """The SERVQUAL figures of one wave."""

    wave: str
    respondents: int
    complete: int
    dimensions: dict[str, DimensionScore]
    items: list[ItemScore]
    unweighted: float | None
    weighted: float | None
    weighting: str  # RESPONDENTS (their own W_ points) or CONFIGURED (servqual.weights)
    previous: str | None = None
    change_unweighted: float | None = None
    change_weighted: float | None = None
    missing: dict[str, int] = field(default_factory=dict)  # 'E3' -> blank answers


def select_waves(waves: Sequence[SurveyWave], names: Sequence[str]) -> list[SurveyWave]:
    """The waves named (all when none is), ordered by name; an unknown name is refused."""
    by_name = {w.id: w for w in waves}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none (add audits/surveys/<wave>.csv)"
        raise QmsError(f"no survey wave {', '.join(map(repr, unknown))}; the waves: {known}")
    return [by_name[n] for n in sorted(set(names) or by_name)]


_WAVE_DATE = re.compile(r"^(\d{4})(?:-(?:[qQ]([1-4])|(\d{2})(?:-(\d{2}))?))?(?![0-9])")


def wave_date(name: str) -> date | None:
    """The day a wave's name dates it to: the last day of the period its name begins with
    (2026-q3 -> 2026-09-30, 2026-09 -> 2026-09-30, 2026-09-15, 2026 -> 2026-12-31), or None."""
    found = _WAVE_DATE.match(name)
    if found is None:
        return None
    year, quarter, month, day = found.groups()
    if month and not 1 <= int(month) <= 12:
        return None
    try:
        if day:
            return date(int(year), int(month), int(day))
        last_month = int(quarter) * 3 if quarter else int(month) if month else 12
        following = date(int(year) + last_month // 12, last_month % 12 + 1, 1)
        return following - timedelta(days=1)
    except ValueError:  # 2026-13: no date after all
        return None


def waves_between(waves: Sequence[SurveyWave], since: date | None,
                  until: date | None) -> tuple[list[SurveyWave], list[str]]:
    """The waves whose name dates them within the range, and the names that carry no date."""
    if since is None and until is None:
        return list(waves), []
    undated = sorted(w.id for w in waves if wave_date(w.id) is None)
    return [w for w in waves if (day := wave_date(w.id)) is not None
            and (since is None or day >= since) and (until is None or day <= until)], undated


def score_waves(waves: Sequence[SurveyWave], config: ServqualConfig,
                names: Sequence[str] = (), since: date | None = None,
                until: date | None = None) -> list[WaveScore]:
    """Score the waves named (default all) and dated within since..until (when given), each
    with its change against the wave before it (which may lie before the range)."""
    ordered = sorted(waves, key=lambda w: w.id)
    chosen = {w.id for w in select_waves(ordered, names)}
    chosen &= {w.id for w in waves_between(ordered, since, until)[0]}
    scores: dict[int, WaveScore] = {}

    def scored(index: int) -> WaveScore:
        if index not in scores:
            scores[index] = score_wave(ordered[index], config)
        return scores[index]

    results = []
    for index, wave in enumerate(ordered):
        if wave.id in chosen:
            if index:
                compare(scored(index), scored(index - 1))
            results.append(scored(index))
    return results


def compare(score: WaveScore, previous: WaveScore) -> None:
    """Fill in the change of every gap and score against the previous wave."""
    score.previous = previous.wave
    for name, dimension in score.dimensions.items():
        before = previous.dimensions.get(name)
        dimension.change = _difference(dimension.gap, before.gap if before else None)
    score.change_unweighted = _difference(score.unweighted, previous.unweighted)
    score.change_weighted = _difference(score.weighted, previous.weighted)


def score_wave(wave: SurveyWave, config: ServqualConfig) -> WaveScore:
    """Score one wave: item and dimension gaps, the unweighted and weighted SERVQUAL score."""
    instrument: dict[str, tuple[int, ...]] = {
        d: tuple(sorted(set(items))) for d, items in config.instrument.items() if items}
    numbers = sorted({i for items in instrument.values() for i in items})
    expectations, perceptions = _answers(wave, numbers, config)
    column = {item: index for index, item in enumerate(numbers)}
    dimensions: dict[str, DimensionScore] = {}
    respondent_gaps: dict[str, NDArray[np.float64]] = {}
    for name, items in instrument.items():
        columns = [column[i] for i in items]
        dimensions[name], respondent_gaps[name] = _dimension(
            name, items, expectations[:, columns], perceptions[:, columns])
    gaps = [d.gap for d in dimensions.values()]
    unweighted = None if None in gaps or not gaps else float(np.mean(np.asarray(gaps)))
    has_points = any(r.weights is not None for r in wave.responses)
    if has_points:
        weighted, importance = _respondent_weighting(wave, respondent_gaps)
    else:
        weighted, importance = _configured_weighting(config, dimensions)
    _grid(dimensions, importance)
    answered = ~np.isnan(expectations) & ~np.isnan(perceptions)
    missing = {f"{side}{item}": int(np.isnan(matrix[:, column[item]]).sum())
               for side, matrix in (("E", expectations), ("P", perceptions)) for item in numbers}
    return WaveScore(
        wave=wave.id,
        respondents=len(wave.responses),
        complete=int(answered.all(axis=1).sum()),
        dimensions=dimensions,
        items=_items(instrument, column, expectations, perceptions, set(config.reverse)),
        unweighted=unweighted,
        weighted=weighted,
        weighting=RESPONDENTS if has_points else CONFIGURED,
        missing={k: v for k, v in missing.items() if v},
    )


def _answers(wave: SurveyWave, numbers: list[int],
             config: ServqualConfig) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Respondents × items matrices of E and P; a blank answer is NaN (never a zero)."""
    nan = float("nan")
    expectations = np.array([[nan if (a := r.expectations.get(i)) is None else a for i in numbers]
                             for r in wave.responses], dtype=float).reshape(-1, len(numbers))
    perceptions = np.array([[nan if (a := r.perceptions.get(i)) is None else a for i in numbers]
                            for r in wave.responses], dtype=float).reshape(-1, len(numbers))
    low, high = config.scale
    reversed_columns = [k for k, item in enumerate(numbers) if item in set(config.reverse)]
    for matrix in (expectations, perceptions):
        # a negatively worded item: scored max + min − answer (NaN stays NaN)
        matrix[:, reversed_columns] = high + low - matrix[:, reversed_columns]
    return expectations, perceptions


def _dimension(name: str, items: tuple[int, ...], expectations: NDArray[np.float64],
               perceptions: NDArray[np.float64]) -> tuple[DimensionScore, NDArray[np.float64]]:
    """A dimension's means over respondents and each respondent's gap (NaN: no answered pair).

    A respondent's E, P and gap are means over the items they answered both sides of, so
    the dimension's gap is exactly its perception minus its expectation."""
    paired = ~np.isnan(expectations) & ~np.isnan(perceptions)
    pairs = paired.sum(axis=1)
    present = pairs > 0
    safe = np.where(present, pairs, 1)
    own_e = np.where(paired, expectations, 0.0).sum(axis=1) / safe
    own_p = np.where(paired, perceptions, 0.0).sum(axis=1) / safe
    own_gap = np.where(paired, perceptions - expectations, 0.0).sum(axis=1) / safe
    n = int(present.sum())
    score = DimensionScore(
        dimension=name,
        items=items,
        n=n,
        expectation=float(own_e[present].mean()) if n else None,
        perception=float(own_p[present].mean()) if n else None,
        gap=float(own_gap[present].mean()) if n else None,
        alpha_expectation=_alpha(expectations),
        alpha_perception=_alpha(perceptions),
    )
    return score, np.where(present, own_gap, np.nan)


def _alpha(matrix: NDArray[np.float64]) -> float | None:
    """Cronbach's alpha over the respondents who answered every item (listwise)."""
    return cronbach_alpha(matrix[~np.isnan(matrix).any(axis=1)])


def _respondent_weighting(wave: SurveyWave, gaps: dict[str, NDArray[np.float64]]
                          ) -> tuple[float | None, dict[str, float]]:
    """The mean over respondents of Σ W/100 × dimension gap, and the mean W points."""
    names = list(gaps)
    points = np.array([[(r.weights or {}).get(d, np.nan) for d in names]
                       for r in wave.responses], dtype=float).reshape(-1, len(names))
    gap_matrix = np.column_stack([gaps[d] for d in names]) if names else points
    totals = points.sum(axis=1)
    # a respondent counts when they gave points and have a gap in every dimension; points are
    # taken out of the instrument's dimensions (out of 100 for the standard five)
    usable = ~np.isnan(points).any(axis=1) & ~np.isnan(gap_matrix).any(axis=1) & (totals > 0)
    own = (points[usable] * gap_matrix[usable]).sum(axis=1) / totals[usable]
    given = points[~np.isnan(points).any(axis=1)]
    importance = {d: float(given[:, k].mean()) for k, d in enumerate(names)} if len(given) else {}
    return (float(own.mean()) if own.size else None), importance


def _configured_weighting(config: ServqualConfig, dimensions: dict[str, DimensionScore]
                          ) -> tuple[float | None, dict[str, float]]:
    """servqual.weights normalised to sum to 1 over the instrument's dimensions, applied to the
    wave's dimension gaps; and the weights as points out of 100."""
    configured: dict[str, float] = {str(d): w for d, w in config.weights.items()}
    weights = {d: configured.get(d, 0.0) for d in dimensions}
    total = sum(weights.values())
    if total <= 0:
        return None, {}
    importance = {d: w / total * 100 for d, w in weights.items()}
    gaps = [dimensions[d].gap for d in dimensions]
    if any(g is None for g in gaps):
        return None, importance
    return sum(weights[d] / total * (dimensions[d].gap or 0.0) for d in dimensions), importance


def _grid(dimensions: dict[str, DimensionScore], importance: dict[str, float]) -> None:
    """Place each dimension in the importance–performance grid, split at the means."""
    scored = [d for d in dimensions.values()
              if d.perception is not None and d.dimension in importance]
    for dimension in scored:
        dimension.importance = importance[dimension.dimension]
    if not scored:
        return
    mean_importance = float(np.mean([importance[d.dimension] for d in scored]))
    mean_performance = float(np.mean([d.perception or 0.0 for d in scored]))
    for d in scored:
        important = importance[d.dimension] >= mean_importance
        performing = (d.perception or 0.0) >= mean_performance
        d.quadrant = QUADRANTS[(important, performing)]


def _items(instrument: dict[str, tuple[int, ...]], column: dict[int, int],
           expectations: NDArray[np.float64], perceptions: NDArray[np.float64],
           reverse: set[int]) -> list[ItemScore]:
    """Each item's E, P and gap over the respondents who answered both, with a 95 % interval."""
    dimension_of = {i: d for d, items in instrument.items() for i in items}
    scores = []
    for item in sorted(column):
        e, p = expectations[:, column[item]], perceptions[:, column[item]]
        paired = ~np.isnan(e) & ~np.isnan(p)
        n = int(paired.sum())
        differences = p[paired] - e[paired]
        scores.append(ItemScore(
            item=item, dimension=dimension_of[item], reverse=item in reverse, n=n,
            missing_expectation=int(np.isnan(e).sum()),
            missing_perception=int(np.isnan(p).sum()),
            expectation=float(e[paired].mean()) if n else None,
            perception=float(p[paired].mean()) if n else None,
            gap=float(differences.mean()) if n else None,
            gap_interval=mean_interval_95(differences),
        ))
    return scores


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


DIMENSION_COLUMNS = ("wave", "dimension", "n", "expectation", "perception", "gap", "change",
                     "alpha_e", "alpha_p", "importance", "quadrant")
ITEM_COLUMNS = ("wave", "item", "dimension", "reverse", "n", "missing_e", "missing_p",
                "expectation", "perception", "gap", "ci_low", "ci_high")


def dimension_rows(scores: Sequence[WaveScore]) -> list[dict[str, object]]:
    """A row per wave and dimension, then the wave's unweighted and weighted score as gaps."""
    rows: list[dict[str, object]] = []
    for score in scores:
        for d in score.dimensions.values():
            rows.append({"wave": score.wave, "dimension": d.dimension, "n": d.n,
                         "expectation": rounded(d.expectation), "perception": rounded(d.perception),
                         "gap": rounded(d.gap), "change": rounded(d.change),
                         "alpha_e": _alpha_cell(d.alpha_expectation),
                         "alpha_p": _alpha_cell(d.alpha_perception),
                         "importance": rounded(d.importance), "quadrant": d.quadrant})
        rows.append({"wave": score.wave, "dimension": "(unweighted score)",
                     "gap": rounded(score.unweighted), "change": rounded(score.change_unweighted)})
        rows.append({"wave": score.wave, "dimension": f"(weighted score, {score.weighting})",
                     "gap": rounded(score.weighted), "change": rounded(score.change_weighted)})
    return rows


def item_rows(scores: Sequence[WaveScore]) -> list[dict[str, object]]:
    """A row per wave and item: answered pairs, missing answers, E, P, gap and its 95 % CI."""
    return [{"wave": score.wave, "item": i.item, "dimension": i.dimension,
             "reverse": "yes" if i.reverse else "", "n": i.n,
             "missing_e": i.missing_expectation, "missing_p": i.missing_perception,
             "expectation": rounded(i.expectation), "perception": rounded(i.perception),
             "gap": rounded(i.gap),
             "ci_low": rounded(i.gap_interval[0]) if i.gap_interval else None,
             "ci_high": rounded(i.gap_interval[1]) if i.gap_interval else None}
            for score in scores for i in score.items]


def wave_json(score: WaveScore) -> dict[str, object]:
    """The JSON contract of one wave (docs/measurement.md lists every key)."""
    return {
        "wave": score.wave, "respondents": score.respondents, "complete": score.complete,
        "missing": score.missing,
        "dimensions": {d.dimension: {
            "n": d.n, "expectation": rounded(d.expectation), "perception": rounded(d.perception),
            "gap": rounded(d.gap), "alpha_expectation": rounded(d.alpha_expectation),
            "alpha_perception": rounded(d.alpha_perception), "reliable": not d.unreliable,
            "importance": rounded(d.importance), "quadrant": d.quadrant,
            "change": rounded(d.change)} for d in score.dimensions.values()},
        "unweighted": rounded(score.unweighted), "weighted": rounded(score.weighted),
        "weighting": score.weighting, "previous": score.previous,
        "change_unweighted": rounded(score.change_unweighted),
        "change_weighted": rounded(score.change_weighted),
        "items": [{"item": i.item, "dimension": i.dimension, "reverse": i.reverse, "n": i.n,
                   "missing_expectation": i.missing_expectation,
                   "missing_perception": i.missing_perception,
                   "expectation": rounded(i.expectation), "perception": rounded(i.perception),
                   "gap": rounded(i.gap),
                   "gap_ci95": [rounded(v) for v in i.gap_interval] if i.gap_interval else None}
                  for i in score.items],
    }


def summary(score: WaveScore) -> str:
    """One line on a wave: respondents, missing answers, weighting and unreliable dimensions."""
    missing = sum(score.missing.values())
    worst = ", ".join(f"{k} {v}" for k, v in sorted(score.missing.items(),
                                                     key=lambda kv: -kv[1])[:5])
    weighting = ("respondents' own W_ importance points" if score.weighting == RESPONDENTS
                 else "servqual.weights of qms.yaml")
    low = [f"{d.dimension} ({'/'.join(d.unreliable)})" for d in score.dimensions.values()
           if d.unreliable]
    return (f"{score.wave}: {score.respondents} respondent(s), {score.complete} complete; "
            f"{missing} missing answer(s){f' ({worst})' if worst else ''}; weighted by "
            f"{weighting}" + (f"; alpha under 0.70: {', '.join(low)}" if low else ""))


def _alpha_cell(alpha: float | None) -> str | None:
    """The alpha to two places, marked '!' under the customary 0.70."""
    if alpha is None:
        return None
    return f"{alpha:.2f}" + ("!" if alpha < ALPHA_FLOOR else "")


