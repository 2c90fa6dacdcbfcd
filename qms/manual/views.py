"""What every template is given: the project, derived facts, links and table helpers.

The table helpers here are shared by several pages (a standard's findings, a site's, the
register) and build big tables in Python rather than in template loops; a repository template
can still build its own rows with `table()` and `cell()`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from qms.format.models import Finding, Standard
from qms.format.project import FindingRef, Project
from qms.manual.derive import AnswerRef, Compliance, Derived
from qms.manual.edition import QUALITY, shows_audits
from qms.manual.isoclauses import clause_titles
from qms.manual.labels import translator
from qms.manual.pages import Docs
from qms.manual.render import Table, cell, make_table

CAPA_TEXTS = (("containment", "containment"), ("root cause", "root_cause"), ("action", "action"))


def pct(rate: float | None) -> str:
    """A rate as a whole percentage, or a dash when there is none."""
    return "—" if rate is None else f"{rate * 100:.0f} %"


class Views:
    """Helpers for the templates, bound to one build's project and derived facts."""

    def __init__(self, project: Project, derived: Derived, docs: Docs,
                 edition: str = QUALITY) -> None:
        self.project, self.derived, self.docs = project, derived, docs
        self.audits = shows_audits(edition)  # the staff edition's tables have no audit column
        self._ = translator(project.config.manual.language)
        self.grades = {g.id: g.label for g in project.config.grades}
        self.shown_name = project.config.manual.shown_name

    def grade_label(self, grade_id: str) -> str:
        """The label qms.yaml gives a grade."""
        return self.grades.get(grade_id, grade_id)

    def group_label(self, kind: str, name: Any) -> str:
        """How a group of standards is named on its page."""
        if kind == "dimension":
            return self._(name)
        if kind == "gap":
            return f"{self._('Gap')} {name}" if name is not None else self._("No gap")
        return self.shown_name(str(name))

    def result_cell(self, result: str) -> dict[str, Any]:
        """An answer's result, marked for its colour."""
        return cell(self._(result), cls=f"qms-result-{result}")

    def changed_cell(self, changed: bool) -> Any:
        """The 'changed since audited' mark of an answer, if it has one."""
        return cell(" " + self._("changed since audited"), cls="qms-changed") if changed else ""

    def capa_cells(self, finding: Finding) -> list[Any]:
        """A finding's CAPA: state, owner, due date (overdue marked) and what was done."""
        _, capa = self._, finding.capa
        if capa is None:
            return [_("no CAPA")]
        spans: list[Any] = [cell(_(capa.status), cls=f"qms-capa-{capa.status}")]
        if capa.owner:
            spans.append(f", {self.shown_name(capa.owner)}")
        if capa.due:
            spans.append(f", {_('Due')} {capa.due.isoformat()}")
        if finding.id in self.derived.overdue:
            spans.append(cell(" " + _("overdue"), cls="qms-overdue"))
        for label, name in CAPA_TEXTS:
            if text := getattr(capa, name):
                spans.append(cell(f"{_(label)}: {text}", p=True))
        if v := capa.verification:
            spans.append(cell(f"{v.on.isoformat()} {v.by}: {_(v.result)}", p=True))
        return spans

    def finding_table(self, refs: list[FindingRef], standard: bool = True,
                      site: bool = True) -> Table:
        """Findings with their audit, site, standard, grade, statement and CAPA."""
        _, docs = self._, self.docs
        header = [_("Finding"), _("Date")] + ([_("Site")] if site else []) + (
            [_("Standard")] if standard else []) + [_("Grade"), _("Statement"), _("CAPA")]
        rows: list[Any] = []
        for ref in refs:
            f, audit = ref.finding, ref.audit
            row: list[Any] = [
                cell(f.id, doc=docs.audit(audit.id), anchor=docs.finding_anchor(f.id)),
                audit.started.date()]
            if site:
                row.append(cell(self.shown_name(audit.site), doc=docs.site(audit.site)))
            if standard:
                row.append(cell(f.standard, doc=docs.standard(f.standard)))
            row += [self.grade_label(f.grade), f.statement, self.capa_cells(f)]
            overdue = f.id in self.derived.overdue
            rows.append({"cls": "qms-overdue-row", "cells": row} if overdue else row)
        return make_table(header, rows, cls="qms-findings", search=False)

    def answers_table(self, refs: list[AnswerRef], per_standard: bool) -> Table:
        """Answers, on a standard's page (with their audit) or an audit's (with the question)."""
        _, docs, rows = self._, self.docs, []
        for ref in refs:
            answer, audit, question = ref.answer, ref.audit, ref.question
            note = [answer.note or "", self.changed_cell(ref.changed)]
            if per_standard:
                rows.append([cell(audit.id, doc=docs.audit(audit.id)), audit.started.date(),
                             cell(self.shown_name(audit.site), doc=docs.site(audit.site)),
                             answer.question,
                             self.result_cell(answer.result), note])
            else:
                asked = [cell(question.standard, doc=docs.standard(question.standard)),
                         " " + question.ask] if question else ""
                rows.append([answer.question, asked, self.result_cell(answer.result), note])
        header = ([_("Audit"), _("Date"), _("Site"), _("Question"), _("Result"), _("Note")]
                  if per_standard else [_("Question"), _("Standard"), _("Result"), _("Note")])
        return make_table(header, rows, cls="qms-answers", search=not per_standard)

    def standards_table(self, standards: list[Standard]) -> Table:
        """Standards with their status, type, owner, encounter and (quality edition) compliance."""
        _ = self._
        rows = [[cell(s.id, doc=self.docs.standard(s.id)), s.title, _(s.status), _(s.type),
                 self.shown_name(s.owner), self.shown_name(s.encounter)] for s in standards]
        header = [_("Id"), _("Title"), _("Status"), _("Type"), _("Owner"), _("Encounter")]
        if self.audits:
            header.append(_("Compliance"))
            for row, s in zip(rows, standards, strict=True):
                row.append(pct(self.derived.rate(s.id)))
        return make_table(header, rows, cls="qms-standards", search=False)

    def traceability_table(self, standards: list[Standard]) -> Table:
        """Standards x checklists: a grid of question ids while the checklists fit on a screen
        (twelve), one list of checklist questions per standard beyond."""
        _, docs = self._, self.docs
        checklists = sorted(self.project.checklists.values(), key=lambda c: c.id.lower())
        by_standard = self.project.questions_by_standard
        rows: list[Any] = []
        grid = len(checklists) <= 12
        for s in standards:
            refs = by_standard.get(s.id, [])
            row: list[Any] = [cell(s.id, doc=docs.standard(s.id)), s.title]
            if grid:
                found: dict[str, list[Any]] = {}
                for ref in refs:
                    found.setdefault(ref.checklist.id, []).append(cell(
                        ref.question.id, doc=docs.checklist(ref.checklist.id),
                        anchor=f"q-{ref.question.id}"))
                row += [found.get(c.id, "") for c in checklists]
            else:
                row.append([cell(f"{ref.checklist.id} {ref.question.id} ",
                                 doc=docs.checklist(ref.checklist.id),
                                 anchor=f"q-{ref.question.id}") for ref in refs]
                           or cell("—", cls="qms-changed"))
            rows.append(row)
        header = [_("Standard"), _("Title")] + ([c.id for c in checklists] if grid
                                                else [_("Checklist questions")])
        return make_table(header, rows, cls="qms-matrix", search=False)

    def site_compliance_table(self, sites: list[str] | None = None) -> Table:
        """Compliance of each site (or of the sites given) per quarter and overall."""
        found_by_site, periods = self.derived.site_compliance, self.derived.periods
        rows = []
        for site in sites if sites is not None else list(found_by_site):
            found = found_by_site.get(site, {})
            rows.append([cell(self.shown_name(site), doc=self.docs.site(site))]
                        + [pct(found[p].rate) if p in found else "" for p in periods]
                        + [pct(found["all"].rate) if "all" in found else "—"])
        return make_table([self._("Site"), *periods, self._("All")], rows, cls="qms-compliance",
                     search=False)

    def compliance_ranking(self) -> list[tuple[Standard, Compliance]]:
        """Every answered standard with its compliance, the lowest first."""
        standards = self.project.standards
        ranked = [(standards[sid], c) for sid, c in self.derived.compliance.items()
                  if sid in standards and c.answered]
        return sorted(ranked, key=lambda sc: (sc[1].rate or 0.0, sc[0].id))

    def compliance_table(self) -> Table:
        """Every answered standard with its conforming and answered counts and rate, the
        lowest rate first."""
        _ = self._
        rows = [[cell(s.id, doc=self.docs.standard(s.id)), s.title, c.conform, c.answered,
                 pct(c.rate)] for s, c in self.compliance_ranking()]
        return make_table([_("Standard"), _("Title"), _("Conforming"), _("Answered"), _("Rate")],
                          rows, search=False)

    def audit_summary(self, audit_id: str) -> str:
        """An audit's answers counted by result, and its score (compliance) as a rate."""
        counts = Compliance()
        results = [ref.answer.result for ref in self.derived.answers_by_audit.get(audit_id, [])]
        for result in results:
            counts.add(result)
        return self._("{conform} conform, {nonconform} nonconform, {na} not applicable; "
                      "score {score}", conform=results.count("conform"),
                      nonconform=results.count("nonconform"),
                      na=results.count("not-applicable"), score=pct(counts.rate))

    def history_table(self, item_id: str) -> Table | str:
        """An item's revisions from git, or why there are none."""
        _, history = self._, self.derived.history
        if history is None:
            return _("History unavailable (not a git repository).")
        if not (revisions := history.get(item_id, [])):
            return _("No revisions committed yet.")
        rows = [[r.date.date(), r.author, r.message, r.short] for r in revisions]
        return make_table([_("Date"), _("Author"), _("Change"), _("Commit")], rows,
                     cls="qms-history")

    def last_change(self, item_id: str) -> dict[str, Any] | None:
        """An item's last revision for readers: its message's first line, date and edition
        (how many commits have changed the file); None outside git or before a commit."""
        history = self.derived.history
        revisions = history.get(item_id, []) if history is not None else []
        if not revisions:
            return None
        last = revisions[0]
        return {"change": last.message, "date": last.date.date(), "edition": len(revisions)}


