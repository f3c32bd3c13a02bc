"""Sweep files, sampling and applying samples: hand-checked values on the tiny fixture (no solves)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stateside.scenario.load import load_default, load_scenario
from stateside.scenario.types import Scenario
from stateside.sweep.apply import apply_sample, apply_values
from stateside.sweep.sample import GRID, MONTE_CARLO, TORNADO, samples
from stateside.sweep.spec import SweepError, load_spec, parse_spec, scenario_dir, sweep_id

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
EXAMPLES = ROOT / "examples" / "sweeps"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def spec_of(params: str, extra: str = "") -> object:
    return parse_spec(f"name: t\n{extra}\nparameters:\n{params}")


# --------------------------------------------------------------------------------------
# the file


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_parses_and_its_samples_apply(path: Path) -> None:
    spec = load_spec(path)
    root = scenario_dir(spec, path)
    base = load_scenario(root) if root is not None else load_default()
    members = samples(spec, base)
    assert len(members) == spec.n_main + spec.n_tornado
    hashes = {apply_sample(base, spec, s).content_hash() for s in members}
    assert len(hashes) > 1


def test_the_tiny_grid_example_has_six_grid_points_and_a_tornado() -> None:
    spec = load_spec(EXAMPLES / "tiny-grid.yaml")
    assert spec.n_grid_points == 6 and spec.n_main == 6
    assert spec.n_tornado == 5  # base + low/high of the two parameters
    found = scenario_dir(spec, EXAMPLES / "tiny-grid.yaml")
    assert found is not None and found.resolve() == TINY


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            "  - {target: settings.discount_rate, values: [0.05], distribution: {kind: uniform, low: 0, high: 1}}",
            "parameters[0]: give either values (a grid) or a distribution",
        ),
        ("  - {target: campuses.colour, values: [1]}", "table campuses has no column 'colour'"),
        ("  - {target: campuses.name, values: [1]}", "column name is string, not a number"),
        ("  - {target: nowhere, values: [1]}", "expected settings.<field>, <table>.<numeric column>"),
        (
            "  - {target: fabs.capex_usd, op: grow, values: [0.1]}",
            "op 'grow' does not apply to fabs.capex_usd",
        ),
        ("  - {target: fabs.capex_usd, values: [big]}", "needs numbers, found 'big'"),
        (
            "  - {target: settings.reserve_margin, where: {region: [TX]}, values: [0.1]}",
            "where applies to table",
        ),
        (
            "  - {target: technology_costs.capex_usd_per_kw, where: {tech: [gas_cc]}, values: [1.1]}",
            "where: technology_costs has no column 'tech'",
        ),
        ("  - {target: commitments.close, values: [1]}", "investor:year keys"),
        ("  - {target: fabs.capex_usd, distribution: {kind: pipeline}}", "applies to commitments.close only"),
        (
            "  - {target: fabs.capex_usd, distribution: {kind: triangular, low: 2, mode: 1, high: 3}}",
            "low <= mode <= high",
        ),
        (
            "  - {name: a, target: fabs.capex_usd, values: [1]}\n  - {name: a, target: fabs.capex_usd, values: [2]}",
            "'a' appears twice",
        ),
    ],
)
def test_bad_parameters_are_named_with_their_place(params: str, expected: str) -> None:
    with pytest.raises(SweepError) as err:
        spec_of(params)
    assert expected in str(err.value)
    assert str(err.value).startswith("sweep file: ")


def test_samples_without_a_distribution_and_bad_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="samples is 4 but no parameter has a distribution"):
        spec_of("  - {target: fabs.capex_usd, values: [1, 2]}", "samples: 4")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\nparameters: [\n")
    with pytest.raises(SweepError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_spec(bad)
    with pytest.raises(SweepError, match="cannot read the sweep file"):
        load_spec(tmp_path / "missing.yaml")


def test_sweep_id_depends_on_what_decides_the_members_only() -> None:
    a = spec_of(
        "  - {target: fabs.capex_usd, distribution: {kind: uniform, low: 1, high: 2}}", "samples: 3\nseed: 1"
    )
    renamed = parse_spec(a.model_dump_json().replace('"name":"t"', '"name":"other"'))  # type: ignore[attr-defined]
    reseeded = spec_of(
        "  - {target: fabs.capex_usd, distribution: {kind: uniform, low: 1, high: 2}}", "samples: 3\nseed: 2"
    )
    assert sweep_id(a, "h") == sweep_id(renamed, "h")  # type: ignore[arg-type]
    assert sweep_id(a, "h") != sweep_id(reseeded, "h")  # type: ignore[arg-type]
    assert sweep_id(a, "h") != sweep_id(a, "other scenario")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# sampling


def test_grid_times_monte_carlo_order_and_common_draws(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: g, target: fabs.capex_usd, values: [1.0, 2.0]}\n"
        "  - {name: u, target: campuses.capex_usd_per_kw_it, distribution: {kind: uniform, low: 0.5, high: 1.5}}",
        "samples: 3\nseed: 11\ntornado: true",
    )
    ss = samples(spec, tiny)  # type: ignore[arg-type]
    assert [s.index for s in ss] == list(range(6 + 5))
    assert [(s.grid_point, s.draw) for s in ss[:6]] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert {s.design for s in ss[:6]} == {MONTE_CARLO}
    assert [s.values["g"] for s in ss[:6]] == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    # every grid point gets the same draws
    assert [s.values["u"] for s in ss[:3]] == [s.values["u"] for s in ss[3:6]]
    assert all(0.5 <= s.values["u"] <= 1.5 for s in ss[:6])
    # the tornado: base (scenario as given), then low/high of each parameter
    assert [s.role for s in ss[6:]] == ["base", "g:low", "g:high", "u:low", "u:high"]
    assert ss[6].values == {} and ss[6].design == TORNADO
    assert ss[7].values == {"g": 1.0} and ss[8].values == {"g": 2.0}
    assert ss[9].values["u"] == pytest.approx(0.6) and ss[10].values["u"] == pytest.approx(1.4)  # P10, P90


def test_draws_are_seeded_per_parameter_name(tiny: Scenario) -> None:
    u = "  - {name: u, target: fabs.capex_usd, distribution: {kind: uniform, low: 0, high: 1}}"
    v = "  - {name: v, target: campuses.capex_usd_per_kw_it, distribution: {kind: lognormal, median: 1, sigma: 0.2}}"
    one = samples(spec_of(u, "samples: 5\nseed: 3"), tiny)  # type: ignore[arg-type]
    again = samples(spec_of(u, "samples: 5\nseed: 3"), tiny)  # type: ignore[arg-type]
    both = samples(spec_of(v + "\n" + u, "samples: 5\nseed: 3"), tiny)  # type: ignore[arg-type]
    other = samples(spec_of(u, "samples: 5\nseed: 4"), tiny)  # type: ignore[arg-type]
    assert [s.values for s in one] == [s.values for s in again]
    assert [s.values["u"] for s in one] == [s.values["u"] for s in both]  # adding v changes nothing of u
    assert [s.values["u"] for s in one] != [s.values["u"] for s in other]


def test_distribution_quantiles_have_their_closed_forms() -> None:
    spec = spec_of(
        "  - {name: t, target: fabs.capex_usd, distribution: {kind: triangular, low: 0, mode: 1, high: 2}}\n"
        "  - {name: n, target: campuses.pue, distribution: {kind: normal, mean: 1.2, sd: 0.1}}\n"
        "  - {name: l, target: campuses.capex_usd_per_kw_it, distribution: {kind: lognormal, median: 1, sigma: 0.15}}",
        "tornado: true",
    )
    lo_hi = {p.name: p.tornado_values(0.1, 0.9) for p in spec.parameters}  # type: ignore[attr-defined]
    # triangular(0, 1, 2): F(x) = x^2 / 2 below the mode, so P10 = sqrt(0.2), P90 = 2 - sqrt(0.2)
    assert lo_hi["t"] == pytest.approx((math.sqrt(0.2), 2 - math.sqrt(0.2)))
    z90 = 1.2815515655446004
    assert lo_hi["n"] == pytest.approx((1.2 - 0.1 * z90, 1.2 + 0.1 * z90))
    assert lo_hi["l"] == pytest.approx((math.exp(-0.15 * z90), math.exp(0.15 * z90)))


def test_pipeline_draws_close_each_commitment_with_its_stage_probability(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: c, target: commitments.close, distribution: {kind: pipeline}}", "samples: 4000\nseed: 5"
    )
    ss = samples(spec, tiny)  # type: ignore[arg-type]
    prob = tiny.settings.finance.pipeline_probability
    com = tiny.commitments
    for inv, year, stage in zip(com["investor"], com["year"], com["stage"], strict=True):
        key = f"{inv}:{int(year)}"
        closed = sum(key not in s.values["c"] for s in ss) / len(ss)
        # binomial standard error at n = 4000 is at most 0.008; allow 4 of them
        assert closed == pytest.approx(prob[stage], abs=0.032), key
    assert all("us_lab:2026" not in s.values["c"] for s in ss)  # funded: always closes


# --------------------------------------------------------------------------------------
# applying a sample


def test_scale_with_where_changes_only_those_rows(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: gas, target: technology_costs.capex_usd_per_kw, where: {technology: gas_cc}, values: [1.3]}"
    )
    out = apply_values(tiny, spec, {"gas": 1.3})  # type: ignore[arg-type]
    before, after = tiny.technology_costs, out.technology_costs
    gas = before["technology"] == "gas_cc"
    assert (after.loc[gas, "capex_usd_per_kw"] == before.loc[gas, "capex_usd_per_kw"] * 1.3).all()
    pd.testing.assert_frame_equal(after.loc[~gas], before.loc[~gas])
    assert out.settings.solver.threads == 1  # solver_threads defaults to 1 per worker
    assert tiny.settings.solver.threads == 0  # the base is never changed


def test_demand_growth_compounds_from_the_start_year(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: g, target: [demand.annual_demand_mwh, demand.peak_demand_mw], op: grow, values: [0.01]}"
    )
    out = apply_values(tiny, spec, {"g": 0.01})  # type: ignore[arg-type]
    d = out.demand.set_index(["region", "period"])
    # start_year 2026: 2028 grows by 1.01^2, 2030 by 1.01^4
    assert d.loc[("TX", 2028), "annual_demand_mwh"] == pytest.approx(480e6 * 1.0201)
    assert d.loc[("TX", 2030), "annual_demand_mwh"] == pytest.approx(495e6 * 1.04060401)
    assert d.loc[("TX", 2028), "peak_demand_mw"] == pytest.approx(86000 * 1.0201)


def test_construction_delay_adds_years_and_rounds_year_columns(tiny: Scenario) -> None:
    spec = spec_of("  - {name: d, target: construction_delay_years, values: [1.4]}")
    out = apply_values(tiny, spec, {"d": 1.4})  # type: ignore[arg-type]
    assert (out.technologies["construction_years"] == tiny.technologies["construction_years"] + 1.4).all()
    assert (out.corridors["construction_years"] == tiny.corridors["construction_years"] + 1.4).all()
    assert (out.fabs["lead_time_years"] == tiny.fabs["lead_time_years"] + 1.4).all()
    assert list(out.campuses["earliest_year"]) == [2029, 2031]  # 2028, 2030 + round(1.4)
    assert out.campuses["earliest_year"].dtype == np.int64
    with pytest.raises(
        SweepError, match=r"parameter 'd'.*construction_years would be -4, below its minimum 0"
    ):
        apply_values(tiny, spec, {"d": -5})  # type: ignore[arg-type]  # solar: 1 - 5


def test_settings_paths_set_scale_and_validate(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: it, target: settings.it_target_mw, op: scale, values: [0.5]}\n"
        "  - {name: it30, target: settings.it_target_mw.2030, values: [700]}\n"
        "  - {name: dr, target: settings.discount_rate, values: [0.9]}\n"
        "  - {name: debt, target: settings.finance.debt_share.fab, values: [0.5]}\n"
        "  - {name: typo, target: settings.finance.dept_share.fab, values: [0.5]}"
    )
    out = apply_values(tiny, spec, {"it": 0.5, "debt": 0.5})  # type: ignore[arg-type]
    assert out.settings.it_target_mw == {2028: 150.0, 2030: 300.0}
    assert out.settings.finance.debt_share["fab"] == 0.5
    assert apply_values(tiny, spec, {"it30": 700}).settings.it_target_mw == {2028: 300.0, 2030: 700.0}  # type: ignore[arg-type]
    with pytest.raises(
        SweepError, match=r"parameter 'dr'.*discount_rate: Input should be less than or equal to 0.5"
    ):
        apply_values(tiny, spec, {"dr": 0.9})  # type: ignore[arg-type]
    with pytest.raises(
        SweepError,
        match=r"settings.finance.dept_share: no such setting; did you mean settings.finance.debt_share\?",
    ):
        apply_values(tiny, spec, {"typo": 0.5})  # type: ignore[arg-type]


def test_investors_that_do_not_close(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: drop, target: commitments.drop_investors, values: [[], [ae_fund]]}\n"
        "  - {name: close, target: commitments.close, distribution: {kind: pipeline}}"
    )
    out = apply_values(tiny, spec, {"drop": ["ae_fund"]})  # type: ignore[arg-type]
    assert sorted(set(out.commitments["investor"])) == ["jp_corp", "us_lab"]
    assert len(out.commitments) == 4
    closed = apply_values(tiny, spec, {"close": ["ae_fund:2029", "jp_corp:2028"]})  # type: ignore[arg-type]
    assert len(closed.commitments) == 4
    assert set(closed.commitments["stage"]) == {"funded"}  # the rest closed in that world
    with pytest.raises(SweepError, match="no investor 'nobody'"):
        apply_values(tiny, spec, {"drop": ["nobody"]})  # type: ignore[arg-type]
    with pytest.raises(SweepError, match=r"no commitment 'ae_fund:2031'"):
        apply_values(tiny, spec, {"close": ["ae_fund:2031"]})  # type: ignore[arg-type]


def test_where_naming_a_missing_row_is_an_error(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: x, target: technology_costs.capex_usd_per_kw, where: {technology: [fusion]}, values: [2]}"
    )
    with pytest.raises(SweepError, match="technology_costs has no row with technology 'fusion'"):
        apply_values(tiny, spec, {"x": 2})  # type: ignore[arg-type]


def test_grid_members_are_distinct_scenarios_and_identity_gives_the_base(tiny: Scenario) -> None:
    spec = spec_of(
        "  - {name: c, target: campuses.capex_usd_per_kw_it, values: [0.8, 1.0, 1.2]}", "tornado: true"
    )
    ss = samples(spec, tiny)  # type: ignore[arg-type]
    assert {s.design for s in ss[:3]} == {GRID}
    h = [apply_sample(tiny, spec, s).content_hash() for s in ss]  # type: ignore[arg-type]
    assert len(set(h[:3])) == 3
    # tornado base (as given) = the 1.0 grid point; low = 0.8, high = 1.2: 3 distinct scenarios in all
    assert h[3] == h[1] and h[4] == h[0] and h[5] == h[2]
