"""The manual's chart library: valid, accessible, reproducible SVG; hostile text stays text."""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from html import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qms.manual import charts
from qms.manual.charts import fontwidths
from qms.manual.charts.layout import text_width
from qms.manual.charts.scales import Scale, nice_ticks
from qms.manual.charts.svg import FALLBACK_INK, num, spots
from qms.manual.labels import ZH_CN, translator
from qms.measurement.targets import parse_target
from tests.conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
HOSTILE = "门店 <script>alert(1)</script>"
FURO_BACKGROUNDS = ("#ffffff", "#131416")  # furo's light and dark page backgrounds


def readings(count: int, label: str | None = None) -> list[tuple[date | str, float]]:
    """Weekly readings with a wobble, the first labelled `label` when given."""
    start = date(2026, 1, 5)
    points: list[tuple[date | str, float]] = [
        (start + timedelta(days=7 * i), 95 + (i * 37 % 11) / 3) for i in range(count)]
    if label is not None:
        points[0] = (label, points[0][1])
    return points


# every chart, drawn with the hostile label among its repository text
CASES: dict[str, Callable[..., str]] = {
    "xmr_chart": lambda label, **options: charts.xmr_chart(
        readings(20, label), 96.5, 92.0, 101.0, parse_target(">= 95"), [3, 7], label, **options),
    "small_multiples": lambda label, **options: charts.small_multiples(
        {label: charts.XmrSeries(readings(12), 96.0, 92.0, 100.0, [2]),
         "Xujiahui": charts.XmrSeries(readings(8))}, parse_target("< 99"), "Per site", **options),
    "pareto_chart": lambda label, **options: charts.pareto_chart(
        ["late delivery", label, "wrong size"], [12, 30, 5], "Service failures", **options),
    "line_chart": lambda label, **options: charts.line_chart(
        ["2026-Q1", "2026-Q2", "2026-Q3"], {label: [80.0, None, 95.0], "CSC": [70.0, 75.0, 90.0]},
        "Compliance per site and quarter", **options),
    "grouped_bars": lambda label, **options: charts.grouped_bars(
        ["tangibles", label], {"expectation": [6.1, 6.5], "perception": [5.5, None]}, "E and P",
        **options),
    "interval_chart": lambda label, **options: charts.interval_chart(
        ["T1", label], [-0.5, 0.2], [-0.9, -0.1], [-0.1, 0.5], "Item gaps", **options),
    "quadrant_chart": lambda label, **options: charts.quadrant_chart(
        [(label, 0.3, 5.1), ("T1", 0.05, 6.0)], 0.15, 5.0, "Importance and performance",
        **options),
    "age_bars": lambda label, **options: charts.age_bars([3, 45, 120], label, **options),
}
EMPTY: dict[str, Callable[[], str]] = {
    "xmr_chart": lambda: charts.xmr_chart([], None, None, None, None, [], "Empty"),
    "small_multiples": lambda: charts.small_multiples(
        {"A": charts.XmrSeries([])}, None, "Empty"),
    "pareto_chart": lambda: charts.pareto_chart(["a", "b"], [0, 0], "Empty"),
    "line_chart": lambda: charts.line_chart(["2026-Q1"], {"A": [None]}, "Empty"),
    "grouped_bars": lambda: charts.grouped_bars([], {}, "Empty"),
    "interval_chart": lambda: charts.interval_chart([], [], [], [], "Empty"),
    "quadrant_chart": lambda: charts.quadrant_chart([], 0.0, 0.0, "Empty"),
    "age_bars": lambda: charts.age_bars([], "Empty"),
}


def digests() -> dict[str, str]:
    """SHA-256 of every chart drawn with the hostile label (also run in a fresh process)."""
    return {name: hashlib.sha256(draw(HOSTILE).encode()).hexdigest()
            for name, draw in CASES.items()}