def _indexes(project: Project) -> dict[str, Any]:
    by_grade: dict[str, list[FindingRef]] = defaultdict(list)
    by_site: dict[str, list[FindingRef]] = defaultdict(list)
    for ref in project.findings:
        by_grade[ref.finding.grade].append(ref)
        by_site[ref.audit.site].append(ref)
    by_clause: dict[str, list[Standard]] = defaultdict(list)
    for standard in project.current_standards():
        for clause in standard.clauses:
            by_clause[clause].append(standard)
    return {"findings_by_grade": dict(by_grade), "findings_by_site": dict(sorted(by_site.items())),
            "standards_by_clause": by_clause}


def common_context(project: Project, derived: Derived, docs: Docs,
                   edition: str = QUALITY) -> dict[str, Any]:
    """The context every page template gets."""
    views, config = Views(project, derived, docs, edition), project.config
    clauses = clause_titles(config.manual.language)
    helpers = ("shown_name", "grade_label", "group_label", "result_cell", "changed_cell",
               "capa_cells", "finding_table", "answers_table", "standards_table",
               "site_compliance_table", "traceability_table", "compliance_table",
               "compliance_ranking", "history_table", "last_change", "audit_summary")
    return {
        "edition": edition, "project": project, "derived": derived, "docs": docs,
        "config": config,
        "manual": config.manual, "org": config.organisation, "today": project.today,
        "lang": config.manual.language, "_": views._, "pct": pct,
        "clause_title": lambda number: clauses.get(number, ""), "clauses": clauses,
        **{name: getattr(views, name) for name in helpers}, **_indexes(project),
    }
