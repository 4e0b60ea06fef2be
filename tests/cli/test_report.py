"""`gates report` on a real stored session: the page is parsed back and checked against the derived reps
(every chart embedded as inline SVG, no URL anywhere, every name escaped), then opened in headless
Chromium and screenshotted, as a coach's browser would show it."""

from __future__ import annotations

import struct
import subprocess
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from support import browser
from support.browser import CHROMIUM_FLAGS, find_chromium
from support.cli import gates
from support.stored_sessions import HOSTILE, NAMES, make_session, make_small_session

from gates.rep_profile import rep_profile
from monitor.report.page import render
from monitor.session.model import SessionModel
from monitor.store import db as st
from monitor.store import saved as saved_session


class Page(HTMLParser):
    """Every tag with its attributes, the text of each athlete section, and the SVG charts in each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.sections: list[dict] = []
        self.text: list[str] = []
        self._heading = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section" and "athlete" in attrs.get("class", ""):
            self.sections.append({"name": "", "charts": [], "dots": 0, "rows": 0, "text": []})
        elif self.sections:
            section = self.sections[-1]
            if tag == "h2":
                self._heading = True
            elif tag == "svg":
                section["charts"].append(attrs.get("data-chart"))
            elif tag == "circle" and "dot" in attrs.get("class", ""):
                section["dots"] += 1

    def handle_endtag(self, tag):
        if tag == "h2":
            self._heading = False

    def handle_data(self, data):
        self.text.append(data)
        if self.sections:
            self.sections[-1]["text"].append(data)
            if self._heading and not self.sections[-1]["name"]:
                self.sections[-1]["name"] = data


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    where = tmp_path_factory.mktemp("report")
    db = where / "gates.sqlite3"
    sid = make_session(db)
    out = where / "report.html"
    proc = gates("report", str(sid), "-o", str(out), "--db", str(db))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    with st.SessionStore(db, readonly=True) as store:
        model = SessionModel.derive(store.events(sid), store.annotations(sid))
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    return out, page, model


def test_one_section_per_athlete_with_its_charts_inline(report):
    _, page, model = report
    athletes = list(model.results_by_athlete().values())
    assert [s["name"] for s in page.sections] == [g[0].rep.athlete for g in athletes]
    assert sorted(s["name"] for s in page.sections) == sorted(NAMES)
    for section, results in zip(page.sections, athletes):
        fits = [r for r in results if rep_profile(r.rep) is not None]
        assert section["charts"] == ["rep-times", "dropoff"] + (["velocity"] if fits else [])
        assert section["dots"] == sum(r.rep.time_us is not None for r in results)  # a dot per timed rep
        text = " ".join(section["text"])
        for r in results:
            assert f"#{r.rep.number}" in text and f"{r.rep.time_us / 1e6:.2f}" in text
        for r in fits:  # the profile table carries each valid rep's fit
            assert f"{rep_profile(r.rep).mss:.2f}" in text and f"{rep_profile(r.rep).pmax:.1f}" in text


def test_the_floor_line_is_the_best_divided_by_the_floor(report):
    _, page, model = report
    for section, results in zip(page.sections, list(model.results_by_athlete().values())):
        best = min(r.rep.time_us for r in results if r.rep.valid) / 1e6
        text = " ".join(section["text"])
        assert f"best {best:.2f} s" in text
        assert f"floor: 95 % of session best = {best / 0.95:.2f} s" in text
        assert f"floor: {(1 / 0.95 - 1) * 100:.1f} % slower than session best" in text
    lines = [a for tag, a in page.tags if tag == "line" and a.get("class") == "floor"]
    assert len(lines) >= 2 * len(page.sections)


def test_the_page_names_no_url_and_runs_no_script(report):
    out, page, _ = report
    html = out.read_text(encoding="utf-8")
    assert "http" not in html and "url(" not in html and "@import" not in html
    assert not {"script", "link", "img", "iframe", "object", "embed"} & {tag for tag, _ in page.tags}
    for tag, attrs in page.tags:
        assert "src" not in attrs and not any(name.startswith("on") for name in attrs)
        if "href" in attrs:
            assert attrs["href"].startswith("#athlete-")


def test_names_are_escaped(report):
    out, page, _ = report
    html = out.read_text(encoding="utf-8")
    assert HOSTILE not in html and "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, O&#x27;Neil &amp; co" in html
    assert HOSTILE in "".join(page.text)  # and it reads as the name, whole
    assert "Zoë" in html


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "nav", "a", "main",
                "section", "span", "div", "figure", "figcaption", "svg", "rect", "line", "text", "polyline", "circle",
                "table", "thead", "tbody", "tr", "th", "td", "small", "footer"}


@given(names=hs.lists(hs.text(hs.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=12),
                      min_size=1, max_size=3, unique=True))
@settings(max_examples=40, deadline=None)
def test_any_name_is_shown_as_text_and_never_becomes_markup(names, tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "gates.sqlite3"
    page = Page()
    page.feed(render(saved_session.load(str(path), str(make_small_session(path, names)))))
    assert [s["name"] for s in page.sections] == names
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS


def test_a_session_without_reps_still_gives_a_page(tmp_path):
    db = tmp_path / "gates.sqlite3"
    with st.SessionStore(db) as store:
        sid = store.start_session(course="0,30", athletes=["Ada"])
    out = tmp_path / "r.html"
    assert gates("report", str(sid), "-o", str(out), "--db", str(db)).returncode == 0
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.sections == [] and "No reps in this session." in page.text


# -- in a real browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    return find_chromium()


def screenshot(chromium: str, page, png, profile) -> tuple[int, int]:
    """Render `page` at 1200 × 2000 into `png`; the image's width and height."""
    proc = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                           "--window-size=1200,2000", page.as_uri()], capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chromium_renders_the_report(chromium, report, tmp_path):
    out, _, _ = report
    shot = out.with_suffix(".png")
    assert screenshot(chromium, out, shot, tmp_path / "profile") == (1200, 2000)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    empty = tmp_path / "blank.png"
    screenshot(chromium, blank, empty, tmp_path / "profile")
    # a blank page compresses to almost nothing; charts, tables and text do not
    assert shot.stat().st_size > 20 * empty.stat().st_size
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          out.as_uri()], capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL).stdout
    assert dom.count('<svg class="chart"') == out.read_text(encoding="utf-8").count('<svg class="chart"') >= 6