def parse(svg: str) -> ET.Element:
    """The SVG's root element (fails the test when it is not well-formed XML)."""
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    """The content of every <text> element."""
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def group(root: ET.Element, name: str) -> ET.Element:
    """The one group the library marks with class `name`."""
    found = [node for node in root.iter(f"{SVG}g") if node.get("class") == name]
    assert len(found) == 1, f"{len(found)} groups of class {name}"
    return found[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_is_accessible_offline_svg_with_hostile_text_as_text(name: str) -> None:
    svg = CASES[name](HOSTILE)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("viewBox")
    assert root[0].tag == f"{SVG}title" and root[0].text
    assert root[1].tag == f"{SVG}desc" and root[1].text
    assert set(re.findall(r"https?://[^\s\"'<>)]*", svg)) <= NAMESPACES
    assert "<script" not in svg
    shown = texts(root) + [root[0].text, root[1].text]
    assert any(HOSTILE in text for text in shown), "the label is not kept as text"
    # text and axes follow the theme; no stray black or white vanishes on one of the backgrounds
    assert "currentColor" in svg
    assert set(re.findall(r"#[0-9A-Fa-f]{6}\b", svg)) <= {*charts.PALETTE, FALLBACK_INK}


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_bytes_repeat_within_a_process(name: str) -> None:
    assert CASES[name](HOSTILE) == CASES[name](HOSTILE)


def test_chart_bytes_repeat_in_a_fresh_process() -> None:
    code = "import json; from tests.test_charts import digests; print(json.dumps(digests()))"
    fresh = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    assert json.loads(fresh.stdout) == digests()


def test_charts_drawn_in_threads_equal_those_drawn_one_by_one() -> None:
    one_by_one = digests()
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda name: hashlib.sha256(
            CASES[name](HOSTILE).encode()).hexdigest(), sorted(CASES) * 2))
    assert threaded == [one_by_one[name] for name in sorted(CASES) * 2]


def test_the_charts_on_one_page_never_share_an_id() -> None:
    # charts are inlined side by side, and a page's ids are one namespace: each chart's ids
    # are its own, and every reference in a chart leads to a definition in that chart
    owner: dict[str, str] = {}
    for name, draw in CASES.items():
        svg = draw(HOSTILE)
        defined = re.findall(r'<[a-z]+ id="([^"]+)"', svg)
        assert len(defined) == len(set(defined))
        for item in defined:
            assert owner.setdefault(item, name) == name, item
        used = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
        assert used <= set(defined), name
    assert any(item.startswith("qms-diamond-9-") for item in owner)
    assert any(item.startswith("qms-hatch-2f-") for item in owner)
    # the same two drawings again: the same bytes (a page keeps its bytes)
    assert CASES["xmr_chart"](HOSTILE) == CASES["xmr_chart"](HOSTILE)


def test_a_label_that_reads_like_an_id_is_left_as_it_is() -> None:
    # the ids get their chart's digest; a repository's words naming one stay as written
    plain = CASES["small_multiples"]("Jing'an")
    base = re.search(r'<marker id="(qms-[^"]+)-[0-9a-f]{8}"', plain).group(1)
    label = f'#{base}) "#{base}"'
    svg = CASES["small_multiples"](label)
    assert escape(label, quote=False) in svg
    assert re.search(rf'<marker id="{re.escape(base)}-[0-9a-f]{{8}}"', svg)


@pytest.mark.parametrize("label", ["bell\x07 \x1b[31m", "$\\frac$ 50% {off}", "\ud800 lone",
                                   "line\nbreak"])
def test_awkward_labels_are_drawn_as_visible_text(label: str) -> None:
    root = parse(charts.pareto_chart([label, "other"], [3, 1], label))
    shown = texts(root)
    assert root[0].text is not None
    expected = {"bell\x07 \x1b[31m": "bell\\x07 \\x1b[31m", "$\\frac$ 50% {off}":
                "$\\frac$ 50% {off}", "\ud800 lone": "\ufffd lone", "line\nbreak": "line break"}
    assert expected[label] in shown
    assert root[0].text == expected[label]


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_input_gives_a_no_data_chart(name: str) -> None:
    root = parse(EMPTY[name]())
    assert root[0].text == "Empty"
    assert "No data yet." in texts(root)


