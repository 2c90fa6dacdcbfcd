"""Descriptive statistics the measurement reports share: means, sample variances, Cronbach's
alpha and t-based 95 % confidence intervals, on numpy alone (no scipy)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: a build that computes no statistics
    import numpy as np  # does not pay for its import (0.13 s of an edit's build)
    from numpy.typing import NDArray

# Student's t quantile t(0.975; df) for df = 1..30, the usual printed table (e.g. NIST/SEMATECH
# e-Handbook of Statistical Methods, 1.3.6.7.2), to seven decimals.
T_975 = (
    12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041,
    2.2621572, 2.2281389, 2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053,
    2.1098156, 2.1009220, 2.0930241, 2.0859634, 2.0796138, 2.0738731, 2.0686576, 2.0638986,
    2.0595386, 2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725,
)
Z_975 = 1.959963984540054  # the standard normal quantile at 0.975
ALPHA_FLOOR = 0.70  # Nunnally's customary floor for an acceptable Cronbach's alpha


def mean(values: Sequence[float] | NDArray[np.float64]) -> float | None:
    """The arithmetic mean, or None for no values."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    return float(array.mean()) if array.size else None


def sample_variance(values: Sequence[float] | NDArray[np.float64]) -> float | None:
    """The sample variance (divisor n − 1), or None for fewer than two values."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    return float(array.var(ddof=1)) if array.size >= 2 else None


def cronbach_alpha(scores: NDArray[np.float64]) -> float | None:
    """Cronbach's alpha of a respondents × items matrix without gaps; None when undefined.

    alpha = k / (k − 1) × (1 − Σ item variances / variance of the respondents' totals)
    (Cronbach 1951); undefined for fewer than two items or respondents or equal totals.
    """

    respondents, items = scores.shape
    if items < 2 or respondents < 2:
        return None
    total_variance = float(scores.sum(axis=1).var(ddof=1))
    if total_variance <= 0:
        return None
    item_variances = float(scores.var(axis=0, ddof=1).sum())
    return items / (items - 1) * (1 - item_variances / total_variance)


def t_critical_95(df: int) -> float:
    """The two-sided 95 % critical value of Student's t with df degrees of freedom.

    df 1–30 from the table; beyond, the Cornish–Fisher expansion of t around the normal
    quantile (Abramowitz & Stegun 26.7.5, five terms), within 1e-6 of the exact value there.
    """
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(T_975):
        return T_975[df - 1]
    z = Z_975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def mean_interval_95(values: NDArray[np.float64]) -> tuple[float, float] | None:
    """The t-based 95 % confidence interval of the mean; None for fewer than two values."""

    n = values.size
    if n < 2:
        return None
    centre = float(values.mean())
    half = t_critical_95(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return centre - half, centre + half


def rounded(value: float | None) -> float | None:
    """A figure for JSON: six decimal places (floating-point noise off), None kept."""
    return None if value is None else round(value, 6)
