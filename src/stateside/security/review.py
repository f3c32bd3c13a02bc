"""Outcome of a holding: clear / voluntary notice / mandatory declaration / prohibited.

``review_holding`` evaluates every active rule of the RuleSet against the facts of one
(project, investor, holding): the outcome is the most severe outcome among the rules
that fire, each firing rule is a reason (rule id, section, the facts and percentages
that made it fire), and ``changes`` says what would change the outcome (the nearest
holding with a lower outcome, and the nearest step that would raise it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from stateside.security.countries import country_name
from stateside.security.graph import fmt_pct as fmt_pct
from stateside.security.profiles import AssetProfile, InvestorProfile, SecurityContext
from stateside.security.rules import OUTCOME_LABELS, SEVERITY, Conditions, Outcome, Rule, RuleSet

_EPS = 1e-9


@dataclass(frozen=True)
class Holding:
    """What an investor would hold of one project.

    ``group_voting_pct`` is the voting share of every investor controlled by the same
    foreign government, this one included (§800.208(b): considered together); blank
    means the investor holds alone.
    """

    voting_pct: float
    economic_pct: float
    rights: frozenset[str] = frozenset()
    group_voting_pct: float | None = None
    general_partner: bool = False

    @property
    def aggregate_voting_pct(self) -> float:
        """Voting share the thresholds are tested on."""
        return max(self.voting_pct, self.group_voting_pct or 0.0)

    def with_voting(self, voting_pct: float) -> Holding:
        """The same holding at another voting share (economic and group scaled alike)."""
        delta = voting_pct - self.voting_pct
        economic = self.economic_pct * voting_pct / self.voting_pct if self.voting_pct > 0 else voting_pct
        group = None if self.group_voting_pct is None else max(self.group_voting_pct + delta, voting_pct)
        return replace(self, voting_pct=voting_pct, economic_pct=economic, group_voting_pct=group)


@dataclass(frozen=True)
class Facts:
    """Facts derived from a holding, with their reasons."""

    control: bool
    control_why: str
    covered_investment: bool
    covered_why: str
    covered_transaction: bool
    export_authorisation_required: bool
    export_why: str


@dataclass(frozen=True)
class Reason:
    """One rule that fired, and why."""

    rule_id: str
    title: str
    section: str
    outcome: Outcome
    facts: tuple[str, ...]
    note: str = ""

    def text(self) -> str:
        """One line: rule, section, outcome, facts."""
        return f"{self.rule_id} ({self.section}) → {OUTCOME_LABELS[self.outcome]}: " + "; ".join(self.facts)


@dataclass(frozen=True)
class Review:
    """The review of one (project, investor, holding)."""

    project: str
    project_name: str
    asset_class: str
    investor: str
    investor_name: str
    holding: Holding
    outcome: Outcome
    reasons: tuple[Reason, ...]
    facts: Facts
    changes: tuple[str, ...] = field(default=())
    deal_value_usd: float | None = None
    notice_fee_usd: float | None = None

    @property
    def outcome_label(self) -> str:
        """The outcome in words."""
        return OUTCOME_LABELS[self.outcome]

    @property
    def deciding(self) -> tuple[Reason, ...]:
        """The reasons whose outcome is the review's outcome."""
        return tuple(r for r in self.reasons if r.outcome == self.outcome)


def derive_facts(rules: RuleSet, inv: InvestorProfile, asset: AssetProfile, h: Holding) -> Facts:
    """Control (§800.208), covered investment (§800.211) and §800.401(c) facts of a holding."""
    agg = h.aggregate_voting_pct
    grouped = h.group_voting_pct is not None and h.group_voting_pct > h.voting_pct + _EPS
    who = (
        f" together with the other investors controlled by the government of {inv.foreign_government_country}"
        if grouped
        else ""
    )
    control_rights = sorted(h.rights & set(rules.control.rights))
    if agg >= rules.control.voting_pct_at_least - _EPS:
        control, control_why = (
            True,
            (
                f"voting {fmt_pct(agg)}{who} ≥ {fmt_pct(rules.control.voting_pct_at_least)}: control ({rules.control.section})"
            ),
        )
    elif h.general_partner:
        control, control_why = True, f"general partner: control ({rules.control.section})"
    elif control_rights:
        control, control_why = True, f"holds {', '.join(control_rights)}: control ({rules.control.section})"
    else:
        control, control_why = (
            False,
            (
                f"voting {fmt_pct(agg)}{who} < {fmt_pct(rules.control.voting_pct_at_least)} and no control right: "
                f"no control ({rules.control.section})"
            ),
        )
    cov_rights = sorted(h.rights & set(rules.covered_investment.rights))
    if control:
        covered, covered_why = False, "control, so not a (non-controlling) covered investment"
    elif not inv.foreign_person:
        covered, covered_why = False, "not a foreign person"
    elif inv.excepted_investor:
        covered, covered_why = False, f"excepted investor ({rules.excepted_investor.section}): not covered"
    elif not asset.tid:
        covered, covered_why = False, "not a TID U.S. business"
    elif not cov_rights:
        covered, covered_why = (
            False,
            (
                f"no §800.211(b) right (board seat, observer, MNPI access, substantive decisions): passive "
                f"({rules.covered_investment.section})"
            ),
        )
    else:
        covered, covered_why = (
            True,
            (
                f"holds {', '.join(cov_rights)} in a TID U.S. business: covered investment "
                f"({rules.covered_investment.section}), irrespective of the percentage"
            ),
        )
    transaction = inv.foreign_person and (control or covered)
    export, export_why = export_licence_need(rules, inv, asset)
    return Facts(control, control_why, covered, covered_why, transaction, export, export_why)