def test_no_data_follows_the_manual_language() -> None:
    words = {"No data yet.": "暂无数据。"}
    root = parse(charts.age_bars([], "空", translate=lambda text, **_: words.get(text, text)))
    assert "暂无数据。" in texts(root)


def test_every_word_a_chart_draws_or_says_has_a_chinese_label() -> None:
    asked: set[str] = set()
    chinese = translator("zh_CN")

    def recording(text: str, **fields: object) -> str:
        asked.add(text)
        return chinese(text, **fields)

    for draw in CASES.values():
        draw("门店", translate=recording)
    # the words only some data brings out: a long tail, a series with no value, no data at all
    charts.pareto_chart([f"c{i}" for i in range(30)], [1] * 30, "Tail", translate=recording)
    charts.line_chart(["Q1"], {"A": [1.0], "B": [None]}, "Gap", translate=recording)
    charts.age_bars([], "Empty", translate=recording)
    assert {"readings", "to", "Concentrate here", "and {count} more", "no data"} <= asked
    assert sorted(asked - set(ZH_CN)) == []


def test_a_chinese_chart_draws_and_describes_in_chinese_with_cjk_fonts_to_fall_back_on() -> None:
    root = parse(CASES["xmr_chart"]("门店", translate=translator("zh_CN")))
    shown = texts(root)
    assert {"读数", "中心线", "自然过程界限", "目标 ≥ 95", "信号"} <= set(shown)
    assert root[1].text is not None and root[1].text.startswith("门店 至 2026-05-18 共 20 个读数")
    assert "中心线 96.5" in root[1].text and "2 个信号" in root[1].text
    # the text stays text; the reader's browser draws it, with a Chinese font where DejaVu fails
    style = root.find(f"{SVG}style")
    assert style is not None and style.text is not None
    assert (".qms-chart text{font-family:'DejaVu Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', "
            "'PingFang SC', 'Microsoft YaHei', sans-serif;") in style.text
    assert not any("font-family" in node.get("style", "") for node in root.iter(f"{SVG}text"))
    quadrants = texts(parse(CASES["quadrant_chart"]("门店", translate=translator("zh_CN"))))
    assert {"重点改进区", "继续保持区", "次要改进区", "过度投入区"} <= set(quadrants)


def test_charts_are_written_without_matplotlib_and_importing_them_loads_no_numpy() -> None:
    # matplotlib cost ~44 ms a chart; commands that draw no chart must not pay for numpy and the
    # models (0.5 s) either. The package imports its chart modules (16 ms) when one is asked for.
    loaded = ("print('matplotlib' in sys.modules, 'numpy' in sys.modules, "
              "'qms.manual.charts.xmr' in sys.modules)")
    code = (f"import sys, qms.manual.charts as c; {loaded}; "
            "from tests.test_charts import digests; digests(); "
            "print('matplotlib' in sys.modules, 'qms.manual.charts.xmr' in sys.modules)")
    fresh = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    assert fresh.stdout.split() == ["False", "False", "False", "False", "True"]


def test_the_charts_package_gives_each_name_of_its_modules() -> None:
    assert set(charts.__all__) <= set(dir(charts))
    modules = [importlib.import_module(f"qms.manual.charts.{name}")
               for name in ("bars", "canvas", "plots", "xmr")]
    for name in charts.__all__:
        assert any(getattr(module, name, None) is getattr(charts, name) for module in modules), name
    with pytest.raises(AttributeError, match="no attribute 'pie_chart'"):
        charts.pie_chart  # noqa: B018


