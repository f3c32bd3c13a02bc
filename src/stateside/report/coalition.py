"""The coalition-value section of the HTML report (``stateside report … --coalition ID``).

:func:`coalition_section_html` renders a :meth:`CoalitionValue.to_dict` result — the
members, their Shapley values (with standard errors when sampled), the core, leave-one-out
with the campuses and states that drop, and the capacity offtake by Shapley share beside the
equity-proportional one — as one ``<section class="block" id="coalition">`` with a Plotly
figure (Plotly's JavaScript is loaded once by the page that embeds it).
"""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from stateside.report.fmt import rows_table

BLUE = "#3b6fb6"
ORANGE = "#e0883e"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _fin(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))


def _val(x: Any, unit: str) -> str:
    if not _fin(x):
        return "–"
    return f"{float(x) / 1e9:,.2f}" if unit == "USD" else f"{float(x):,.0f}"


def _pct(x: Any) -> str:
    return f"{100 * float(x):.1f}" if _fin(x) else "–"


def shares_figure(d: dict[str, Any]) -> go.Figure:
    """Each member's Shapley share beside its equity share (percent)."""
    members = [r["member"] for r in d["sharing"]]
    fig = go.Figure()
    fig.add_bar(
        name="Shapley share",
        x=members,
        y=[100 * r["shapley_share"] if _fin(r["shapley_share"]) else None for r in d["sharing"]],
        marker_color=BLUE,
    )
    fig.add_bar(
        name="equity share",
        x=members,
        y=[100 * r["equity_share"] if _fin(r["equity_share"]) else None for r in d["sharing"]],
        marker_color=ORANGE,
    )
    fig.update_layout(
        template="plotly_white",
        barmode="group",
        height=340,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        title={"text": "What each member brings (Shapley) vs what it pays (equity), %", "x": 0},
        yaxis={"title": "%"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def coalition_section_html(d: dict[str, Any], section_id: str = "coalition") -> str:
    """One report section from a coalition-value result (``CoalitionValue.to_dict()``)."""
    unit = d["unit"]
    label = "USD bn" if unit == "USD" else "MW"
    what = (
        "system cost saved against the empty coalition (target mode)"
        if d["metric"] == "cost"
        else f"AI IT MW online in {d['last_period']} (budget mode)"
    )
    method = (
        f"sampled from {d['samples']} random orderings (± one standard error)"
        if d["method"] == "sampled"
        else "exact, over every coalition"
    )
    lead = (
        f"Members by {d['by']}; v(S) is the plan with only S's capital: {what}. Shapley values {method}; "
        f"they add up to v(N) − v(∅) = {_val((d['v_grand'] or 0) - (d['v_empty'] or 0), unit)} {label}. "
        f"Coalition run {d['sweep_id'][:8]}."
    )
    parts = [f'<p class="lead">{html.escape(lead)}</p>']
    if d["excluded"]:
        parts.append(
            "<p>Excluded (blocked by the security review): "
            + html.escape(", ".join(p["code"] for p in d["excluded"]))
            + "</p>"
        )
    if d["missing"]:
        parts.append(
            f"<p><strong>{len(d['missing'])} coalitions are not planned yet</strong>: "
            "run <code>stateside coalition value</code> again to resume.</p>"
        )
    se = d.get("shapley_std_error") or {}
    loo = {r["member"]: r for r in d["leave_one_out"]}
    rows = [
        [
            html.escape(p["code"]),
            html.escape(", ".join(p["investors"])),
            f"{p['committed_usd'] / 1e9:,.1f}",
            _val(d["shapley"].get(p["code"]), unit),
            _val(se.get(p["code"]), unit) if se else "",
            _pct(d["shapley_share"].get(p["code"])),
            _val(loo[p["code"]]["value_lost"], unit),
        ]
        for p in d["players"]
    ]
    parts.append("<h3>What each member brings</h3>")
    parts.append(
        rows_table(
            [
                "member",
                "investors",
                "committed USD bn",
                f"Shapley {label}",
                "± s.e.",
                "share %",
                f"leave-one-out {label}",
            ],
            rows,
            numeric_from=2,
        )
    )
    if d["core"] is not None:
        parts.append(
            "<p>The core is "
            + (
                "<strong>empty</strong>: no split of the total gives every group of members at least what it gets alone."
                if d["core"]["empty"]
                else "<strong>not empty</strong>: some split of the total gives every group at least what it gets alone."
            )
            + "</p>"
        )
    rows = []
    for r in d["leave_one_out"]:
        rows.append(
            [
                html.escape(r["member"]),
                _val(r["it_mw_lost"], "MW"),
                _val(r["cost_increase_usd"], "USD"),
                html.escape(
                    ", ".join(f"{x['campus']} ({x['region']})" for x in r["campuses_dropped"]) or "–"
                ),
                html.escape(", ".join(x["region"] for x in r["states_dropped"]) or "–"),
            ]
        )
    parts.append("<h3>Without each member: what a security review that blocks it would cost</h3>")
    parts.append(
        rows_table(
            ["member", "IT MW lost", "cost increase USD bn", "campuses that drop", "states that drop"], rows
        )
    )
    rows = [
        [
            html.escape(r["member"]),
            _pct(r["shapley_share"]),
            _val(r["shapley_it_mw"], "MW"),
            _pct(r["equity_share"]),
            _val(r["equity_it_mw"], "MW"),
        ]
        for r in d["sharing"]
    ]
    parts.append("<h3>Capacity offtake: by Shapley share, beside today's equity-proportional sharing</h3>")
    parts.append(rows_table(["member", "Shapley share %", "IT MW", "equity share %", "IT MW (equity)"], rows))
    if d["sharing"]:
        body = pio.to_html(
            shares_figure(d),
            full_html=False,
            include_plotlyjs=False,
            config=PLOT_CONFIG,
            div_id=f"{section_id}-shares",
        )
        parts.append(f'<div class="figure" data-figure="{section_id}-shares">{body}</div>')
    b = d.get("blocked")
    if b:
        parts.append(
            "<p>"
            + html.escape(
                f"Blocking {', '.join(b['excluded'])}: {_val(b['it_mw_lost'], 'MW')} MW of AI IT lost, system cost "
                f"up by USD {_val(b['cost_increase_usd'], 'USD')} bn; campuses that drop: "
                + (", ".join(x["campus"] for x in b["campuses_dropped"]) or "none")
            )
            + "</p>"
        )
    return (
        f'<section class="block" id="{html.escape(section_id)}"><h2>Coalition value: what each member brings</h2>'
        f"{''.join(parts)}</section>"
    )
