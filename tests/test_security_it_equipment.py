"""IT equipment bought by the coalition is reviewed like the campus it serves (issue #12).

With ``finance.it_equipment_buyer: coalition`` the finance side makes a project
``it-<campus>`` of class ``it_equipment`` per campus. Holding accelerators is not producing
critical technology (§800.215), so the class has no prong of its own; the equipment
carries its campus's flags (here frontier weights, a critical-technology prong). The share
caps the plan obeys therefore cover the class, and ``stateside screen`` reviews it instead
of refusing the holdings table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from stateside.run import share_caps_for
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario
from stateside.security.caps import _holdings_rows
from stateside.security.profiles import ASSET_CLASSES, SecurityContext

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


def _coalition_buys_it() -> Scenario:
    sc = load_scenario(TINY)
    finance = sc.settings.finance.model_copy(update={"it_equipment_buyer": "coalition"})
    return dataclasses.replace(sc, settings=sc.settings.model_copy(update={"finance": finance}))


def test_campus_it_equipment_is_a_project_with_the_campus_flags() -> None:
    ctx = SecurityContext.from_scenario(_coalition_buys_it())
    assert "it_equipment" in ASSET_CLASSES
    it = ctx.assets["it-camp_tx"]
    campus = ctx.assets["camp_tx"]
    assert it.asset_class == "it_equipment" and it.region == campus.region
    # no prong of its own; the campus's frontier-weights flag makes it critical technology
    assert it.prong_names == campus.prong_names == frozenset({"critical_technology"})
    # with the tenant buying, there is no such project
    assert "it-camp_tx" not in SecurityContext.from_scenario(load_scenario(TINY)).assets


def test_share_caps_cover_it_equipment_like_the_campus() -> None:
    caps = share_caps_for(_coalition_buys_it())
    by_class = caps.groupby(["investor", "asset_class"])["max_share"].min()
    foreign = [i for i, a in by_class.index if a == "datacenter"]
    assert foreign, "the tiny scenario caps some investor on campuses"
    for investor in foreign:
        assert (investor, "it_equipment") in by_class.index
        assert by_class[(investor, "it_equipment")] <= 1.0


def test_holdings_of_it_equipment_are_reviewed_not_refused() -> None:
    ctx = SecurityContext.from_scenario(_coalition_buys_it())
    holdings = pd.DataFrame(
        [
            {"project": "it-camp_tx", "investor": "ae_fund", "asset_class": "it_equipment", "share": 0.4},
            {"project": "it-other", "investor": "ae_fund", "asset_class": "it_equipment", "share": 0.2},
        ]
    )
    rows = _holdings_rows(ctx, holdings)
    assert ("it-camp_tx", "it_equipment") in rows and ("it-other", "it_equipment") in rows
    unknown = holdings.iloc[1:].assign(asset_class="servers")  # not a class, not a known project
    with pytest.raises(ValueError, match=r"holdings:2:asset_class: .*one of .*it_equipment"):
        _holdings_rows(ctx, unknown)
