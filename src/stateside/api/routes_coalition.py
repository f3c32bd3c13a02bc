"""Coalition value in the web service: ``GET /api/coalitions/{ref}`` (JSON) and the dashboard
page ``/coalition/{ref}`` — Shapley values, the core, leave-one-out (campuses and states that
drop) and the capacity offtake by Shapley share beside the equity-proportional one.

A coalition-value result is read from the store (:func:`stateside.coalition.value.load_value`):
it is started with ``stateside coalition value`` on the command line. It names every
member's commitments and every coalition's plan: admins and analysts only, like sweeps.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from stateside.api import access, auth
from stateside.api.deps import State, User, optional_principal
from stateside.api.problems import forbidden, not_found, problem_responses

router = APIRouter(prefix="/api/coalitions", tags=["coalition"], responses=problem_responses(401, 403, 404))
page_router = APIRouter(include_in_schema=False)

Viewer = Annotated[auth.Principal | None, Depends(optional_principal)]

CoalitionRef = Annotated[
    str,
    Path(
        pattern=r"^(latest|[0-9a-f]{4,32})$",
        description="A coalition-value id (its sweep's id), a prefix or 'latest'.",
    ),
]


def _value(p: Any, ref: str, url: str | None) -> dict[str, Any]:
    from stateside.api.rundata import resolve_stored
    from stateside.coalition.value import CoalitionError, json_safe, latest_coalition_id, load_value
    from stateside.store.models import Sweep

    if not access.is_full(p):
        raise forbidden(f"role {p.role} does not read coalition values (admins and analysts do)")
    if ref == "latest":
        found = latest_coalition_id(url)
        if found is None:
            raise not_found("coalition value 'latest' (run 'stateside coalition value' first)")
        ref = found
    sid = resolve_stored(ref, url, Sweep, "coalition value")
    try:
        return dict(json_safe(load_value(sid, url).to_dict()))
    except CoalitionError:
        raise not_found(f"coalition value {ref!r} (sweep {sid[:8]} is not a coalition-value run)") from None


@router.get("/{ref}", summary="A stored coalition value: Shapley values, leave-one-out, offtake")
def get_value(p: User, st: State, ref: CoalitionRef) -> dict[str, Any]:
    return _value(p, ref, st.url)


@page_router.get("/coalition/{ref}", response_class=HTMLResponse)
def coalition_page(request: Request, st: State, p: Viewer, ref: CoalitionRef) -> Response:
    """The dashboard page of a coalition-value result (admins and analysts)."""
    from stateside.report.coalition import shares_figure
    from stateside.web import charts, pages

    user = pages.need(p)
    d = _value(user, ref, st.url)
    t = _frames(d)
    return pages.render(
        request,
        "coalition.html",
        user=user,
        d=d,
        members=pages.tbl(t["members"]),
        leave_one_out=pages.tbl(t["leave_one_out"]),
        sharing=pages.tbl(t["sharing"]),
        figures=charts.figure_specs({"coalition-shares": shares_figure(d) if d["sharing"] else None}),
    )


def _frames(d: dict[str, Any]) -> dict[str, pd.DataFrame]:
    se = d.get("shapley_std_error") or {}
    loo = {r["member"]: r for r in d["leave_one_out"]}
    members = pd.DataFrame(
        [
            {
                "member": x["code"],
                "investors": ", ".join(x["investors"]),
                "committed_usd": x["committed_usd"],
                "shapley": d["shapley"].get(x["code"]),
                "std_error": se.get(x["code"]),
                "share": d["shapley_share"].get(x["code"]),
                "leave_one_out": loo[x["code"]]["value_lost"],
            }
            for x in d["players"]
        ]
    )
    if not se:
        members = members.drop(columns=["std_error"])
    dropped = pd.DataFrame(
        [
            {
                "member": r["member"],
                "it_mw_lost": r["it_mw_lost"],
                "cost_increase_usd": r["cost_increase_usd"],
                "campuses_that_drop": ", ".join(c["campus"] for c in r["campuses_dropped"]) or "–",
                "states_that_drop": ", ".join(s["region"] for s in r["states_dropped"]) or "–",
            }
            for r in d["leave_one_out"]
        ]
    )
    sharing = pd.DataFrame(d["sharing"])
    return {"members": members, "leave_one_out": dropped, "sharing": sharing}
