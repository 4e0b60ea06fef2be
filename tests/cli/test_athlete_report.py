"""`gates report --athlete` over a three-week history built through the real CLI (support/athlete_history.py):
the session page holds that athlete alone and the PB the session was judged against; the history page
holds the week engine's figures (checked against `gates week --json`); both are read in headless Chromium
at a phone's 390 px and at desktop width (nothing past the right edge, nothing cut) and printed to PDF
(one athlete per page, the title never alone on a page).

The phone layout follows the responsive-table pattern of labelled cells (`content: attr(data-label)`),
MDN's CSS reference: mdn/content, files/en-us/web/css/reference/values/attr/index.md."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest
from support import browser
from support.athlete_history import (
    ATHLETE,
    DAYS,
    LAST_WEEK,
    OTHER_TIMES,
    OTHERS,
    STORED_PB_US,
    build,
)
from support.history import gates, week_lines

from monitor.session.model import SessionModel
from monitor.store import db as st

pytestmark = pytest.mark.slow


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def text_of(path) -> str:
    page = Text()
    page.feed(path.read_text(encoding="utf-8"))
    return page.text


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return build(tmp_path_factory.mktemp("athlete"))


@pytest.fixture(scope="module")
def pages(history):
    """The group report, Ada's page of the last session, and her three-week history."""
    where = history.db.parent
    out = {"group": where / "group.html", "session": where / "ada-session.html", "history": where / "ada-history.html"}
    runs = [("report", str(history.last), "-o", str(out["group"])),
            ("report", str(history.last), "--athlete", ATHLETE, "-o", str(out["session"])),
            ("report", "--athlete", ATHLETE, "--weeks", "3", "--week", LAST_WEEK, "-o", str(out["history"]))]
    for args in runs:
        proc = gates(*args, "--db", str(history.db))
        assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == "", proc.stderr
    return out


def others_figures() -> list[str]:
    return [f"{t:.2f}" for times in OTHER_TIMES.values() for t in times]


def test_the_session_page_holds_that_athlete_alone(pages):
    html = pages["session"].read_text(encoding="utf-8")
    for name in OTHERS:
        assert name not in html and name.lower() not in html.lower()
    for figure in others_figures():
        assert figure not in html
    assert "unfinished start" not in html  # nobody's, but a count of the group's session
    text = text_of(pages["session"])
    assert f"{ATHLETE} · Session" in text and "4 reps" in text
    group = pages["group"].read_text(encoding="utf-8")  # while the group's report has everyone
    assert all(name in group for name in OTHERS) and all(figure in group for figure in others_figures())


def test_the_session_page_shows_the_pb_it_was_judged_against_and_the_engines_pct_pb(history, pages):
    with st.SessionStore(history.db, readonly=True) as store:
        model = SessionModel.derive(store.events(history.last), store.annotations(history.last))
    mine = [r for r in model.ordered_results() if r.rep.athlete == ATHLETE]
    assert {r.pb_us for r in mine} == {STORED_PB_US}  # the stored PB, not the 3.98 s of the history before it
    text = text_of(pages["session"])
    assert "PB before 3.95 s" in text
    best = min(mine, key=lambda r: r.rep.time_us)
    assert f"best {best.intensity_pb_pct:.1f} % PB" in text
    html = pages["session"].read_text(encoding="utf-8")
    cells = re.findall(r'data-label="% PB">([^<]*)<', html)
    assert cells == [f"{r.intensity_pb_pct:.1f}" for r in mine]


def test_the_history_page_has_the_week_engines_figures(history, pages):
    text = text_of(pages["history"])
    html = pages["history"].read_text(encoding="utf-8")
    for name in OTHERS:
        assert name not in html
    assert "Ben's own note" not in html and "tight hamstring" in text
    weeks = week_lines(history.db, "--athlete", ATHLETE, "--weeks", "3", "--week", LAST_WEEK)
    assert [w["week"] for w in weeks] == ["2026-W47", "2026-W48", "2026-W49"]
    for week in weeks:
        row = re.search(rf'data-label="week">{week["week"]}</td>(.*?)</tr>', html, re.DOTALL)[1]
        cells = dict(re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.DOTALL))
        assert cells["sessions"] == str(week["sessions"]) and cells["reps"] == str(week["reps"])
        assert cells["hi reps"] == str(week["hi_reps"]) and cells["hi m"].startswith(f"{week['hi_m']:.0f}<small>")
        assert cells["sRPE AU"] == ("—" if week["srpe_au"] is None else f"{week['srpe_au']:.0f}")
        assert cells["next week"] == (week["suggestion"] or "—").replace("'", "&#x27;")
    # the PB progression: every session's best here was a PB, the first one against none before it
    pbs = re.findall(r'class="pb-row">.*?data-label="PB">([\d.]+) s', html, re.DOTALL)
    assert pbs == [f"{min(times):.2f}" for _, times in DAYS]
    assert html.count('<circle class="dot pb"') == len(DAYS)
    # each session's verdict and reason, the END of the third session among them
    assert text.count("END") >= 1 and "2026-11-24 · session" in text
    assert all(f"{day} · session" in text for day, _ in DAYS)


