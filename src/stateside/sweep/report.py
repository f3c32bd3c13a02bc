"""A sweep's tables and Plotly figures: for the HTML report, and as a page of their own.

* :func:`sweep_figures` — the figures (cost distribution, IT MW and equity by period as
  P10–P90 bands, results by grid point, tornado), each only when the sweep has data for it;
* :func:`sweep_section_html` — one ``<section class="block" id="sweep">`` fragment with the
  tables and figures (Plotly's JavaScript *not* included: the page that embeds it loads it
  once), styled by the report's classes (``block``, ``lead``, ``figure``, ``table-wrap``);
* :func:`render_sweep_html` / :func:`write_sweep_html` — a self-contained page (works offline).
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from stateside import __version__
from stateside.report.fmt import rows_table
from stateside.sweep.analysis import (
    SweepResults,
    default_metrics,
    grid_percentiles,
    sweep_percentiles,
    sweep_tornado,
)

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
BLUE = "#3b6fb6"
ORANGE = "#e0883e"
GREEN = "#2e9a5b"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _style(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#1b2a3a"},
        height=height,
        margin={"l": 70, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        title={"text": title, "x": 0, "font": {"size": 15}},
    )
    return fig


def _scale(metric: str) -> tuple[float, str]:
    if metric.endswith("_usd") or "_usd." in metric:
        return 1e9, "USD bn"
    if "_mw" in metric:
        return 1.0, "MW"
    return 1.0, ""


def cost_distribution(results: SweepResults, metric: str = "objective_usd") -> go.Figure | None:
    """Histogram of ``metric`` over the members, with P10, P50 and P90 marked."""
    vals = results.metrics.loc[results.main, metric].dropna() if metric in results.metrics else pd.Series()
    if len(vals) < 2:
        return None
    div, unit = _scale(metric)
    x = vals / div
    fig = go.Figure(go.Histogram(x=x, nbinsx=min(30, max(5, len(x) // 2)), marker_color=BLUE, name="members"))
    for q, dash in ((10, "dot"), (50, "solid"), (90, "dot")):
        v = float(x.quantile(q / 100, interpolation="linear"))
        fig.add_vline(
            x=v, line_dash=dash, line_color=ORANGE, annotation_text=f"P{q}", annotation_position="top"
        )
    fig.update_xaxes(title_text=f"{metric} ({unit})" if unit else metric)
    fig.update_yaxes(title_text="members")
    return _style(fig, f"Distribution of {metric} over {len(x)} members")


def period_bands(results: SweepResults, stem: str, title: str) -> go.Figure | None:
    """P10–P90 band and P50 line of ``stem.<period>`` metrics (e.g. ``it_mw_online``)."""
    names = [m for m in default_metrics(results) if m.startswith(stem + ".")]
    if not names or not results.main.any():
        return None
    pct = sweep_percentiles(results, names)
    years = [m.rsplit(".", 1)[1] for m in pct["metric"]]
    div, unit = _scale(names[0])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=years, y=pct["p90"] / div, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years,
            y=pct["p10"] / div,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(59,111,182,0.22)",
            name="P10–P90",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=years, y=pct["p50"] / div, mode="lines+markers", line={"color": BLUE, "width": 3}, name="P50"
        )
    )
    fig.update_xaxes(title_text="period", type="category")
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    return _style(fig, title)


def grid_figure(results: SweepResults, metric: str = "objective_usd") -> go.Figure | None:
    """``metric`` by grid point: the P50 (bar) with P10–P90 whiskers when there are draws."""
    g = grid_percentiles(results, [metric])
    if not len(g) or len(g) < 2:
        return None
    div, unit = _scale(metric)
    draws = results.spec.samples > 1
    fig = go.Figure(
        go.Bar(
            x=g["grid"],
            y=g["p50"] / div,
            marker_color=BLUE,
            name="P50" if draws else metric,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (g["p90"] - g["p50"]) / div,
                "arrayminus": (g["p50"] - g["p10"]) / div,
            }
            if draws
            else None,
        )
    )
    fig.update_yaxes(title_text=f"{metric} ({unit})" if unit else metric)
    return _style(fig, f"{metric} by grid point" + (" (P50, whiskers P10–P90)" if draws else ""), 400)


def tornado_figure(results: SweepResults, metric: str | None = None) -> go.Figure | None:
    """The tornado: each parameter's change of ``metric`` at its low and high value, largest swing on top."""
    metric = metric or (results.spec.tornado.metric if results.spec.tornado is not None else "objective_usd")
    t = sweep_tornado(results, metric)
    if not len(t):
        return None
    div, unit = _scale(metric)
    t = t.iloc[::-1]
    labels = [str(p) for p in t["parameter"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=t["effect_low"] / div,
            orientation="h",
            name="low value",
            marker_color=GREEN,
            customdata=[_v(v) for v in t["low_value"]],
            hovertemplate="%{y}: low %{customdata} → %{x:+,.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=t["effect_high"] / div,
            orientation="h",
            name="high value",
            marker_color=ORANGE,
            customdata=[_v(v) for v in t["high_value"]],
            hovertemplate="%{y}: high %{customdata} → %{x:+,.3f}<extra></extra>",
        )
    )
    base = float(t["metric_base"].iloc[0]) / div
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=f"change of {metric} from the base {base:,.3g} {unit}".strip())
    return _style(fig, f"Tornado: {metric}", max(260, 70 + 46 * len(t)))


