"""The HTML report (rt.report) read as a browser reads it.

Two halves, on one report of the synthetic business (1,500 accounts, 36 months, seed 0):

- The file, parsed with the standard library's html.parser: the sections and charts of the
  contract, nothing fetched from outside (no script, no stylesheet link, no external src/href,
  no ``@import``, no ``url(http``), every ``http://`` string a namespace name on an SVG element,
  every link an anchor that exists or a ``tables/*.csv`` that pandas reads, every chart's SVG a
  real drawing (xml.etree).
- The pixels, rendered by headless Chromium: each section alone (the other sections hidden by an
  added style sheet) is not blank and shows as many charts as the HTML has figures; each chart
  alone, pinned into a band of its own, paints coloured marks (the data: axes and text are
  black or grey). Then the top of the full report becomes the README's picture, docs/report.png.

Chromium is Debian's ``chromium``; without it the rendering tests skip, unless
RETAIN_REQUIRE_BROWSER is set (``./dev test`` sets it), in which case they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
from PIL import Image

import retain as rt
import retain.report  # binds rt.report, whatever retain/__init__.py imports

SECTIONS = ("headline", "revenue", "health", "coverage", "backtest")
SECTIONS_WITH_CHARTS = ("revenue", "health", "backtest")
REPO = Path(__file__).resolve().parents[2]
README_PICTURE = REPO / "docs" / "report.png"

WIDTH = 1280
README_HEIGHT = 1600  # about: the picture ends in the blank gap nearest to it
SECTION_HEIGHT = 6000  # first window height for one section
BAND_WIDTH = 640  # each chart drawn this wide when its pixels are counted
MAX_SHOT_HEIGHT = 12000
CHROMIUM_TIMEOUT = 60  # seconds; one screenshot takes about two
# A chart's marks are coloured; its axes, ticks and text are black or grey. Saturation here is
# max(r, g, b) - min(r, g, b) on 0..255: anti-aliased grey stays at 0, tab:blue is 149.
COLOURED = 48
MIN_COLOURED_PIXELS = 300
# The outline drawn round every chart's <svg> in the section screenshots, counted afterwards.
OUTLINE = "#ff00ff"

# Attributes through which a browser fetches something.
FETCHING_ATTRIBUTES = {
    "src", "href", "xlink:href", "data", "srcset", "poster", "action", "formaction",
    "background", "manifest", "ping", "longdesc", "cite",
}  # fmt: skip
DRAWING_ELEMENTS = {
    "path", "rect", "line", "polyline", "polygon", "circle", "ellipse", "text", "use", "image",
}  # fmt: skip
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
HTTP = re.compile(r"https?://", re.IGNORECASE)
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")

# Names of the checks that passed in this run: docs/report.png is refreshed only after all.
PASSED: set[str] = set()
CHECKS = {
    "sections", "figures", "tables", "nothing_fetched", "http_only_namespaces", "css", "links",
    "svgs", "charts_paint", *(f"section:{s}" for s in SECTIONS),
}  # fmt: skip


# ----------------------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    book = rt.datasets.synthetic_saas(accounts=1500, months=36, random_state=0)
    out = tmp_path_factory.mktemp("report") / "out"
    html = rt.report.build(book).write(out)
    assert Path(html) == out / "report.html"
    return out


@pytest.fixture(scope="module")
def html(out_dir) -> str:
    return (out_dir / "report.html").read_text(encoding="utf-8")


class Element:
    def __init__(self, tag, attrs, section, figure, in_svg):
        self.tag = tag
        self.attrs = attrs  # name -> value, names lower-cased by html.parser
        self.section = section  # id of the enclosing report-section, or None
        self.figure = figure  # id of the enclosing chart figure, or None
        self.in_svg = in_svg  # the element is an <svg> or inside one


class Page(HTMLParser):
    """Every element with its section and figure, the CSS text, and every piece of text in
    which an ``http://`` could hide (data, comments, declarations, attribute values)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[Element] = []
        self.elements: list[Element] = []
        self.first_child: dict[str, str] = {}  # section id -> tag of its first element
        self.css: list[str] = []
        self.http_seen = 0
        self.http_misplaced: list[str] = []
        self.feed(text)
        self.close()

    def _open(self, tag, attrs):
        parent = self.stack[-1] if self.stack else None
        attrs = {k: (v or "") for k, v in attrs}
        section = parent.section if parent else None
        if parent is not None and parent.section and parent.attrs.get("id") == parent.section:
            self.first_child.setdefault(parent.section, tag)
        if tag == "section" and "report-section" in attrs.get("class", "").split():
            section = attrs.get("id")
        figure = parent.figure if parent else None
        if tag == "figure" and "chart" in attrs.get("class", "").split():
            figure = attrs.get("id")
        in_svg = tag == "svg" or (parent is not None and parent.in_svg)
        element = Element(tag, attrs, section, figure, in_svg)
        self.elements.append(element)
        for name, value in attrs.items():
            self._count_http(value, allowed=in_svg and re.fullmatch(r"xmlns(:[\w.-]+)?", name))
            if name == "style":
                self.css.append(value)
        return element

    def _count_http(self, text, allowed=False):
        found = len(HTTP.findall(text))
        self.http_seen += found
        if found and not allowed:
            self.http_misplaced.append(text[:200])

    def handle_starttag(self, tag, attrs):
        element = self._open(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self._count_http(data)
        if self.stack and self.stack[-1].tag == "style":
            self.css.append(data)

    def handle_comment(self, data):
        self._count_http(data)

    def handle_decl(self, decl):
        self._count_http(decl)

    def handle_pi(self, data):
        self._count_http(data)

    def unknown_decl(self, data):
        self._count_http(data)


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


def figures_by_section(page: Page) -> dict[str, list[str]]:
    """Chart names (the id without ``chart-``) of each section, in document order."""
    found: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for e in page.elements:
        if e.tag == "figure" and "chart" in e.attrs.get("class", "").split():
            found.setdefault(e.section, []).append(e.attrs.get("id", "").removeprefix("chart-"))
    return found


def chart_svgs(html: str) -> dict[str, str]:
    """The <svg> text of each chart figure. A regex is honest here: figures do not nest, and
    matplotlib writes one <svg> with no <svg> inside."""
    svgs = {}
    for m in re.finditer(r"<figure\b([^>]*)>(.*?)</figure>", html, re.S | re.I):
        if not re.search(r"""class\s*=\s*["'][^"']*\bchart\b""", m.group(1)):
            continue
        name = re.search(r"""id\s*=\s*["']chart-([^"']+)""", m.group(1)).group(1)
        (svg,) = re.findall(r"<svg\b.*?</svg>", m.group(2), re.S | re.I)
        svgs[name] = svg
    return svgs


def parse_svg(text: str) -> ET.Element:
    # Inside HTML the svg and xlink namespaces are implied; XML needs them declared.
    head = text[: text.index(">")]
    if "xmlns=" not in head:
        text = text.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    if "xlink:" in text and "xmlns:xlink" not in head:
        text = text.replace("<svg", '<svg xmlns:xlink="http://www.w3.org/1999/xlink"', 1)
    return ET.fromstring(text)


def svg_size(svg: ET.Element) -> tuple[float, float]:
    """Width and height in CSS pixels, from width/height (pt or px) or else the viewBox."""
    to_px = {"": 1.0, "px": 1.0, "pt": 4 / 3}
    sizes = [
        re.fullmatch(r"\s*([0-9.]+)\s*(pt|px|)\s*", svg.get(k, "")) for k in ("width", "height")
    ]
    if all(sizes):
        return tuple(float(m.group(1)) * to_px[m.group(2)] for m in sizes)
    box = svg.get("viewBox", "").replace(",", " ").split()
    return (float(box[2]), float(box[3])) if len(box) == 4 else (0.0, 0.0)


# ----------------------------------------------------------------------------- the file


def test_the_five_sections_are_there_each_opening_with_h2(page):
    ids = [e.attrs.get("id") for e in page.elements if e.tag == "section"
           and "report-section" in e.attrs.get("class", "").split()]  # fmt: skip
    assert sorted(ids) == sorted(SECTIONS), ids
    assert {s: page.first_child.get(s) for s in SECTIONS} == dict.fromkeys(SECTIONS, "h2")
    PASSED.add("sections")


def test_every_chart_is_a_figure_with_one_svg_a_caption_and_its_csv(page):
    by_section = figures_by_section(page)
    assert None not in by_section, f"chart figures outside every section: {by_section[None]}"
    for s in SECTIONS_WITH_CHARTS:
        assert by_section[s], f"section {s!r} has no chart"
    names = [n for s in SECTIONS for n in by_section[s]]
    assert len(names) == len(set(names)), names
    for name in names:
        inside = [e for e in page.elements if e.figure == f"chart-{name}"]
        tags = [e.tag for e in inside]
        assert tags.count("svg") == 1, (name, tags.count("svg"))
        assert tags.count("figcaption") == 1, name
        links = [e.attrs.get("href") for e in inside if e.tag == "a"]
        assert f"tables/{name}.csv" in links, (name, links)
    PASSED.add("figures")


def test_every_table_is_a_data_table_inside_a_section(page):
    tables = [e for e in page.elements if e.tag == "table"]
    assert tables, "the report has no table"
    for table in tables:
        assert "data" in table.attrs.get("class", "").split(), table.attrs
        assert table.section in SECTIONS, (table.attrs, table.section)
    PASSED.add("tables")


def test_nothing_is_fetched_no_script_no_link_no_external_source(page):
    banned = {e.tag for e in page.elements} & {"script", "link", "base", "iframe", "frame"}
    assert not banned, banned
    handlers = [(e.tag, k) for e in page.elements for k in e.attrs if k.startswith("on")]
    assert not handlers, f"inline event handlers (script): {handlers[:5]}"
    refresh = [e.attrs for e in page.elements if e.tag == "meta" and "http-equiv" in e.attrs]
    assert not refresh, refresh
    external = []
    for e in page.elements:
        for name, value in e.attrs.items():
            if name not in FETCHING_ATTRIBUTES:
                continue
            scheme = SCHEME.match(value)
            if value.strip().startswith("//") or (scheme and scheme.group(1).lower() != "data"):
                external.append((e.tag, name, value[:80]))
    assert not external, external
    PASSED.add("nothing_fetched")


def test_http_appears_only_as_namespace_names_on_svg(html, page):
    assert not page.http_misplaced, page.http_misplaced
    # Everything the raw file holds went through the parser's counting (no markup it skipped).
    assert len(HTTP.findall(html)) == page.http_seen
    PASSED.add("http_only_namespaces")


def test_css_imports_nothing_and_points_only_inside_the_page(page):
    css = "\n".join(page.css)
    assert "@import" not in css.lower()
    urls = re.findall(r"""url\(\s*['"]?([^'")\s]*)""", css, re.I)
    outside = [u for u in urls if not (u.startswith("#") or u.lower().startswith("data:"))]
    assert not outside, outside
    # url() also sits in SVG presentation attributes (clip-path="url(#p1)").
    attribute_urls = [v for e in page.elements for k, v in e.attrs.items() if k != "style"
                      and re.search(r"url\(\s*['\"]?(?!#|data:)", v, re.I)]  # fmt: skip
    assert not attribute_urls, attribute_urls[:5]
    PASSED.add("css")


def test_every_link_is_an_anchor_that_exists_or_a_csv_that_pandas_reads(out_dir, page):
    ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs}
    csvs, wrong = set(), []
    for e in page.elements:
        for name in ("href", "xlink:href"):
            value = e.attrs.get(name)
            if value is None:
                continue
            if value.startswith("#"):
                if value[1:] not in ids:
                    wrong.append(f"<{e.tag} {name}={value!r}>: no element has that id")
            elif re.fullmatch(r"tables/[\w.-]+\.csv", value):
                csvs.add(value)
            elif not (e.tag == "image" and e.in_svg and value.startswith("data:image/")):
                wrong.append(f"<{e.tag} {name}={value!r}>")
    assert not wrong, wrong
    assert csvs, "no link to a tables/*.csv"
    for href in sorted(csvs):
        path = out_dir / href
        assert path.is_file(), f"{href} is linked but {path} does not exist"
        table = pd.read_csv(path)
        assert len(table) > 0 and len(table.columns) > 0, f"{href} is empty"
    PASSED.add("links")


