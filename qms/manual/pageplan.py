"""Which pages an edit can change, found from the inputs whose versions changed.

A page's key is made from the versions of its inputs (buildstate.page_key). Planning every
page and making every key, to find the dozen pages an edit changed, cost a quarter of a second
at 5,000 standards. So the last full planning is kept: every page (its document name and file)
and, per input, the pages that show it; and with every build the versions of all inputs.

While the build's *structure* is as it was -- the settings key, which inputs there are, and
the versions of every input that decides which pages there are and what each page's inputs are
-- every page has the inputs it had. Only pages showing an input whose version changed can have
another key: only they are planned and keyed, the others keep their keys. Anything else (a
new or removed item, a standard moved to another group, an audit, a reading, a template, the
day) plans every page, as a build without a plan does.

What never decides a page's inputs is left out of the structure: a standard's file as a whole
and its listed fields (its texts are in them: title, statement, do, don't; every other field of
it is in its "#structure" version, which decides), and an audit's changed answers.

Kept in the state folder and signed with the cache key like the rest of qms's state: a plan
someone else wrote would keep pages of theirs that qms never rendered. A process that builds
again (`qms serve`) decodes a file of the plan again only when its bytes changed (cachekey's
keep); the data it gets back is shared, and only read.
"""

from __future__ import annotations

import contextlib
import hashlib
import zlib
from collections.abc import Iterable
from pathlib import Path

from qms.base.cachekey import read_signed, write_signed
from qms.manual.inputs import NOT_DECIDING

FOLDER = "plan"  # in the state folder
PURPOSE = "page-plan"
SHARDS = 64  # the pages of an input are read from its shard only: an edit reads a few


def _shard(name: str) -> int:
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) % SHARDS


def structure_key(settings: str, versions: dict[str, str], standards: Iterable[str]) -> str:
    """What decides every page's inputs: the settings, every input's name, and the versions of
    the inputs that decide (see the module docstring)."""
    # In the versions' order, which a build of the same files repeats (another order only
    # costs a full planning)
    files = set(standards)
    parts = [settings]
    parts += [name if name in files or name.endswith(NOT_DECIDING) else f"{name}\0{version}"
              for name, version in versions.items()]
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class PagePlan:
    """The pages of the last full planning, and the pages of each input."""

    def __init__(self, folder: Path, structure: str, pages: list[list[str]],
                 always: list[int]) -> None:
        self.folder = folder
        self.structure = structure
        self.pages = pages  # [document name, file under the source folder], in plan order
        self.always = always  # the numbers of the pages without inputs (rendered every time)

    @classmethod
    def load(cls, state_folder: Path, structure: str) -> PagePlan | None:
        """The kept plan, if it was made for this structure (None: plan every page)."""
        folder = state_folder / FOLDER
        try:
            data = read_signed(folder / "plan.json", PURPOSE, keep=True)
            if data["structure"] != structure:
                return None
            pages, always = data["pages"], data["always"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not (isinstance(pages, list) and all(
                isinstance(page, list) and len(page) == 2 and all(isinstance(part, str)
                                                                  for part in page)
                for page in pages) and isinstance(always, list)
                and all(isinstance(n, int) and 0 <= n < len(pages) for n in always)):
            return None
        return cls(folder, structure, pages, always)

    def pages_of(self, inputs: Iterable[str]) -> set[str] | None:
        """The document names of the pages that show any of these inputs (None: the plan's
        files are not all there, or not as written)."""
        by_shard: dict[int, list[str]] = {}
        for name in inputs:
            by_shard.setdefault(_shard(name), []).append(name)
        found = {self.pages[number][0] for number in self.always}
        for shard, names in by_shard.items():
            try:
                data = read_signed(self.folder / f"inputs-{shard:02d}.json", PURPOSE, keep=True)
                for name in names:
                    found.update(self.pages[number][0] for number in data.get(name, []))
            except (OSError, ValueError, TypeError, IndexError, AttributeError):
                return None
        return found

    @staticmethod
    def save(state_folder: Path, structure: str,
             planned: list[tuple[str, str, tuple[str, ...] | None]]) -> None:
        """Keep a full planning: its pages (document name, file, inputs: None for a page
        rendered every time)."""
        folder = state_folder / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        shards: list[dict[str, list[int]]] = [{} for _ in range(SHARDS)]
        always = []
        for number, (_, _, inputs) in enumerate(planned):
            if inputs is None:
                always.append(number)
            for name in inputs or ():
                shards[_shard(name)].setdefault(name, []).append(number)
        # The shards first, the plan that names them last: a plan is never read beside the
        # shards of another one (an interrupted save leaves the old plan, whose structure no
        # longer matches, or none).
        (folder / "plan.json").unlink(missing_ok=True)
        for shard, pages_of in enumerate(shards):
            write_signed(folder / f"inputs-{shard:02d}.json", PURPOSE, pages_of, keep=True)
        write_signed(folder / "plan.json", PURPOSE, {
            "structure": structure, "always": always,
            "pages": [[docname, file] for docname, file, _ in planned]}, keep=True)


def load_versions(state_folder: Path) -> dict[str, str] | None:
    """The versions of every input at the last build (None: none kept, or not ours)."""
    try:
        data = read_signed(state_folder / FOLDER / "versions.json", PURPOSE, keep=True)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_versions(state_folder: Path, versions: dict[str, str]) -> None:
    """Keep the versions of every input of this build."""
    write_signed(state_folder / FOLDER / "versions.json", PURPOSE, dict(versions), keep=True)


def keep_plan(state_folder: Path) -> None:
    """Read the kept plan and versions once, kept (cachekey's keep): the next build of this
    process decodes neither again while their bytes stay the same (`qms serve`'s warming)."""
    for name in ("plan.json", "versions.json"):
        with contextlib.suppress(OSError, ValueError):
            read_signed(state_folder / FOLDER / name, PURPOSE, keep=True)
