"""Ownership graph: who holds whom, and effective interests along chains (31 CFR 800).

Nodes are entities (companies, funds, governments, people); edges are FollowTheMoney-like
``Ownership`` rows (owner → asset, voting %, economic %, general partner) and ``Control``
rows (controller → controlled, right).

Effective voting interest follows §800.244(c): along a chain, the source's own direct
interest counts at its percentage; every further link counts 100 % when its holder is a
*parent* of the held entity (≥ 50 % voting, §800.235, or its general partner) and at its
percentage otherwise; parallel chains add up (capped at 100 %). The regulation's example:
a government holding 75 % of B, with B holding 51 % of A (B a parent of A), holds 75 % of
A; with B at 49 % it holds 0.75 × 0.49 = 36.75 %. Economic interest is the plain
look-through product (no deeming). All ``PublicBody`` entities of one country are one
foreign government (§800.208(b), §800.219(b)), so their interests are aggregated.

Ownership cycles are rejected with the cycle named; unknown entities and country codes
are rejected with the file, row and column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from stateside.security.countries import country_name, is_country
from stateside.security.errors import OwnershipCycleError, SecurityDataError, UnknownCountryError

GOVERNMENT_SCHEMA = "PublicBody"


@dataclass(frozen=True)
class EntityNode:
    """One entity of the graph."""

    entity: str
    name: str
    schema: str
    country: str
    identifiers: tuple[str, ...] = ()
    note: str = ""

    @property
    def is_government(self) -> bool:
        """A government or one of its agencies (FollowTheMoney ``PublicBody``)."""
        return self.schema == GOVERNMENT_SCHEMA


@dataclass(frozen=True)
class OwnershipEdge:
    """``owner`` holds ``voting_pct`` / ``economic_pct`` of ``asset``."""

    owner: str
    asset: str
    voting_pct: float
    economic_pct: float
    general_partner: bool = False
    origin: str = ""


@dataclass(frozen=True)
class ControlEdge:
    """``controller`` holds ``right`` over ``controlled``."""

    controller: str
    controlled: str
    right: str
    origin: str = ""


@dataclass(frozen=True)
class Interest:
    """Effective interest of a holder (an entity, or a whole foreign government) in a target."""

    holder: str
    holder_name: str
    country: str
    target: str
    voting_pct: float
    economic_pct: float
    controls: bool
    paths: tuple[str, ...] = field(default=())


def government_key(country: str) -> str:
    """Node key of the aggregated government of ``country``."""
    return f"gov:{country}"


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA:
        return ""
    return str(value).strip()


def fmt_pct(value: float) -> str:
    """A percentage for people: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


def as_bool(value: object) -> bool:
    """Read a CSV-ish boolean (True/False, 'true'/'false', 1/0, blank = False)."""
    if isinstance(value, bool):
        return value
    text = _clean(value).lower()
    return text in {"true", "1", "yes", "y", "t", "1.0"}


def as_float(value: object, default: float = 0.0) -> float:
    """Read a number; blank gives ``default``."""
    text = _clean(value)
    if not text:
        return default
    return float(text)


