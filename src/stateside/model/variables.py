"""Decision variables (all in model units: GW, GWh, $M, millions of accelerators).

==================  ===========================================  =====================================
name                dims                                         meaning
==================  ===========================================  =====================================
``build``           technology, region, period                   new capacity online from the period
``gen``             technology, region, period, day, step        output of non-storage technologies
``charge``          technology, region, period, day, step        storage charging power
``discharge``       technology, region, period, day, step        storage discharging power
``soc``             technology, region, period, day, step        storage energy at the end of a step
``unserved``        region, period, day, step                    lost load
``existing_online`` technology, region, period                   existing capacity kept (economic retirement)
``credit_tranche``  technology, region, period, credit_step      capacity within an accreditation step
``flow``            corridor, period, day, step                  net transfer from→to (free sign)
``expand``          corridor, period                             new corridor capability (both ways)
``firm_forward``    corridor, period                             firm capacity lent from→to
``firm_reverse``    corridor, period                             firm capacity lent to→from
``modules``         campus, period                               campus modules added (integer)
``onsite_build``    campus, technology, period                   on-site capacity a campus owns, online
                                                                 from the period (islanded campuses)
``onsite_gen``      campus, technology, period, day, step        its output
``onsite_firm``     campus, period                               its firm capacity its region counts
``it_unpowered``    interconnect, period                         IT GW not counted online: lost load in
                                                                 the campus's interconnection
``fab_build``       fab, period                                  fab comes online in period (binary)
``chips_domestic``  period                                       accelerators from the plan's fabs
``chips_import``    period                                       imported accelerators
``equity``          investor, asset_class, period                equity each investor puts in
==================  ===========================================  =====================================

Elastic slacks (penalised in the objective, see :mod:`stateside.model.inputs.penalties`):
``target_short`` (period), ``reserve_short`` (region, period), ``equity_short``
(asset_class, period), ``chips_short`` (period), ``cap_excess`` (investor, asset_class,
period); ``unserved`` is lost load.
"""

from __future__ import annotations

from collections.abc import Iterable

import linopy
import numpy as np
import xarray as xr

from stateside.model.data import ModelData