def test_every_chart_svg_is_a_drawing_with_a_size(html, page):
    svgs = chart_svgs(html)
    assert sorted(svgs) == sorted(n for ns in figures_by_section(page).values() for n in ns)
    for name, text in svgs.items():
        svg = parse_svg(text)
        assert svg.tag.rsplit("}", 1)[-1] == "svg", name
        width, height = svg_size(svg)
        assert width > 100 and height > 50, (name, width, height)
        drawn = [el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] in DRAWING_ELEMENTS]
        # Even an empty matplotlib figure has its background path; a chart has axes, ticks,
        # labels and marks.
        assert len(drawn) >= 20, (name, len(drawn))
    PASSED.add("svgs")


# ----------------------------------------------------------------------------- the pixels


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    path = shutil.which("chromium")
    if path is None:
        message = (
            "the report is not rendered: Debian's chromium is not installed "
            "(sudo apt-get install chromium)"
        )
        if os.environ.get("RETAIN_REQUIRE_BROWSER"):
            pytest.fail(message + "; RETAIN_REQUIRE_BROWSER is set, so this is a failure")
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("chromium-profile")

    def shoot(page: Path, png: Path, height: int) -> np.ndarray:
        """A WIDTH x height screenshot of the top of ``page``, as an (height, WIDTH, 3) array."""
        command = [
            path, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--force-device-scale-factor=1", f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{height}", f"--screenshot={png}", page.as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"chromium ran over {CHROMIUM_TIMEOUT} s: {command}\n{e.stderr}")
        if done.returncode != 0 or not png.is_file():
            pytest.fail(f"chromium exited {done.returncode}: {command}\n{done.stderr}")
        with Image.open(png) as image:
            pixels = np.asarray(image.convert("RGB"))
        assert pixels.shape == (height, WIDTH, 3), (pixels.shape, command)
        return pixels

    return shoot