class OwnershipGraph:
    """A directed acyclic ownership graph with control rights.

    Args:
        entities: the nodes.
        edges: ownership edges; every owner and asset must be a node.
        controls: control rights; every end must be a node.
        parent_voting_pct: voting share from which an owner is a parent (§800.235).
        control_rights: rights in ``controls`` that confer control (§800.208).
    """

    def __init__(
        self,
        entities: Iterable[EntityNode],
        edges: Iterable[OwnershipEdge] = (),
        controls: Iterable[ControlEdge] = (),
        *,
        parent_voting_pct: float = 50.0,
        control_rights: Iterable[str] = ("veto",),
    ) -> None:
        self.nodes: dict[str, EntityNode] = {}
        for node in entities:
            if not is_country(node.country):
                raise UnknownCountryError(
                    f"{node.note or 'entities.csv'}: entity '{node.entity}': country '{node.country}' "
                    "is not an ISO 3166-1 alpha-2 code (for example US, JP, AE)"
                )
            self.nodes[node.entity] = node
        self.edges: list[OwnershipEdge] = list(edges)
        self.controls: list[ControlEdge] = list(controls)
        self.parent_voting_pct = parent_voting_pct
        self.control_rights = frozenset(control_rights)
        for edge in self.edges:
            for role, key in (("owner", edge.owner), ("asset", edge.asset)):
                if key not in self.nodes:
                    raise SecurityDataError(
                        f"{edge.origin or 'ownership.csv'}:{role}: '{key}' is not an entity "
                        "(add it to entities.csv or name an investor)"
                    )
            if edge.owner == edge.asset:
                raise OwnershipCycleError(
                    f"{edge.origin or 'ownership.csv'}: ownership cycle {edge.owner} → {edge.owner} "
                    "(an entity cannot own itself)"
                )
            for label, pct in (("voting_pct", edge.voting_pct), ("economic_pct", edge.economic_pct)):
                if not 0.0 <= pct <= 100.0 or math.isnan(pct):
                    raise SecurityDataError(
                        f"{edge.origin or 'ownership.csv'}:{label}: expected a percentage 0..100, found {pct}"
                    )
        for c in self.controls:
            for role, key in (("controller", c.controller), ("controlled", c.controlled)):
                if key not in self.nodes:
                    raise SecurityDataError(f"{c.origin or 'control.csv'}:{role}: '{key}' is not an entity")
        self._owners: dict[str, list[OwnershipEdge]] = {k: [] for k in self.nodes}
        self._holdings: dict[str, list[OwnershipEdge]] = {k: [] for k in self.nodes}
        for edge in self.edges:
            self._owners[edge.asset].append(edge)
            self._holdings[edge.owner].append(edge)
        self.order: list[str] = self._topological_order()

    # -- structure -------------------------------------------------------------------

    def _topological_order(self) -> list[str]:
        """Owners before what they own; raises on a cycle, naming it."""
        state: dict[str, int] = {}  # 1 = on stack, 2 = done
        order: list[str] = []
        for start in self.nodes:
            if state.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = [start]
            state[start] = 1
            while stack:
                node, i = stack[-1]
                children = self._holdings[node]
                if i < len(children):
                    stack[-1] = (node, i + 1)
                    child = children[i].asset
                    if state.get(child) == 1:
                        cycle = [*path[path.index(child) :], child]
                        raise OwnershipCycleError(
                            "ownership.csv: ownership cycle "
                            + " → ".join(cycle)
                            + f" ({children[i].origin or 'edge ' + node + ' → ' + child}); effective interests "
                            "along a cycle are undefined: remove or restate one of these edges"
                        )
                    if not state.get(child):
                        state[child] = 1
                        stack.append((child, 0))
                        path.append(child)
                else:
                    stack.pop()
                    path.pop()
                    state[node] = 2
                    order.append(node)
        order.reverse()
        return order

    def owners(self, entity: str) -> list[OwnershipEdge]:
        """Direct ownership edges into ``entity``."""
        return list(self._owners.get(entity, []))

    def ancestors(self, entity: str) -> list[str]:
        """Every entity that holds ``entity`` directly or indirectly (topological order)."""
        seen: set[str] = set()
        todo = [entity]
        while todo:
            node = todo.pop()
            for edge in self._owners.get(node, []):
                if edge.owner not in seen:
                    seen.add(edge.owner)
                    todo.append(edge.owner)
        for c in self.controls:
            if c.controlled == entity or c.controlled in seen:
                seen.add(c.controller)
        return [n for n in self.order if n in seen]

    def is_parent(self, edge: OwnershipEdge) -> bool:
        """§800.235: the owner is a parent of the asset (≥ the parent voting share, or the GP)."""
        return edge.general_partner or edge.voting_pct >= self.parent_voting_pct

    # -- effective interests ---------------------------------------------------------

    def _propagate(self, sources: set[str]) -> tuple[dict[str, float], dict[str, float]]:
        """Effective voting and economic fractions of the source set in every node."""
        voting: dict[str, float] = dict.fromkeys(sources, 1.0)
        economic: dict[str, float] = dict.fromkeys(sources, 1.0)
        for node in self.order:
            v = min(voting.get(node, 0.0), 1.0)
            e = min(economic.get(node, 0.0), 1.0)
            if v <= 0.0 and e <= 0.0:
                continue
            for edge in self._holdings[node]:
                if edge.asset in sources:
                    continue  # holdings inside one government do not add interest
                if node in sources:
                    factor = edge.voting_pct / 100.0
                else:
                    factor = 1.0 if self.is_parent(edge) else edge.voting_pct / 100.0
                voting[edge.asset] = voting.get(edge.asset, 0.0) + v * factor
                economic[edge.asset] = economic.get(edge.asset, 0.0) + e * edge.economic_pct / 100.0
        for s in sources:
            voting.pop(s, None)
            economic.pop(s, None)
        return ({k: min(x, 1.0) for k, x in voting.items()}, {k: min(x, 1.0) for k, x in economic.items()})

    def controls_entity(self, sources: set[str], target: str) -> bool:
        """Whether the sources control ``target`` through parent links and control rights."""
        controlled: set[str] = set(sources)
        changed = True
        while changed:
            changed = False
            for edge in self.edges:
                if edge.owner in controlled and edge.asset not in controlled and self.is_parent(edge):
                    controlled.add(edge.asset)
                    changed = True
            for c in self.controls:
                if (
                    c.controller in controlled
                    and c.controlled not in controlled
                    and c.right in self.control_rights
                ):
                    controlled.add(c.controlled)
                    changed = True
            # a set of controlled entities holding a majority together also controls
            for node in self.nodes:
                if node in controlled:
                    continue
                pct = sum(e.voting_pct for e in self._owners[node] if e.owner in controlled)
                if pct >= self.parent_voting_pct:
                    controlled.add(node)
                    changed = True
        return target in controlled and target not in sources

    def paths(self, sources: set[str], target: str, limit: int = 8) -> list[str]:
        """Ownership chains from the sources to ``target`` as text, at most ``limit``."""
        return self._collect(sources, target, limit)

    def _collect(self, sources: set[str], target: str, limit: int) -> list[str]:
        results: list[str] = []
        stack: list[tuple[str, list[OwnershipEdge]]] = [(target, [])]
        while stack and len(results) < limit:
            node, trail = stack.pop()
            if node in sources and trail:
                text = trail[-1].owner
                for edge in reversed(trail):
                    tag = "GP" if edge.general_partner else f"{edge.voting_pct:g} %"
                    text += f" —{tag}→ {edge.asset}"
                results.append(text)
                continue
            for edge in self._owners.get(node, []):
                stack.append((edge.owner, [*trail, edge]))
        return results

    def interest(self, holder: str | set[str], target: str) -> tuple[float, float]:
        """Effective (voting %, economic %) of ``holder`` (an entity or a set) in ``target``."""
        sources = {holder} if isinstance(holder, str) else set(holder)
        voting, economic = self._propagate(sources)
        return 100.0 * voting.get(target, 0.0), 100.0 * economic.get(target, 0.0)

    def holder_interests(self, target: str) -> list[Interest]:
        """Every direct or indirect holder of ``target`` with its effective interest."""
        out: list[Interest] = []
        for holder in self.ancestors(target):
            v, e = self.interest(holder, target)
            node = self.nodes[holder]
            out.append(
                Interest(
                    holder=holder,
                    holder_name=node.name,
                    country=node.country,
                    target=target,
                    voting_pct=v,
                    economic_pct=e,
                    controls=self.controls_entity({holder}, target),
                    paths=tuple(self._collect({holder}, target, 4)),
                )
            )
        out.sort(key=lambda i: (-i.voting_pct, -i.economic_pct, i.holder))
        return out

    def government_members(self, country: str) -> set[str]:
        """All PublicBody entities of ``country``."""
        return {k for k, n in self.nodes.items() if n.is_government and n.country == country}

    def government_interests(self, target: str) -> dict[str, Interest]:
        """Aggregated interest of each government (by country) in ``target``."""
        countries = sorted(
            {self.nodes[a].country for a in self.ancestors(target) if self.nodes[a].is_government}
        )
        out: dict[str, Interest] = {}
        for country in countries:
            members = self.government_members(country)
            v, e = self.interest(members, target)
            out[country] = Interest(
                holder=government_key(country),
                holder_name=f"Government of {country_name(country)}",
                country=country,
                target=target,
                voting_pct=v,
                economic_pct=e,
                controls=self.controls_entity(members, target),
                paths=tuple(self._collect(members, target, 6)),
            )
        return out

    def ultimate_owners(self, target: str) -> list[str]:
        """Holders of ``target`` that nobody owns."""
        return [a for a in self.ancestors(target) if not self._owners[a]]

    # -- construction from scenario tables -------------------------------------------

    @classmethod
    def from_tables(
        cls,
        entities: pd.DataFrame,
        ownership: pd.DataFrame,
        control: pd.DataFrame,
        investors: pd.DataFrame,
        *,
        parent_voting_pct: float = 50.0,
        control_rights: Iterable[str] = ("veto",),
    ) -> OwnershipGraph:
        """Build the graph from the scenario's tables.

        Investors without an entity row become entities themselves (their id, name and
        country). An investor with ``government_ownership_pct`` > 0 and no government
        among its owners in the graph gets a synthetic owner: the government of its
        country (``gov:<CC>``, a PublicBody) with that voting and economic share.
        """
        nodes: dict[str, EntityNode] = {}
        for i, row in enumerate(entities.to_dict("records")):
            key = _clean(row.get("entity"))
            country = _clean(row.get("country")).upper()
            if not is_country(country):
                raise UnknownCountryError(
                    f"entities.csv:{i + 2}:country: expected an ISO 3166-1 alpha-2 code "
                    f"(for example US, JP, AE), found '{_clean(row.get('country'))}' for entity '{key}'"
                )
            ids = tuple(x.strip() for x in _clean(row.get("identifiers")).split(";") if x.strip())
            nodes[key] = EntityNode(
                entity=key,
                name=_clean(row.get("name")) or key,
                schema=_clean(row.get("schema")) or "Company",
                country=country,
                identifiers=ids,
                note=f"entities.csv:{i + 2}",
            )
        synthetic: list[tuple[str, str, float]] = []
        for i, row in enumerate(investors.to_dict("records")):
            inv = _clean(row.get("investor"))
            country = _clean(row.get("country")).upper()
            if not is_country(country):
                raise UnknownCountryError(
                    f"investors.csv:{i + 2}:country: expected an ISO 3166-1 alpha-2 code "
                    f"(for example US, JP, AE), found '{_clean(row.get('country'))}' for investor '{inv}'"
                )
            entity = _clean(row.get("entity")) or inv
            if entity not in nodes:
                nodes[entity] = EntityNode(
                    entity=entity,
                    name=_clean(row.get("name")) or inv,
                    schema="Company",
                    country=country,
                    note=f"investors.csv:{i + 2}",
                )
            gov_pct = as_float(row.get("government_ownership_pct"), 0.0)
            if gov_pct > 0:
                synthetic.append((entity, country, gov_pct))
        edges: list[OwnershipEdge] = []
        for i, row in enumerate(ownership.to_dict("records")):
            edges.append(
                OwnershipEdge(
                    owner=_clean(row.get("owner")),
                    asset=_clean(row.get("asset")),
                    voting_pct=as_float(row.get("voting_pct"), float("nan")),
                    economic_pct=as_float(
                        row.get("economic_pct"), as_float(row.get("voting_pct"), float("nan"))
                    ),
                    general_partner=as_bool(row.get("general_partner")),
                    origin=f"ownership.csv:{i + 2}",
                )
            )
        controls = [
            ControlEdge(
                controller=_clean(row.get("controller")),
                controlled=_clean(row.get("controlled")),
                right=_clean(row.get("right")),
                origin=f"control.csv:{i + 2}",
            )
            for i, row in enumerate(control.to_dict("records"))
        ]
        # Synthetic government owners where the graph shows none.
        probe = cls(
            nodes.values(),
            edges,
            controls,
            parent_voting_pct=parent_voting_pct,
            control_rights=control_rights,
        )
        for entity, country, pct in synthetic:
            if any(probe.nodes[a].is_government for a in probe.ancestors(entity)):
                continue
            key = government_key(country)
            if key not in nodes:
                nodes[key] = EntityNode(
                    entity=key,
                    name=f"Government of {country_name(country)}",
                    schema=GOVERNMENT_SCHEMA,
                    country=country,
                    note="synthetic: from investors.government_ownership_pct",
                )
            edges.append(
                OwnershipEdge(
                    owner=key,
                    asset=entity,
                    voting_pct=pct,
                    economic_pct=pct,
                    origin="investors.csv:government_ownership_pct",
                )
            )
        return cls(
            nodes.values(),
            edges,
            controls,
            parent_voting_pct=parent_voting_pct,
            control_rights=control_rights,
        )