def text_box(node: ET.Element) -> tuple[float, float, float, float] | None:
    """Left, right, top and bottom of an unturned <text>, its width estimated as the layout does
    (None for a turned one)."""
    style, transform = node.get("style", ""), node.get("transform", "")
    if re.search(r"rotate\((?!-?0[ )])", transform):
        return None
    moved = re.search(r"translate\(([-\d.]+),? ([-\d.]+)\)", transform)
    x, y = ((float(moved.group(1)), float(moved.group(2))) if moved
            else (float(node.get("x", "0")), float(node.get("y", "0"))))
    sized = re.search(r"font-size:([\d.]+)px", style)
    size = float(sized.group(1)) if sized else 9.0  # the chart's style sheet: 9px, middle
    width = text_width("".join(node.itertext()), size)
    anchor = re.search(r"text-anchor:(\w+)", style)
    left = x - {"start": 0.0, "middle": width / 2, "end": width}[
        anchor.group(1) if anchor else "middle"]
    return left, left + width, y - 0.8 * size, y + 0.25 * size  # DejaVu: 0.73 em tall digits


LONG = "a site name long enough to need most of a legend row by itself alone"


@pytest.mark.parametrize("draw", [
    lambda: charts.line_chart(["2026-Q1", "2026-Q2"], {f"{LONG} {i}": [1.0, 2.0 + i]
                                                      for i in range(6)}, "Long legend"),
    lambda: charts.interval_chart([LONG, "T2"], [-0.5, 0.2], [-0.9, -0.1], [-0.1, 0.5], "Gaps",
                                  x_label=LONG),
    lambda: charts.xmr_chart(readings(30), 96.5, 92.0, 101.0, parse_target(">= 95"), [3],
                             "Queue", unit=LONG),
    lambda: charts.small_multiples({f"{LONG} {i}": charts.XmrSeries(readings(12), 96.0, 92.0,
                                                                     100.0) for i in range(4)},
                                   parse_target(">= 95"), f"{LONG}, {LONG}", unit=LONG),
    lambda: charts.quadrant_chart([(LONG, 0.3, 5.1), ("T1", 0.05, 6.0)], 0.15, 5.0, "IPA"),
], ids=["legend", "item-labels", "unit", "site-panels", "grid-labels"])
def test_every_label_stays_inside_the_chart_however_long(draw: Callable[[], str]) -> None:
    root = parse(draw())
    _, _, width, height = (float(part) for part in root.get("viewBox", "").split())
    boxes = [box for node in root.iter(f"{SVG}text") if (box := text_box(node)) is not None]
    assert len(boxes) >= 6
    for left, right, top, bottom in boxes:
        assert left >= -0.5 and right <= width + 0.5 and top >= 0 and bottom <= height


def test_xmr_target_is_dashed_and_each_signal_marked_once() -> None:
    root = parse(charts.xmr_chart(readings(20), 96.5, 92.0, 101.0, parse_target(">= 95"),
                                  [3, 7, 7, 99], "Queue time"))
    target = group(root, "qms-target").find(f"{SVG}path")
    assert target is not None and "stroke-dasharray" in target.get("style", "")
    assert "stroke-dasharray" not in group(root, "qms-centre").find(f"{SVG}path").get("style", "")
    # a repeated index and one past the readings mark nothing more
    assert len(group(root, "qms-signals").findall(f".//{SVG}use")) == 2
    assert "target ≥ 95" in texts(root)
    assert "2 signals" in root[1].text


