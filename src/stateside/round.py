"""The sponsor's funding rounds: post-money, price per share, stakes before and after, dilution.

Rounds (``funding_rounds.csv``, one row per participant) are taken in date order, each on
the cap table the previous one left (``sponsor_cap_table.csv`` before the first):

* post-money = pre-money + the round's new money (Σ amount_usd of its rows);
* a participant's new stake = its amount / post-money;
* every holder before the round keeps its stake × pre / post (dilution 1 − pre/post);
* where the cap table gives shares: price per share = pre-money / fully diluted shares
  before the round, and each participant gets amount / price new shares (the same
  stakes, in shares). With stakes only (``stake_pct``), no price is shown.

A participant that already holds shares (same code) ends with its old stake diluted plus
its new one. The proceeds join the sponsor's coalition commitments from the closing year
(``coalition_share_pct`` of each participant's money; :func:`with_round_proceeds`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from stateside.scenario.types import Scenario

NEW_MONEY_SOURCE = "funding round"


class RoundError(ValueError):
    """A funding round that cannot be worked out (named file, row and field)."""


@dataclass(frozen=True)
class Stake:
    """One holder's fully diluted stake before and after a round."""

    holder: str
    name: str
    country: str
    before_pct: float
    after_pct: float
    shares_before: float | None
    shares_after: float | None
    new_money_usd: float

    @property
    def dilution_pct(self) -> float:
        """Points lost by an existing holder (negative: its stake grew, it put money in)."""
        return self.before_pct - self.after_pct

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "name": self.name,
            "country": self.country,
            "before_pct": self.before_pct,
            "after_pct": self.after_pct,
            "dilution_pct": self.dilution_pct,
            "shares_before": self.shares_before,
            "shares_after": self.shares_after,
            "new_money_usd": self.new_money_usd,
        }


@dataclass(frozen=True)
class RoundResult:
    """One round worked out."""

    round: str
    date: str
    security_type: str
    pre_money_usd: float
    new_money_usd: float
    post_money_usd: float
    price_per_share_usd: float | None
    shares_before: float | None
    new_shares: float | None
    lead: list[str]
    stakes: list[Stake] = field(default_factory=list)
    coalition_usd: float = 0.0

    @property
    def year(self) -> int:
        return int(self.date[:4])

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "date": self.date,
            "security_type": self.security_type,
            "pre_money_usd": self.pre_money_usd,
            "new_money_usd": self.new_money_usd,
            "post_money_usd": self.post_money_usd,
            "price_per_share_usd": self.price_per_share_usd,
            "shares_before": self.shares_before,
            "new_shares": self.new_shares,
            "lead": self.lead,
            "coalition_usd": self.coalition_usd,
            "stakes": [s.to_dict() for s in self.stakes],
        }


def _date(text: Any, line: int) -> str:
    s = str(text).strip()
    try:
        return date.fromisoformat(s).isoformat()
    except ValueError:
        raise RoundError(f"funding_rounds.csv:{line}:date: expected a date YYYY-MM-DD, found {s!r}") from None


