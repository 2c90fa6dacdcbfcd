"""ruff and mypy are part of the test suite, so the test command keeps the code clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

BIN = Path(sys.executable).parent


def test_ruff_is_clean() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "qms", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layers_hold() -> None:
    # pyproject.toml's [tool.importlinter] contracts: cli -> manual -> audits | measurement ->
    # format -> base, and only the CLI imports Click.
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_lowest_run_pins_every_declared_lower_bound() -> None:
    # .ci/run installs a second environment with these pins; a dependency declared without a
    # lower bound would escape that run, so every one must have one.
    import tomllib

    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*spec["dependencies"], *spec["optional-dependencies"]["test"]]
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "lowest_constraints.py")],
                            capture_output=True, text=True, check=True)
    pins = dict(line.split("==") for line in result.stdout.split())
    unbounded = [d for d in declared if ">=" not in d and not d.startswith("types-")]
    assert unbounded == [], "give these a lower bound (>=) so the lowest run covers them"
    assert pins["Sphinx"] == "8.0" and pins["PyYAML"] == "6.0.1"
    assert len(pins) == len(declared) - 1  # all but the stub package
