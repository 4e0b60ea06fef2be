"""Pages in real headless Chromium: found (or installed once with apt-get where this runs as root), a
page's layout measured at a given window width, and a page printed to PDF with its pages counted.

The layout is measured on a copy of the page with one script appended (the page itself runs none),
shown in an iframe exactly `width` CSS px wide (a headless window is never narrower than about 500 px,
an iframe is, tall enough to need no scroll bar): the document's scroll width against the viewport, every element whose box reaches
past the viewport's right edge or whose content is wider than its box (cut or scrolled inside it), and
every figure (a text in a number or rep cell) broken across lines.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
INSTALL_TIMEOUT_S = 900
PHONE_WIDTH = 390
DESKTOP_WIDTH = 1280

_MEASURE = """<script>
(() => {
  const view = document.documentElement.clientWidth;
  const past = [], cut = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const what = el.tagName.toLowerCase() + (el.getAttribute("class") ? "." + el.getAttribute("class") : "");
    if (box.width > 0 && box.right > view + 0.5) past.push(what + " right " + box.right.toFixed(1));
    if (!(el instanceof SVGElement) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      cut.push(what + " " + el.scrollWidth + ">" + el.clientWidth);
  }
  const broken = [];
  for (const cell of document.querySelectorAll("td.num, td.rep")) {
    const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].map(box => Math.round(box.top)));
      if (lines.size > 1) broken.push(node.textContent.trim());
    }
  }
  parent.document.title = "MEASURED" + JSON.stringify({scroll: document.documentElement.scrollWidth, view, past, cut, broken});
})();
</script>"""


def find_chromium() -> str:
    """Debian's Chromium: found, or installed once with apt-get where this runs as root (CI does)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed, and installing it needs root and apt-get (apt-get install chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-q"],
                 ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "chromium"]):
        try:
            proc = subprocess.run(step, capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            pytest.skip(f"{' '.join(step[:2])} took over {INSTALL_TIMEOUT_S} s: chromium not installed")
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            pytest.skip(f"{' '.join(step[:2])} failed, chromium not installed: {last}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no `chromium` is on PATH")
    return found


def run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def layout(chromium: str, page: Path, width: int, profile: Path) -> dict:
    """{"scroll", "view", "past", "cut", "broken"} of `page` in a window `width` CSS px wide."""
    probe = page.with_name(f"{page.stem}.measure-{width}.html")
    measured = page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>")
    probe.write_text(f'<!DOCTYPE html><html><head><title>waiting</title><style>body {{ margin: 0; }}</style></head>'
                     f'<body><iframe style="border: 0; width: {width}px; height: 30000px" '
                     f'srcdoc="{html.escape(measured, quote=True)}"></iframe></body></html>', encoding="utf-8")
    dom = run(chromium, profile, f"--window-size={max(width, 800) + 40},1000", "--dump-dom", probe.as_uri()).stdout
    found = re.search(r"<title>MEASURED(.*?)</title>", dom, re.DOTALL)
    assert found, dom[:500]
    return json.loads(found[1].replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"))


def pdf_pages(chromium: str, page: Path, profile: Path) -> list[str]:
    """Print `page` to PDF as a browser's Print would (A4, from the page's own @page rule); each page's text."""
    from pypdf import PdfReader

    pdf = page.with_suffix(".pdf")
    run(chromium, profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    return [p.extract_text() for p in PdfReader(pdf).pages]