def round_problems(
    rounds: pd.DataFrame,
    cap: pd.DataFrame,
    investors: pd.DataFrame,
    round_lines: list[int] | None = None,
    cap_lines: list[int] | None = None,
) -> list[tuple[str, int, str, str, str]]:
    """Cross-checks of the two tables: (file, line, column, expected, found) per problem.

    Dates are dates; every row of a round has the same date, security and pre-money; a
    participant that is not an investor has a country; the cap table uses shares on
    every row or stakes on every row, and stakes sum to 100. ``round_lines`` and
    ``cap_lines`` are the rows' line numbers in their files (default: 2, 3, …).
    """
    rl = round_lines or list(range(2, len(rounds) + 2))
    cl = cap_lines or list(range(2, len(cap) + 2))
    out: list[tuple[str, int, str, str, str]] = []
    known = set(investors["investor"].astype(str)) if len(investors) else set()
    firsts: dict[str, tuple[int, str, str, float]] = {}
    for i, r in zip(rl, rounds.itertuples(), strict=True):
        try:
            d = _date(r.date, i)
        except RoundError:
            out.append(("funding_rounds.csv", i, "date", "a date YYYY-MM-DD", str(r.date)))
            d = str(r.date)
        key = str(r.round)
        first = firsts.setdefault(key, (i, d, str(r.security_type), float(r.pre_money_valuation_usd)))
        for col, mine, theirs in (
            ("date", d, first[1]),
            ("security_type", str(r.security_type), first[2]),
            ("pre_money_valuation_usd", float(r.pre_money_valuation_usd), first[3]),
        ):
            if mine != theirs:
                out.append(
                    (
                        "funding_rounds.csv",
                        i,
                        col,
                        f"{theirs} as on line {first[0]} (one value per round)",
                        str(mine),
                    )
                )
        country = r.country
        if str(r.participant) not in known and (
            country is None or (isinstance(country, float) and math.isnan(country)) or not str(country)
        ):
            out.append(
                (
                    "funding_rounds.csv",
                    i,
                    "country",
                    "a country for a participant that is not in investors.csv",
                    "blank",
                )
            )
    if len(cap):
        has_shares = cap["shares"].notna()
        has_stake = cap["stake_pct"].notna()
        for i, a, b in zip(cl, has_shares, has_stake, strict=True):
            if a == b:
                out.append(
                    (
                        "sponsor_cap_table.csv",
                        i,
                        "shares",
                        "shares or stake_pct (one of the two)",
                        "both" if a else "neither",
                    )
                )
        if has_shares.any() and has_stake.any() and not out:
            out.append(
                (
                    "sponsor_cap_table.csv",
                    2,
                    "shares",
                    "shares on every row or stake_pct on every row",
                    "a mix",
                )
            )
        if has_stake.all() and not has_shares.any():
            total = float(cap["stake_pct"].sum())
            if abs(total - 100.0) > 0.01:
                out.append(
                    ("sponsor_cap_table.csv", cl[0], "stake_pct", "stakes that sum to 100", f"{total:g}")
                )
    return out


def _investor_field(investors: pd.DataFrame, code: str, column: str) -> Any:
    if not len(investors):
        return None
    row = investors[investors["investor"].astype(str) == code]
    return row.iloc[0][column] if len(row) else None


def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def participant_field(rounds_row: dict[str, Any], investors: pd.DataFrame, column: str, fallback: Any) -> Any:
    """A participant's field from the round row, else from investors.csv, else ``fallback``."""
    v = rounds_row.get(column)
    if not _blank(v):
        return v
    v = _investor_field(investors, str(rounds_row["participant"]), column)
    return fallback if _blank(v) else v


