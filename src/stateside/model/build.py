"""Assemble the linopy model from ModelData: variables, expressions, each constraint family, objective."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import linopy
from linopy.config import LinopySemanticsWarning

from stateside.model.buildout import add_turbine_supply
from stateside.model.campus_power import add_campus_power, add_onsite_variables
from stateside.model.campuses import add_campus_limits, add_it_target
from stateside.model.capital import add_capital
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions, build_expressions
from stateside.model.fabs import add_chips, add_fab_once
from stateside.model.objective import add_objective
from stateside.model.power import add_corridor_limits, add_dispatch_limits, add_energy_balance, add_storage
from stateside.model.reserve import add_reserve_margin
from stateside.model.retirement import add_retirement
from stateside.model.variables import add_variables


@dataclass
class BuiltModel:
    model: linopy.Model
    data: ModelData
    expressions: Expressions


def build_model(d: ModelData) -> BuiltModel:
    """Build the whole planning model. Constraint names are stable (see docs/model.md).

    The formulation relies on linopy's legacy arithmetic, where an absent (masked) variable
    slot contributes zero to a sum (e.g. capacity = existing + builds where no build is
    allowed); linopy warns about every such use, so the warning is silenced here only.
    """
    with legacy_semantics():
        return _build(d)


@contextmanager
def legacy_semantics() -> Iterator[None]:
    """Silence linopy's notice that masked slots count as zero (the behaviour the model relies on)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinopySemanticsWarning)
        yield


def _build(d: ModelData) -> BuiltModel:
    m = linopy.Model(force_dim_names=True)
    add_variables(m, d)
    add_onsite_variables(m, d)
    e = build_expressions(m, d)
    add_retirement(m, d)
    add_dispatch_limits(m, d, e)
    add_storage(m, d, e)
    add_corridor_limits(m, d, e)
    add_energy_balance(m, d, e)
    add_reserve_margin(m, d, e)
    add_turbine_supply(m, d)
    add_campus_limits(m, d)
    add_campus_power(m, d, e)
    add_it_target(m, d, e)
    add_fab_once(m, d)
    add_chips(m, d, e)
    add_capital(m, d, e)
    add_objective(m, d, e)
    return BuiltModel(model=m, data=d, expressions=e)
