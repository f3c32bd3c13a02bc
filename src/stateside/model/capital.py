"""Capital: equity needed per asset class and period, investors' commitments and share caps.

Symbols: :math:`a` asset class, :math:`i` investor, :math:`\\delta_a` debt share,
:math:`G_{a,p}` grants, :math:`e_{i,a,p}` equity, :math:`C_{i,p}` capital that becomes
available in period p, :math:`s_{i,a}` share cap.
"""

from __future__ import annotations

import linopy
import xarray as xr

from stateside.model.campus_power import onsite_capex
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions, cumulative, it_equipment_bought
from stateside.scenario.settings import coalition_asset_classes


def capex_by_asset_class(m: linopy.Model, d: ModelData) -> linopy.LinearExpression:
    """Overnight capex spent for what comes online in each period ($M), dims (asset_class, period).

    :math:`I^{gen}_p = \\sum_{g,r} \\kappa_{g,r,p} b_{g,r,p}` (likewise storage),
    :math:`I^{tx}_p = \\sum_c \\kappa_c x_{c,p}`, :math:`I^{dc}_p = \\sum_k \\kappa_k m_k n_{k,p}`,
    :math:`I^{fab}_p = \\sum_f \\kappa_f y_{f,p}`,
    :math:`I^{IT}_p = \\kappa^{IT} P^{IT}_p + \\pi^{acc} (\\chi^{dom}_p + \\chi^{imp}_p)` (IT equipment
    bought, new and refreshed, with its accelerators at their price),
    :math:`I^{cp}_p = \\sum_{g,k} \\kappa^o_{g,k,p} b^o_{g,k,p}` (campus-owned generation,
    :mod:`stateside.model.campus_power`).
    """
    parts: list[linopy.LinearExpression] = []
    build_cost = m.variables["build"] * d.capex_musd_per_gw
    for cls in ("generation", "storage"):
        techs = d.technologies[d.asset_class_of_tech.values == cls]
        expr = build_cost.sel(technology=techs).sum(["technology", "region"])
        parts.append(expr.expand_dims(asset_class=[cls]))
    if len(d.corridors):
        tx = (m.variables["expand"] * d.corridor_capex_musd_per_gw).sum("corridor")
    else:
        tx = 0 * m.variables["build"].sum(["technology", "region"])
    parts.append(tx.expand_dims(asset_class=["transmission"]))
    if d.has_campuses:
        dc = (m.variables["modules"] * (d.campus_capex_musd_per_gw * d.campus_module_gw)).sum("campus")
    else:
        dc = 0 * m.variables["build"].sum(["technology", "region"])
    parts.append(dc.expand_dims(asset_class=["datacenter"]))
    if d.has_fabs:
        fab = (m.variables["fab_build"] * d.fab_capex_musd).sum("fab")
    else:
        fab = 0 * m.variables["build"].sum(["technology", "region"])
    parts.append(fab.expand_dims(asset_class=["fab"]))
    if d.has_campuses:
        it = it_equipment_bought(m, d) * d.it_rest_musd_per_gw + d.accelerator_price_musd_per_million * (
            m.variables["chips_domestic"] + m.variables["chips_import"]
        )
    else:
        it = 0 * m.variables["build"].sum(["technology", "region"])
    parts.append(it.expand_dims(asset_class=["it_equipment"]))
    cp = onsite_capex(m, d)
    if cp is None:
        cp = 0 * m.variables["build"].sum(["technology", "region"])
    parts.append(cp.expand_dims(asset_class=["campus_power"]))
    return linopy.merge(parts, dim="asset_class").sel(asset_class=d.asset_classes)


def coalition_share(d: ModelData) -> xr.DataArray:
    """:math:`\\chi_a` (asset_class): 1 for the classes the coalition funds, 0 for the grid's
    (and for IT equipment a tenant buys) — see
    :func:`stateside.scenario.settings.coalition_asset_classes`."""
    owned = coalition_asset_classes(d.settings.finance)
    return xr.DataArray(
        [1.0 if a in owned else 0.0 for a in d.asset_classes],
        coords={"asset_class": d.asset_classes},
        dims=["asset_class"],
    )


def add_capital(m: linopy.Model, d: ModelData, e: Expressions | None = None) -> None:
    """Equity covers what the plan builds; investors stay within commitments and caps.

    * ``equity_balance``: :math:`\\sum_i e_{i,a,p} + \\sigma^{eq}_{a,p} = \\chi_a [(1-\\delta_a) I_{a,p} - G_{a,p}]`
      (the shortfall :math:`\\sigma^{eq}` exists only in target mode, penalised;
      :math:`\\chi_a = 1` for the coalition's own asset classes, campuses and fabs — and IT
      equipment where the coalition buys it (:math:`\\chi^{IT}`, ``finance.it_equipment_buyer``)
      — and 0 for generation, storage and transmission, which the grid builds and recovers
      through rates, and for IT equipment the campus tenant buys — see
      :func:`stateside.scenario.settings.coalition_asset_classes`);
    * ``capital_available``: :math:`\\sum_{v \\le p} \\sum_a e_{i,a,v} \\le \\sum_{v \\le p} C_{i,v}`
      (unspent capital carries forward);
    * ``share_cap``: :math:`e_{i,a,p} - s_{i,a} \\sum_j e_{j,a,p} - \\sigma^{cap}_{i,a,p} \\le 0`
      for every :math:`s_{i,a} < 1` (investor exclusions are :math:`s = 0`; security rules
      and explicit caps come in through :math:`s`); :math:`\\sigma^{cap}` is penalised.
    """
    if not d.has_capital:
        return
    equity = m.variables["equity"]
    need = capex_by_asset_class(m, d) * (1 - d.debt_share)
    if d.has_fabs:
        grants = (m.variables["fab_build"] * d.fab_grant_musd).sum("fab").expand_dims(asset_class=["fab"])
        need = need - grants.reindex(asset_class=d.asset_classes)  # type: ignore[operator]
    lhs = equity.sum("investor") - need * coalition_share(d)
    if "equity_short" in m.variables:
        lhs = lhs + m.variables["equity_short"]
    m.add_constraints(lhs == 0, name="equity_balance")

    spent = cumulative(equity.sum("asset_class"), d.periods)
    available = d.capital_available_musd.cumsum("period")
    m.add_constraints(spent <= available, name="capital_available")

    capped = d.max_share < 1.0
    if bool(capped.any()):
        total = equity.sum("investor")
        share = equity - d.max_share * total - m.variables["cap_excess"]
        m.add_constraints(share <= 0, name="share_cap", mask=capped.broadcast_like(equity.labels))
