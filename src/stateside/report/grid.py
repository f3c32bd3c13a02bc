"""The US states as a tile grid (one square per state), shipped as ``state_grid.csv``.

The layout (11 columns × 8 rows, Alaska top left and Hawaii bottom left) follows the
common newsroom tile-grid arrangement: each state sits near its neighbours so the map
reads like a map without any geometry. Regions of a scenario that are not in the grid
(a user's own regions) are placed in extra rows below it, in alphabetical order.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

GRID_COLUMNS = 11


def grid_path() -> Path:
    """The packaged tile grid."""
    return Path(str(resources.files("stateside").joinpath("report", "state_grid.csv")))


def tile_positions(regions: list[str]) -> dict[str, tuple[int, int]]:
    """(row, col) of every region: the packaged grid, then extra rows for unknown regions."""
    grid = pd.read_csv(grid_path())
    pos = {str(r.region): (int(r.row), int(r.col)) for r in grid.itertuples(index=False)}
    out = {r: pos[r] for r in regions if r in pos}
    extra = sorted(r for r in regions if r not in pos)
    first_row = (max((p[0] for p in pos.values()), default=-1)) + 2
    for i, r in enumerate(extra):
        out[r] = (first_row + i // GRID_COLUMNS, i % GRID_COLUMNS)
    return out


@dataclass(frozen=True)
class TileMetric:
    """One selectable metric of the tile map."""

    column: str
    label: str
    scale: float
    unit: str
    digits: int = 0


@dataclass(frozen=True)
class TileLine:
    """A line between two states' tiles (a corridor), ``mw`` wide, labelled ``label``."""

    a: str
    b: str
    mw: float
    label: str


def tile_map(
    states: pd.DataFrame,
    metrics: list[TileMetric],
    names: dict[str, str],
    lines: list[TileLine] | None = None,
) -> go.Figure:
    """A tile-grid map of ``states`` (a ``region`` column plus the metric columns) with a metric
    selector; each tile shows its state and the value of the chosen metric, and ``lines``
    (corridors) are drawn between tile centres with their label at the middle."""
    regions = [str(r) for r in states["region"]]
    grid = [str(r) for r in pd.read_csv(grid_path())["region"]]
    pos = tile_positions(list(dict.fromkeys([*grid, *regions])))
    n_rows = max(p[0] for p in pos.values()) + 1
    n_cols = max(GRID_COLUMNS, max(p[1] for p in pos.values()) + 1)
    label = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    for r in regions:
        i, j = pos[r]
        label[i][j] = r
    # states of the grid that are not regions of the scenario: a grey label, no tile
    absent = [
        {
            "x": pos[r][1],
            "y": pos[r][0],
            "text": r,
            "showarrow": False,
            "font": {"size": 11, "color": "#aab4c0"},
        }
        for r in grid
        if r not in set(regions)
    ]

    def layers(m: TileMetric) -> tuple[list[list[float | None]], list[list[str]], list[list[str]]]:
        z: list[list[float | None]] = [[None] * n_cols for _ in range(n_rows)]
        hover = [[""] * n_cols for _ in range(n_rows)]
        text = [row[:] for row in label]
        for rec in states.to_dict("records"):
            r = str(rec["region"])
            i, j = pos[r]
            raw = rec.get(m.column)
            v = float(raw) / m.scale if raw is not None and raw == raw else 0.0
            z[i][j] = v
            shown = f"{v:,.{m.digits}f}"
            hover[i][j] = f"<b>{names.get(r, r)}</b> ({r})<br>{m.label}: {shown} {m.unit}"
            text[i][j] = f"<b>{r}</b><br>{shown if abs(v) > 0 else '–'}"
        return z, hover, text

    first_z, first_hover, first_text = layers(metrics[0])
    fig = go.Figure(
        go.Heatmap(
            z=first_z,
            text=first_text,
            customdata=first_hover,
            texttemplate="%{text}",
            textfont={"size": 10},
            hovertemplate="%{customdata}<extra></extra>",
            colorscale=[[0.0, "#eef3f8"], [0.15, "#c9dcef"], [0.5, "#6fa3d6"], [1.0, "#173f73"]],
            xgap=4,
            ygap=4,
            colorbar={"title": {"text": metrics[0].unit}, "thickness": 12, "len": 0.8},
            hoverongaps=False,
        )
    )
    buttons = []
    for m in metrics:
        z, hover, text = layers(m)
        buttons.append(
            {
                "label": f"{m.label} ({m.unit})",
                "method": "restyle",
                "args": [
                    {"z": [z], "customdata": [hover], "text": [text], "colorbar.title.text": m.unit},
                    [0],
                ],
            }
        )
    _add_lines(fig, lines or [], pos)
    fig.update_layout(
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.12,
                "yanchor": "top",
                "showactive": True,
                "bgcolor": "#ffffff",
            }
        ],
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"},
        annotations=absent,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=520,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def _add_lines(fig: go.Figure, lines: list[TileLine], pos: dict[str, tuple[int, int]]) -> None:
    """Corridors as lines between tile centres, width by MW, the label at the middle."""
    drawn = [ln for ln in lines if ln.a in pos and ln.b in pos and ln.mw > 0]
    if not drawn:
        return
    top = max(ln.mw for ln in drawn)
    mid_x, mid_y, mid_text = [], [], []
    for k, ln in enumerate(drawn):
        (ya, xa), (yb, xb) = pos[ln.a], pos[ln.b]
        fig.add_scatter(
            x=[xa, xb],
            y=[ya, yb],
            mode="lines",
            line={"width": 1.5 + 5.0 * ln.mw / top, "color": "rgba(46,154,91,0.5)"},
            hoverinfo="text",
            text=f"{ln.a}–{ln.b}: {ln.label}",
            name="new transmission",
            legendgroup="lines",
            showlegend=k == 0,
        )
        mid_x.append((xa + xb) / 2)
        mid_y.append((ya + yb) / 2)
        mid_text.append(ln.label)
    fig.add_scatter(
        x=mid_x,
        y=mid_y,
        mode="text",
        text=mid_text,
        textfont={"size": 9, "color": "#1d5e37"},
        hoverinfo="skip",
        showlegend=False,
    )
    fig.update_layout(legend={"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.1})