def add_variables(m: linopy.Model, d: ModelData) -> None:
    """Declare every variable with its bounds and existence mask."""
    t_r_p = [d.technologies, d.regions, d.periods]
    upper_build = d.max_build_gw.broadcast_like(d.can_build)
    m.add_variables(lower=0, upper=upper_build, coords=t_r_p, name="build", mask=d.can_build)

    hours = [d.periods, d.days, d.steps]
    gen_mask = d.dispatchable.sel(technology=d.generators)
    m.add_variables(lower=0, coords=[d.generators, d.regions, *hours], name="gen", mask=gen_mask)
    if len(d.storage):
        st_mask = d.dispatchable.sel(technology=d.storage)
        for name in ("charge", "discharge", "soc"):
            m.add_variables(lower=0, coords=[d.storage, d.regions, *hours], name=name, mask=st_mask)
    m.add_variables(lower=0, coords=[d.regions, *hours], name="unserved")
    m.add_variables(lower=0, coords=[d.regions, d.periods], name="reserve_short")

    online_mask = d.retirable & (d.existing_gw > 0)
    if bool(online_mask.any()):
        m.add_variables(lower=0, upper=d.existing_gw, coords=t_r_p, name="existing_online", mask=online_mask)
    if len(d.credit_techs):
        # the last step is unbounded (share inf): inf, also where the peak is zero (inf x 0)
        share = d.credit_step_share
        upper = xr.where(np.isinf(share), np.inf, share * d.peak_gw).transpose(
            "technology", "region", "period", "credit_step"
        )
        m.add_variables(
            lower=0,
            upper=upper,
            coords=[d.credit_techs, d.regions, d.periods, d.credit_steps],
            name="credit_tranche",
            mask=(d.credit_step_value > 0).broadcast_like(upper),
        )

    if len(d.corridors):
        m.add_variables(coords=[d.corridors, *hours], name="flow")
        m.add_variables(lower=0, coords=[d.corridors, d.periods], name="firm_forward")
        m.add_variables(lower=0, coords=[d.corridors, d.periods], name="firm_reverse")
        m.add_variables(
            lower=0,
            upper=d.corridor_max_expansion_gw.broadcast_like(d.corridor_can_build),
            coords=[d.corridors, d.periods],
            name="expand",
            mask=d.corridor_can_build,
        )

    if d.has_campuses:
        upper = d.campus_max_modules.broadcast_like(d.campus_allowed)
        m.add_variables(
            lower=0,
            upper=upper,
            coords=[d.campuses, d.periods],
            name="modules",
            integer=True,
            mask=d.campus_allowed,
        )
    if d.has_campuses and len(d.campus_interconnects):
        m.add_variables(lower=0, coords=[d.campus_interconnects, d.periods], name="it_unpowered")
    if d.mode == "target" and not d.power_only and float(d.it_target_gw.max()) > 0:
        # exists even without candidate campuses, so an unreachable target is reported
        m.add_variables(lower=0, coords=[d.periods], name="target_short")
    if d.has_fabs:
        m.add_variables(coords=[d.fabs, d.periods], name="fab_build", binary=True, mask=d.fab_allowed)
    if d.has_campuses:
        m.add_variables(lower=0, coords=[d.periods], name="chips_domestic")
        m.add_variables(
            lower=0,
            upper=d.import_limit_million_per_year * d.period_gap_years,
            coords=[d.periods],
            name="chips_import",
        )
        m.add_variables(lower=0, coords=[d.periods], name="chips_short")
    if d.has_capital:
        iap = [d.investors, d.asset_classes, d.periods]
        m.add_variables(lower=0, coords=iap, name="equity")
        m.add_variables(lower=0, coords=iap, name="cap_excess")
        if d.mode == "target":
            m.add_variables(lower=0, coords=[d.asset_classes, d.periods], name="equity_short")


def regional_sum(
    m: linopy.Model, var: linopy.Variable, index: xr.DataArray, sign: xr.DataArray
) -> linopy.LinearExpression:
    """Sparse incidence product :math:`\\sum_c A_{r,c}\\, x_c` without a dense matrix.

    ``index`` (region, _term) holds the position along the variable's first dimension
    of each term of a region (-1 pads), ``sign`` its coefficient. Used for corridor flows
    into regions and for campus and fab loads on their regions.
    """
    first = str(var.dims[0])
    pos = index.clip(min=0)
    labels = var.labels.isel({first: pos}).where(index >= 0, -1).drop_vars(first, errors="ignore")
    coeffs = sign.where(index >= 0, 0.0).broadcast_like(labels)
    return linopy.LinearExpression(xr.Dataset({"coeffs": coeffs, "vars": labels.astype(np.int64)}), m)


def membership(items: xr.DataArray, regions: Iterable[str]) -> tuple[xr.DataArray, xr.DataArray]:
    """(region, _term) index and +1 sign arrays listing the items (campuses, fabs) in each region."""
    region_list = [str(r) for r in regions]
    values = [str(x) for x in items.values]
    members: dict[str, list[int]] = {reg: [] for reg in region_list}
    for k, reg in enumerate(values):
        members[reg].append(k)
    width = max([len(v) for v in members.values()] + [1])
    idx = np.full((len(region_list), width), -1, dtype=np.int64)
    for i, reg in enumerate(region_list):
        idx[i, : len(members[reg])] = members[reg]
    coords = {"region": region_list, "_term": list(range(width))}
    index = xr.DataArray(idx, coords=coords, dims=["region", "_term"])
    sign = xr.DataArray(np.where(idx >= 0, 1.0, 0.0), coords=coords, dims=["region", "_term"])
    return index, sign
