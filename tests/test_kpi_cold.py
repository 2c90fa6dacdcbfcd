"""`qms kpi` on a fresh clone (no file cache): what it loads and computes, the same to the byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from qms.measurement.kpi import pairwise_sum, xmr_limits

from .conftest import ROOT, TODAY

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(FINITE, max_size=300))
def test_pairwise_sum_is_numpys_sum_to_the_last_bit(values: list[float]) -> None:
    assert pairwise_sum(values) == float(np.asarray(values, dtype=float).sum())


@given(st.lists(FINITE, min_size=2, max_size=60))
def test_xmr_limits_are_numpys_means_to_the_last_bit(values: list[float]) -> None:
    # the figures `qms kpi` printed when numpy worked them out: its mean of the first 20 values
    # and of their moving ranges
    base = np.asarray(values[:20], dtype=float)
    limits = xmr_limits(values)
    assert limits is not None
    assert limits.centre == float(base.mean())
    assert limits.mean_moving_range == float(np.abs(np.diff(base)).mean())


def test_kpi_loads_no_numpy(sample_repo: Path) -> None:
    # importing numpy took 0.1 s of a cold `qms kpi` at 5,000 standards, for means of 20 values
    code = ("import sys\nfrom qms.cli.main import main\n"
            f"sys.argv = ['qms', 'kpi', '-C', {str(sample_repo)!r}, '--today', {TODAY!r}]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    assert "TEL-001" in done.stdout
    assert done.stdout.split()[-1] == "False"
