"""The staff edition: `qms build --audience staff` publishes the standards, planning items,
encounter cards and KPI results, and nothing of the audits. Real builds of the sample, both
editions in one repository; what must not leak is collected from the sample's own files and
`git log`, not written down here."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from qms.format.load import open_config
from qms.manual.buildstate import input_stamp, render_settings_key

from .conftest import TODAY, git, make_git_repo
from .manual_helpers import build_once, copy_sample, differing_files, fetch, pinned_env, serving

# The second commit of the sample: a change to one standard, written for its readers, by
# someone whose name must not reach the staff edition.
CHANGED = "GRT-001"
CHANGE_MESSAGE = "The greeter is named at every shift briefing"
CHANGE_AUTHOR = "Mei Lanfang"
CHANGE_DATE = "2026-11-05T10:00:00+00:00"


def _second_commit(repo: Path) -> None:
    path = next(repo.glob(f"standards/**/{CHANGED}.yaml"))
    # A comment: a change to the file whatever the way the standard's fields are written.
    with path.open("a", encoding="utf-8") as file:
        file.write("# The greeter is named at every shift briefing.\n")
    git(repo, "-c", f"user.name={CHANGE_AUTHOR}", "-c", "user.email=mei@example.test",
        "commit", "-q", "--author", f"{CHANGE_AUTHOR} <mei@example.test>",
        "--date", CHANGE_DATE, "-m", f"{CHANGE_MESSAGE}\n\nAfter finding F1 of the October "
        "audit.", "--", str(path.relative_to(repo)))


def _sample(target: Path) -> Path:
    repo = make_git_repo(copy_sample(target))
    _second_commit(repo)
    return repo


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with both editions built, the quality edition first, strict (no warning)."""
    with pinned_env():
        repo = _sample(tmp_path_factory.mktemp("staff") / "sample")
        for audience in ("quality", "staff"):
            result, _ = build_once(repo, strict=True, audience=audience)
            assert result.sphinx_ran
        return repo


def _strings(value: object) -> list[str]:
    """The text of a value: a string, or every string in a list or a per-language mapping."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return [str(value)]


def _collect(node: object, key: str) -> list[str]:
    """The text of every value of `key` anywhere in a YAML document."""
    found: list[str] = []
    if isinstance(node, dict):
        for name, value in node.items():
            found += _strings(value) if name == key else _collect(value, key)
    elif isinstance(node, list):
        for value in node:
            found += _collect(value, key)
    return found


def _secrets(repo: Path) -> dict[str, set[str]]:
    """What the staff edition must not show, read from the audit records and git log."""
    records = [yaml.safe_load(p.read_text(encoding="utf-8"))
               for p in sorted((repo / "audits" / "records").rglob("*.yaml"))]
    authors = set(git(repo, "log", "--format=%an").split("\n")) - {""}
    secrets = {
        "audit id": {r["id"] for r in records},
        "finding id": {f["id"] for r in records for f in r.get("findings", [])},
        "root cause": set(_collect(records, "root_cause")),
        "finding statement": set(_collect([r.get("findings", []) for r in records],
                                          "statement")),
        "answer note": set(_collect(records, "note")),
        "auditor": set(_collect(records, "auditors")) | set(_collect(records, "by")),
        "commit author": authors,
    }
    assert all(secrets.values()), secrets  # the sample has some of each
    assert CHANGE_AUTHOR in secrets["commit author"]
    return secrets


def _normal(text: str) -> str:
    return " ".join(htmllib.unescape(text).split()).casefold()


def _texts(folder: Path) -> dict[str, str]:
    """Every file under a folder (pickles and all), as normalised text: HTML entities and JSON
    escapes undone, whitespace collapsed, case folded."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        found[path.relative_to(folder).as_posix()] = _normal(text.replace("\\n", " "))
    return found


def _leaks(texts: dict[str, str], secrets: dict[str, set[str]]) -> list[str]:
    return [f"{kind} {secret!r} in {name}" for kind, values in secrets.items()
            for secret in sorted(values) for name, text in texts.items()
            if _normal(secret) in text]