def styled_copy(out_dir: Path, name: str, css: str) -> Path:
    """report.html with ``css`` added last, written beside it so tables/ links still resolve."""
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    head_end = html.lower().rindex("</head>")
    copy = out_dir / f"_render_{name}.html"
    copy.write_text(html[:head_end] + f"<style>{css}</style>" + html[head_end:], "utf-8")
    return copy


def packed(pixels: np.ndarray) -> np.ndarray:
    p = pixels.astype(np.int32)
    return (p[..., 0] << 16) | (p[..., 1] << 8) | p[..., 2]


def background(pixels: np.ndarray) -> int:
    """The page colour: the commonest pixel (of every fourth row and column, for speed)."""
    colours, counts = np.unique(packed(pixels[::4, ::4]), return_counts=True)
    return int(colours[counts.argmax()])


def coloured(pixels: np.ndarray) -> np.ndarray:
    saturation = pixels.max(axis=-1).astype(int) - pixels.min(axis=-1)
    return (saturation > COLOURED) & (packed(pixels) != background(pixels))


def outlines(pixels: np.ndarray) -> int:
    """How many separate OUTLINE-coloured rings (one per chart) the screenshot shows."""
    from scipy import ndimage

    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    mask = (r > 230) & (g < 30) & (b > 230)
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes > 200).sum())


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_renders_with_its_charts(section, out_dir, page, chromium):
    charts = figures_by_section(page)[section]
    # Only this section is painted (the page header and the other sections are hidden), and a
    # magenta ring round each chart lets the charts be counted in the picture.
    css = (
        f".report-section:not(#{section}){{display:none!important}}"
        f"body *{{visibility:hidden!important}}"
        f"#{section},#{section} *{{visibility:visible!important}}"
        f"figure.chart svg{{outline:3px solid {OUTLINE}!important;outline-offset:2px}}"
    )
    copy = styled_copy(out_dir, section, css)
    # A screenshot costs about two seconds whatever its height, so the window starts tall; a
    # section that reaches its bottom is shot again, twice as tall.
    height = SECTION_HEIGHT
    while True:
        pixels = chromium(copy, out_dir / f"_render_{section}.png", height)
        ink = packed(pixels) != background(pixels)
        if not ink[-40:].any():  # bare bottom rows: nothing was cut off
            break
        assert height < 16000, f"section {section!r} is taller than {height} px"
        height *= 2
    rows = np.flatnonzero(ink.any(axis=1))
    assert ink.sum() > 2000, (section, int(ink.sum()))
    assert rows[-1] - rows[0] > 80, f"{section!r} shows little more than a heading"
    drawn = pixels[rows[0] : rows[-1] + 1]
    # Not one flat block of colour either: the ink itself has several colours.
    assert len(np.unique(packed(drawn)[ink[rows[0] : rows[-1] + 1]][::7])) > 2, section
    assert outlines(drawn) == len(charts), (section, charts, outlines(drawn))
    PASSED.add(f"section:{section}")