def export_licence_need(rules: RuleSet, inv: InvestorProfile, asset: AssetProfile) -> tuple[bool, str]:
    """§800.401(c): whether exporting one of the asset's critical technologies to the acquirer or to a
    ≥ 25 % voting holder of it needs a U.S. licence (without licence exceptions), and why."""
    if not asset.technologies:
        return False, "no export-controlled critical technology"
    by_id = {t.id: t for t in rules.export_authorisation.technologies}
    hits = [
        f"{by_id[t].eccn.strip()} needs a licence for {country_name(c)} ({c}) without licence exceptions "
        f"({by_id[t].section.split(':')[0].strip()}); {why}"
        for t in asset.technologies
        if t in by_id
        for c, why in inv.export_parties
        if by_id[t].licence_needed(c)
    ]
    if hits:
        return True, _first(tuple(hits))
    who = ", ".join(c for c, _ in inv.export_parties) or "US persons only"
    return False, (
        f"{asset.name} holds {', '.join(asset.technologies)}, but no licence is needed for the acquirer "
        f"or its ≥ {rules.export_authorisation.voting_holder_pct_at_least:g} % holders ({who})"
    )


def _first(reasons: tuple[str, ...]) -> str:
    """The first reason, with a count of the others."""
    if not reasons:
        return ""
    more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return reasons[0] + more


def _check(
    rules: RuleSet, cond: Conditions, inv: InvestorProfile, asset: AssetProfile, h: Holding, f: Facts
) -> tuple[bool, list[str]]:
    """Whether every condition holds, with the fact behind each."""
    texts: list[str] = []
    ok = True

    def test(passed: bool, text: str) -> None:
        nonlocal ok
        ok = ok and passed
        texts.append(text)

    def flag(want: bool | None, have: bool, yes: str, no: str) -> None:
        if want is not None:
            test(want == have, yes if have else no)

    if cond.asset_classes is not None:
        test(asset.asset_class in cond.asset_classes, f"asset class {asset.asset_class}")
    prongs = ", ".join(f"{p} ({s.split(':')[0]})" for p, s in asset.prongs)
    flag(
        cond.tid,
        asset.tid,
        f"{asset.name} is a TID U.S. business: {prongs}",
        f"{asset.name} is not a TID U.S. business",
    )
    if cond.tid_prongs_any is not None:
        hit = sorted(asset.prong_names & set(cond.tid_prongs_any))
        test(bool(hit), f"TID prong {', '.join(hit)}" if hit else f"none of the prongs {cond.tid_prongs_any}")
    flag(
        cond.foreign_person,
        inv.foreign_person,
        f"foreign person: {inv.foreign_reason}",
        f"not a foreign person: {inv.foreign_reason}",
    )
    flag(
        cond.excepted_investor,
        inv.excepted_investor,
        f"excepted investor: {_first(inv.excepted_reasons)}",
        f"not an excepted investor: {_first(inv.excepted_reasons)}",
    )
    flag(
        cond.country_of_concern,
        inv.country_of_concern,
        f"country-of-concern link: {'; '.join(inv.concern_reasons)}",
        "no country-of-concern link",
    )
    if cond.investor_countries is not None:
        test(inv.country in cond.investor_countries, f"investor country {inv.country}")
    if cond.investor_types is not None:
        test(inv.investor_type in cond.investor_types, f"investor type {inv.investor_type}")
    if cond.foreign_government_pct_at_least is not None:
        t = cond.foreign_government_pct_at_least
        c = inv.foreign_government_country
        if c is None:
            test(False, "no foreign government among its holders")
        else:
            test(
                inv.foreign_government_pct >= t - _EPS,
                f"the government of {country_name(c)} holds {fmt_pct(inv.foreign_government_pct)} of "
                f"{inv.name} ({'≥' if inv.foreign_government_pct >= t - _EPS else '<'} {fmt_pct(t)}, effective, §800.244(c))",
            )
    if cond.non_excepted_government_pct_at_least is not None:
        t = cond.non_excepted_government_pct_at_least
        c = inv.non_excepted_government_country
        if c is None:
            gov = inv.foreign_government_country
            test(
                False,
                "no government of a non-excepted foreign state among its holders"
                + (
                    f" (the government of {country_name(gov)} is that of an excepted foreign state, §800.401(b))"
                    if gov
                    else ""
                ),
            )
        else:
            pct = inv.non_excepted_government_pct
            test(
                pct >= t - _EPS,
                f"the government of {country_name(c)} holds {fmt_pct(pct)} of {inv.name} "
                f"({'≥' if pct >= t - _EPS else '<'} {fmt_pct(t)}, effective, §800.244(c))",
            )
    flag(
        cond.foreign_government_controlled,
        inv.foreign_government_controlled,
        f"controlled by the government of {country_name(inv.foreign_government_country or '')}",
        "not controlled by a foreign government",
    )
    flag(cond.export_authorisation_required, f.export_authorisation_required, f.export_why, f.export_why)
    if cond.voting_pct_at_least is not None:
        t = cond.voting_pct_at_least
        agg = h.aggregate_voting_pct
        grouped = (
            " (with the investors controlled by the same government)" if agg > h.voting_pct + _EPS else ""
        )
        test(
            agg >= t - _EPS, f"voting {fmt_pct(agg)}{grouped} {'≥' if agg >= t - _EPS else '<'} {fmt_pct(t)}"
        )
    if cond.interest_pct_above is not None:
        t = cond.interest_pct_above
        held = max(h.voting_pct, h.economic_pct)
        test(held > t + _EPS, f"holding {fmt_pct(held)} {'>' if held > t + _EPS else '≤'} {fmt_pct(t)}")
    flag(cond.control, f.control, f.control_why, f.control_why)
    flag(cond.covered_investment, f.covered_investment, f.covered_why, f.covered_why)
    flag(
        cond.covered_transaction,
        f.covered_transaction,
        "covered transaction (§800.213): " + (f.control_why if f.control else f.covered_why),
        "not a covered transaction: " + (f.control_why if not inv.foreign_person else f.covered_why),
    )
    if cond.rights_any is not None:
        hit = sorted(h.rights & set(cond.rights_any))
        test(bool(hit), f"holds {', '.join(hit)}" if hit else f"holds none of {cond.rights_any}")
    return ok, texts


