"""The packaged impact coefficients: reference values, sources, units, and the eGRID extract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stateside.impact.coefficients import (
    CoefficientBook,
    data_dir,
    dollar_factor,
    egrid_state_co2,
    jobs_coefficients,
    sources,
)

MARKINGS = {"source", "derived", "secondary", "illustrative"}
RAW_EGRID = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "raw"
    / "epa-egrid"
    / "egrid2022_state_national.csv"
)


def test_reeds_jedi_values_as_published() -> None:
    """Spot values of ReEDS inputs/employment/employment_factor_plant_jedi.csv (afff8f4)."""
    book = CoefficientBook()
    expect = {
        ("generation", "gas_cc", "construction"): 0.57898781,
        ("generation", "gas_ct", "operations"): 0.28,
        ("generation", "nuclear", "construction"): 13.74608053,
        ("generation", "smr", "operations_energy"): 0.00001645,
        ("generation", "solar", "construction"): 2.31800771,
        ("generation", "wind", "operations"): 0.033060233,
        ("storage", "battery", "construction"): 0.937020565,
        ("transmission", "", "construction"): 0.00000331,
    }
    for key, value in expect.items():
        c = book.get(*key)
        assert c is not None and c.value == value, key
    assert book.get("transmission", "", "construction").dollar_year == 2004  # type: ignore[union-attr]
    assert book.get("fab", "", "operations").dollar_year == 2022  # type: ignore[union-attr]


def test_class_rows_apply_to_any_technology_and_unknown_technologies_have_none() -> None:
    book = CoefficientBook()
    dc = book.get("datacenter", "whatever", "construction")
    assert dc is not None and dc.coefficient_id == "datacenter_construction"
    assert book.get("generation", "fusion", "construction") is None


def test_every_coefficient_names_a_source_a_unit_and_a_marking() -> None:
    coef, src = jobs_coefficients(), sources()
    assert coef["coefficient_id"].is_unique and src["source_id"].is_unique
    assert set(coef["source_id"]) <= set(src["source_id"])
    assert set(coef["marking"]) <= MARKINGS
    assert (coef["unit"].str.len() > 0).all() and (coef["value"] > 0).all()
    money = coef["unit"].str.contains("USD")
    assert coef.loc[money, "dollar_year"].notna().all() and coef.loc[~money, "dollar_year"].isna().all()
    assert (src["reference"].str.len() > 10).all()
    assert (
        (data_dir() / "SOURCES.md")
        .read_text()
        .count("ReEDS-Model/ReEDS@afff8f4e72ce540ebe000a1388f24b15f996b16e")
    )


def test_dollar_factor_uses_the_bea_deflator() -> None:
    assert dollar_factor(2024, 2004) == pytest.approx(79.077 / 125.428, rel=1e-5)
    assert dollar_factor(2022, 2024) == pytest.approx(1.062742)
    assert dollar_factor(2024, 2024) == 1.0
    with pytest.raises(ValueError, match="no GDP deflator for \\[1990\\]"):
        dollar_factor(1990, 2024)


def test_egrid_extract() -> None:
    eg = egrid_state_co2().set_index("region")
    assert len(eg) == 51 and "PR" not in eg.index
    assert eg.loc["WV", "co2_t_per_mwh"] == pytest.approx(1958.897 * 0.45359237 / 1000, abs=1e-6)
    if not RAW_EGRID.is_file():
        pytest.skip(f"raw eGRID file not present ({RAW_EGRID})")
    raw = pd.read_csv(RAW_EGRID).set_index("PSTATABB")
    joined = eg.join(raw[["STCO2RTA", "STNGENAN"]])
    assert (joined["co2_lb_per_mwh"] == joined["STCO2RTA"]).all()
    assert (joined["net_generation_mwh"] - joined["STNGENAN"]).abs().max() < 1e-3
