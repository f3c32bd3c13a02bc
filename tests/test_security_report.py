"""The review report (Markdown and HTML) and the ``screen`` command."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from stateside.cli.screen import screen
from stateside.security.example import example_scenario
from stateside.security.report import build_report, to_html, to_markdown
from stateside.security.screening import screen_scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    app.command("screen")(screen)
    return app


def test_markdown_report_has_what_a_declaration_asks_for() -> None:
    scenario = example_scenario()
    rep = build_report(scenario)
    md = to_markdown(rep)
    for heading in (
        "## Summary",
        "## Share caps for the plan",
        "## Parties (acquirers)",
        "## Projects",
        "## Name screening",
    ):
        assert heading in md
    # Parties and their chains with voting and economic percentages.
    assert "### Falcon AI Investments (falcon)" in md
    assert "Government of United Arab Emirates 95 % voting / 58.25 % economic (controls)" in md
    assert "| Oasis Strategic Holding PJSC | AE | 51 % | 51 % | yes | oasis —51 %→ falcon_ai |" in md
    # Asset functions, financing sources, ownership before and after, outcome with reasons.
    assert "Functions: produces integrated circuits and accelerators (critical technology)" in md
    # no cap table: the investors who may hold the class, not the whole coalition pipeline
    assert (
        "Financing sources: project debt (30 % of capex), grant $6.60 bn, coalition equity: not allocated "
        "yet (no cap table); investors who may hold this class: sponsor up to 100 %, cloud up to 100 %, "
        "chipco up to 100 %, redwood up to 20 %"
    ) in md
    assert "Ownership before: greenfield project company" in md
    assert (
        "| Falcon AI Investments | AE | 100 % | 100 % | board_seat | prohibited | 24.95 % | mandatory declaration "
        "| $300,000 |" in md
    )
    assert "**P2-foreign-government-control-of-tid** (50 U.S.C. 4565(b)(1)(B)" in md
    assert "What would change it: at 49.9 % voting (now 100 %) this becomes: mandatory declaration" in md


def test_review_table_and_counts_on_the_example() -> None:
    rep = build_report(example_scenario())
    table = rep.table()
    # At the 24.95 % cap the UAE vehicle still needs a declaration (§800.401(c), board seat in a fab).
    assert rep.at_cap[("az_fab", "falcon")].outcome == "mandatory_declaration"
    assert ("az_fab", "sponsor") not in rep.at_cap
    # 2 campuses + 1 fab + generation, storage, transmission classes; 9 investors, Redwood excludes transmission.
    assert len(table) == 6 * 9 - 1
    fab = table[table.project == "az_fab"].set_index("investor")["outcome"].to_dict()
    assert fab == {
        "sponsor": "clear",
        "cloud": "clear",
        "chipco": "clear",
        "redwood": "clear",
        "maple": "voluntary_notice",
        "sakura": "mandatory_declaration",  # §800.401(c): 3E001 needs a licence for Japan (issue 15)
        "hanriver": "prohibited",
        "falcon": "prohibited",
        "gulf": "prohibited",
    }


def test_report_of_a_given_cap_table() -> None:
    scenario = example_scenario()
    holdings = pd.DataFrame(
        [
            {"project": "az_fab", "investor": "chipco", "voting_pct": 70.0},
            {"project": "az_fab", "investor": "sakura", "voting_pct": 20.0},
            {"project": "az_fab", "investor": "maple", "voting_pct": 10.0},
        ]
    )
    rep = build_report(scenario, holdings=holdings)
    assert rep.holdings_reviews is not None
    assert [r.outcome for r in rep.holdings_reviews] == ["clear", "mandatory_declaration", "clear"]
    assert "reviewed at the given cap table" in to_markdown(rep)


def test_html_is_self_contained_and_escaped() -> None:
    ctx_scenario = example_scenario()
    rep = build_report(ctx_scenario)
    from stateside.security.profiles import SecurityContext

    rep.screening = screen_scenario(SecurityContext.from_scenario(ctx_scenario))
    page = to_html(rep)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)
    assert "<style>" in page
    assert 'class="o-PROHIBITED"' in page
    assert "Harbor Lantern Family Office Ltd" in page
    assert "<strong>prohibited</strong>" in page


def test_screen_command_on_the_tiny_fixture(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["screen", str(TINY), "--out", str(tmp_path), "--sample-list"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Security review" in result.output
    assert "Name screening: 0 match(es)" in result.output
    md = (tmp_path / "security_report.md").read_text(encoding="utf-8")
    html = (tmp_path / "security_report.html").read_text(encoding="utf-8")
    assert "# Security review — tiny" in md
    assert "| ae_fund | fab | 0 % | [0 %] Gulf Sovereign Fund excludes fab" in md
    assert "<h1>Security review — tiny</h1>" in html


def test_screen_command_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["screen", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no scenario.yaml here" in result.output
    assert "Traceback" not in result.output
    bad_holdings = tmp_path / "h.csv"
    bad_holdings.write_text("project,investor,voting_pct\nwest_tx,nobody,10\n", encoding="utf-8")
    result = CliRunner().invoke(
        _app(), ["screen", str(TINY), "--out", str(tmp_path), "--holdings", str(bad_holdings)]
    )
    assert result.exit_code == 1
    assert "holdings:2:investor: unknown investor 'nobody'" in result.output


def test_screen_command_on_an_invalid_scenario_lists_the_problem(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(TINY, folder)
    investors = (
        (folder / "investors.csv").read_text(encoding="utf-8").replace(",AE,sovereign", ",ZZ,sovereign")
    )
    (folder / "investors.csv").write_text(investors, encoding="utf-8")
    result = CliRunner().invoke(_app(), ["screen", str(folder), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "investors.csv:4:country" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------------------
# screen a plan: its actual holdings by default (issue #14, point 6)


@pytest.fixture(scope="module")
def tiny_plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stateside.run import run_plan
    from stateside.scenario.load import load_scenario

    plan = run_plan(load_scenario(TINY))
    assert len(plan.table("cap_tables"))
    return plan.to_dir(tmp_path_factory.mktemp("plan") / "out")


def test_screen_reviews_a_plan_folders_holdings_by_default(tiny_plan_dir: Path, tmp_path: Path) -> None:
    from stateside.cli.screen import final_cap_tables
    from stateside.scenario.load import load_scenario
    from stateside.security.caps import check_holdings

    env = {"COLUMNS": "100"}
    args = ["screen", str(tiny_plan_dir), "--scenario", str(TINY), "--out", str(tmp_path)]
    result = CliRunner().invoke(_app(), args, env=env)
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 100 for line in result.output.splitlines()), result.output
    text = " ".join(result.output.split())
    assert "the plan's holdings (each project's last round)" in text
    # the counts are those of the plan's final cap tables, reviewed
    scenario = load_scenario(TINY)
    ct = pd.read_csv(tiny_plan_dir / "cap_tables.csv")
    expected = check_holdings(scenario, final_cap_tables(ct, scenario))["outcome"].value_counts()
    for outcome, short in (("clear", "clear"), ("voluntary_notice", "notice")):
        assert f"{short}: {int(expected.get(outcome, 0))}" in text
    # each project's financing names that project's money, not the whole coalition pipeline
    md = (tmp_path / "security_report.md").read_text(encoding="utf-8")
    last = ct[ct["period"] == ct.groupby("project")["period"].transform("max")]
    project = str(last["project"].iloc[0])
    holders = set(last[last["project"] == project]["investor"].astype(str))
    line = next(
        ln for ln in md.splitlines() if ln.startswith("- Financing sources") and all(h in ln for h in holders)
    )
    outsiders = set(scenario.investors["investor"].astype(str)) - holders
    assert not any(f" {o} $" in line for o in outsiders), line

    # the max-share review is a named mode and says it is hypothetical
    result = CliRunner().invoke(_app(), [*args, "--mode", "max-share"], env=env)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "every investor at its maximum share" in text and "Hypothetical" in text
    md = (tmp_path / "security_report.md").read_text(encoding="utf-8")
    assert "investors who may hold this class" in md
    result = CliRunner().invoke(_app(), [*args, "--mode", "sideways"], env=env)
    assert result.exit_code != 0 and "expected one of holdings, max-share" in result.output


def test_screen_takes_a_stored_run(tiny_plan_dir: Path, tmp_path: Path) -> None:
    from stateside.plan import load_plan_dir
    from stateside.scenario.load import load_scenario
    from stateside.store import api, db

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    run_id = api.save_run(load_plan_dir(tiny_plan_dir), load_scenario(TINY), url=url)
    result = CliRunner().invoke(
        _app(), ["screen", "latest", "--out", str(tmp_path)], env={db.ENV_VAR: url, "COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"stored run {run_id[:8]}" in text and "the plan's holdings" in text
    result = CliRunner().invoke(_app(), ["screen", "abcdef12"], env={db.ENV_VAR: url})
    assert result.exit_code == 1 and "not a stored run" in result.output


def test_screen_finds_a_plan_folders_scenario_or_asks_for_it(tiny_plan_dir: Path, tmp_path: Path) -> None:
    from stateside.plan import load_plan_dir
    from stateside.scenario.load import load_scenario
    from stateside.store import api, db

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    env = {db.ENV_VAR: url, "COLUMNS": "100"}
    args = ["screen", str(tiny_plan_dir), "--out", str(tmp_path)]
    result = CliRunner().invoke(_app(), args, env=env)
    assert result.exit_code == 1 and "pass --scenario DIR" in " ".join(result.output.split())
    api.save_run(load_plan_dir(tiny_plan_dir), load_scenario(TINY), url=url)
    result = CliRunner().invoke(_app(), args, env=env)  # now the scenario stored with that run
    assert result.exit_code == 0, result.output
    assert "Security review — tiny" in (tmp_path / "security_report.md").read_text(encoding="utf-8")