def test_small_multiples_share_one_scale_that_holds_every_site() -> None:
    low = [(day, 10 + value / 100) for day, value in readings(10)]
    high = [(day, 50 + value / 10) for day, value in readings(10)]
    root = parse(charts.small_multiples({"Low": charts.XmrSeries(low),
                                         "High": charts.XmrSeries(high)}, None, "Sites"))
    lines = [node.find(f"{SVG}path") for node in root.iter(f"{SVG}g")
             if node.get("class") == "qms-readings"]
    heights = [[float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", line.get("d", ""))]
               for line in lines if line is not None]
    assert len(heights) == 2 and all(len(found) == 10 for found in heights)
    # on one scale the low site's small wobble is flat beside the high site's larger one, and
    # both series stand level with each other's values: the low one below the high one
    (low_ys, high_ys) = heights
    assert max(low_ys) - min(low_ys) < (max(high_ys) - min(high_ys)) / 5
    assert min(low_ys) > max(high_ys)
    values = [float(text.replace("\u2212", "-")) for text in texts(root)
              if re.fullmatch(r"\u2212?[\d.]+", text)]
    assert min(values) <= 20 and max(values) >= 50


def test_xmr_without_target_or_signals_draws_neither() -> None:
    svg = charts.xmr_chart(readings(5), 96.0, 92.0, 100.0, None, [], "Queue time")
    assert "qms-target" not in svg and "qms-signals" not in svg


def test_pareto_orders_largest_first_and_cumulates_to_a_hundred_percent() -> None:
    ordered = charts.pareto_order(["a", "b", "c", "d", "e"], [1, 7, 0, 3, 1])
    assert [name for name, _, _ in ordered] == ["b", "d", "a", "e"]  # no zero bar; ties in order
    shares = [share for _, _, share in ordered]
    assert shares == sorted(shares) and shares[-1] == 100.0
    root = parse(charts.pareto_chart(["a", "b", "c"], [0.1, 0.2, 0.7], "Failures"))
    marks = [node for node in root.iter(f"{SVG}g") if node.get("class") == "qms-share"]
    assert [text for mark in marks for text in texts(mark)] == ["70 %", "90 %", "100 %"]


def test_line_chart_leaves_a_gap_for_a_missing_value() -> None:
    root = parse(charts.line_chart(["Q1", "Q2", "Q3", "Q4"], {"A": [1.0, None, 3.0, 4.0]}, "SQI"))
    path = group(root, "qms-line").find(f"{SVG}path")
    assert path is not None and path.get("d", "").count("M") == 2


def test_interval_chart_has_a_zero_line_and_one_bar_per_item() -> None:
    svg = charts.interval_chart(["T1", "T2", "T3"], [-0.5, 0.2, None], [-0.9, -0.1, None],
                                [-0.1, 0.5, None], "Item gaps")
    root = parse(svg)
    assert group(root, "qms-zero") is not None
    assert {"T1", "T2"} <= set(texts(root)) and "T3" not in texts(root)


def test_quadrant_chart_names_the_four_quadrants_and_places_points() -> None:
    root = parse(charts.quadrant_chart([("R1", 0.3, 4.0)], 0.15, 5.0, "IPA"))
    assert {"Concentrate here", "Keep up the good work", "Low priority",
            "Possible overkill"} <= set(texts(root))
    assert "R1: importance 0.3, performance 4, Concentrate here" in root[1].text


def test_ages_fall_in_buckets_with_edges_in_the_lower_one() -> None:
    assert charts.age_buckets([0, 30, 31, 60, 61, 90, 91, 400]) == [
        ("0–30", 2), ("31–60", 2), ("61–90", 2), ("> 90", 2)]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("background", FURO_BACKGROUNDS)
def test_colours_keep_contrast_on_light_and_dark_pages(background: str) -> None:
    assert all(contrast(colour, background) >= 3.0 for colour in charts.PALETTE)
    assert contrast(FALLBACK_INK, background) >= 4.0


def test_many_series_are_each_drawn_their_own_way_and_a_long_legend_grows_the_chart() -> None:
    sites = {f"site {i}": [80.0 + i, 90.0] for i in range(12)}
    root = parse(charts.line_chart(["Q1", "Q2"], sites, "Twelve sites"))
    looks = [(line.get("style"), len(list(group.iter(f"{SVG}use"))), tuple(
        use.get("href") for use in group.iter(f"{SVG}use")))
        for group in root.iter(f"{SVG}g") if group.get("class") == "qms-line"
        for line in group.findall(f"{SVG}path")[:1]]
    assert len(looks) == 12 and len(set(looks)) == 12
    few = parse(charts.line_chart(["Q1", "Q2"], dict(list(sites.items())[:2]), "Two sites"))
    many = parse(charts.line_chart(["Q1", "Q2"], {f"{LONG} {i}": [1.0, 2.0] for i in range(50)},
                                   "Fifty sites"))
    heights = [float(chart.get("viewBox", "").split()[3]) for chart in (few, many)]
    assert heights[1] > heights[0]  # room for the legend's rows, and a plot above them
    boxes = [box for node in many.iter(f"{SVG}text") if (box := text_box(node)) is not None]
    assert all(bottom <= heights[1] for _, _, _, bottom in boxes)


def test_series_differ_by_more_than_colour() -> None:
    lines = parse(charts.line_chart(["Q1", "Q2"], {"A": [1.0, 2.0], "B": [2.0, 3.0]}, "Two"))
    drawn = [node for node in lines.iter(f"{SVG}g") if node.get("class") == "qms-line"]
    dashes = {node.find(f"{SVG}path").get("style", "").partition("dasharray")[2]  # type: ignore[union-attr]
              for node in drawn}
    # a marker is a <use> of its shape, or a dot (a round cap on a zero-length line)
    markers = {use.get("href") for node in drawn for use in node.iter(f"{SVG}use")} | {
        "dot" for node in drawn for path in node.iter(f"{SVG}path")
        if "stroke-linecap:round" in path.get("style", "")}
    assert len(drawn) == 2 and len(dashes) == 2 and len(markers) == 2
    bars = parse(CASES["grouped_bars"]("x"))
    fills = [rect.get("style", "") for node in bars.iter(f"{SVG}g")
             if node.get("class") == "qms-bars" for rect in node.iter(f"{SVG}rect")]
    assert any("url(#qms-hatch-" in fill for fill in fills)  # the second series is hatched
    assert not all("url(#qms-hatch-" in fill for fill in fills)


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), st.floats(20.0, 500.0), st.booleans())
def test_ticks_are_round_evenly_spaced_and_within_the_range(
        low: float, span: float, length: float, integer: bool) -> None:
    ticks = nice_ticks(low, low + span, length, per_tick=18.0, integer=integer)
    bins = min(9, max(1, int(length // 18)))
    # one more tick than bins, or a few more where the fitting step left fewer than two inside
    assert 1 <= len(ticks) <= max(bins + 1, 6)
    assert all(low - 1e-9 * span <= tick <= low + span * (1 + 1e-9) for tick in ticks)
    if len(ticks) > 1:
        step = (ticks[-1] - ticks[0]) / (len(ticks) - 1)
        assert all(math.isclose(later - earlier, step, rel_tol=1e-6)
                   for earlier, later in zip(ticks, ticks[1:], strict=False))
        mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
        assert any(math.isclose(mantissa, nice, rel_tol=1e-6) for nice in (1, 2, 2.5, 5, 10))
        if integer and span >= 2:
            assert all(tick == round(tick) for tick in ticks)


def test_xmr_ticks_are_the_round_values_matplotlib_chose() -> None:
    # MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]) within each range
    assert nice_ticks(91.55, 101.45, 150.0, per_tick=18.0) == [92.0, 94.0, 96.0, 98.0, 100.0]
    assert nice_ticks(0.0, 42.0, 150.0, per_tick=18.0) == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert nice_ticks(0.0, 3.15, 150.0, per_tick=18.0, integer=True) == [0.0, 1.0, 2.0, 3.0]


def test_text_widths_come_from_dejavu_with_wide_characters_one_em() -> None:
    assert text_width("0", 9.0) == text_width("9", 9.0) > 0  # DejaVu's digits share a width
    assert text_width("iii", 10.0) < text_width("WWW", 10.0)
    assert text_width("门店", 10.0) == 20.0
    assert text_width("ab", 18.0) == 2 * text_width("ab", 9.0)


def test_the_width_table_is_what_its_script_writes_from_the_font() -> None:
    pytest.importorskip("matplotlib")  # the script reads the font file matplotlib ships
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import make_font_widths
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from matplotlib import get_data_path
    from matplotlib.ft2font import FT2Font

    font = FT2Font(f"{get_data_path()}/fonts/ttf/DejaVuSans.ttf")
    written = make_font_widths.module(font)
    committed = (ROOT / "qms" / "manual" / "charts" / "fontwidths.py").read_text(encoding="utf-8")
    # the version line names the matplotlib the table was read with; the widths must agree
    assert written.split("TABLE")[1] == committed.split("TABLE")[1]
    assert font.units_per_EM == fontwidths.UNITS_PER_EM


def test_an_xmr_charts_readings_have_a_dot_on_every_vertex_of_their_line() -> None:
    """The readings' dots are their line's markers: a round dot in the readings' colour on
    every vertex, a gap (NaN) breaks the line and has no dot, and a reading alone between gaps
    is a zero-length segment (a vertex, so it has its dot too)."""
    days = [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(8)]
    values = [1.005, 2.0 / 3.0, math.nan, 12.345, math.nan, -0.001, 7.5, 3.0]
    svg = charts.xmr_chart(list(zip(days, values, strict=True)), None, None, None, None, [], "t")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    readings = root.find(f"{ns}g[@class='qms-readings']")
    assert readings is not None and len(readings) == 1  # the line alone: no second path of dots
    line = readings.find(f"{ns}path")
    data, style = line.get("d"), line.get("style")
    stretches = re.findall(r"M[^M]+", data)
    assert len(stretches) == 3 and "h0" in stretches[1] and "L" not in stretches[1]
    vertices = re.findall(r"[ML]([^MLh]+)", data)
    assert len(vertices) == 6
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})? -?\d+(\.\d{1,2})?", v) for v in vertices)
    # marker: the shorthand for the start, every middle vertex and the end
    marker_id = re.fullmatch(r".*;marker:url\(#([^)]+)\)", style).group(1)
    marker = root.find(f"{ns}defs/{ns}marker[@id='{marker_id}']")
    assert marker is not None and marker.get("markerUnits") == "userSpaceOnUse"
    dot = marker.find(f"{ns}circle")
    assert dot is not None and dot.get("style") == f"fill:{charts.PALETTE[0]}"
    # the dot is as wide as the readings' legend sample's, and its box holds it whole
    assert float(dot.get("r")) * 2 == 3.5 + 1.0
    low_x, low_y, width, height = map(float, marker.get("viewBox").split())
    assert (width, height) == (float(marker.get("markerWidth")), float(marker.get("markerHeight")))
    assert low_x <= -float(dot.get("r")) and low_x + width >= float(dot.get("r"))


def test_a_point_alone_gets_a_segment_only_when_asked() -> None:
    """path_through writes a point without a neighbour as a bare move, or with `lone` after
    it; points with a neighbour never get it."""
    from qms.manual.charts.svg import path_through

    texts = ["1 1", None, "2 2", "3 3", None, "4 4"]
    assert path_through(texts) == "M1 1M2 2L3 3M4 4"
    assert path_through(texts, lone="h0") == "M1 1h0M2 2L3 3M4 4h0"
    assert path_through(["5 5"], lone="h0") == "M5 5h0"
    assert path_through(["5 5", "6 6"], lone="h0") == "M5 5L6 6"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_coordinate_is_written_with_two_decimals_at_most_and_never_as_minus_zero(
        value: float) -> None:
    """num and spots write a coordinate as its value rounded to two decimals, trailing zeros
    (and a bare '-0') dropped, whichever way they take to it."""
    expected = f"{value:.2f}".rstrip("0").rstrip(".")
    expected = "0" if expected == "-0" else expected
    assert num(value) == expected
    assert spots([(value, -value), None]) == [f"{expected} {num(-value)}", None]


@given(st.lists(st.floats(-1e6, 1e6), max_size=20), st.floats(-1e3, 1e3), st.floats(0, 1e3),
       st.floats(0, 500), st.floats(0, 500))
def test_a_scale_places_many_values_where_it_places_each(
        values: list[float], low: float, width: float, start: float, end: float) -> None:
    """Scale.each gives, to the last bit, what Scale.at gives one value at a time (a flat
    scale too)."""
    scale = Scale(low, low + width, start, end)
    assert scale.each(values) == [scale.at(value) for value in values]


@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
                max_size=12))