def test_the_group_report_shows_each_athletes_pb(pages):
    text = text_of(pages["group"])
    assert "PB before 3.95 s" in text and "PB before 4.50 s" in text
    assert "no PB before this session" in text  # Zoë had none stored


@pytest.mark.parametrize("width", [browser.PHONE_WIDTH, browser.DESKTOP_WIDTH])
@pytest.mark.parametrize("which", ["group", "session", "history"])
def test_every_page_fits_the_width_with_nothing_cut(which, width, pages, tmp_path):
    chromium = browser.find_chromium()
    measured = browser.layout(chromium, pages[which], width, tmp_path / "profile")
    assert measured["view"] == width
    assert measured["scroll"] <= measured["view"], measured
    assert measured["past"] == measured["cut"] == measured["broken"] == [], measured


def test_printed_one_athlete_per_page_and_the_title_never_alone(pages, tmp_path):
    chromium = browser.find_chromium()
    group = browser.pdf_pages(chromium, pages["group"], tmp_path / "profile")
    names = [ATHLETE, *OTHERS]
    assert len(group) == len(names)
    for page, name in zip(group, names):
        assert page.count("reps valid") == 1 and name in page.split("reps valid")[0]
    assert group[0].startswith("Session") and "Splits" in group[0]  # the title shares the first athlete's page
    mine = browser.pdf_pages(chromium, pages["session"], tmp_path / "profile")
    assert len(mine) == 1 and "Splits" in mine[0] and not any(name in mine[0] for name in OTHERS)
    history = browser.pdf_pages(chromium, pages["history"], tmp_path / "profile")
    assert history[0].startswith(f"{ATHLETE} ·") and "Personal bests" in history[0]
    assert all(page.strip() for page in history)


def test_weeks_before_any_session_give_a_page_that_says_so(history, tmp_path):
    out = tmp_path / "early.html"
    proc = gates("report", "--athlete", ATHLETE, "--weeks", "2", "--week", "2026-W45", "-o", str(out),
                 "--db", str(history.db))
    assert proc.returncode == 0, proc.stderr
    text = text_of(out)
    assert "No sessions in these weeks." in text and "No valid rep in these weeks." in text
    assert "2026-W44" in text and "2026-W45" in text


def test_a_window_in_the_middle_starts_from_the_pb_standing_then(history, tmp_path):
    out = tmp_path / "w48.html"
    proc = gates("report", "--athlete", ATHLETE, "--weeks", "1", "--week", "2026-W48", "-o", str(out),
                 "--db", str(history.db))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    assert re.search(r'before 2026-W48</td><td class="num" data-label="PB">4.00 s', html)  # W47's best
    assert re.findall(r'class="pb-row">.*?data-label="PB">([\d.]+) s', html, re.DOTALL) == ["3.99", "3.98"]
    assert "2026-11-19" not in html and "2026-12-01" not in html


def test_bad_input_is_one_line_exit_2_and_the_database_is_untouched(history, tmp_path):
    before = hashlib.sha256(history.db.read_bytes()).hexdigest()
    out = str(tmp_path / "x.html")
    cases = [("report", "--athlete", "Zed", "-o", out), ("report", "--athlete", ATHLETE, "--weeks", "0", "-o", out),
             ("report", "99", "--athlete", ATHLETE, "-o", out), ("report", str(history.last), "--athlete", "Zed", "-o", out),
             ("report", "--athlete", ATHLETE, "--week", "2026-W60", "-o", out), ("report", "-o", out),
             ("report", str(history.last), "--weeks", "2", "-o", out)]
    for case in cases:
        proc = gates(*case, "--db", str(history.db))
        assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, (case, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.html").exists()
    assert hashlib.sha256(history.db.read_bytes()).hexdigest() == before
