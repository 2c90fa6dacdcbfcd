"""What every template is given: the project, derived facts, links and table helpers.

The table helpers here are shared by several pages (a standard's findings, a site's, the
register); a repository template can still build its own rows with `table()` and `cell()`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .derive import AnswerRef, Compliance, Derived
from .iso9001 import CLAUSES
from .labels import translator
from .models import Finding, Standard
from .pages import Docs
from .project import FindingRef, Project
from .render import Rst, cell, escape, table


def pct(rate: float | None) -> str:
    """A rate as a whole percentage, or a dash when there is none."""
    return "—" if rate is None else f"{rate * 100:.0f} %"


def common_context(project: Project, derived: Derived, docs: Docs) -> dict[str, Any]:
    """The context every page template gets."""
    config = project.config
    _ = translator(config.manual.language)
    grades = {g.id: g.label for g in config.grades}
    by_grade: dict[str, list[FindingRef]] = defaultdict(list)
    by_site: dict[str, list[FindingRef]] = defaultdict(list)
    for ref in project.findings:
        by_grade[ref.finding.grade].append(ref)
        by_site[ref.audit.site].append(ref)
    by_clause: dict[str, list[Standard]] = defaultdict(list)
    for standard in project.current_standards():
        for clause in standard.clauses:
            by_clause[clause].append(standard)

    def grade_label(grade_id: str) -> str:
        return grades.get(grade_id, grade_id)

    def group_label(kind: str, name: Any) -> str:
        if kind == "dimension":
            return _(name)
        if kind == "gap":
            return f"{_('Gap')} {name}" if name is not None else _("No gap")
        return str(name)

    def result_cell(result: str) -> dict[str, Any]:
        return cell(_(result), cls=f"qms-result-{result}")

    def changed_cell(changed: bool) -> Any:
        return cell(" " + _("changed since audited"), cls="qms-changed") if changed else ""

    def capa_cells(finding: Finding) -> list[Any]:
        capa = finding.capa
        if capa is None:
            return [_("no CAPA")]
        overdue = finding.id in derived.overdue
        spans: list[Any] = [cell(_(capa.status), cls=f"qms-capa-{capa.status}")]
        if capa.owner:
            spans.append(f", {capa.owner}")
        if capa.due:
            spans.append(f", {_('Due')} {capa.due.isoformat()}")
        if overdue:
            spans.append(cell(" " + _("overdue"), cls="qms-overdue"))
        for label, text in (("containment", capa.containment), ("root cause", capa.root_cause),
                            ("action", capa.action)):
            if text:
                spans.append(cell(f"{_(label)}: {text}", p=True))
        if capa.verification:
            v = capa.verification
            spans.append(cell(f"{v.on.isoformat()} {v.by}: {_(v.result)}", p=True))
        return spans

    def finding_table(refs: list[FindingRef], standard: bool = True, site: bool = True) -> Rst:
        header = [_("Finding"), _("Date")] + ([_("Site")] if site else []) + (
            [_("Standard")] if standard else []) + [_("Grade"), _("Statement"), _("CAPA")]
        rows = []
        for ref in refs:
            f, audit = ref.finding, ref.audit
            row: list[Any] = [
                cell(f.id, doc=docs.audit(audit.id), anchor=docs.finding_anchor(f.id)),
                audit.started.date()]
            if site:
                row.append(cell(audit.site, doc=docs.site(audit.site)))
            if standard:
                row.append(cell(f.standard, doc=docs.standard(f.standard)))
            row += [grade_label(f.grade), f.statement, capa_cells(f)]
            rows.append({"cls": "qms-overdue-row", "cells": row} if f.id in derived.overdue
                        else row)
        return table(header, rows, cls="qms-findings", search=False)

    def answers_table(refs: list[AnswerRef], per_standard: bool) -> Rst:
        # Built here rather than in a template loop: a big QMS has tens of thousands of rows.
        rows: list[list[Any]] = []
        for ref in refs:
            answer, audit, question = ref.answer, ref.audit, ref.question
            note = [answer.note or "", changed_cell(ref.changed)]
            if per_standard:
                rows.append([cell(audit.id, doc=docs.audit(audit.id)), audit.started.date(),
                             cell(audit.site, doc=docs.site(audit.site)), answer.question,
                             result_cell(answer.result), note])
            else:
                asked = [cell(question.standard, doc=docs.standard(question.standard)),
                         " " + question.ask] if question else ""
                rows.append([answer.question, asked, result_cell(answer.result), note])
        header = ([_("Audit"), _("Date"), _("Site"), _("Question"), _("Result"), _("Note")]
                  if per_standard else [_("Question"), _("Standard"), _("Result"), _("Note")])
        return table(header, rows, cls="qms-answers", search=not per_standard)

    def standards_table(standards: list[Standard]) -> Rst:
        rows = [[cell(s.id, doc=docs.standard(s.id)), s.title, _(s.status), _(s.type), s.owner,
                 s.encounter, pct(derived.rate(s.id))] for s in standards]
        return table([_("Id"), _("Title"), _("Status"), _("Type"), _("Owner"), _("Encounter"),
                      _("Compliance")], rows, cls="qms-standards", search=False)

    def site_compliance_table(sites: list[str] | None = None) -> Rst:
        periods = derived.periods
        rows = []
        for site in sites if sites is not None else list(derived.site_compliance):
            found = derived.site_compliance.get(site, {})
            rows.append([cell(site, doc=docs.site(site))]
                        + [pct(found[p].rate) if p in found else "" for p in periods]
                        + [pct(found["all"].rate) if "all" in found else "—"])
        return table([_("Site"), *periods, _("All")], rows, cls="qms-compliance", search=False)

    def compliance_ranking() -> list[tuple[Standard, Compliance]]:
        ranked = [(project.standards[sid], c) for sid, c in derived.compliance.items()
                  if sid in project.standards and c.answered]
        return sorted(ranked, key=lambda sc: (sc[1].rate or 0.0, sc[0].id))

    def history_table(item_id: str) -> Rst:
        if derived.history is None:
            return escape(_("History unavailable (not a git repository)."))
        revisions = derived.history.get(item_id, [])
        if not revisions:
            return escape(_("No revisions committed yet."))
        rows = [[r.date.date(), r.author, r.message, r.short] for r in revisions]
        return table([_("Date"), _("Author"), _("Change"), _("Commit")], rows,
                     cls="qms-history")

    return {
        "project": project, "derived": derived, "docs": docs, "config": config,
        "manual": config.manual, "org": config.organisation, "today": project.today,
        "lang": config.manual.language, "_": _, "pct": pct, "grade_label": grade_label,
        "group_label": group_label, "result_cell": result_cell, "changed_cell": changed_cell,
        "capa_cells": capa_cells, "finding_table": finding_table, "answers_table": answers_table,
        "standards_table": standards_table, "site_compliance_table": site_compliance_table,
        "compliance_ranking": compliance_ranking, "history_table": history_table,
        "clause_title": lambda number: CLAUSES.get(number, ""), "clauses": CLAUSES,
        "standards_by_clause": by_clause, "findings_by_grade": dict(by_grade),
        "findings_by_site": dict(sorted(by_site.items())),
    }