def _v(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


def sweep_figures(results: SweepResults, metric: str | None = None) -> dict[str, go.Figure]:
    """The sweep's figures by name; a figure with nothing to show is left out."""
    figs = {
        "cost": cost_distribution(results, "objective_usd"),
        "it_mw": period_bands(
            results, "it_mw_online", "AI IT capacity online by period (MW): P10–P90 and P50"
        ),
        "equity": period_bands(results, "equity_usd", "Equity needed by period (USD bn): P10–P90 and P50"),
        "grid": grid_figure(results, "objective_usd"),
        "tornado": tornado_figure(results, metric),
    }
    return {k: v for k, v in figs.items() if v is not None}


# --------------------------------------------------------------------------------------
# HTML


def _num(metric: str, x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return html.escape(str(x))
    if math.isnan(v):
        return "–"
    div, _ = _scale(metric)
    v /= div
    return f"{v:,.2f}" if div != 1 else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}")


def _unit_label(metric: str) -> str:
    _, unit = _scale(metric)
    return f"{metric} ({unit})" if unit == "USD bn" else metric


def sweep_section_html(results: SweepResults, metric: str | None = None, section_id: str = "sweep") -> str:
    """One report section: percentiles, by grid point, tornado — tables and figures (no Plotly JS)."""
    info = results.info
    spec = info.spec
    parts: list[str] = []
    pct = sweep_percentiles(results)
    n_main = int(results.main.sum())
    if len(pct):
        rows = [
            [
                html.escape(_unit_label(r.metric)),
                str(r.n),
                *(_num(r.metric, v) for v in (r.p10, r.p50, r.p90, r.mean)),
            ]
            for r in pct.itertuples()
        ]
        parts.append(f"<h3>Across {n_main} members: P10 / P50 / P90</h3>")
        parts.append(rows_table(["metric", "n", "P10", "P50", "P90", "mean"], rows))
    figs = sweep_figures(results, metric)
    for name in ("cost", "it_mw", "equity", "grid"):
        if name in figs:
            parts.append(_figure_html(figs[name], f"{section_id}-{name}"))
    tmetric = metric or (spec.tornado.metric if spec.tornado is not None else None)
    if tmetric is not None:
        tor = sweep_tornado(results, tmetric)
        if len(tor):
            parts.append(f"<h3>Tornado on {html.escape(_unit_label(tmetric))}</h3>")
            rows = [
                [
                    str(r.rank),
                    html.escape(str(r.parameter)),
                    html.escape(_v(r.low_value)),
                    _num(tmetric, r.metric_low),
                    html.escape(_v(r.high_value)),
                    _num(tmetric, r.metric_high),
                    _num(tmetric, r.swing),
                ]
                for r in tor.itertuples()
            ]
            parts.append(
                rows_table(
                    ["rank", "parameter", "low", "at low", "high", "at high", "swing"], rows, numeric_from=2
                )
            )
            if "tornado" in figs:
                parts.append(_figure_html(figs["tornado"], f"{section_id}-tornado"))
    failed = int((results.members["status"] != "ok").sum())
    lead = (
        f"Sweep {info.short_id} “{info.name}” on scenario {info.scenario_name}: {info.n_done} of {info.n_members} "
        f"members solved{f', {failed} failed' if failed else ''}. P10 is the value 10 % of the members fall below."
    )
    return (
        f'<section class="block" id="{html.escape(section_id)}"><h2>Sweep: {html.escape(info.name)}</h2>'
        f'<p class="lead">{html.escape(lead)}</p>{"".join(parts)}</section>'
    )


def _figure_html(fig: go.Figure, div_id: str) -> str:
    body = pio.to_html(fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=div_id)
    return f'<div class="figure" data-figure="{html.escape(div_id)}">{body}</div>'


_CSS = """
body { margin: 0; background: #f5f7fa; color: #1b2a3a; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { background: linear-gradient(120deg, #15345e 0%, #2c5f9e 100%); color: #fff; padding: 24px 0 18px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
header .meta { font-size: 13px; opacity: 0.85; }
section.block { background: #fff; border: 1px solid #dde3ea; border-radius: 12px; margin: 22px 0; padding: 22px 26px; }
section.block > h2 { margin: 0 0 4px; font-size: 21px; }
p.lead { color: #5d6b7a; margin: 0 0 14px; }
h3 { font-size: 16px; margin: 22px 0 8px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13.5px; min-width: 50%; }
th, td { padding: 5px 10px; border-bottom: 1px solid #dde3ea; text-align: left; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure { width: 100%; min-height: 200px; }
"""


def render_sweep_html(
    results: SweepResults, metric: str | None = None, generated_at: datetime | None = None
) -> str:
    """A self-contained HTML page of the sweep (Plotly's JavaScript inlined)."""
    from plotly.offline import get_plotlyjs

    info = results.info
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    title = f"Stateside sweep — {info.name}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="stateside {html.escape(__version__)}">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header><div class="wrap"><h1>{html.escape(title)}</h1>
<div class="meta">sweep <code>{info.short_id}</code> · scenario {html.escape(info.scenario_name)} · mode {html.escape(info.mode)} ·
{info.n_done} of {info.n_members} members · generated {when} by stateside {html.escape(__version__)}</div></div></header>
<main class="wrap">{sweep_section_html(results, metric)}</main>
</body>
</html>
"""


def write_sweep_html(results: SweepResults, path: Path, metric: str | None = None) -> Path:
    """Write :func:`render_sweep_html` to ``path`` atomically; returns the path."""
    path = Path(path)
    text = render_sweep_html(results, metric)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sweep-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