def evaluate(
    rules: RuleSet, inv: InvestorProfile, asset: AssetProfile, h: Holding
) -> tuple[Outcome, tuple[Reason, ...], Facts]:
    """Outcome, the reasons (rules that fired, most severe first) and the derived facts."""
    f = derive_facts(rules, inv, asset, h)
    fired: list[tuple[Rule, list[str]]] = []
    for rule in rules.active_rules:
        ok, texts = _check(rules, rule.when, inv, asset, h, f)
        if ok:
            fired.append((rule, texts))
    if not fired:
        reason = Reason("none", "No rule fires", "-", "clear", (f.control_why, f.covered_why))
        return "clear", (reason,), f
    fired.sort(key=lambda rt: -SEVERITY[rt[0].outcome])
    reasons = tuple(Reason(r.id, r.title, r.section, r.outcome, tuple(t), r.note) for r, t in fired)
    return reasons[0].outcome, reasons, f


def _describe(base: Holding, alt: Holding, outcome: Outcome) -> str:
    parts = []
    if abs(alt.voting_pct - base.voting_pct) > _EPS:
        parts.append(f"at {fmt_pct(alt.voting_pct)} voting (now {fmt_pct(base.voting_pct)})")
    removed = sorted(base.rights - alt.rights)
    added = sorted(alt.rights - base.rights)
    if removed:
        parts.append("with no " + " or ".join(r.replace("_", " ") for r in removed))
    if added:
        parts.append("with a " + " and ".join(r.replace("_", " ") for r in added))
    return f"{', '.join(parts)} this becomes: {OUTCOME_LABELS[outcome]}"


