"""The HTML report: self-contained, every section, figures traceable, and it renders in
headless Chromium (Debian's package) with no network and no console errors.

One plan of the tiny scenario (solved once, ~2 s) is written to a plan folder and read
back, as ``stateside report PLAN_DIR`` does.
"""

from __future__ import annotations

import math
import re
import struct
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stateside.cli import app
from stateside.impact import attach_impact
from stateside.plan import Plan, load_plan_dir
from stateside.report import SECTION_IDS, render_report, write_report
from stateside.report.browser import find_chromium, probe, screenshot, which_chromium_note
from stateside.run import run_plan
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def plan_dir(tiny: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = run_plan(tiny)
    attach_impact(plan, tiny)
    return plan.to_dir(tmp_path_factory.mktemp("plan") / "tiny")


@pytest.fixture(scope="module")
def report(plan_dir: Path, tiny: Scenario) -> Path:
    return write_report(load_plan_dir(plan_dir), tiny, plan_dir.parent / "report.html")


@pytest.fixture(scope="module")
def html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def test_every_section_is_there(html: str) -> None:
    for sid in SECTION_IDS:
        assert f'<section class="block" id="{sid}">' in html, sid
    for title in (
        "Executive summary",
        "Where it lands",
        "Build timeline",
        "Power",
        "Campuses, fabs and chips",
        "Capital stack",
        "Project economics",
        "Security review",
        "Impact",
        "Coefficients and sources",
    ):
        assert f"<h2>{title}" in html, title


def test_self_contained_and_offline(html: str) -> None:
    assert html.count("plotly.js v") == 1  # the bundle is inlined exactly once
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    bundle_end = html.index("</script>", html.index("plotly.js v"))
    page = html[bundle_end:]  # the page outside the inlined plotly.js bundle
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert not re.search(r"\bnan\b", page, flags=re.I)  # blanks read back from CSV are not printed as nan
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    n_divs = len(re.findall(r'<div class="figure" data-figure="', html))
    assert n_divs >= 8 and html.count("Plotly.newPlot(") == n_divs


def test_key_figures_are_the_plans(html: str, plan_dir: Path) -> None:
    plan = load_plan_dir(plan_dir)
    campuses = plan.table("campuses")
    job_years = float(campuses["new_it_mw"].sum()) * 6.666667  # datacenter_construction
    last = campuses[campuses["period"] == campuses["period"].max()]
    perm = float(last["it_mw_online"].sum()) * 0.25  # datacenter_operations
    assert job_years > 0
    assert f"{job_years:,.0f} job-years" in html
    assert f"{perm:,.0f} permanent jobs in 2030" in html
    online = float(plan.table("it_capacity")["online_mw"].iloc[-1])
    assert f"{online / 1e3:,.2f} GW" in html
    # the coefficients and their sources are printed
    for needle in ("datacenter_construction", "abilene_crusoe", "einpresswire.com/article/814716407"):
        assert needle in html


def test_hourly_dispatch_prices_and_the_map_layers(html: str, plan_dir: Path) -> None:
    """Point 3 of issue #14: a dispatch stack and price chart per state (one menu), prices by
    state, a price layer and the new lines on the map, values printed on the tiles."""
    from stateside.timeseries import annual_price

    assert 'id="fig-dispatch-prices"' in html
    assert "Hour by hour, 2030: dispatch and price per state" in html
    assert "Wholesale prices by state, 2030" in html
    prices = annual_price(pd.read_parquet(plan_dir / "prices_t.parquet"))
    tx = float(prices[(prices["region"] == "TX") & (prices["period"] == 2030)]["price_usd_per_mwh"].iloc[0])
    assert f"{tx:,.2f}" in html  # the table prints the plan's average price
    page = (
        html.replace("\\u002f", "/").replace("\\u003c", "<").replace("\\u003e", ">")
    )  # plotly's JSON escapes
    assert "Wholesale price 2030 (USD/MWh)" in page  # the map's price layer
    assert f"<b>TX</b><br>{tx:,.1f}" in page  # each tile shows its value
    corridors = pd.read_csv(plan_dir / "corridors.csv")
    if float(corridors["new_mw"].sum()) > 0.5:
        assert "new transmission" in html
    # readers' names, not ids: no "gas_ct (TX)" labels, no raw column names in tables
    assert "gas_ct (" not in html and "capex_datacenter_usd" not in html
    assert "What each state gets: investment" in html and "What each state gets: jobs and capacity" in html


def test_security_review_of_the_cap_tables(html: str, plan_dir: Path, tiny: Scenario) -> None:
    from stateside.report.security import review_cap_tables

    reviews, _ = review_cap_tables(load_plan_dir(plan_dir), tiny)
    assert reviews is not None and len(reviews) > 0
    assert set(reviews["investor"]) <= set(tiny.investors["investor"])
    for outcome in set(reviews["outcome"]):
        assert f'class="badge {outcome}"' in html


def test_report_of_a_plan_without_solution(tiny: Scenario) -> None:
    text = render_report(Plan("x", "target", "error", "infeasible", math.nan, None, 0.0, 0.0), tiny)
    assert "No usable solution" in text
    assert "no cap tables" in text


def test_cli_report(plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(plan_dir), "--scenario", str(TINY), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output and "warning" not in result.output
    assert out.stat().st_size > 1_000_000


def test_cli_report_default_out_is_in_the_plan_folder(plan_dir: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(plan_dir), "--scenario", str(TINY)])
    assert result.exit_code == 0, result.output
    assert (plan_dir / "report.html").is_file()
    assert "report" not in load_plan_dir(plan_dir).tables  # the HTML is not read back as a table


def test_cli_report_without_scenario_uses_the_plans_or_refuses(
    plan_dir: Path, tiny: Scenario, tmp_path: Path
) -> None:
    """A plan folder of another scenario than the default: refused without --scenario (no
    report with the default's names) until a stored run of that scenario is found."""
    from stateside.store.api import save_run

    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(plan_dir), "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert "pass --scenario DIR" in " ".join(result.output.split())
    run_id = save_run(load_plan_dir(plan_dir), tiny)
    result = CliRunner().invoke(app, ["report", str(plan_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"stored with run {run_id[:8]}" in result.output
    assert "<title>Stateside plan report — tiny" in out.read_text(encoding="utf-8")


def test_cli_report_clean_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such plan folder" in result.output and "Traceback" not in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["report", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "summary.json is missing" in result.output


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", head[16:24])
    return int(w), int(h)


@pytest.mark.skipif(find_chromium() is None, reason=which_chromium_note())
def test_renders_in_headless_chromium_offline(report: Path, tmp_path: Path) -> None:
    result = probe(report)
    assert result.errors == [], result.errors
    assert result.console == [], result.console
    assert result.resources == [], "the page fetched something"
    assert result.plots >= 8 and result.rendered == result.plots
    assert result.sections == list(SECTION_IDS)
    assert result.title.startswith("Stateside plan report")
    # the map has a tile per state of the scenario
    for code in ("TX", "OK", "NM"):
        assert f'"{code}"' in result.dom
    png = screenshot(report, tmp_path / "report.png", height=max(result.height, 800))
    w, h = _png_size(png)
    assert w == 1400 and h >= 3000
