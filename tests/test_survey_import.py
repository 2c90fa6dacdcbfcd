"""`qms survey import`: exports of five platforms, their encodings and layouts, become one wave."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from qms.base.errors import QmsError
from qms.measurement.surveyimport import ImportRequest, import_survey

Run = Callable[..., Any]
EXPORTS = Path(__file__).resolve().parent / "fixtures" / "surveys"
CHINESE = ("^(?P<item>\\d+)\\..*期望", "^(?P<item>\\d+)\\..*感知")
KOREAN = ("^(?P<item>\\d+)\\. \\S+ 기대", "^(?P<item>\\d+)\\. \\S+ 인식")
FILES = [
    ("export-gbk.csv", CHINESE, "gb18030 (detected)"),
    ("export-utf8-bom.csv", CHINESE, "utf-8-sig (byte-order mark)"),
    ("export-excel-unicode.txt", CHINESE, "utf-16 (byte-order mark), tab-separated"),
    ("export-cp949.csv", KOREAN, "cp949 (detected)"),
    ("export.xlsx", CHINESE, "XLSX sheet '问卷结果'"),
]


def survey_import(run: Run, repo: Path, source: Path | str, *args: str) -> Any:
    return run("survey", "import", str(source), "-C", str(repo), *args)


def wave_of(repo: Path, name: str) -> Path:
    return repo / "audits" / "surveys" / f"{name}.csv"


def expected_wave() -> str:
    """The wave the fixtures hold, worked out from the UTF-8 export by plain string handling."""
    lines = (EXPORTS / "export-utf8-bom.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    out = ["respondent," + ",".join([f"E{i}" for i in range(1, 23)]
                                   + [f"P{i}" for i in range(1, 23)])]
    for row_number, line in enumerate(lines[1:], start=2):
        cells = dict(zip(header, line.split(","), strict=True))
        answers = {}
        for name, value in cells.items():
            number, _, rest = name.partition(".")
            kind = "E" if "期望" in rest else "P" if "感知" in rest else None
            if kind:
                answers[f"{kind}{number}"] = value if value in "1234567" and value else ""
        out.append(",".join([str(row_number)] + [answers[f"{k}{i}"] for k in "EP"
                                                 for i in range(1, 23)]))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("name", "patterns", "read_as"), FILES)
def test_every_export_becomes_the_same_wave(fixture_repo: Callable[[str], Path], run: Run,
                                            name: str, patterns: tuple[str, str],
                                            read_as: str) -> None:
    repo = fixture_repo("minimal")
    result = survey_import(run, repo, EXPORTS / name, "--wave", "2026-q1",
                           "--expectation", patterns[0], "--perception", patterns[1])
    assert result.exit_code == 0, result.output
    assert wave_of(repo, "2026-q1").read_text(encoding="utf-8") == expected_wave()
    lines = result.stdout.splitlines()
    assert lines[0] == f"encoding: {read_as}"
    assert lines[1:4] == ["items: 1-22 (22 expectation and 22 perception columns)",
                          "respondents: 12", "missing answers: E5 1, P10 1"]
    assert lines[4].startswith("columns ignored (4): ")
    assert lines[5] == "wrote audits/surveys/2026-q1.csv"
    assert run("check", str(repo)).exit_code == 0  # the wave is one qms reads


@pytest.mark.parametrize("name", ["export-gbk.csv", "export.xlsx"])
def test_names_and_phone_numbers_stay_out_of_the_repository(
        fixture_repo: Callable[[str], Path], run: Run, name: str) -> None:
    repo = fixture_repo("minimal")
    rows = list(csv.reader(io.StringIO(
        (EXPORTS / "export-utf8-bom.csv").read_text(encoding="utf-8-sig"))))
    private = {h: [r[rows[0].index(h)] for r in rows[1:]] for h in ("手机号", "姓名", "提交时间")}
    assert len(set(private["手机号"])) == 12 and all(len(p) == 11 for p in private["手机号"])
    result = survey_import(run, repo, EXPORTS / name, "--wave", "w", "--expectation", CHINESE[0],
                           "--perception", CHINESE[1])
    assert result.exit_code == 0, result.output
    written = wave_of(repo, "w").read_text(encoding="utf-8")
    for values in private.values():
        for value in values:
            assert value not in written
    assert "columns ignored (4): " in result.stdout and "'手机号'" in result.stdout


def test_the_respondent_column_and_importance_points(fixture_repo: Callable[[str], Path],
                                                     run: Run, tmp_path: Path) -> None:
    repo = fixture_repo("minimal")
    header = (["编号", "电话"] + [f"{i}期望" for i in range(1, 23)]
              + [f"{i}感知" for i in range(1, 23)]
              + [f"重要性-{d}" for d in ("有形性", "可靠性", "响应性", "保证性", "移情性")])
    rows = [["R-7", "13912345678"] + ["5"] * 22 + ["4"] * 22 + ["10", "30", "20", "20", "20"]]
    source = tmp_path / "export.csv"
    source.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    result = survey_import(run, repo, source, "--wave", "w", "--respondent", "编号",
                           "--expectation", "^(?P<item>\\d+)期望$",
                           "--perception", "^(?P<item>\\d+)感知$",
                           "--importance", "^重要性-(?P<dimension>.+)$")
    assert result.exit_code == 0, result.output
    lines = wave_of(repo, "w").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",P22,W_tangibles,W_reliability,W_responsiveness,W_assurance,"
                             "W_empathy")
    assert lines[1] == "R-7," + ",".join(["5"] * 22 + ["4"] * 22) + ",10,30,20,20,20"
    assert "columns ignored (1): '电话'" in result.stdout
    assert run("check", str(repo)).exit_code == 0


def test_another_instrument(fixture_repo: Callable[[str], Path], run: Run,
                            tmp_path: Path) -> None:
    repo = fixture_repo("minimal")
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  instrument: {tangibles: [1], "
                      "reliability: [2], responsiveness: [3], assurance: [4], empathy: [5, 6]}\n",
                      encoding="utf-8")
    (repo / "audits" / "surveys" / "wave-1.csv").unlink()  # a 22-item wave
    source = tmp_path / "six.csv"
    source.write_text("P6,E6,E1,P1,E2,P2,E3,P3,E4,P4,E5,P5\n1,2,3,4,5,6,7,1,2,3,4,5\n",
                      encoding="utf-8")
    result = survey_import(run, repo, source, "--wave", "six",
                           "--expectation", "^E(?P<item>\\d+)$", "--perception",
                           "^P(?P<item>\\d+)$")
    assert result.exit_code == 0, result.output
    assert wave_of(repo, "six").read_text(encoding="utf-8") == (
        "respondent,E1,E2,E3,E4,E5,E6,P1,P2,P3,P4,P5,P6\n2,3,5,7,2,4,2,4,6,1,3,5,1\n")
    assert run("check", str(repo)).exit_code == 0


def small_export(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


E_P = ("--expectation", "^E(?P<item>\\d+)$", "--perception", "^P(?P<item>\\d+)$")
ALL_ITEMS = ",".join([f"E{i}" for i in range(1, 23)] + [f"P{i}" for i in range(1, 23)])


@pytest.mark.parametrize(("header", "row", "options", "message"), [
    ("name,phone", "a,1", E_P,
     "export.csv: no column matches --expectation or --perception; the header is 'name', "
     "'phone'; check the expressions (and the encoding, if the header looks garbled)"),
    (ALL_ITEMS, "", ("--expectation", "^E\\d+$", "--perception", "^P(?P<item>\\d+)$"),
     "--expectation '^E\\\\d+$' has no named group 'item'; mark the part of the header that is "
     "the item with (?P<item>...), e.g. '^(?P<item>\\\\d+)[.、].*期望'"),
    (ALL_ITEMS, "", ("--expectation", "^E(?P<item>\\d+", "--perception", "^P(?P<item>\\d+)$"),
     "--expectation '^E(?P<item>\\\\d+' is not a regular expression: missing ), unterminated "
     "subpattern at position 2"),
    (ALL_ITEMS + ",E01", "", E_P,
     "export.csv: column AS ('E01'): item 1 is matched twice, also by column A ('E1'); make the "
     "expression match one column per item"),
    (ALL_ITEMS.replace(",P22", ""), "", E_P,
     "export.csv: item(s) 22 have an expectation column but no perception column; every item "
     "needs both"),
    (ALL_ITEMS + ",E23,P23", "", E_P,
     "export.csv: item(s) 23 are not in the instrument (servqual.instrument in qms.yaml has "
     "items 1-22); fix the expression or the instrument"),
    (ALL_ITEMS.replace("E9,", "").replace("P9,", ""), "", E_P,
     "export.csv: the instrument's item(s) 9 have no columns; the export must hold every item of "
     "servqual.instrument (set it in qms.yaml to the items the survey asked)"),
    (ALL_ITEMS, ",".join(["4"] * 43 + ["8"]), E_P,
     "export.csv: 1 problem(s); nothing was written; correct the export and import it again:\n"
     "  row 2, column AR (P22): 8 is outside the scale 1..7 (servqual.scale in qms.yaml)"),
    (ALL_ITEMS, ",".join(["4"] * 10 + ["4.5"] + ["0"] + ["4"] * 32), E_P,
     "export.csv: 2 problem(s); nothing was written; correct the export and import it again:\n"
     "  row 2, column K (E11): 4.5 is not a whole number\n"
     "  row 2, column L (E12): 0 is outside the scale 1..7 (servqual.scale in qms.yaml)"),
    (ALL_ITEMS, "", (*E_P, "--encoding", "no-such-code"),
     "unknown encoding 'no-such-code' (--encoding); give a text encoding such as utf-8, "
     "utf-8-sig, gb18030, gbk, cp949, utf-16"),
    (ALL_ITEMS, "", (*E_P, "--encoding", "base64"),
     "unknown encoding 'base64' (--encoding); give a text encoding such as utf-8, "
     "utf-8-sig, gb18030, gbk, cp949, utf-16"),
    (ALL_ITEMS, "", (*E_P, "--sheet", "Sheet1"),
     "export.csv: --sheet is for XLSX workbooks; this file is CSV or text"),
    (ALL_ITEMS, "", (*E_P, "--respondent", "id"),
     "export.csv: --respondent 'id': the header has no column of that name; give one exact "
     "header, or leave the option out to number respondents by row"),
])
def test_refusals_write_nothing(fixture_repo: Callable[[str], Path], run: Run, tmp_path: Path,
                                header: str, row: str, options: tuple[str, ...],
                                message: str) -> None:
    repo = fixture_repo("minimal")
    source = small_export(tmp_path, f"{header}\n{row}\n")
    result = survey_import(run, repo, source, "--wave", "new", *options)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"qms: error: {message}\n"
    assert not wave_of(repo, "new").exists()


def test_a_wrong_encoding_names_the_line(fixture_repo: Callable[[str], Path], run: Run) -> None:
    repo = fixture_repo("minimal")
    result = survey_import(run, repo, EXPORTS / "export-gbk.csv", "--wave", "new",
                           "--encoding", "utf-8", "--expectation", CHINESE[0],
                           "--perception", CHINESE[1])
    assert result.exit_code == 1
    assert re.fullmatch(r"qms: error: export-gbk.csv: line 1: byte 0x[0-9a-f]{2} cannot be read "
                        r"as utf-8 \(--encoding\); give the file's encoding with --encoding "
                        r"\(e.g. gb18030, cp949, utf-16\)\n", result.stderr)
    assert not wave_of(repo, "new").exists()


@pytest.mark.parametrize("wave", ["../escape", "a/b", "..", "", "-x", "wave.csv"])
def test_a_wave_name_is_never_a_path(fixture_repo: Callable[[str], Path], run: Run,
                                     tmp_path: Path, wave: str) -> None:
    repo = fixture_repo("minimal")
    source = small_export(tmp_path, f"{ALL_ITEMS}\n")
    result = survey_import(run, repo, source, "--wave", wave, *E_P)
    assert result.exit_code == 1
    assert result.stderr == (f"qms: error: --wave {wave!r} is not a wave name; use letters, "
                             "digits, '-' and '_' (at most 64, e.g. 2026-q1); it names the file "
                             "audits/surveys/<wave>.csv\n")
    assert sorted(p.name for p in (repo / "audits" / "surveys").iterdir()) == ["wave-1.csv"]
    assert not (tmp_path / "escape.csv").exists()


def test_an_existing_wave_is_replaced_only_with_force(fixture_repo: Callable[[str], Path],
                                                      run: Run, tmp_path: Path) -> None:
    repo = fixture_repo("minimal")
    before = wave_of(repo, "wave-1").read_bytes()
    source = small_export(tmp_path, f"{ALL_ITEMS}\n" + ",".join(["3"] * 44) + "\n")
    result = survey_import(run, repo, source, "--wave", "wave-1", *E_P)
    assert result.exit_code == 1
    assert result.stderr == ("qms: error: audits/surveys/wave-1.csv exists; pass --force to "
                             "replace the wave (nothing was written)\n")
    assert wave_of(repo, "wave-1").read_bytes() == before
    result = survey_import(run, repo, source, "--wave", "wave-1", "--force", *E_P)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "replaced audits/surveys/wave-1.csv"
    assert wave_of(repo, "wave-1").read_text(encoding="utf-8").splitlines()[1] == (
        "2," + ",".join(["3"] * 44))


def test_an_unknown_sheet_is_named(fixture_repo: Callable[[str], Path], run: Run) -> None:
    repo = fixture_repo("minimal")
    result = survey_import(run, repo, EXPORTS / "export.xlsx", "--wave", "new", "--sheet",
                           "Sheet1", "--expectation", CHINESE[0], "--perception", CHINESE[1])
    assert result.exit_code == 1
    assert result.stderr == ("qms: error: export.xlsx: there is no sheet 'Sheet1' (--sheet); the "
                             "sheets are '问卷结果'\n")
    assert not wave_of(repo, "new").exists()


def test_a_chart_sheet_before_the_answers(fixture_repo: Callable[[str], Path], run: Run,
                                          tmp_path: Path) -> None:
    # openpyxl 3.1 fails on a chart sheet without a chart (a traceback before): the answers
    # are the first worksheet, and a chart sheet asked for by name is refused in words.
    book = load_workbook(EXPORTS / "export.xlsx")
    book.create_chartsheet("图表", 0)
    source = tmp_path / "with-chart.xlsx"
    book.save(source)
    repo = fixture_repo("minimal")
    result = survey_import(run, repo, source, "--wave", "w", "--expectation", CHINESE[0],
                           "--perception", CHINESE[1])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "encoding: XLSX sheet '问卷结果'"
    assert wave_of(repo, "w").read_text(encoding="utf-8") == expected_wave()
    result = survey_import(run, repo, source, "--wave", "w2", "--sheet", "图表",
                           "--expectation", CHINESE[0], "--perception", CHINESE[1])
    assert result.exit_code == 1
    assert result.stderr == ("qms: error: with-chart.xlsx: the sheet '图表' is a chart, not a "
                             "table of answers; give the sheet with the answers (--sheet)\n")
    assert not wave_of(repo, "w2").exists()


# ---------------------------------------------------------------- properties

ANSWER = st.one_of(st.integers(1, 7).map(str), st.sampled_from(["", " ", "n/a", "不适用", "-"]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.lists(ANSWER, min_size=44, max_size=44), min_size=1, max_size=6),
       order=st.permutations(list(range(44))))
def test_column_order_changes_nothing_and_a_blank_is_never_a_zero(
        tmp_path_factory: pytest.TempPathFactory, answers: list[list[str]],
        order: list[int]) -> None:
    folder = tmp_path_factory.mktemp("prop")
    (folder / "qms.yaml").write_text("organisation: Property Ltd.\n", encoding="utf-8")
    names = ALL_ITEMS.split(",")
    source = folder / "export.csv"
    rows = [[names[i] for i in order]] + [[row[i] for i in order] for row in answers]
    source.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = import_survey(folder, ImportRequest(source, "w", "^E(?P<item>\\d+)$",
                                                 "^P(?P<item>\\d+)$"))
    written = list(csv.reader(io.StringIO(
        (folder / result.written).read_text(encoding="utf-8"))))
    assert written[0] == ["respondent", *names]
    for number, (row, out) in enumerate(zip(answers, written[1:], strict=True), start=2):
        assert out[0] == str(number)
        for given_text, stored in zip(row, out[1:], strict=True):
            assert stored == (given_text if given_text.isdigit() else "")
    assert "0" not in {c for r in written[1:] for c in r[1:]}
    for name, count in result.missing.items():
        assert count == sum(1 for r in answers if not r[names.index(name)].isdigit())


def test_a_library_refusal_is_a_qms_error(tmp_path: Path) -> None:
    (tmp_path / "qms.yaml").write_text("organisation: X Ltd.\n", encoding="utf-8")
    source = small_export(tmp_path, "E1,P1\n")
    with pytest.raises(QmsError, match="the instrument's item"):
        import_survey(tmp_path, ImportRequest(source, "w", "^E(?P<item>\\d+)$",
                                              "^P(?P<item>\\d+)$"))


def test_the_xlsx_fixture_holds_numbers() -> None:
    # the workbook stores answers as numbers, as platforms write them: the import reads 5, not 5.0
    book = load_workbook(EXPORTS / "export.xlsx", read_only=True)
    values = [v for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)
              for v in row]
    book.close()
    assert any(isinstance(v, int) for v in values)


def test_respondent_ids_and_importance_points_are_checked(fixture_repo: Callable[[str], Path],
                                                          run: Run, tmp_path: Path) -> None:
    repo = fixture_repo("minimal")
    answers = ",".join(["4"] * 44)
    source = small_export(tmp_path, f"id,{ALL_ITEMS},Wt,Wr,Wre,Wa,We\n"
                          f"A,{answers},20,20,20,20,20\n"
                          f"A,{answers},20,20,20,20,10\n"
                          f",{answers},20,20,20,20,x\n")
    result = survey_import(run, repo, source, "--wave", "new", "--respondent", "id", *E_P,
                           "--importance", "^W(?P<dimension>t|r|re|a|e)$")
    assert result.stderr == ("qms: error: export.csv: column AT ('Wt'): the dimension 't' of "
                             "--importance is none of tangibles, reliability, responsiveness, "
                             "assurance, empathy (or 有形性, 可靠性, 响应性, 保证性, 移情性)\n")
    source.write_text(source.read_text(encoding="utf-8").replace(
        "Wt,Wr,Wre,Wa,We", "W tangibles,W reliability,W responsiveness,W assurance,W empathy"),
        encoding="utf-8")
    result = survey_import(run, repo, source, "--wave", "new", "--respondent", "id", *E_P,
                           "--importance", "^W (?P<dimension>[a-z]+)$")
    assert result.exit_code == 1
    assert result.stderr == (
        "qms: error: export.csv: 5 problem(s); nothing was written; correct the export and "
        "import it again:\n"
        "  row 3: the respondent id repeats row 2\n"
        "  row 3: the importance points sum to 90, not 100\n"
        "  row 4: the respondent id is blank\n"
        "  row 4, column AX: 'x' is not a number of points\n"
        "  row 4: the importance points sum to 80, not 100\n")
    assert not wave_of(repo, "new").exists()
