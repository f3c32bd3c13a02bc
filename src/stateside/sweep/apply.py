"""Turn one sample into a varied scenario (a new :class:`Scenario`; the base is never changed).

Ops, for a parameter taking value v:

``set``    the value becomes v
``scale``  the value is multiplied by v (a mapping such as ``settings.it_target_mw``: each entry)
``add``    v is added
``grow``   rows of a table with a ``period`` column are multiplied by (1 + v) ** (period −
           start_year): v is an extra growth rate per year, compounding from the year
           decisions are taken (demand growth)

Int and year columns are rounded to the nearest whole number after the op (a delay of
1.4 years moves ``campuses.earliest_year`` by 1). Results are checked against the table
schema's bounds and the settings' own validation, so a sample that would make an
impossible scenario (a negative lead time, a debt share above 1) fails with a message
naming the parameter, instead of being solved.

``construction_delay_years`` adds v years to ``technologies.construction_years``,
``corridors.construction_years``, ``fabs.lead_time_years`` and (rounded)
``campuses.earliest_year``. ``commitments.drop_investors`` removes every commitment of
the listed investors. ``commitments.close`` takes the list of ``investor:year``
commitments that do not close: they are removed and every other commitment is marked
``funded`` — in that sampled world it has closed, whatever its stage was.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from stateside.scenario.schema import ColumnSpec, table_specs
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario
from stateside.sweep.sample import Sample, commitment_key
from stateside.sweep.spec import (
    CLOSE_TARGET,
    DELAY_COLUMNS,
    DELAY_TARGET,
    DROP_TARGET,
    Parameter,
    SweepError,
    SweepSpec,
    target_kind,
)


def _num(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise SweepError(f"{what}: expected a number, found {v!r}")
    return float(v)


# --------------------------------------------------------------------------------------
# settings


def _key(node: dict[Any, Any], key: str) -> Any:
    """``key`` as ``node`` holds it: mappings by period year have int keys."""
    if key in node:
        return key
    try:
        as_int = int(key)
    except ValueError:
        return None
    return as_int if as_int in node else None


def _settings_apply(data: dict[str, Any], path: str, op: str, value: Any, what: str) -> None:
    """Change ``data`` (a settings dump) in place at the dotted ``path``.

    A missing last key is added by ``set`` (a new entry of a mapping such as
    ``carbon_price_usd_per_t.2030``; a misspelt field is then refused by the settings'
    validation); anything else missing is an error naming the fields there are.
    """
    keys = path.split(".")
    node: Any = data
    model: type[BaseModel] | None = Settings
    for i, key in enumerate(keys):
        where = "settings." + ".".join(keys[: i + 1])
        if not isinstance(node, dict):
            raise SweepError(f"{what}: {where}: settings.{'.'.join(keys[:i])} is not a mapping")
        if model is not None:
            if key not in model.model_fields:
                parent = "settings" + "".join(f".{k}" for k in keys[:i])
                names = sorted(model.model_fields)
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"did you mean {parent}.{close[0]}? " if close else ""
                raise SweepError(f"{what}: {where}: no such setting; {hint}{parent} has: {', '.join(names)}")
            sub = model.model_fields[key].annotation
            model = sub if isinstance(sub, type) and issubclass(sub, BaseModel) else None
        k = _key(node, key)
        last = i == len(keys) - 1
        if k is None:
            if last and op == "set":
                k = int(key) if key.isdigit() else key
            else:
                fields = ", ".join(str(x) for x in node) or "none"
                raise SweepError(f"{what}: {where}: no such entry; there are: {fields}")
        if last:
            node[k] = _settings_value(node.get(k), op, value, what, where)
            return
        node = node[k]


def _settings_value(old: Any, op: str, value: Any, what: str, where: str) -> Any:
    if op == "set":
        return value
    v = _num(value, what)
    if isinstance(old, dict):
        return {k: _settings_value(x, op, v, what, f"{where}.{k}") for k, x in old.items()}
    if old is None:
        raise SweepError(
            f"{what}: {where} is blank in the scenario, so it cannot be {'scaled' if op == 'scale' else 'added to'}"
        )
    base = _num(old, f"{what}: {where}")
    return base * v if op == "scale" else base + v


def apply_settings(settings: Settings, changes: list[tuple[str, str, Any, str]]) -> Settings:
    """``settings`` with each (path, op, value, what) change made, validated again."""
    data = settings.model_dump()
    for path, op, value, what in changes:
        _settings_apply(data, path, op, value, what)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        whats = "; ".join(dict.fromkeys(w for *_, w in changes))
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SweepError(
            f"{whats}: the varied settings are not valid: {loc + ': ' if loc else ''}{msg}"
        ) from None


# --------------------------------------------------------------------------------------
# tables


def _mask(df: pd.DataFrame, where: dict[str, list[Any]], what: str, table: str) -> pd.Series:
    """Rows whose every ``where`` column holds one of its listed values (compared as text or number)."""
    mask = pd.Series(True, index=df.index)
    for column, wanted in where.items():
        col = df[column]
        as_text = col.astype(str)
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        hit = pd.Series(False, index=df.index)
        for w in wanted:
            one = as_text == str(w)
            if numeric and isinstance(w, (int, float)) and not isinstance(w, bool):
                one |= col == w
            if not one.any():
                raise SweepError(f"{what}: where {column}: {table} has no row with {column} {w!r}")
            hit |= one
        mask &= hit
    if not mask.any():
        raise SweepError(f"{what}: where {where} matches no row of {table}")
    return mask


def _check_bounds(values: pd.Series, spec: ColumnSpec, what: str, table: str) -> None:
    finite = values.dropna()
    if spec.min is not None and (finite < spec.min).any():
        bad = float(finite[finite < spec.min].iloc[0])
        raise SweepError(f"{what}: {table}.{spec.name} would be {bad:g}, below its minimum {spec.min:g}")
    if spec.max is not None and (finite > spec.max).any():
        bad = float(finite[finite > spec.max].iloc[0])
        raise SweepError(f"{what}: {table}.{spec.name} would be {bad:g}, above its maximum {spec.max:g}")


def apply_column(
    df: pd.DataFrame,
    table: str,
    column: str,
    op: str,
    value: Any,
    start_year: int,
    where: dict[str, list[Any]] | None = None,
    what: str = "parameter",
) -> pd.DataFrame:
    """A copy of ``df`` with ``column`` changed by ``op`` and ``value`` on the rows ``where`` selects."""
    spec = table_specs()[table].column(column)
    v = _num(value, what)
    out = df.copy()
    if not len(out):
        return out
    mask = _mask(out, where, what, table) if where else pd.Series(True, index=out.index)
    old = out.loc[mask, column].astype(float)
    if op == "scale":
        new = old * v
    elif op == "add":
        new = old + v
    elif op == "set":
        new = pd.Series(v, index=old.index)
    elif op == "grow":
        years = out.loc[mask, "period"].astype(float) - float(start_year)
        new = old * np.power(1.0 + v, years)
    else:  # pragma: no cover - the spec allows no other op
        raise SweepError(f"{what}: unknown op {op!r}")
    integral = spec.base_type in ("int", "year")
    if integral:
        new = np.floor(new + 0.5)
    _check_bounds(new, spec, what, table)
    dtype = out[column].dtype
    if integral and pd.api.types.is_integer_dtype(dtype):
        out[column] = out[column].astype("int64")
        out.loc[mask, column] = new.astype("int64").to_numpy()
    else:
        out[column] = out[column].astype("float64") if not pd.api.types.is_float_dtype(dtype) else out[column]
        out.loc[mask, column] = new.to_numpy(dtype=float)
    return out


# --------------------------------------------------------------------------------------
# the sample


def _what(p: Parameter, sample: Sample | None) -> str:
    return f"parameter {p.name!r}" + (f" (member {sample.label})" if sample is not None else "")


#: the setting that turns the ratepayer counterfactual solve on; off for sweep members
#: unless a parameter of the sweep targets it (e.g. ``values: [true]``)
RATEPAYER_TARGET = "settings.impact.ratepayer_counterfactual"


def apply_values(
    base: Scenario, spec: SweepSpec, values: dict[str, Any], sample: Sample | None = None
) -> Scenario:
    """The scenario with each parameter in ``values`` applied (in the sweep file's order).

    Parameters not in ``values`` leave the scenario as it is. ``spec.solver_threads`` (if
    set) becomes the scenario's HiGHS thread count. Members skip the ratepayer
    counterfactual (a second solve as long as the plan's) unless a parameter targets
    ``settings.impact.ratepayer_counterfactual``.
    """
    tables = dict(base.tables)
    settings_changes: list[tuple[str, str, Any, str]] = []
    start_year = base.settings.start_year
    unknown = sorted(set(values) - {p.name for p in spec.parameters})
    if unknown:
        raise SweepError(f"member values name no parameter of the sweep: {unknown}")
    for p in spec.parameters:
        if p.name not in values:
            continue
        value = values[p.name]
        what = _what(p, sample)
        op = p.op or "set"
        for target in p.targets:
            kind = target_kind(target)
            if kind == "settings":
                settings_changes.append((target.split(".", 1)[1], op, value, what))
            elif kind == "table":
                table, column = target.split(".", 1)
                tables[table] = apply_column(
                    tables[table], table, column, op, value, start_year, p.where, what
                )
            elif target == DELAY_TARGET:
                v = _num(value, what)
                for table, column in DELAY_COLUMNS:
                    tables[table] = apply_column(
                        tables[table], table, column, "add", v, start_year, None, what
                    )
            elif target == DROP_TARGET:
                tables["commitments"] = _drop_investors(
                    tables["commitments"], tables["investors"], value, what
                )
            elif target == CLOSE_TARGET:
                tables["commitments"] = _close(tables["commitments"], value, what)
            else:  # pragma: no cover - target_kind rejects anything else
                raise SweepError(f"{what}: unknown target {target!r}")
    if spec.solver_threads is not None:
        settings_changes.append(("solver.threads", "set", spec.solver_threads, "solver_threads"))
    if not any(t == RATEPAYER_TARGET for p in spec.parameters for t in p.targets):
        # members skip the second (counterfactual) solve unless the sweep asks for it
        settings_changes.append((RATEPAYER_TARGET.split(".", 1)[1], "set", False, "sweep member"))
    settings = apply_settings(base.settings, settings_changes) if settings_changes else base.settings
    return dataclasses.replace(base, settings=settings, tables=tables)


def apply_sample(base: Scenario, spec: SweepSpec, sample: Sample) -> Scenario:
    """:func:`apply_values` for one member."""
    return apply_values(base, spec, sample.values, sample)


def _drop_investors(com: pd.DataFrame, investors: pd.DataFrame, value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, list):
        raise SweepError(f"{what}: expected a list of investor codes, found {value!r}")
    known = set(investors["investor"].astype(str))
    unknown = [v for v in value if str(v) not in known]
    if unknown:
        raise SweepError(f"{what}: no investor {unknown[0]!r}; investors are {sorted(known)}")
    keep = ~com["investor"].astype(str).isin([str(v) for v in value])
    return com.loc[keep].reset_index(drop=True)


def _close(com: pd.DataFrame, value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, list):
        raise SweepError(f"{what}: expected a list of investor:year commitments, found {value!r}")
    keys = pd.Series(
        [commitment_key(i, y) for i, y in zip(com["investor"], com["year"], strict=True)], index=com.index
    )
    unknown = [v for v in value if v not in set(keys)]
    if unknown:
        raise SweepError(f"{what}: no commitment {unknown[0]!r} (investor:year) in the scenario")
    out = com.loc[~keys.isin(value)].reset_index(drop=True)
    out["stage"] = "funded"
    return out