def _search_terms(html: Path) -> set[str]:
    """The words and title words of a built manual's search index."""
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    return set(index["terms"]) | set(index["titleterms"])


def test_the_staff_edition_shows_nothing_of_the_audits(editions: Path) -> None:
    secrets = _secrets(editions)
    staff = editions / "build" / "staff"
    texts = _texts(staff)
    assert {"html/searchindex.js", "html/index.html", f"html/standards/{CHANGED}.html",
            f"source/_items/standards/{CHANGED}.json"} <= texts.keys()
    assert _leaks(texts, secrets) == []
    # The quality edition (the same search) has every one of them: the search can find them.
    quality = _texts(editions / "build" / "html")
    for kind, values in secrets.items():
        for secret in values:
            assert any(_normal(secret) in text for text in quality.values()), (kind, secret)


def test_the_staff_search_index_has_no_word_of_an_audit_id_or_auditor(editions: Path) -> None:
    secrets = _secrets(editions)
    # The words a search index splits audit ids and auditors' names into (7f3a, zhou, ...;
    # it indexes no bare numbers), leaving out those the standards use for something else.
    sources = _normal(" ".join(p.read_text(encoding="utf-8")
                               for p in (editions / "standards").rglob("*.yaml")))
    words = {w for kind in ("audit id", "auditor") for value in secrets[kind]
             for w in re.split(r"[^a-z0-9]+", value.casefold())
             if re.search("[a-z]", w) and not re.search(rf"\b{w}\b", sources)}
    quality = _search_terms(editions / "build" / "html")
    assert words and words <= quality
    assert words & _search_terms(editions / "build" / "staff" / "html") == set()


def test_the_staff_edition_has_no_audit_pages_and_the_quality_edition_has(
        editions: Path) -> None:
    staff, quality = editions / "build" / "staff" / "html", editions / "build" / "html"
    left_out = ("audits", "checklists", "gaps", "traceability")
    for folder in left_out:
        assert (quality / folder).is_dir()
        assert not (staff / folder).exists()
    for page in ("measurement/compliance", "measurement/findings", "measurement/capa"):
        assert (quality / f"{page}.html").is_file() and not (staff / f"{page}.html").exists()
    # What staff work to is there: standards, encounter cards, planning, KPI results.
    for page in (f"standards/{CHANGED}", "standards/encounter/greeting", "plans/index",
                 "measurement/index"):
        assert (staff / f"{page}.html").is_file(), page
    # The standards tables have no compliance column, the home page no audit figure.
    owners = (staff / "standards" / "by_owner.html").read_text(encoding="utf-8")
    group = next((staff / "standards" / "owner").glob("*.html")).read_text(encoding="utf-8")
    assert "Compliance" not in group and "Compliance" not in owners
    assert "Compliance" in next((quality / "standards" / "owner").glob("*.html")).read_text(
        encoding="utf-8")


