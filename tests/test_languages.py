"""Texts per language: loading, refusals with file:line, the manual, `qms show`, the workbook."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from qms.format.check import check
from qms.format.fingerprint import question_fingerprint, standard_fingerprint
from qms.format.languages import in_languages, localised
from qms.format.models import Standard
from qms.format.texts import Texts

from .audit_helpers import read_record
from .conftest import FIXTURES, TODAY, make_git_repo
from .manual_helpers import build_once, copy_sample

DAY = date.fromisoformat(TODAY)
TITLE = {"zh_CN": "电话铃响三声之内接听", "en": "Answer incoming calls within three rings"}
STATEMENT = {"zh_CN": "每个来电都在铃响三声之内接听。",
             "en": "Every call is answered by the third ring."}
DO_ZH, DO_EN = "先报公司名称，再报自己的名字。", "Greet with the company name and your own name."
ASK = {"zh_CN": "电话是否在铃响三声之内接听？", "en": "Was the call answered within three rings?"}

STANDARD = f"""\
id: TEL-001
title: {{zh_CN: {TITLE["zh_CN"]}, en: {TITLE["en"]}}}
status: draft
owner: Customer Service Centre
encounter: Telephone enquiry
type: hard
statement:
  zh_CN: {STATEMENT["zh_CN"]}
  en: {STATEMENT["en"]}
do:
  - {{zh_CN: {DO_ZH}, en: {DO_EN}}}
dont:
  - Leave a caller on hold for more than 30 seconds without checking back.
measures:
  - id: answered-in-3-rings
    metric: {{zh_CN: 三声之内接听的比例, en: Share of calls answered within three rings}}
    unit: percent
    target: ">= 95"