def test_a_series_is_whole_only_when_every_reading_can_be_drawn(
        values: list[float | None]) -> None:
    """The one-sum check of a series' readings agrees with looking at each (an overflowing
    sum may only call a whole series broken, which draws it the long way)."""
    from qms.manual.charts.xmr import _readings

    drawn = _readings(charts.XmrSeries([(f"w{i}", v) for i, v in enumerate(values)]))
    every = all(v is not None and math.isfinite(v) for v in values)
    assert drawn.whole == every or (every and not math.isfinite(sum(values)))  # type: ignore[arg-type]


@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=30), st.lists(st.integers(-2, 32)))
def test_a_whole_series_is_drawn_as_the_long_way_draws_it(
        values: list[float], signals: list[int]) -> None:
    """A series without gaps takes the short way (no reading looked at again): its charts are
    byte for byte those of the way that checks every reading."""
    from qms.manual.charts import xmr

    points = readings(len(values))
    points = [(when, value) for (when, _), value in zip(points, values, strict=True)]
    series = charts.XmrSeries(points, 96.0, 90.0, 102.0, signals)
    short = (xmr.xmr_chart(points, 96.0, 90.0, 102.0, parse_target(">= 95"), signals, "T"),
             xmr.small_multiples({"A": series, "B": series}, None, "S"))
    real = xmr._readings
    try:
        xmr._readings = lambda s: real(s)._replace(whole=False)  # type: ignore[assignment]
        long = (xmr.xmr_chart(points, 96.0, 90.0, 102.0, parse_target(">= 95"), signals, "T"),
                xmr.small_multiples({"A": series, "B": series}, None, "S"))
    finally:
        xmr._readings = real  # type: ignore[assignment]
    assert short == long


