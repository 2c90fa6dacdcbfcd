"""Print pip constraints that pin every dependency in pyproject.toml to its lowest allowed version.

CI installs the project a second time with these (`pip install -c FILE -e '.[test]'`), so a
lower bound that no longer works shows as a red run instead of as a newcomer's broken install.
Only the declared dependencies are pinned (uv calls this "lowest-direct"); what they pull in
resolves as usual.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path



def lowest_pins(pyproject: Path) -> list[str]:
    """`name==X` for every dependency (the test extra included) declared with `>=X`."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    pins = []
    for spec in specs:
        name = re.split(r"[\s<>=!~;\[,]", spec, maxsplit=1)[0]
        found = re.search(r">=\s*([^,;\s]+)", spec)
        if found:
            pins.append(f"{name}=={found.group(1)}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("".join(f"{pin}\n" for pin in lowest_pins(root / "pyproject.toml")))