def work_out(
    rounds: pd.DataFrame, cap: pd.DataFrame, investors: pd.DataFrame | None = None
) -> list[RoundResult]:
    """Every round, in date order, each on the cap table the previous one left."""
    investors = investors if investors is not None else pd.DataFrame(columns=["investor"])
    problems = round_problems(rounds, cap, investors)
    if problems:
        f, line, col, expected, found = problems[0]
        raise RoundError(f"{f}:{line}:{col}: expected {expected}, found {found}")
    use_shares = bool(len(cap)) and bool(cap["shares"].notna().all())
    holders: dict[str, dict[str, Any]] = {}
    for r in cap.itertuples():
        h = holders.setdefault(str(r.holder), {"name": str(r.name), "country": str(r.country), "units": 0.0})
        h["units"] += float(r.shares) if use_shares else float(r.stake_pct)
    rows = rounds.to_dict("records")
    for i, r in enumerate(rows, start=2):
        r["_line"] = i
        r["_date"] = _date(r["date"], i)
    order: list[str] = []
    for r in sorted(rows, key=lambda x: (x["_date"], x["_line"])):
        if str(r["round"]) not in order:
            order.append(str(r["round"]))
    out: list[RoundResult] = []
    for code in order:
        rs = [r for r in rows if str(r["round"]) == code]
        pre = float(rs[0]["pre_money_valuation_usd"])
        new = float(sum(float(r["amount_usd"]) for r in rs))
        post = pre + new
        units_before = sum(h["units"] for h in holders.values())
        before = {
            k: (h["units"] / units_before * 100.0 if units_before > 0 else 0.0) for k, h in holders.items()
        }
        shares_before_total = units_before if use_shares else None
        price = pre / units_before if use_shares and units_before > 0 else None
        money: dict[str, float] = {}
        for r in rs:
            money[str(r["participant"])] = money.get(str(r["participant"]), 0.0) + float(r["amount_usd"])
        # stake units after: shares (amount / price), or percentage points of the post-money
        after_units: dict[str, float] = {}
        if use_shares and price:
            for k, h in holders.items():
                after_units[k] = h["units"]
            for k, m in money.items():
                after_units[k] = after_units.get(k, 0.0) + m / price
        else:
            scale = pre / post if post > 0 else 0.0
            for k in holders:
                after_units[k] = before[k] * scale
            for k, m in money.items():
                after_units[k] = after_units.get(k, 0.0) + (m / post * 100.0 if post > 0 else 0.0)
        total_after = sum(after_units.values())
        stakes: list[Stake] = []
        for k, units in after_units.items():
            if k in holders:
                name, country = holders[k]["name"], holders[k]["country"]
            else:
                r0 = next(r for r in rs if str(r["participant"]) == k)
                name = str(participant_field(r0, investors, "name", k))
                country = str(participant_field(r0, investors, "country", ""))
            stakes.append(
                Stake(
                    holder=k,
                    name=name,
                    country=country,
                    before_pct=before.get(k, 0.0),
                    after_pct=units / total_after * 100.0 if total_after > 0 else 0.0,
                    shares_before=holders[k]["units"]
                    if use_shares and k in holders
                    else (0.0 if use_shares else None),
                    shares_after=units if use_shares else None,
                    new_money_usd=money.get(k, 0.0),
                )
            )
            holders.setdefault(k, {"name": name, "country": country, "units": 0.0})
        for k, units in after_units.items():
            holders[k]["units"] = units
        coalition = sum(float(r["amount_usd"]) * float(r["coalition_share_pct"]) / 100.0 for r in rs)
        out.append(
            RoundResult(
                round=code,
                date=rs[0]["_date"],
                security_type=str(rs[0]["security_type"]),
                pre_money_usd=pre,
                new_money_usd=new,
                post_money_usd=post,
                price_per_share_usd=price,
                shares_before=shares_before_total,
                new_shares=(new / price) if price else None,
                lead=[str(r["participant"]) for r in rs if bool(r["lead"])],
                stakes=stakes,
                coalition_usd=coalition,
            )
        )
    return out


def sponsor_investor(scenario: Scenario) -> str | None:
    """The coalition's sponsor: the first investor of type ``sponsor``."""
    inv = scenario.investors
    rows = inv[inv["investor_type"].astype(str) == "sponsor"]
    return str(rows.iloc[0]["investor"]) if len(rows) else None


def with_round_proceeds(scenario: Scenario) -> Scenario:
    """The scenario with each round's coalition share added to the sponsor's commitments.

    The money arrives in the round's closing year at stage ``funded`` (a closed round); a
    sponsor commitment already in that year gets the amount added (its stage kept, the
    source extended). Without rounds, or without money for the coalition, the scenario
    is returned unchanged (same object, same content hash).
    """
    rounds = scenario.tables.get("funding_rounds")
    if rounds is None or not len(rounds):
        return scenario
    sponsor = sponsor_investor(scenario)
    if sponsor is None:
        return scenario
    results = work_out(
        rounds,
        scenario.tables.get("sponsor_cap_table", pd.DataFrame(columns=["shares", "stake_pct"])),
        scenario.investors,
    )
    adds = [(r.year, r.coalition_usd, r.round) for r in results if r.coalition_usd > 0]
    if not adds:
        return scenario
    com = scenario.commitments.copy()
    for year, usd, code in adds:
        mask = (com["investor"].astype(str) == sponsor) & (com["year"].astype(int) == year)
        note = f"{NEW_MONEY_SOURCE} {code}: USD {usd:,.0f} of its proceeds (funding_rounds.csv)"
        if mask.any():
            idx = com.index[mask][0]
            com.loc[idx, "amount_usd"] = float(com.loc[idx, "amount_usd"]) + usd
            com.loc[idx, "source"] = f"{com.loc[idx, 'source']}; + {note}"
        else:
            row: dict[str, Any] = dict.fromkeys(com.columns)
            row.update(
                {"investor": sponsor, "year": year, "amount_usd": usd, "stage": "funded", "source": note}
            )
            com = pd.concat([com, pd.DataFrame([row])], ignore_index=True)
    com = com.astype({"year": scenario.commitments["year"].dtype}) if len(scenario.commitments) else com
    tables = dict(scenario.tables)
    tables["commitments"] = com.reset_index(drop=True)
    return dataclasses.replace(scenario, tables=tables)
