"""The report's stylesheet (kept in Python so it ships inside the package)."""

CSS = """
:root {
  --ink: #1b2a3a; --muted: #5d6b7a; --line: #dde3ea; --bg: #f5f7fa; --card: #ffffff;
  --accent: #3b6fb6; --good: #2e9a5b; --warn: #c7861a; --bad: #c23b4e; --info: #3b6fb6;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.top {
  background: linear-gradient(120deg, #15345e 0%, #2c5f9e 100%); color: #fff; padding: 28px 0 22px;
}
header.top h1 { margin: 0 0 4px; font-size: 28px; font-weight: 650; letter-spacing: -0.01em; }
header.top .sub { opacity: 0.88; font-size: 14px; }
header.top .meta { margin-top: 10px; font-size: 12.5px; opacity: 0.8; }
header.top code { background: rgba(255,255,255,0.14); padding: 1px 5px; border-radius: 4px; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
nav.toc {
  position: sticky; top: 0; z-index: 10; background: rgba(255,255,255,0.96);
  border-bottom: 1px solid var(--line); backdrop-filter: blur(6px);
}
nav.toc .wrap { display: flex; gap: 4px; flex-wrap: wrap; padding-top: 6px; padding-bottom: 6px; }
nav.toc a {
  color: var(--ink); text-decoration: none; font-size: 13.5px; padding: 5px 10px; border-radius: 6px;
}
nav.toc a:hover { background: #e8eef6; color: var(--accent); }
section.block {
  background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  margin: 22px 0; padding: 22px 26px; box-shadow: 0 1px 2px rgba(20,40,70,0.04);
}
section.block > h2 { margin: 0 0 4px; font-size: 21px; font-weight: 650; }
section.block > p.lead { margin: 0 0 16px; color: var(--muted); }
h3 { font-size: 16px; margin: 22px 0 8px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; margin: 14px 0 6px; }
.kpi { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; background: #fbfcfe; }
.kpi .label { font-size: 12.5px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
.kpi .value { font-size: 24px; font-weight: 650; margin-top: 2px; }
.kpi .note { font-size: 12.5px; color: var(--muted); }
ul.findings { margin: 10px 0 0; padding-left: 20px; }
ul.findings li { margin: 4px 0; }
.diagnosis { border-left: 4px solid var(--good); background: #f1faf5; padding: 10px 14px; border-radius: 6px; margin-top: 14px; }
.diagnosis.bad { border-left-color: var(--bad); background: #fdf2f4; }
.diagnosis ul { margin: 4px 0 0; padding-left: 18px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.figure { width: 100%; min-height: 200px; }
.table-wrap { overflow-x: auto; margin: 6px 0 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f0f3f7; font-weight: 600; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfd; }
tbody tr:hover { background: #eef4fb; }
tr.total td { font-weight: 650; background: #f0f3f7; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.clear { background: #e3f4ea; color: #1f6e42; }
.badge.voluntary_notice { background: #e4edf9; color: #2a5591; }
.badge.mandatory_declaration { background: #fbf0dc; color: #8a5a0b; }
.badge.prohibited { background: #fbe3e7; color: #9b2235; }
.muted { color: var(--muted); }
.small { font-size: 12.5px; }
details { margin: 8px 0; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
footer { color: var(--muted); font-size: 12.5px; padding: 10px 0 40px; }
.empty { color: var(--muted); font-style: italic; }
"""
