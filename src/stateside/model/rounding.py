"""Target-aware rounding of the LP relaxation: a good first integer solution, fast.

Campus modules (cumulative per site and period) are rounded down, then — period by
period — whole modules are added back at the sites the LP used most fractionally
(allowed in that period and with room left) until the IT target is covered again. Fabs
are rounded up: online from the first period in which the relaxation uses any of
them (a fraction of a fab in the relaxation means the accelerator rules need one). With the integers fixed at these values the LP gives an upper bound; the LP
relaxation a lower bound; their gap bounds the distance to the true optimum.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from stateside.model.data import ModelData

EPS = 1e-6


def round_modules(n_lp: xr.DataArray, d: ModelData, cover_targets: bool) -> xr.DataArray:
    """Integer modules added per (campus, period) from the relaxation's values."""
    n_lp = n_lp.fillna(0.0).transpose("campus", "period")
    cum_lp = np.cumsum(np.clip(n_lp.values, 0.0, None), axis=1)
    cum = np.floor(cum_lp + EPS)
    max_mod = d.campus_max_modules.values
    allowed = d.campus_allowed.transpose("campus", "period").values
    size = d.campus_module_gw.values
    if cover_targets:
        targets = d.it_target_gw.values
        for j in range(cum.shape[1]):
            deficit = targets[j] - float(size @ cum[:, j])
            while deficit > EPS:
                # room in period j: a site below its cap then (a module added now may be one
                # the site would get later anyway: later periods keep at least this many)
                room = (cum[:, j] < max_mod - EPS) & allowed[:, j]
                if not room.any():
                    break
                frac = np.where(room, cum_lp[:, j] - cum[:, j], -np.inf)
                k = int(np.argmax(frac))
                cum[k, j] += 1.0
                cum[k, j + 1 :] = np.maximum(cum[k, j + 1 :], cum[k, j])
                deficit -= size[k]
    added = np.diff(np.concatenate([np.zeros((cum.shape[0], 1)), cum], axis=1), axis=1)
    return xr.DataArray(np.round(added), coords=n_lp.coords, dims=n_lp.dims)


def round_fabs(y_lp: xr.DataArray) -> xr.DataArray:
    """Binary go/no-go per (fab, period): online from the first period the relaxation uses it."""
    y_lp = y_lp.fillna(0.0).transpose("fab", "period")
    online = np.cumsum(np.clip(y_lp.values, 0.0, None), axis=1) > 1e-3
    built = np.diff(np.concatenate([np.zeros((online.shape[0], 1)), online], axis=1).astype(float), axis=1)
    return xr.DataArray(np.clip(built, 0.0, 1.0), coords=y_lp.coords, dims=y_lp.dims)


def floor_fabs(y_lp: xr.DataArray) -> xr.DataArray:
    """Binary go/no-go per (fab, period) keeping only the fabs the relaxation builds whole:
    online from the first period in which its cumulative value reaches one."""
    y_lp = y_lp.fillna(0.0).transpose("fab", "period")
    online = np.cumsum(np.clip(y_lp.values, 0.0, None), axis=1) >= 1.0 - EPS
    built = np.diff(np.concatenate([np.zeros((online.shape[0], 1)), online], axis=1).astype(float), axis=1)
    return xr.DataArray(np.clip(built, 0.0, 1.0), coords=y_lp.coords, dims=y_lp.dims)


def fabs_by_count(y_lp: xr.DataArray, count: int) -> xr.DataArray:
    """Binary go/no-go per (fab, period) building exactly ``count`` fabs (fewer if fewer
    are used at all), each online from the first period the relaxation uses it. The fabs
    the relaxation uses earliest are taken first (then the most used): a fab online early
    also serves the later periods' accelerator rules. Where the relaxation spreads a
    fraction over several fabs (0.107 of one in 2030 and 0.127 of another in 2032 on the
    default), rounding each up would build both; this builds the number asked for."""
    y_lp = y_lp.fillna(0.0).transpose("fab", "period")
    v = np.clip(y_lp.values, 0.0, None)
    used = np.cumsum(v, axis=1) > 1e-3
    first = np.where(used.any(axis=1), used.argmax(axis=1), v.shape[1])
    order = np.lexsort((-v.sum(axis=1), first))
    chosen = [int(i) for i in order[: max(int(count), 0)] if used[i].any()]
    online = np.zeros(v.shape, dtype=bool)
    for i in chosen:
        online[i] = used[i]
    built = np.diff(np.concatenate([np.zeros((online.shape[0], 1)), online], axis=1).astype(float), axis=1)
    return xr.DataArray(np.clip(built, 0.0, 1.0), coords=y_lp.coords, dims=y_lp.dims)