def _article_text(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    article = text[text.index("<article"):text.index("</article>")]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def test_a_standards_staff_page_says_its_last_change_in_words(editions: Path) -> None:
    page = editions / "build" / "staff" / "html" / "standards" / f"{CHANGED}.html"
    text = _article_text(page)
    assert f"Last change {CHANGE_MESSAGE} {CHANGE_DATE[:10]}, edition 2" in text
    assert "Edition 2" in text  # among the fields, with the effective date
    assert "Effective" in text
    # A line, not the quality edition's table of commits with their authors and hashes.
    for word in ("Revision history", "Author", "Commit", CHANGE_AUTHOR, "After finding"):
        assert word not in text
    quality = _article_text(editions / "build" / "html" / "standards" / f"{CHANGED}.html")
    assert "Revision history" in quality and CHANGE_AUTHOR in quality
    assert "Last change" not in quality


def test_the_stamp_and_the_page_keys_name_the_edition(sample_repo: Path) -> None:
    root, config = open_config(sample_repo)
    today = date.fromisoformat(TODAY)
    stamps = {e: input_stamp(root, config, today, None, edition=e) for e in ("quality", "staff")}
    keys = {e: render_settings_key(root, config, today, "", edition=e)
            for e in ("quality", "staff")}
    assert stamps["quality"] != stamps["staff"] and keys["quality"] != keys["staff"]


def _snapshot(folder: Path, into: Path) -> Path:
    shutil.copytree(folder, into)
    return into


def test_both_editions_keep_each_others_output(tmp_path: Path) -> None:
    repo = _sample(tmp_path / "sample")
    build = repo / "build"
    build_once(repo, strict=True)
    quality = _snapshot(build / "html", tmp_path / "quality")
    staff_build, _ = build_once(repo, strict=True, audience="staff")
    assert staff_build.html == build / "staff" / "html" and staff_build.edition == "staff"
    assert differing_files(quality, build / "html") == []
    staff = _snapshot(build / "staff" / "html", tmp_path / "staff")
    # Each edition's stamp is its own: neither build made the other's stale.
    assert build_once(repo)[0].up_to_date
    assert build_once(repo, audience="staff")[0].up_to_date
    # --clean of one edition leaves the other's output, and its stamp, as they were.
    assert build_once(repo, clean=True)[0].sphinx_ran
    assert differing_files(staff, build / "staff" / "html") == []
    assert build_once(repo, audience="staff")[0].up_to_date
    assert build_once(repo, clean=True, audience="staff")[0].sphinx_ran
    assert differing_files(quality, build / "html") == []
    assert differing_files(staff, build / "staff" / "html") == []  # a clean build: the same
    assert build_once(repo)[0].up_to_date


def test_the_audience_comes_from_qms_yaml_unless_given(
        tmp_path: Path, run: Callable[..., object]) -> None:
    repo = tmp_path / "small"
    shutil.copytree(Path(__file__).parent / "fixtures" / "manual-small", repo)
    config = repo / "qms.yaml"
    text = config.read_text(encoding="utf-8")
    assert "audience" not in text
    config.write_text(text.replace("manual:\n", "manual:\n  audience: staff\n", 1)
                      if "manual:\n" in text else text + "manual:\n  audience: staff\n",
                      encoding="utf-8")
    make_git_repo(repo)
    staff = run("build", "-q", str(repo))
    assert staff.exit_code == 0, staff.output  # type: ignore[attr-defined]
    assert f"built the staff edition: {repo / 'build/staff/html/index.html'}" in (
        staff.output)  # type: ignore[attr-defined]
    assert not (repo / "build" / "html").exists()
    quality = run("build", "-q", "--audience", "quality", str(repo))
    assert f"built the manual: {repo / 'build/html/index.html'}" in (
        quality.output)  # type: ignore[attr-defined]
    wrong = run("build", "--audience", "everyone", str(repo))
    assert wrong.exit_code == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["build/staff", "build/staff/html", "build/staff/.qms"])
def test_the_staff_build_does_not_write_through_a_link_out(
        sample_repo: Path, tmp_path: Path, run: Callable[..., object], name: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the manual's", encoding="utf-8")
    (sample_repo / name).parent.mkdir(parents=True, exist_ok=True)
    (sample_repo / name).symlink_to(outside, target_is_directory=True)
    for options in ([], ["--clean"]):
        result = run("build", "-q", "--audience", "staff", *options, str(sample_repo))
        assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
        assert f"{name}: is a symbolic link to a place outside the repository" in (
            result.output)  # type: ignore[attr-defined]
    assert [p.name for p in outside.iterdir()] == ["keep.txt"]


def test_serve_serves_the_staff_edition(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    with serving(repo, "--audience", "staff") as server:
        assert "Last change" in fetch(server.address + "standards/DSK-001.html")
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch(server.address + "audits/index.html")
        assert missing.value.code == 404
        assert (repo / "build" / "staff" / "html" / "index.html").is_file()
        assert not (repo / "build" / "html").exists()
