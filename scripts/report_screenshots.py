"""Regenerate the README's pictures of the athlete's pages: `python3 scripts/report_screenshots.py`.

Builds the tests' three-week history through the real CLI (tests/support/athlete_history.py: sessions
imported with their dates, logs written with `gates log`), writes Ada's page of the last session and her
history with `gates report --athlete`, and shoots each in headless Chromium as a 390 px phone shows it
(a headless window is never narrower than 500 px, so the page sits in a 390 px frame on a dark
surround), plus the history at desktop width.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ["TZ"] = "UTC"  # the history's days as the tests build them

from support.athlete_history import ATHLETE, LAST_WEEK, build
from support.history import gates

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
PHONE_PX = 390


def shoot(chromium: str, page: Path, png: Path, profile: Path, *, phone: bool, height: int) -> None:
    target = page
    if phone:
        target = page.with_suffix(".phone.html")
        target.write_text(f'<!DOCTYPE html><html><head><title>phone</title><style>body {{ margin: 0; background: '
                          f'#2b2f36; }} iframe {{ display: block; margin: 0 auto; border: 0; width: {PHONE_PX}px; '
                          f'height: {height}px; background: #fff; }}</style></head><body><iframe srcdoc="'
                          f'{html.escape(page.read_text(encoding="utf-8"), quote=True)}"></iframe></body></html>',
                          encoding="utf-8")
    size = f"{PHONE_PX + 110},{height}" if phone else f"1280,{height}"
    proc = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                           f"--window-size={size}", target.as_uri()], capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"chromium failed on {page.name}: {proc.stderr.strip()[-400:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs chromium on PATH (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        history = build(where)
        session, weeks = where / "session.html", where / "history.html"
        for out, extra in ((session, (str(history.last),)), (weeks, ("--weeks", "3", "--week", LAST_WEEK))):
            proc = gates("report", *extra, "--athlete", ATHLETE, "-o", str(out), "--db", str(history.db))
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.strip())
        shots = ((session, "report-phone.png", True, 1700), (weeks, "history-phone.png", True, 1700),
                 (weeks, "history-desktop.png", False, 1500))
        for page, name, phone, height in shots:
            shoot(chromium, page, args.out / name, where / "profile", phone=phone, height=height)
            print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
