"""`stateside report RUN` reads a stored run and the scenario stored with it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stateside.cli import app
from stateside.planning import plan_with_store
from stateside.scenario.load import load_scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


def test_report_of_a_stored_run(tmp_path: Path) -> None:
    plan, run_id, _ = plan_with_store(load_scenario(TINY))
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", run_id[:8], "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert plan.scenario_name in html and "Executive summary" in html
    bad = CliRunner().invoke(app, ["report", "zz-not-a-run"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_extra_sections_go_before_the_sources_and_into_the_nav() -> None:
    from stateside.report.build import render_report

    scenario = load_scenario(TINY)
    plan, _, _ = plan_with_store(scenario)
    html = render_report(
        plan, scenario, extra_sections=[("sweep", "Sweep", '<section id="sweep">S</section>')]
    )
    assert html.index('id="sweep"') < html.index('id="sources"')
    assert '<a href="#sweep">Sweep</a>' in html
