"""`stateside finance DIR` plans a scenario folder, then prints its finance tables."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stateside.cli import app

TINY = Path(__file__).parent / "fixtures" / "tiny"


def test_finance_on_a_scenario_folder_plans_it_first() -> None:
    result = CliRunner().invoke(app, ["finance", str(TINY), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["projects"] >= 1
    invested = sum(v["plan_equity_usd"] for v in summary["investors"].values())
    assert abs(invested - summary["equity_usd"]) <= 1e-6 * summary["equity_usd"]
