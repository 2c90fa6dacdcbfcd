"""A measure's target (`>= 95`, `< 2`, `== 100`): parsed once, judged the same way everywhere."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qms.format.models import TARGET_PATTERN

_TARGET = re.compile(TARGET_PATTERN)
COMPARATORS = (">=", ">", "<=", "<", "==")
# A mean computed in floating point can miss a target it meets exactly (three readings of 95.1
# average 95.09999999999999): values this close to the target count as equal to it.
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Target:
    """A comparator and the number it compares with."""

    comparator: str
    value: float
    text: str

    def met(self, figure: float) -> bool:
        """Whether a figure (a period's mean) meets the target."""
        equal = math.isclose(figure, self.value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
        if self.comparator == "==":
            return equal
        if self.comparator in (">=", "<="):
            return equal or (figure > self.value) == (self.comparator == ">=")
        return not equal and (figure > self.value) == (self.comparator == ">")

    def __str__(self) -> str:
        return f"{self.comparator} {self.text}"


def parse_target(text: str | None) -> Target | None:
    """The target a measure states, or None when it states none (the model checked the form)."""
    if text is None:
        return None
    match = _TARGET.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a target; write a comparator and a number: '>= 95'")
    comparator = match.group(1)
    number = text.strip()[len(comparator):].strip()
    return Target(comparator, float(number), number)