def test_each_chart_paints_coloured_marks(html, out_dir, page, chromium):
    by_section = figures_by_section(page)
    names = [n for s in SECTIONS for n in by_section[s]]
    ratios = [h / w for w, h in (svg_size(parse_svg(t)) for t in chart_svgs(html).values())]
    band = int(np.ceil(BAND_WIDTH * max(ratios))) + 16
    per_shot = max(1, MAX_SHOT_HEIGHT // band - 1)
    counts = {}
    for first in range(0, len(names), per_shot):
        shot = names[first : first + per_shot]
        # Each chart's <svg> alone, drawn BAND_WIDTH wide at the top of a band of its own,
        # everything else (captions, links, text, charts of other shots) invisible; one empty
        # band at the end shows that nothing bleeds from one band into the next.
        css = [
            "body *{visibility:hidden!important}",
            f"figure.chart{{position:fixed!important;left:0!important;top:{band * len(shot)}px;"
            f"width:{WIDTH}px!important;height:{band}px!important;margin:0!important;"
            "padding:0!important;border:0!important;overflow:hidden!important;"
            "background:#fff!important;box-shadow:none!important}",
            f"figure.chart svg{{width:{BAND_WIDTH}px!important;height:auto!important;"
            "max-width:none!important}",
            *(f"#chart-{n} svg,#chart-{n} svg *{{visibility:visible!important}}" for n in shot),
            *(f"#chart-{n}{{top:{i * band}px!important}}" for i, n in enumerate(shot)),
        ]
        copy = styled_copy(out_dir, f"charts{first}", "".join(css))
        png = out_dir / f"_render_charts{first}.png"
        pixels = chromium(copy, png, band * (len(shot) + 1))
        for i, name in enumerate(shot):
            counts[name] = int(coloured(pixels[i * band : (i + 1) * band]).sum())
        control = int(coloured(pixels[len(shot) * band :]).sum())
        assert control == 0, f"the empty band of {png.name} has {control} coloured pixels"
    blank = {n: c for n, c in counts.items() if c < MIN_COLOURED_PIXELS}
    assert not blank, f"charts with (almost) no coloured marks: {blank}; all: {counts}"
    painted = {s: sum(counts[n] >= MIN_COLOURED_PIXELS for n in by_section[s]) for s in SECTIONS}
    assert painted == {s: len(by_section[s]) for s in SECTIONS}
    assert all(painted[s] >= 1 for s in SECTIONS_WITH_CHARTS), painted
    PASSED.add("charts_paint")


def readme_cut(pixels: np.ndarray) -> int:
    """Where the README picture ends: in the widest blank gap between README_HEIGHT - 300 and
    README_HEIGHT + 200 (so no chart or paragraph is cut in half), else at README_HEIGHT."""
    bare = ~(packed(pixels) != background(pixels)).any(axis=1)
    low, high = README_HEIGHT - 300, min(README_HEIGHT + 200, len(bare))
    best, best_length, y = README_HEIGHT, 0, low
    while y < high:
        if bare[y]:
            start = y
            while y < high and bare[y]:
                y += 1
            if y - start >= 24 and y - start > best_length:
                best, best_length = start + 16, y - start
        y += 1
    return best


def test_the_readme_picture_is_the_top_of_the_report(out_dir, chromium):
    """Refreshes docs/report.png, once every check above passed in this run."""
    missing = CHECKS - PASSED
    if missing:
        pytest.skip(f"docs/report.png kept: these checks did not pass here: {sorted(missing)}")
    pixels = chromium(out_dir / "report.html", out_dir / "_render_top.png", README_HEIGHT + 200)
    pixels = np.ascontiguousarray(pixels[: readme_cut(pixels)])
    assert coloured(pixels).sum() >= MIN_COLOURED_PIXELS, "the top of the report has no chart"
    if README_PICTURE.is_file():
        with Image.open(README_PICTURE) as old:
            if np.array_equal(np.asarray(old.convert("RGB")), pixels):
                return  # the same picture: leave the file (and git) alone
    README_PICTURE.parent.mkdir(exist_ok=True)
    Image.fromarray(pixels).save(README_PICTURE, optimize=True)
