"""The customer's order of the service encounters (qms.yaml `manual.encounters`), the names
shown for encounters, owners, sites, approvers and SQI categories (`manual.names`), and their
checks.

The manual lists encounters in the order a customer meets them; encounters the list leaves out
follow alphabetically. The list is optional: without it every encounter is alphabetical and
nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from qms.base.issues import Issue, warning
from qms.format.config import Journey, ManualConfig
from qms.format.load import CONFIG_FILE
from qms.format.project import Project
from qms.format.schema import did_you_mean


@dataclass(frozen=True, slots=True)
class Listed:
    """One encounter as qms.yaml lists it: its journey (if any), and where the entry is."""

    name: str
    journey: str | None
    loc: tuple[int | str, ...]  # the entry's place under `manual`, for its line


def listed_encounters(manual: ManualConfig) -> list[Listed]:
    """Every encounter `manual.encounters` names, in its order (repeats included)."""
    found: list[Listed] = []
    for i, entry in enumerate(manual.encounters):
        if isinstance(entry, Journey):
            found.extend(Listed(name, entry.journey, ("encounters", i, "encounters", j))
                         for j, name in enumerate(entry.encounters))
        else:
            found.append(Listed(entry, None, ("encounters", i)))
    return found


@dataclass(frozen=True, slots=True)
class Step:
    """An encounter in the customer's order: its journey, and its place within the journey."""

    name: str
    journey: str | None
    number: int  # 1-based place within its journey (or among the encounters outside any)
    of: int  # how many encounters that journey has in this manual


def encounter_order(manual: ManualConfig, names: Iterable[str]) -> list[Step]:
    """The encounters `names` in the customer's order: journey by journey as listed, then the
    encounters outside any journey (the listed ones in their order, then the rest by name).

    Listed encounters that no name matches are left out (a manual shows no empty card), and an
    encounter listed twice keeps its first place.
    """
    present = set(names)
    groups: dict[str | None, list[str]] = {}
    placed: set[str] = set()
    for entry in listed_encounters(manual):
        if entry.name in present and entry.name not in placed:
            groups.setdefault(entry.journey, []).append(entry.name)
            placed.add(entry.name)
    outside = groups.pop(None, []) + sorted(present - placed)
    if outside:
        groups[None] = outside
    return [Step(name, journey, number, len(members))
            for journey, members in groups.items()
            for number, name in enumerate(members, 1)]


def check_encounters(project: Project) -> Iterator[Issue]:
    """Warnings about `manual.encounters`: encounters it leaves out, names no standard has,
    names listed twice. Nothing when the list is not set."""
    manual = project.config.manual
    if not manual.encounters:
        return
    source = project.config_source

    def line(*loc: int | str) -> int:
        return source.line("manual", *loc) if source is not None else 0

    used = {s.encounter for s in project.standards.values()}
    listed = listed_encounters(manual)
    names = {entry.name for entry in listed}
    seen: set[str] = set()
    for entry in listed:
        where = f"manual.encounters lists '{entry.name}'"
        if entry.name in seen:
            yield warning(CONFIG_FILE, line(*entry.loc), "duplicate-encounter",
                          f"{where} twice; the first place counts: remove this entry")
        elif entry.name not in used:
            yield warning(CONFIG_FILE, line(*entry.loc), "unknown-encounter",
                          f"{where}, but no standard has that encounter"
                          f"{did_you_mean(entry.name, sorted(used - names))}; correct the "
                          "name or remove the entry")
        seen.add(entry.name)
    unlisted: dict[str, list[str]] = {}
    for standard in project.standards.values():
        if standard.status != "retired" and standard.encounter not in names:
            unlisted.setdefault(standard.encounter, []).append(standard.id)
    for name, ids in sorted(unlisted.items()):
        some = ", ".join(sorted(ids)[:3]) + (", ..." if len(ids) > 3 else "")
        yield warning(CONFIG_FILE, line("encounters"), "encounter-not-listed",
                      f"the encounter '{name}' ({some}) is not in manual.encounters, so the manual "
                      "puts it after the listed ones, alphabetically; add it where a "
                      "customer meets it")


def named_things(project: Project) -> set[str]:
    """Every name the repository uses that manual.names may name: encounters, owners (of
    standards, plans, actions, CAPAs), approvers, sites (of audits, KPI readings), SQI
    categories."""
    found = {name for s in project.standards.values() for name in (s.encounter, s.owner)}
    found.update(s.approval.by for s in project.standards.values() if s.approval)
    for plan in project.plans.values():
        found.add(plan.owner)
        found.update(action.owner for action in plan.actions if action.owner)
    for audit in project.audits.values():
        found.add(audit.site)
        found.update(f.capa.owner for f in audit.findings if f.capa and f.capa.owner)
    found.update(reading.site for reading in project.kpis if reading.site)
    found.update(project.config.sqi.weights)  # SQI categories: their names on the SQI page
    return found


def check_names(project: Project) -> Iterator[Issue]:
    """A warning for each name manual.names translates that nothing in the repository has."""
    names = project.config.manual.names
    if not names:
        return
    source, used = project.config_source, named_things(project)
    for name in names:
        if name not in used:
            line = source.line("manual", "names", name) if source is not None else 0
            yield warning(CONFIG_FILE, line, "unknown-name",
                          f"manual.names gives '{name}' a name per language, but no encounter, "
                          "owner, approver, site or SQI category is called that"
                          f"{did_you_mean(name, sorted(used))}; "
                          "correct the name or remove the entry")
