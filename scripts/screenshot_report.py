"""Take a full-page PNG screenshot of a Stateside HTML report in headless Chromium (offline).

Usage::

    python scripts/screenshot_report.py REPORT.html [-o report.png] [--width 1400]
    python scripts/screenshot_report.py --plan PLAN_DIR [-o report.png]   # write the report first

Chromium is Debian's package (``apt-get install -y chromium``); nothing is downloaded and
the browser runs with a fresh profile and no network. Before the screenshot the page is
probed: the script prints the JavaScript errors, the charts rendered and the sections
found, and exits with status 1 if there is an error or a chart did not render.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from stateside.report.browser import find_chromium, probe, screenshot, which_chromium_note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", type=Path, help="the report HTML file")
    ap.add_argument("--plan", type=Path, help="a plan folder (stateside plan --out): write its report first")
    ap.add_argument("--scenario", type=Path, help="scenario folder of --plan (default: the embedded default)")
    ap.add_argument(
        "-o", "--out", type=Path, default=Path("report.png"), help="PNG to write (default report.png)"
    )
    ap.add_argument("--width", type=int, default=1400, help="window width in CSS pixels (default 1400)")
    args = ap.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print(which_chromium_note(), file=sys.stderr)
        return 2
    report = args.report
    tmp = None
    if args.plan is not None:
        from stateside.plan import load_plan_dir
        from stateside.report import write_report
        from stateside.scenario.load import load_default, load_scenario

        scenario = load_scenario(args.scenario) if args.scenario else load_default()
        tmp = tempfile.TemporaryDirectory(prefix="stateside-report-")
        report = write_report(load_plan_dir(args.plan), scenario, Path(tmp.name) / "report.html")
    if report is None:
        ap.error("give a REPORT.html or --plan PLAN_DIR")
    result = probe(report, chromium, width=args.width)
    print(
        f"{report}: {result.rendered}/{result.plots} charts rendered; sections: {', '.join(result.sections)}"
    )
    for e in result.errors:
        print(f"  error: {e}")
    for r in result.resources:
        print(f"  fetched: {r}")
    png = screenshot(report, args.out, chromium, width=args.width, height=max(result.height, 800))
    print(f"wrote {png} ({args.width} x {max(result.height, 800)} px)")
    if tmp is not None:
        tmp.cleanup()
    return 1 if result.errors or result.resources or result.rendered < result.plots else 0


if __name__ == "__main__":
    raise SystemExit(main())
