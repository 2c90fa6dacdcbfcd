"""How encounters, owners and sites read per language (qms.yaml manual.names): the name stays
the key files refer to; what `qms show`, `qms list` filters and the manual show follows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qms.format.check import check
from qms.format.languages import localised

from .test_languages import BOTH, DAY, bilingual

NAMES = """
  names:
    Telephone enquiry: {zh_CN: 电话咨询}
    Customer Service Centre: {zh_CN: 客户服务中心, en: Customer Service Center}
"""


def test_a_name_reads_in_each_language_and_as_written_without_one(tmp_path: Any) -> None:
    result = check(bilingual(tmp_path, BOTH + NAMES.rstrip()), DAY)
    assert not result.errors, result.errors
    # no language left out of a name is a missing translation: the name itself is its text
    assert not [i for i in result.issues if i.code in ("missing-translation", "unknown-name")]
    project = result.project  # shown in zh_CN, the first language
    show = {lang: localised(project, lang).config.manual.shown_name for lang in ("zh_CN", "en")}
    assert show["zh_CN"]("Telephone enquiry") == "电话咨询"
    assert show["en"]("Telephone enquiry") == "Telephone enquiry"
    assert show["zh_CN"]("Customer Service Centre") == "客户服务中心"
    assert show["en"]("Customer Service Centre") == "Customer Service Center"
    assert show["en"]("Front desk") == "Front desk"  # not named: as written
    # the name is still the key: grouping and pages go by it
    assert project.standards["TEL-001"].encounter == "Telephone enquiry"


def test_a_plain_name_is_the_same_in_every_language(tmp_path: Any) -> None:
    manual = BOTH + "\n  names:\n    Telephone enquiry: 电话咨询"
    project = check(bilingual(tmp_path, manual), DAY).project
    for lang in ("zh_CN", "en"):
        assert localised(project, lang).config.manual.shown_name("Telephone enquiry") == "电话咨询"


def test_a_name_nothing_has_is_warned_with_its_line(tmp_path: Any) -> None:
    manual = BOTH + NAMES.rstrip() + "\n    Telephone enquiries: {zh_CN: 电话}"
    [issue] = [i for i in check(bilingual(tmp_path, manual), DAY).issues
               if i.code == "unknown-name"]
    assert (issue.path, issue.line) == ("qms.yaml", 9)
    assert "'Telephone enquiries'" in issue.message and "Telephone enquiry" in issue.message


@pytest.mark.parametrize(("entry", "message"), [
    ("Telephone enquiry: [电话, 咨询]", "Input should be"),
    ("Telephone enquiry: {Chinese: 电话咨询}", "'Chinese' is not a language"),
    ("Telephone enquiry: ''", "must not be empty"),
])
def test_a_bad_name_is_refused_with_its_line(tmp_path: Any, entry: str, message: str) -> None:
    manual = BOTH + "\n  names:\n    " + entry
    [issue] = [i for i in check(bilingual(tmp_path, manual), DAY).errors if i.path == "qms.yaml"]
    assert issue.line == 7, issue
    assert message in issue.message


def test_show_keeps_the_name_beside_its_shown_name_and_list_finds_either(
        tmp_path: Any, run: Callable[..., Any]) -> None:
    repo = bilingual(tmp_path, BOTH + NAMES.rstrip())
    chinese = run("show", "TEL-001", "-C", str(repo)).output
    assert "电话咨询 (Telephone enquiry)" in chinese and "客户服务中心 (Customer Service Centre)" \
        in chinese
    english = run("show", "TEL-001", "-C", str(repo), "--language", "en").output
    assert "encounter:    Telephone enquiry\n" in english
    assert "Customer Service Center (Customer Service Centre)" in english
    for wanted in ("电话", "咨询", "telephone", "Telephone enquiry"):
        found = run("list", "standards", "-C", str(repo), "--encounter", wanted, "--format", "csv")
        assert found.exit_code == 0 and "TEL-001" in found.output, (wanted, found.output)
    missed = run("list", "standards", "-C", str(repo), "--encounter", "送货", "--format", "csv")
    assert missed.exit_code == 0 and "TEL-001" not in missed.output
    finding = run("show", "AUD-20261101-CSC-0A1B-F1", "-C", str(repo)).output
    assert "at 客户服务中心 (Customer Service Centre)" in finding
    assert "owner:        客户服务中心 (Customer Service Centre)" in finding  # the CAPA's
    audits = run("list", "audits", "-C", str(repo), "--site", "客户服务", "--format", "csv")
    assert audits.exit_code == 0 and "AUD-20261101-CSC-0A1B" in audits.output


def test_a_measure_source_and_frequency_may_be_written_per_language(tmp_path: Any) -> None:
    repo = bilingual(tmp_path, BOTH)
    path = repo / "standards" / "telephone" / "TEL-001.yaml"
    text = path.read_text("utf-8") + ("    source: {zh_CN: 话务系统报表, en: Telephony report}\n"
                                      "    frequency: {zh_CN: 每周, en: weekly}\n")
    path.write_text(text, "utf-8")
    result = check(repo, DAY)
    assert not result.errors, result.errors
    measure = localised(result.project, "en").standards["TEL-001"].measures[0]
    assert (measure.source, measure.frequency) == ("Telephony report", "weekly")
    measure = result.project.standards["TEL-001"].measures[0]
    assert (measure.source, measure.frequency) == ("话务系统报表", "每周")
