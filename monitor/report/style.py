"""The report's stylesheet, inlined into the page: system fonts, print-friendly, verdict colours as on the dashboard.

PHONE and PRINT come last so they win: on a narrow screen every wide table becomes a column of
cards whose cells name their column (`data-label`), so a 390 px phone shows every figure with nothing
scrolled sideways; on paper each athlete starts a page and is sized to fit on it, and the title
shares the first page with the first athlete.
"""

PHONE = """
html { overflow-wrap: anywhere; }
figure { min-width: 0; max-width: 100%; }
@media screen and (max-width: 700px) {
  header { padding: 14px 14px 10px; } header h1 { font-size: 19px; }
  main { padding: 2px 8px 14px; } footer { padding: 0 14px 16px; }
  section.athlete { padding: 12px 12px 14px; margin: 12px 0; } h2 { font-size: 19px; }
  figure { width: 100%; } figcaption { max-width: none; }
  table.cards, table.cards tbody, table.cards tr { display: block; }
  table.cards thead { display: none; }
  table.cards tr { display: flex; flex-wrap: wrap; gap: 2px 16px; margin: 8px 0; padding: 6px 10px;
                   border: 1px solid var(--line); border-radius: 8px; }
  table.cards td { display: block; border: none; padding: 1px 0; text-align: left; }
  table.cards td::before { content: attr(data-label); display: block; color: var(--muted); font-size: 11px; }
  table.cards td.rep, table.cards td.notes { flex-basis: 100%; max-width: none; }
  table.cards td.rep::before { content: none; }
  table.cards td:empty { display: none; }
  table.cards td.rep { font-weight: 700; }
  table.compact { font-size: 12px; } table.compact th, table.compact td { padding: 3px 4px; }
}
"""

PRINT = """
@page { size: A4; margin: 10mm; }
@media print {
  body { font-size: 10px; }
  header { padding: 0 0 4px; } header h1 { font-size: 16px; }
  main { padding: 0; } footer { padding: 4px 0 0; font-size: 8px; }
  section.athlete { margin: 0; padding: 4px 0 0; break-before: page; break-inside: auto; }
  section.athlete:first-of-type { break-before: auto; }
  h2 { font-size: 15px; } h3 { margin: 6px 0 1px; font-size: 11px; }
  .row { flex-wrap: nowrap; gap: 8px; } .row > * { flex: 1 1 0; min-width: 0; }
  figcaption { font-size: 8px; }
  table { font-size: 8.5px; } th, td { padding: 1px 4px; } td small { font-size: 7.5px; }
  tr { break-inside: avoid; }
}
"""

CSS = """
:root { --go: #2e7d32; --caution: #e69b00; --end: #c62828; --none: #78909c; --invalid: #b0b0b0;
        --ink: #1d2530; --muted: #5f6b7a; --line: #dde3ea; --paper: #ffffff; --band: #f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: var(--band); }
header { background: var(--ink); color: #fff; padding: 20px 32px 14px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; }
header .facts { margin: 0 0 10px; color: #c9d3de; }
nav a { display: inline-block; margin: 0 8px 4px 0; padding: 2px 10px; border-radius: 12px; background: #34414f;
        color: #fff; text-decoration: none; font-size: 13px; }
nav .block { display: block; margin: 4px 0 2px; color: #c9d3de; font-size: 13px; }
main { padding: 8px 24px 24px; }
section.athlete { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
                  margin: 18px 0; padding: 16px 22px 20px; break-inside: avoid-page; }
h2 { margin: 0; font-size: 22px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 .course { font-size: 14px; font-weight: 400; color: var(--muted); }
h3 { margin: 18px 0 2px; font-size: 16px; }
.facts { margin: 4px 0 8px; color: var(--muted); }
.reason { margin: 0 0 8px; font-weight: 600; color: var(--end); }
.hint, .none { margin: 0 0 6px; color: var(--muted); font-size: 13px; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); max-width: 520px; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 11px; font-size: 13px; font-weight: 700;
         color: #fff; letter-spacing: 0.03em; }
.badge.v-GO { background: var(--go); } .badge.v-CAUTION { background: var(--caution); }
.badge.v-END { background: var(--end); } .badge.v-none { background: var(--none); font-weight: 500; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.rep { white-space: nowrap; }  /* a figure is never broken across lines: 1.24 over 8 reads as two */
td small { display: block; color: var(--muted); font-size: 11px; }
td.notes { color: var(--muted); max-width: 340px; }
tr.invalid td { color: var(--invalid); text-decoration: line-through; }
tr.invalid td.notes { text-decoration: none; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px;
          vertical-align: -1px; }
svg.chart { display: block; background: var(--paper); font-size: 11px; max-width: 100%; height: auto; }
svg .plot { fill: #fbfcfd; stroke: var(--line); }
svg .grid { stroke: #edf0f4; }
svg .tick { fill: var(--muted); }
svg .axis { fill: var(--ink); font-size: 12px; }
svg .value { fill: var(--ink); font-size: 10px; }
svg .note { fill: var(--invalid); font-size: 10px; }
svg .best { stroke: var(--go); stroke-width: 1.5; }
svg .best-label { fill: var(--go); font-weight: 600; }
svg .floor { stroke: var(--end); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .floor-label { fill: var(--end); font-weight: 600; }
svg .trend { fill: none; stroke: #9aa7b5; stroke-width: 1.5; }
svg .curve { fill: none; stroke-width: 2; }
svg .dot { stroke: #fff; stroke-width: 1.5; }
svg .v-GO { fill: var(--go); } svg .v-CAUTION { fill: var(--caution); } svg .v-END { fill: var(--end); }
svg .v-none { fill: var(--none); } svg .v-invalid { fill: #fff; stroke: var(--invalid); stroke-width: 2; }
svg .measured { stroke: #fff; stroke-width: 1; }
footer { padding: 0 32px 24px; color: var(--muted); font-size: 12px; }
@media print { body { background: #fff; } header { background: #fff; color: var(--ink); }
               header .facts { color: var(--muted); } nav { display: none; } section.athlete { border: none; } }
""" + PHONE + PRINT


def document(title: str, facts: list[str], main: str, *, nav: str = "", css: str = "") -> str:
    """A whole report page: every report (a session, one athlete's session, one athlete's weeks) has
    the same head, header and footer; `css` is added to the shared style sheet."""
    import time

    from monitor.report.svg import esc

    nav_html = f"\n <nav>{nav}</nav>" if nav else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
{CSS}{css}</style>
</head>
<body>
<header>
 <h1>{esc(title)}</h1>
 <p class="facts">{esc(" · ".join(facts))}</p>{nav_html}
</header>
<main>{main}
</main>
<footer>gates report · {esc(time.strftime("%Y-%m-%d %H:%M"))}</footer>
</body>
</html>
"""