"""


def bilingual(tmp_path: Path, manual: str, name: str = "repo") -> Path:
    """The minimal fixture with TEL-001 and its checklist question written in two languages,
    and qms.yaml's manual language lines replaced by `manual`."""
    repo = tmp_path / name
    shutil.copytree(FIXTURES / "minimal", repo)
    config = repo / "qms.yaml"
    lines = [manual if line.startswith("  language:") else line
             for line in config.read_text(encoding="utf-8").splitlines()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (repo / "standards" / "telephone" / "TEL-001.yaml").write_text(STANDARD, encoding="utf-8")
    checklist = repo / "audits" / "checklists" / "CL-TELEPHONE.yaml"
    text = checklist.read_text(encoding="utf-8").replace(
        f"ask: {ASK['en']}", f"ask: {{zh_CN: {ASK['zh_CN']}, en: {ASK['en']}}}")
    checklist.write_text(text, encoding="utf-8")
    return make_git_repo(repo)


BOTH = "  languages: [zh_CN, en]"


def test_a_standard_written_per_language_loads_in_the_manual_language(tmp_path: Path) -> None:
    result = check(bilingual(tmp_path, BOTH + "\n  language: en"), DAY)
    assert not result.errors, result.errors
    standard = result.project.standards["TEL-001"]
    assert (standard.title, standard.statement, standard.do[0]) == (
        TITLE["en"], STATEMENT["en"], DO_EN)
    assert isinstance(standard.title, Texts) and standard.title.texts == TITLE
    assert standard.dont[0] == "Leave a caller on hold for more than 30 seconds without " \
        "checking back." and not isinstance(standard.dont[0], Texts)  # plain text stays plain
    config = result.project.config.manual
    assert (config.language, config.languages) == ("en", ["zh_CN", "en"])
    assert not [i for i in result.issues if i.code == "missing-translation"]


def test_a_list_shows_its_texts_per_language_after_plain_ones(tmp_path: Path) -> None:
    repo = bilingual(tmp_path, BOTH + "\n  language: en")
    path = repo / "standards" / "telephone" / "TEL-001.yaml"
    path.write_text(STANDARD.replace("do:\n", "do:\n  - Smile.\n"), encoding="utf-8")
    standard = check(repo, DAY).project.standards["TEL-001"]
    assert standard.do == ["Smile.", DO_EN]


def test_without_manual_language_the_first_language_is_shown(tmp_path: Path) -> None:
    result = check(bilingual(tmp_path, BOTH), DAY)
    standard = result.project.standards["TEL-001"]
    assert (result.project.config.manual.language, standard.title) == ("zh_CN", TITLE["zh_CN"])
    # Which language is shown does not change what an approval or an audit answer covers.
    english = localised(result.project, "en")
    assert english.standards["TEL-001"].title == TITLE["en"]
    assert standard_fingerprint(english.standards["TEL-001"]) == standard_fingerprint(standard)


def test_the_one_language_form_still_holds(tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = bilingual(tmp_path, "  language: zh_CN")
    result = check(repo, DAY)
    assert result.project.config.manual.languages == ["zh_CN"]
    assert result.project.standards["TEL-001"].title == TITLE["zh_CN"]
    # the fixture as it is (plain text, `language: en`) is unchanged and clean
    assert run("check", "--strict", str(FIXTURES / "minimal")).exit_code == 0


def test_a_missing_translation_falls_back_to_the_main_language(tmp_path: Path) -> None:
    repo = bilingual(tmp_path, BOTH + "\n  language: en")
    path = repo / "standards" / "telephone" / "TEL-001.yaml"
    path.write_text(STANDARD.replace(f"  en: {STATEMENT['en']}\n", ""), encoding="utf-8")
    result = check(repo, DAY)
    assert result.project.standards["TEL-001"].statement == STATEMENT["zh_CN"]
    [issue] = [i for i in result.issues if i.code == "missing-translation"]
    assert (issue.path, issue.line) == ("standards/telephone/TEL-001.yaml", 7)
    assert "TEL-001 statement has no en text" in issue.message


def test_a_missing_translation_in_qms_yaml_names_its_line(tmp_path: Path) -> None:
    repo = bilingual(tmp_path, BOTH + "\n  language: en")
    config = repo / "qms.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\n  title: Service Quality Manual\n" in text
    config.write_text(text.replace("\n  title: Service Quality Manual\n",
                                   "\n  title: {zh_CN: 服务质量手册}\n"), encoding="utf-8")
    result = check(repo, DAY)
    [issue] = [i for i in result.issues if i.code == "missing-translation"]
    assert (issue.path, issue.line) == ("qms.yaml", 4)
    assert "manual.title has no en text" in issue.message
    assert result.project.config.manual.title == "服务质量手册"


@pytest.mark.parametrize(("field", "line", "message"), [
    ("statement: {}", 7, "an empty mapping holds no text"),
    ("statement:\n  zh_CN: 好\n  English: Good", 9, "'English' is not a language"),
    ("statement:\n  en: ''", 8, "the en text is empty"),
    ("statement: {en: [a, b]}", 7, "the en text must be text, got a list"),
    ("statement: {en: yes}", 7, "got True (YAML reads yes/no"),
])
def test_a_bad_text_mapping_is_refused_with_its_line(tmp_path: Path, field: str, line: int,
                                                      message: str) -> None:
    repo = bilingual(tmp_path, BOTH)
    path = repo / "standards" / "telephone" / "TEL-001.yaml"
    start = STANDARD.index("statement:")
    end = STANDARD.index("do:")
    path.write_text(STANDARD[:start] + field + "\n" + STANDARD[end:], encoding="utf-8")
    [issue] = check(repo, DAY).errors
    assert (issue.path, issue.line) == ("standards/telephone/TEL-001.yaml", line)
    assert message in issue.message


@pytest.mark.parametrize(("manual", "line", "message"), [
    ("  languages: []", 5, "must name at least one language"),
    ("  languages: [zh_CN, en, zh_CN]", 5, "names zh_CN twice"),
    ("  languages: [zh_CN, English]", 5, "'English' is not a language"),
    ("  languages: [zh_CN, en]\n  language: fr", 6, "fr is not one of manual.languages"),
])
def test_bad_manual_languages_are_refused_with_their_line(tmp_path: Path, manual: str, line: int,
                                                          message: str) -> None:
    [issue] = [i for i in check(bilingual(tmp_path, manual), DAY).errors if i.path == "qms.yaml"]
    assert issue.line == line
    assert message in issue.message


def test_show_and_list_take_a_language(tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = bilingual(tmp_path, BOTH)
    shown = {lang: run("show", "TEL-001", "-C", str(repo), *(["--language", lang] if lang else []))
             for lang in ("", "zh_CN", "en")}
    assert TITLE["zh_CN"] in shown[""].output and DO_ZH in shown[""].output
    assert shown["zh_CN"].output == shown[""].output  # default: the first language
    assert TITLE["en"] in shown["en"].output and DO_EN in shown["en"].output
    assert TITLE["zh_CN"] not in shown["en"].output
    listed = run("list", "standards", "-C", str(repo), "--language", "en", "--format", "csv")
    assert TITLE["en"] in listed.output
    wrong = run("show", "TEL-001", "-C", str(repo), "--language", "fr")
    assert wrong.exit_code == 2 and "zh_CN, en (manual.languages" in wrong.output


def test_the_audit_asks_in_the_auditor_language(tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = bilingual(tmp_path, BOTH + "\n  language: en")
    asked = {lang: run("audit", "start", "CL-TELEPHONE", "--site", "Call centre", "--auditor",
                       "Li Wei", "-C", str(repo), *(["--language", lang] if lang else []),
                       input="").output
             for lang in ("", "zh_CN")}
    assert ASK["en"] in asked[""] and STATEMENT["en"] in asked[""]
    assert ASK["zh_CN"] not in asked[""]
    assert ASK["zh_CN"] in asked["zh_CN"] and STATEMENT["zh_CN"] in asked["zh_CN"]
    assert DO_ZH in asked["zh_CN"] and ASK["en"] not in asked["zh_CN"]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_text_per_language_round_trips_through_the_workbook(
        tmp_path: Path, run: Callable[..., Any], language: str) -> None:
    repo = bilingual(tmp_path, BOTH)
    workbook = tmp_path / "answers.xlsx"
    made = run("audit", "sheet", "CL-TELEPHONE", "-o", str(workbook), "-C", str(repo),
               "--language", language)
    assert made.exit_code == 0, made.output
    book = openpyxl.load_workbook(workbook)
    sheet = book["Answers"]
    assert sheet["C2"].value == ASK[language]
    assert sheet["D2"].value.startswith(f"TEL-001 {TITLE[language]}\n{STATEMENT[language]}")
    sheet["F2"], sheet["G2"] = "conform", "三声之内接听 / answered by the second ring"
    book.save(workbook)
    imported = run("audit", "import", str(workbook), "--site", "Call centre", "--auditor",
                   "Li Wei", "-C", str(repo))
    assert imported.exit_code == 0, imported.output
    audit = imported.output.split()[1]
    [answer] = read_record(repo, audit)["answers"]
    assert answer["note"] == "三声之内接听 / answered by the second ring"
    project = check(repo, DAY).project
    question = project.checklists["CL-TELEPHONE"].questions[0]
    # The answer covers the question in every language, whichever one the sheet showed.
    assert answer["fingerprint"] == question_fingerprint(question,
                                                         project.standards["TEL-001"])
    assert not [i for i in check(repo, DAY).issues
                if i.code == "changed-since-audited" and audit in i.message]


def test_the_manual_shows_the_language_of_its_build(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_TODAY", TODAY)
    pages = {}
    for language in ("en", "zh_CN"):
        repo = bilingual(tmp_path, f"{BOTH}\n  language: {language}", language)
        result, _ = build_once(repo, strict=True)
        pages[language] = (result.html / "standards" / "TEL-001.html").read_text("utf-8")
    assert TITLE["en"] in pages["en"] and STATEMENT["en"] in pages["en"] and DO_EN in pages["en"]
    assert TITLE["zh_CN"] not in pages["en"] and DO_ZH not in pages["en"]
    assert TITLE["zh_CN"] in pages["zh_CN"] and STATEMENT["zh_CN"] in pages["zh_CN"]
    assert DO_ZH in pages["zh_CN"] and TITLE["en"] not in pages["zh_CN"]


LANGUAGE_CODES = st.from_regex(r"[a-z]{2,3}(_[A-Z]{2})?", fullmatch=True)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
MAPS = st.dictionaries(LANGUAGE_CODES, TEXT, min_size=1, max_size=4)
PLAIN_STANDARD = {"id": "TEL-001", "status": "draft", "owner": "CSC", "encounter": "Phone",
                  "type": "soft", "title": "Plain", "statement": "Plain text."}


@settings(max_examples=200, deadline=None)
@given(title=MAPS, do=st.lists(st.one_of(TEXT, MAPS), max_size=3), asked=LANGUAGE_CODES)
def test_texts_per_language_round_trip_through_the_cache_and_any_language(
        title: dict[str, str], do: list[Any], asked: str) -> None:
    standard = Standard.model_validate({**PLAIN_STANDARD, "title": title, "do": do})
    # the load cache keeps models as JSON: every language comes back, plain text stays plain
    adapter = TypeAdapter(Standard)
    again = adapter.validate_json(adapter.dump_json(standard))
    assert again == standard and again.title.texts == title  # type: ignore[attr-defined]
    assert [type(item) is str for item in again.do] == [isinstance(item, str) for item in do]
    shown = in_languages(standard, (asked, "en"))
    expected = title.get(asked, title.get("en", next(iter(title.values()))))
    assert shown.title == expected
    assert standard_fingerprint(shown) == standard_fingerprint(standard)


def test_the_sample_is_written_in_chinese_and_english(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_TODAY", TODAY)
    repo = copy_sample(tmp_path / "sample")
    result = check(repo, DAY)
    assert result.project.config.manual.languages == ["zh_CN", "en"]
    assert not [i for i in result.issues if i.code == "missing-translation"]
    project = result.project
    texts = [value for s in project.standards.values()
             for value in (s.title, s.statement, *s.do, *s.dont,
                           *(m.metric for m in s.measures))]
    texts += [value for p in project.plans.values()
              for value in (p.title, p.objective, *(a.action for a in p.actions))]
    texts += [value for c in project.checklists.values()
              for value in (c.title, *(t for q in c.questions
                                       for t in (q.ask, q.guidance, q.evidence)))]
    assert all(isinstance(text, Texts) for text in texts)
    # Its staff say the store's own welcome, in Chinese, in the Chinese manual.
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  language: en\n",
                                                                 "  language: zh_CN\n"),
                      encoding="utf-8")
    make_git_repo(repo)
    built, _ = build_once(repo, strict=True)
    page = (built.html / "standards" / "GRT-002.html").read_text(encoding="utf-8")
    assert "亲切招呼：微笑、目光接触和欢迎语" in page and "欢迎光临十八淑女坊" in page
    assert "Greet with a smile" not in page
