"""What `qms serve` keeps in memory from one build to the next, each part checked before use.

A build in a process that built before need not read again what it read then: the file
cache's models (each file is still signed against its bytes, qms.format.loadcache, so an edited
file is read again and an unchanged one is not even parsed from the cache's JSON), and the git
histories (one pass over `git log`, the same while HEAD is the same commit: a commit's history
never changes). Nor work out again what it worked out from models it kept: each such figure
is kept with the very model objects it was made from, and used only where this build's models
are those objects (`of`: derive's audits' answers, inputs' standards' versions). `qms build`
starts with none and keeps none; nothing here is read from disk.

Kept, those models are millions of objects the garbage collector would scan in every full
collection of the next build: `settle` collects the garbage of a build once it is done and
freezes what is still alive out of the next build's collections. Only the build's own objects
are scanned then (a full scan of everything would hold the interpreter for a third of a second
at 5,000 standards, and the server's requests with it), and every FULL_EVERY builds all of
them, so that cycles that died after they were frozen are freed too.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

FULL_EVERY = 10

if TYPE_CHECKING:  # the file cache imports pydantic: a build with nothing to do never does
    from qms.format.loadcache import LoadCache
    from qms.format.project import Project


@dataclass
class BuildMemory:
    """The file caches by folder and the git histories by repository, of earlier builds."""

    load_caches: dict[Path, LoadCache] = field(default_factory=dict)
    histories: dict[Path, tuple[str | None, Any]] = field(default_factory=dict)
    settled: int = 0  # builds settled
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The files this build's loads read afresh (their bytes changed since the last build), as
    # shown; None where a load read the repository in full. The first manual's load reads an
    # edited file: the other languages' loads find it in the cache.
    read_afresh: set[str] | None = field(default_factory=set)

    def begin(self) -> None:
        """A build starts: nothing read afresh yet."""
        self.read_afresh = set()

    def edited_items(self, loaded: Project, folder: Path) -> set[str] | None:
        """The items whose files this build's loads read afresh, with what the load of
        `loaded` through the file cache of folder read (None: a load read every file)."""
        cache = self.load_caches.get(folder)
        reread = cache.reread if cache is not None else None
        if self.read_afresh is not None:
            self.read_afresh = None if reread is None else self.read_afresh | reread
        afresh = self.read_afresh
        if not afresh:
            return afresh  # (None, or nothing read afresh)
        return {item_id for item_id, source in loaded.sources.items() if source.path in afresh}

    def load_cache(self, folder: Path) -> LoadCache:
        """The file cache of folder: the one read before, made ready for another build."""
        from qms.format.loadcache import LoadCache

        cache = self.load_caches.get(folder)
        if cache is None:
            cache = self.load_caches[folder] = LoadCache(folder)
        else:
            cache.again()
        return cache

    def save_load_cache(self, folder: Path) -> None:
        """Write what changed of the file cache of folder (a build saves it once its pages are
        rendered: the page asked for is shown sooner)."""
        cache = self.load_caches.get(folder)
        if cache is not None:
            cache.save()

    def histories_of(self, root: Path, head: str | None, read: Callable[[Path], Any]) -> Any:
        """read(root) (the histories), or what it gave the last time HEAD was this commit."""
        kept = self.histories.get(root)
        if kept is None or head is None or kept[0] != head:
            kept = self.histories[root] = (head, read(root))
        return kept[1]

    def of(self, name: str) -> dict[str, Any]:
        """What the computation `name` kept from the last build (it checks and replaces it)."""
        return self.figures.setdefault(name, {})

    def settle(self) -> None:
        """Collect the garbage of the build just done, and freeze what is alive now (the kept
        models, Sphinx's environment) out of the collections of the next."""
        self.settled += 1
        if self.settled % FULL_EVERY == 0:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
