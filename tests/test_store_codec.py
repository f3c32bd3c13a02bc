"""The run store's table encoding (exact round trip) and the pieces of ``runs diff``, without a database."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd
from pandas.testing import assert_frame_equal

from stateside.store.codec import CodecError, decode_frame, encode_frame
from stateside.store.diff import aggregates, diff_results, diff_table, diff_values, flatten


def roundtrip(df: pd.DataFrame) -> pd.DataFrame:
    out = decode_frame(encode_frame(df))
    assert_frame_equal(out, df, check_exact=True)
    return out


def test_every_dtype_a_plan_or_scenario_uses_comes_back_exactly() -> None:
    df = pd.DataFrame(
        {
            "region": pd.Series(["TX", None, "OK"], dtype="str"),
            "label": pd.Series(["a", None, "c"], dtype="string"),
            "period": np.array([2028, 2030, 2032], dtype=np.int64),
            "small": np.array([1, 2, 3], dtype=np.int32),
            "new_mw": [1.5, np.nan, -0.0],
            "extreme": [np.inf, -np.inf, 5e-324],
            "decided": [True, False, True],
            "payback_year": pd.array([2031, None, 2040], dtype="Int64"),
            "share": pd.array([0.5, None, 1.0], dtype="Float64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "excluded_asset_classes": pd.Series([(), ("fab", "transmission"), None], dtype=object),
            "mixed": pd.Series(["x", 1, np.nan], dtype=object),
            "nested": pd.Series([{"a": (1, 2)}, [1.5, None], pd.NA], dtype=object),
            "kind": pd.Categorical(["x", "y", "x"], ordered=True),
            "when": pd.to_datetime(["2024-01-01", None, "2025-06-30T12:00:00"], format="ISO8601"),
            "when_local": pd.to_datetime(["2024-01-01", None, "2025-01-01"]).tz_localize("America/Chicago"),
            "lead": pd.to_timedelta([1, 2, 3], unit="h"),
            7: [1.0, 2.0, 3.0],
        }
    )
    df.index = pd.Index(["r1", "r2", "r3"], name="row")
    out = roundtrip(df)
    # bit for bit: the sign of -0.0 and the smallest subnormal survive
    assert math.copysign(1.0, out["new_mw"].iloc[2]) == -1.0
    assert out["extreme"].iloc[2] == 5e-324
    assert out["excluded_asset_classes"].iloc[1] == ("fab", "transmission")
    assert out["nested"].iloc[0] == {"a": (1, 2)} and out["nested"].iloc[2] is pd.NA


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame(),
        pd.DataFrame(columns=["kind", "period", "where", "amount", "unit"]),  # plan.violations when empty
        pd.DataFrame({"x": [1.0, 2.0]}, index=pd.RangeIndex(10, 14, 2)),
        pd.DataFrame({"a": [1, 2], "b": ["u", "v"]}).iloc[:0],
        pd.DataFrame([[1, 2]], columns=["dup", "dup"]),
        pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}, index=pd.Index(["k", "k", "j"])),
    ],
)
def test_empty_and_odd_shapes(df: pd.DataFrame) -> None:
    roundtrip(df)


def test_what_cannot_be_stored_is_named() -> None:
    bad = pd.DataFrame({"x": [object()]})
    with pytest.raises(CodecError, match=r"results\.x: cannot store a value of type object"):
        encode_frame(bad, where="results")
    multi = pd.DataFrame({"x": [1]}, index=pd.MultiIndex.from_tuples([("a", 1)]))
    with pytest.raises(CodecError, match="MultiIndex"):
        encode_frame(multi)


@settings(max_examples=40, deadline=None)
@given(
    hpd.data_frames(
        [
            hpd.column("f", dtype=float),
            hpd.column("i", dtype=np.int64),
            hpd.column("b", dtype=bool),
            hpd.column("s", elements=st.one_of(st.none(), st.text(max_size=8)), dtype=object),
        ],
        index=hpd.range_indexes(max_size=20),
    )
)
def test_property_any_frame_of_floats_ints_bools_and_text(df: pd.DataFrame) -> None:
    df["t"] = df["s"].astype("str")
    roundtrip(df)


# --------------------------------------------------------------------------------------
# diff pieces


def test_flatten_settings_paths() -> None:
    flat = flatten(
        {"periods": [{"year": 2028}, {"year": 2030}], "chips": {"share": {"2030": 0.5}}, "tags": [1, 2]}
    )
    assert flat == {"periods[0].year": 2028, "periods[1].year": 2030, "chips.share.2030": 0.5, "tags": [1, 2]}


def test_diff_values_exact_for_inputs_tolerant_for_results() -> None:
    a, b = {"x": 1.0, "y": 2.0, "gone": 1}, {"x": 1.0 + 1e-12, "y": 2.0, "new": 3}
    assert [c.name for c in diff_values(a, b, close=False)] == ["x", "gone", "new"]
    assert [c.name for c in diff_values(a, b, close=True)] == ["gone", "new"]


def test_input_rows_are_matched_on_the_schema_key() -> None:
    a = pd.DataFrame(
        {
            "region": ["TX", "TX", "OK"],
            "period": [2028, 2030, 2028],
            "case": ["reference", "reference", "reference"],
            "annual_demand_mwh": [480e6, 500e6, 75e6],
            "peak_demand_mw": [86e3, np.nan, 13e3],
            "source": ["s", "s", "s"],
        }
    )
    b = a.copy()
    b.loc[1, "annual_demand_mwh"] = 510e6  # TX 2030 changed
    b = pd.concat(
        [b.iloc[[0, 1]], pd.DataFrame([{**a.iloc[2], "region": "NM"}])], ignore_index=True
    )  # OK → NM
    td = diff_table("demand", a, b)
    assert td is not None
    assert (td.changed, td.added, td.removed) == (1, 1, 1)
    changed = next(r for r in td.rows if r.change == "changed")
    assert changed.key == "TX/2030/reference"
    assert [(f.name, f.a, f.b) for f in changed.fields] == [("annual_demand_mwh", 500e6, 510e6)]
    assert {r.key for r in td.rows if r.change != "changed"} == {"OK/2028/reference", "NM/2028/reference"}
    # the blank peak (NaN) equals itself: no change reported for it
    assert diff_table("demand", a, a.copy()) is None


def test_result_aggregates_sum_values_not_labels() -> None:
    builds = pd.DataFrame(
        {
            "region": ["TX", "OK"],
            "period": [2028, 2030],
            "new_mw": [100.0, 50.0],
            "ok": [True, False],
            "equity_pct": [60.0, 40.0],  # ratios are not summed
            "equity_irr": [0.1, 0.2],
        }
    )
    assert aggregates(builds) == {"rows": 2.0, "sum of new_mw": 150.0, "sum of ok": 1.0}
    more = builds.assign(new_mw=[100.0, 80.0])
    changes = diff_results({"builds": builds}, {"builds": more, "extra": builds})
    assert [(c.table, c.figure, c.a, c.b, c.delta) for c in changes[:1]] == [
        ("builds", "sum of new_mw", 150.0, 180.0, 30.0)
    ]
    assert {c.table for c in changes[1:]} == {"extra"} and all(c.a is None for c in changes[1:])