@given(st.lists(st.one_of(st.none(), st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4))),
                max_size=12))
def test_a_line_and_its_dots_join_their_points_as_written_one_by_one(
        points: list[tuple[float, float] | None]) -> None:
    """path_through and dots (joined in one go where no point is missing) give what writing
    each point after the last gives."""
    from qms.manual.charts.svg import Svg, path_through

    texts = spots(points)
    expected, pen = "", False
    for text in texts:
        expected += "" if text is None else ("L" if pen else "M") + text
        pen = text is not None
    assert path_through(texts) == path_through(iter(texts)) == expected
    svg = Svg(10, 10)
    svg.dots(texts, 3.0)
    dots = "".join(f"M{text}h0" for text in texts if text is not None)
    assert svg.parts == ([f'<path d="{dots}" style="fill:none;stroke-width:4;'
                          'stroke-linecap:round"/>'] if dots else [])


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=12))
def test_a_data_range_leaves_out_what_cannot_be_drawn(values: list[float]) -> None:
    """data_range (one sum where nothing is to be dropped) is the range of the finite values."""
    from qms.manual.charts.scales import data_range

    kept = [value for value in values if math.isfinite(value)]
    assert data_range(values) == data_range(kept)
    assert data_range(iter(values), floor=0.0) == data_range(kept, floor=0.0)


def test_a_legend_taken_again_is_the_legend_drawn_afresh() -> None:
    """A legend made once per kind of chart (entries and size) is the one each chart would
    draw, its hatches' definitions included."""
    from qms.manual.charts import frame

    def draw() -> tuple[str, str]:
        return (charts.grouped_bars(["a", "b"], {"E": [6.1, 6.5], "P": [5.5, 6.0]}, "E and P"),
                CASES["xmr_chart"]("Readings"))

    frame._legend.cache_clear()
    fresh = draw()
    assert frame._legend.cache_info().hits == 0
    again = draw()
    assert frame._legend.cache_info().hits == 2
    assert again == fresh and "<pattern id=" in fresh[0]