def what_would_change(
    rules: RuleSet, inv: InvestorProfile, asset: AssetProfile, h: Holding, outcome: Outcome
) -> tuple[str, ...]:
    """The nearest holdings with a lower outcome, and the nearest step to a higher one."""
    margin = rules.caps.margin_pct
    agg = h.aggregate_voting_pct
    others = agg - h.voting_pct
    thresholds = rules.voting_thresholds_pct()
    down_levels = sorted(
        {round(t - margin - others, 6) for t in thresholds if 0 < t - margin - others < h.voting_pct - _EPS},
        reverse=True,
    )
    control_rights = set(rules.control.rights)
    covered_rights = set(rules.covered_investment.rights)
    right_options: list[frozenset[str]] = []
    for rights in (h.rights, h.rights - control_rights, h.rights - control_rights - covered_rights):
        if frozenset(rights) not in right_options:
            right_options.append(frozenset(rights))
    found: dict[str, str] = {}
    candidates: list[Holding] = []
    for rights in right_options:
        for level in [h.voting_pct, *down_levels]:
            candidates.append(replace(h.with_voting(level), rights=rights))
    candidates.sort(
        key=lambda c: (len(h.rights - c.rights) + (0 if c.voting_pct == h.voting_pct else 1), -c.voting_pct)
    )
    for alt in candidates[1:]:
        out, _, _ = evaluate(rules, inv, asset, alt)
        if SEVERITY[out] < SEVERITY[outcome] and out not in found:
            found[out] = _describe(h, alt, out)
    lines = [found[o] for o in sorted(found, key=lambda o: -SEVERITY[o])]
    # The nearest step up: a higher voting threshold, or a §800.211(b) right.
    ups: list[Holding] = [
        h.with_voting(t - others) for t in thresholds if agg + _EPS < t <= 100.0 and t - others > 0
    ]
    missing = sorted(covered_rights - h.rights)
    if missing:
        ups.insert(0, replace(h, rights=h.rights | {"board_seat" if "board_seat" in missing else missing[0]}))
    for alt in ups:
        out, _, _ = evaluate(rules, inv, asset, alt)
        if SEVERITY[out] > SEVERITY[outcome]:
            lines.append(_describe(h, alt, out))
            break
    return tuple(lines)


def review_holding(
    rules: RuleSet,
    inv: InvestorProfile,
    asset: AssetProfile,
    h: Holding,
    *,
    explain: bool = True,
) -> Review:
    """Review one holding: outcome, reasons and (if ``explain``) what would change it."""
    outcome, reasons, facts = evaluate(rules, inv, asset, h)
    changes = what_would_change(rules, inv, asset, h, outcome) if explain else ()
    deal = asset.equity_usd * h.economic_pct / 100.0 if asset.equity_usd is not None else None
    fee = rules.filing_fees.fee_usd(deal) if deal is not None and facts.covered_transaction else None
    return Review(
        project=asset.project,
        project_name=asset.name,
        asset_class=asset.asset_class,
        investor=inv.investor,
        investor_name=inv.name,
        holding=h,
        outcome=outcome,
        reasons=reasons,
        facts=facts,
        changes=changes,
        deal_value_usd=deal,
        notice_fee_usd=fee,
    )


def potential_share_pct(inv: InvestorProfile, asset_class: str) -> float:
    """The most an investor could hold of an asset class before any rule cap."""
    if asset_class in inv.excluded_asset_classes:
        return 0.0
    return min(inv.max_share_pct, 100.0)


def review_potential(
    ctx: SecurityContext, investor: str, asset: AssetProfile, share_pct: float | None = None
) -> Review:
    """Review an investor at a given share (default: its maximum potential share) of a project."""
    inv = ctx.investors[investor]
    share = potential_share_pct(inv, asset.asset_class) if share_pct is None else share_pct
    return review_holding(ctx.rules, inv, asset, Holding(share, share, inv.rights))


def review_asset_classes(ctx: SecurityContext, share_pct: float | None = None) -> list[Review]:
    """Potential review per (investor, asset class): the most severe over the class's projects.

    ``share_pct``: the voting share to test (default: each investor's maximum potential
    share; classes it excludes are left out).
    """
    out: list[Review] = []
    for inv in ctx.investors.values():
        for asset_class in ctx.asset_classes:
            share = potential_share_pct(inv, asset_class) if share_pct is None else share_pct
            if share <= 0:
                continue
            reviews = [
                review_potential(ctx, inv.investor, a, share) for a in ctx.assets_of_class(asset_class)
            ]
            out.append(max(reviews, key=lambda r: SEVERITY[r.outcome]))
    return out


@dataclass(frozen=True)
class CapTableRow:
    """One investor's stake in a project's cap table."""

    investor: str
    voting_pct: float
    economic_pct: float
    rights: frozenset[str] | None = None


def review_cap_table(ctx: SecurityContext, asset: AssetProfile, rows: Iterable[CapTableRow]) -> list[Review]:
    """Review every investor of one project's cap table, with same-government holdings aggregated."""
    rows = list(rows)
    group_voting: dict[str, float] = {}
    for row in rows:
        g = ctx.investors[row.investor].group
        if g:
            group_voting[g] = group_voting.get(g, 0.0) + row.voting_pct
    out = []
    for row in rows:
        inv = ctx.investors[row.investor]
        rights = inv.rights if row.rights is None else row.rights
        group = group_voting.get(inv.group) if inv.group else None
        h = Holding(row.voting_pct, row.economic_pct, frozenset(rights), group)
        out.append(review_holding(ctx.rules, inv, asset, h))
    return out
