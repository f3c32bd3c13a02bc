"""The security review report: what a CFIUS declaration asks for, per project.

For every project (campus, fab, and each of the generation / storage / transmission
classes), the report gives the parties, ownership before and after with voting and
economic percentages, foreign-government stakes along the acquirers' chains, the
asset's functions (TID prongs with their sections), the financing sources, and the
outcome per investor with its reasons and what would change it (§800.404 lists these
fields for a declaration). It renders to Markdown and to one self-contained HTML file.

Without a cap table the "after" ownership is hypothetical: each investor alone at its
maximum potential share (its ``max_share_pct``, 0 for an excluded class), and at the cap
the rules derive. Given a cap table (``holdings``), the report reviews that instead.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stateside.security.caps import derive_group_caps, derive_share_caps, review_holdings, review_record
from stateside.security.countries import country_name
from stateside.security.profiles import AssetProfile, SecurityContext
from stateside.security.review import (
    Review,
    fmt_pct,
    potential_share_pct,
    review_potential,
)
from stateside.security.rules import OUTCOME_LABELS, SEVERITY

SHORT: dict[str, str] = {
    "clear": "clear",
    "voluntary_notice": "notice",
    "mandatory_declaration": "DECLARATION",
    "prohibited": "PROHIBITED",
}
DISCLAIMER = (
    "A planning aid that encodes a reading of 31 CFR part 800 and the coalition's policy as data "
    "(stateside/security/rules/cfius.yaml); it is not legal advice. Entries marked illustrative or [U] "
    "must be checked before a filing."
)


@dataclass
class SecurityReport:
    """Everything the report shows, as data."""

    ctx: SecurityContext
    scenario_name: str
    projects: list[AssetProfile]
    potential: list[Review]
    at_cap: dict[tuple[str, str], Review]
    caps: pd.DataFrame
    group_caps: pd.DataFrame
    holdings_reviews: list[Review] | None = None
    screening: pd.DataFrame | None = None
    screening_threshold: float | None = None
    notes: list[str] = field(default_factory=list)
    holdings: pd.DataFrame | None = None  # the cap table reviewed (its money names each project's financing)

    def table(self) -> pd.DataFrame:
        """One row per reviewed (project, investor): the review table of the CLI."""
        reviews = self.holdings_reviews if self.holdings_reviews is not None else self.potential
        cap = {(r["investor"], r["asset_class"]): float(r["max_share"]) for r in self.caps.to_dict("records")}
        rows = []
        for r in reviews:
            rec = review_record(r)
            rec["investor_country"] = self.ctx.investors[r.investor].country
            rec["cap_pct"] = 100.0 * cap.get((r.investor, r.asset_class), 1.0)
            rows.append(rec)
        return pd.DataFrame(rows)


def report_projects(ctx: SecurityContext) -> list[AssetProfile]:
    """Campuses and fabs of the scenario, then a class-level project per other class."""
    projects = list(ctx.assets.values())
    have = {p.asset_class for p in projects}
    projects += [ctx.class_assets[a] for a in ctx.asset_classes if a not in have]
    return projects


def build_report(
    scenario: Any,
    *,
    context: SecurityContext | None = None,
    holdings: pd.DataFrame | None = None,
    screening: pd.DataFrame | None = None,
    screening_threshold: float | None = None,
    share_pct: float | None = None,
) -> SecurityReport:
    """Review every investor on every project (or the given cap table) and gather the report."""
    ctx = context or SecurityContext.from_scenario(scenario)
    projects = report_projects(ctx)
    potential = []
    for asset in projects:
        for inv in ctx.investors.values():
            share = potential_share_pct(inv, asset.asset_class) if share_pct is None else share_pct
            if share <= 0:
                continue
            potential.append(review_potential(ctx, inv.investor, asset, share))
    held = review_holdings(ctx, holdings) if holdings is not None else None
    notes = [f"{inv.name}: {n}" for inv in ctx.investors.values() for n in inv.notes]
    caps = derive_share_caps(scenario, context=ctx)
    cap_of = {
        (r["investor"], r["asset_class"]): 100.0 * float(r["max_share"]) for r in caps.to_dict("records")
    }
    at_cap: dict[tuple[str, str], Review] = {}
    for r in potential:
        cap_pct = cap_of.get((r.investor, r.asset_class))
        if cap_pct is not None and 0 < cap_pct < r.holding.voting_pct:
            asset = ctx.asset(r.project, r.asset_class)
            at_cap[(r.project, r.investor)] = review_potential(ctx, r.investor, asset, cap_pct)
    return SecurityReport(
        ctx=ctx,
        scenario_name=scenario.settings.name,
        projects=projects,
        potential=potential,
        at_cap=at_cap,
        caps=caps,
        group_caps=derive_group_caps(scenario, context=ctx),
        holdings_reviews=held,
        screening=screening,
        screening_threshold=screening_threshold,
        notes=notes,
        holdings=holdings,
    )


# -- a tiny document model rendered to Markdown and HTML --------------------------------

Block = tuple[str, Any]


def _money(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.1f} m"
    return f"${value:,.0f}"


def _blocks(rep: SecurityReport) -> list[Block]:
    ctx = rep.ctx
    rules = ctx.rules
    sec = ctx.scenario.settings.security if ctx.scenario is not None else None
    out: list[Block] = [("h1", f"Security review — {rep.scenario_name}")]
    out.append(
        (
            "p",
            f"Rules {rules.version} (as of {rules.as_of})"
            + (f", with overrides from {', '.join(rules.overrides)}" if rules.overrides else "")
            + (
                f". Plan settings: apply_rule_caps={sec.apply_rule_caps}, "
                f"avoid_mandatory_declarations={sec.avoid_mandatory_declarations}."
                if sec is not None
                else "."
            ),
        )
    )
    out.append(("p", DISCLAIMER))
    # Summary matrix.
    out.append(("h2", "Summary"))
    reviews = rep.holdings_reviews if rep.holdings_reviews is not None else rep.potential
    basis = (
        "the given cap table"
        if rep.holdings_reviews is not None
        else "each investor alone at its maximum potential share (its max_share_pct; excluded classes left out)"
    )
    out.append(
        (
            "p",
            f"Outcome per project and investor, reviewed at {basis}"
            + ("" if rep.holdings_reviews is not None else "; where a cap binds, also at the cap")
            + ".",
        )
    )
    investors = list(ctx.investors.values())
    header = ["project", *[i.investor for i in investors]]
    by = {(r.project, r.investor): r for r in reviews}
    rows = []
    for asset in rep.projects:
        cells = [f"{asset.name} ({asset.asset_class})"]
        for inv in investors:
            r = by.get((asset.project, inv.investor))
            if r is None:
                cells.append("—")
                continue
            capped = rep.at_cap.get((asset.project, inv.investor)) if rep.holdings_reviews is None else None
            tail = (
                ""
                if capped is None
                else f"; at cap {fmt_pct(capped.holding.voting_pct)}: {SHORT[capped.outcome]}"
            )
            cells.append(f"{SHORT[r.outcome]} @ {fmt_pct(r.holding.voting_pct)}{tail}")
        rows.append(cells)
    out.append(("table", (header, rows)))
    # Caps.
    out.append(("h2", "Share caps for the plan"))
    out.append(
        (
            "p",
            "Derived from the same rules (caps.py): the most each investor may hold of an asset class's equity "
            "in each period; the tightest cap wins.",
        )
    )
    out.append(
        (
            "table",
            (
                ["investor", "asset class", "max share", "reason"],
                [
                    [r["investor"], r["asset_class"], fmt_pct(100 * r["max_share"]), r["reason"]]
                    for r in rep.caps.to_dict("records")
                ],
            ),
        )
    )
    if len(rep.group_caps):
        out.append(("h3", "Joint caps of investors controlled by one foreign government"))
        out.append(
            (
                "table",
                (
                    ["group", "investors", "asset class", "max summed share"],
                    [
                        [r["group"], r["investors"], r["asset_class"], fmt_pct(100 * r["max_share"])]
                        for r in rep.group_caps.to_dict("records")
                    ],
                ),
            )
        )
    # Parties.
    out.append(("h2", "Parties (acquirers)"))
    for inv in investors:
        out.append(("h3", f"{inv.name} ({inv.investor})"))
        govs = ", ".join(
            f"{g.holder_name} {fmt_pct(g.voting_pct)} voting / {fmt_pct(g.economic_pct)} economic"
            + (" (controls)" if g.controls else "")
            for g in inv.government_interests.values()
        )
        out.append(
            (
                "ul",
                [
                    f"Country: {country_name(inv.country)} ({inv.country}); type: {inv.investor_type}; "
                    f"legal entity: {ctx.graph.nodes[inv.entity].name if inv.entity in ctx.graph.nodes else inv.entity}",
                    f"Foreign person: {'yes' if inv.foreign_person else 'no'} — {inv.foreign_reason}",
                    f"Excepted investor: {'yes' if inv.excepted_investor else 'no'} — {'; '.join(inv.excepted_reasons)}",
                    "Country of concern: "
                    + ("; ".join(inv.concern_reasons) if inv.country_of_concern else "no link"),
                    "Foreign-government stakes: " + (govs or "none"),
                    "Export licence needed (§800.401(c)): "
                    + ("; ".join(inv.export_reasons) if inv.export_reasons else "no"),
                    "Rights taken in projects: " + (", ".join(sorted(inv.rights)) or "none (passive)"),
                ],
            )
        )
        if inv.holders:
            out.append(
                (
                    "table",
                    (
                        ["holder", "country", "effective voting", "effective economic", "controls", "chain"],
                        [
                            [
                                h.holder_name,
                                h.country,
                                fmt_pct(h.voting_pct),
                                fmt_pct(h.economic_pct),
                                "yes" if h.controls else "no",
                                " | ".join(h.paths),
                            ]
                            for h in inv.holders
                        ],
                    ),
                )
            )
    # Projects.
    out.append(("h2", "Projects"))
    debt = ctx.scenario.settings.finance.debt_share if ctx.scenario is not None else {}
    for asset in rep.projects:
        out.append(
            ("h3", f"{asset.name} — {asset.asset_class}" + (f", {asset.region}" if asset.region else ""))
        )
        prongs = "; ".join(f"{p} ({s})" for p, s in asset.prongs) or "none: not a TID U.S. business"
        items = [
            "Functions: " + ("; ".join(asset.functions) or "n/a"),
            f"TID prongs (§800.248): {prongs}",
            "Export-controlled critical technology: " + (asset.export_reason or "no"),
        ]
        if asset.capex_usd is not None:
            items.append(
                f"Capex {_money(asset.capex_usd)}; grant {_money(asset.grant_usd)}; project debt share "
                f"{fmt_pct(100 * debt.get(asset.asset_class, 0.0))}; equity {_money(asset.equity_usd)}"
            )
        items.append(
            f"Financing sources: project debt ({fmt_pct(100 * debt.get(asset.asset_class, 0.0))} of capex)"
            + (f", grant {_money(asset.grant_usd)}" if asset.grant_usd else "")
            + f", coalition equity: {_project_equity(rep, asset)}"
        )
        items.append(
            "Ownership before: greenfield project company formed for the plan; no existing holders "
            "(assumption — state the developer if there is one)."
        )
        out.append(("ul", items))
        project_reviews = [r for r in reviews if r.project == asset.project]
        cap = {(r["investor"], r["asset_class"]): float(r["max_share"]) for r in rep.caps.to_dict("records")}
        out.append(
            (
                "table",
                (
                    [
                        "investor",
                        "country",
                        "voting after",
                        "economic after",
                        "rights",
                        "outcome",
                        "cap",
                        "outcome at cap",
                        "fee if notice",
                    ],
                    [
                        [
                            r.investor_name,
                            ctx.investors[r.investor].country,
                            fmt_pct(r.holding.voting_pct),
                            fmt_pct(r.holding.economic_pct),
                            ", ".join(sorted(r.holding.rights)) or "none",
                            OUTCOME_LABELS[r.outcome],
                            fmt_pct(100 * cap.get((r.investor, asset.asset_class), 1.0)),
                            _at_cap(rep, r),
                            _money(r.notice_fee_usd) if r.notice_fee_usd is not None else "—",
                        ]
                        for r in project_reviews
                    ],
                ),
            )
        )
        for r in sorted(project_reviews, key=lambda x: -SEVERITY[x.outcome]):
            if r.outcome == "clear" and not r.changes:
                continue
            items = [
                f"**{reason.rule_id}** ({reason.section}) → {OUTCOME_LABELS[reason.outcome]}: "
                + "; ".join(reason.facts)
                for reason in r.reasons
            ]
            items += [f"What would change it: {c}" for c in r.changes]
            out.append(("p", f"{r.investor_name}: **{r.outcome_label}**"))
            out.append(("ul", items))
    # Screening.
    out.append(("h2", "Name screening"))
    if rep.screening is None:
        out.append(("p", "No sanctions list given (stateside screen DIR --sanctions targets.simple.csv)."))
    elif rep.screening.empty:
        out.append(("p", f"No candidate above {rep.screening_threshold} − near-miss margin."))
    else:
        first = rep.screening.iloc[0]
        out.append(("p", f"List: {first['list_version']}; threshold {first['threshold']}."))
        out.append(
            (
                "table",
                (
                    ["subject", "roles", "list entry", "matched name", "score", "match", "features"],
                    [
                        [
                            r["subject_name"],
                            r["roles"],
                            f"{r['list_name']} ({r['list_id']}, {r['dataset']})",
                            r["matched_name"],
                            f"{r['score']:.3f}",
                            "MATCH" if r["match"] else "near miss",
                            r["features"],
                        ]
                        for r in rep.screening.to_dict("records")
                    ],
                ),
            )
        )
    if rep.notes:
        out.append(("h2", "Data notes"))
        out.append(("ul", rep.notes))
    return out


def _at_cap(rep: SecurityReport, r: Review) -> str:
    capped = rep.at_cap.get((r.project, r.investor)) if rep.holdings_reviews is None else None
    return "same" if capped is None else OUTCOME_LABELS[capped.outcome]


def _project_equity(rep: SecurityReport, asset: AssetProfile) -> str:
    """Who puts equity into this project: from the reviewed cap table (its money, or its voting
    shares), else the investors who may hold this asset class and their maximum shares."""
    h = rep.holdings
    if h is not None and "project" in h.columns:
        rows = h[h["project"].astype(str) == asset.project]
        if not len(rows):
            return "none in the cap table"
        money = next((c for c in ("cumulative_equity_usd", "equity_usd") if c in rows.columns), None)
        if money is not None:
            by = rows.groupby("investor")[money].sum().sort_values(ascending=False)
            total = float(by.sum())
            return ", ".join(
                f"{inv} {_money(float(v))}" + (f" ({fmt_pct(100 * float(v) / total)})" if total > 0 else "")
                for inv, v in by.items()
            )
        pct = "voting_pct" if "voting_pct" in rows.columns else None
        return ", ".join(
            f"{r['investor']}" + (f" {fmt_pct(float(r[pct]))}" if pct else "")
            for r in rows.to_dict("records")
        )
    eligible = [
        (inv.investor, potential_share_pct(inv, asset.asset_class)) for inv in rep.ctx.investors.values()
    ]
    may = [f"{i} up to {fmt_pct(p)}" for i, p in eligible if p > 0]
    return (
        "not allocated yet (no cap table); investors who may hold this class: " + ", ".join(may)
        if may
        else "no investor may hold this class"
    )


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(rep: SecurityReport) -> str:
    """The report as Markdown."""
    lines: list[str] = []
    for kind, body in _blocks(rep):
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + str(body), ""]
        elif kind == "p":
            lines += [str(body), ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in body] + [""]
        elif kind == "table":
            header, rows = body
            if not rows:
                lines += ["(none)", ""]
                continue
            lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;
color:#1d232a;line-height:1.4;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.88rem}
th,td{border:1px solid #c9d1d9;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}
h1{border-bottom:2px solid #1d232a}h2{margin-top:2rem;border-bottom:1px solid #c9d1d9}
.o-clear{background:#e6f4ea}.o-notice{background:#fff8e1}.o-DECLARATION{background:#ffe0b2}
.o-PROHIBITED{background:#ffcdd2;font-weight:600}
"""


def _inline(text: str) -> str:
    """Escape, then turn **bold** into <strong>."""
    parts = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def _cell_class(value: str) -> str:
    for short in SHORT.values():
        if value.startswith(short + " @") or value == short:
            return f' class="o-{short}"'
    return ""


def to_html(rep: SecurityReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no scripts)."""
    body: list[str] = []
    for kind, content in _blocks(rep):
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{_inline(str(content))}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline(str(content))}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(str(i))}</li>" for i in content) + "</ul>")
        elif kind == "table":
            header, rows = content
            if not rows:
                body.append("<p>(none)</p>")
                continue
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
            trs = "".join(
                "<tr>" + "".join(f"<td{_cell_class(str(c))}>{_inline(str(c))}</td>" for c in row) + "</tr>"
                for row in rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
    title = html.escape(f"Security review — {rep.scenario_name}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def outcome_counts(reviews: Sequence[Review]) -> dict[str, int]:
    """How many reviews end in each outcome."""
    counts = dict.fromkeys(OUTCOME_LABELS, 0)
    for r in reviews:
        counts[r.outcome] += 1
    return counts