@pytest.mark.parametrize("width", [browser.PHONE_WIDTH, browser.DESKTOP_WIDTH])
def test_the_group_report_fits_a_phone_and_a_desktop_with_nothing_cut(chromium, report, width, tmp_path):
    """The hostile name (long, no spaces to break at) and every splits table included."""
    out, _, _ = report
    measured = browser.layout(chromium, out, width, tmp_path / "profile")
    assert measured["view"] == width and measured["scroll"] <= width, measured
    assert measured["past"] == measured["cut"] == measured["broken"] == [], measured


def test_the_group_report_prints_one_athlete_per_page(chromium, report, tmp_path):
    out, page, _ = report
    printed = browser.pdf_pages(chromium, out, tmp_path / "profile")
    assert len(printed) == len(page.sections)
    assert printed[0].startswith("Session") and "Splits" in printed[0]  # the title is not alone on page 1
    assert all(text.count("reps valid") == 1 for text in printed)


@given(names=hs.lists(hs.text(hs.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=12),
                      min_size=2, max_size=3, unique=True), pick=hs.integers(0, 2))
@settings(max_examples=30, deadline=None)
def test_one_athletes_page_names_no_one_else(names, pick, tmp_path_factory):
    """Whatever the names, an athlete's page has their section alone and no other athlete's name in it.
    Each name is marked with a letter no figure or word of the page has (so "01" is not found in a date);
    a name inside another ("Al" in "Alan") would be found by right, so such rosters are left out."""
    names = [f"Ж{n}" for n in names]
    mine = names[pick % len(names)]
    others = [n for n in names if n != mine]
    if any(o in mine for o in others):
        return
    path = tmp_path_factory.mktemp("one") / "gates.sqlite3"
    html = render(saved_session.load(str(path), str(make_small_session(path, names))), mine)
    page = Page()
    page.feed(html)
    assert [s["name"] for s in page.sections] == [mine]
    text = "".join(page.text)
    assert mine in text and not any(o in text for o in others)
