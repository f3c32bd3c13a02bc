"""Ownership graph: effective interests per 31 CFR 800, aggregation, cycles, bad codes."""

from __future__ import annotations

import pandas as pd
import pytest

from stateside.security.errors import OwnershipCycleError, SecurityDataError, UnknownCountryError
from stateside.security.graph import EntityNode, OwnershipEdge, OwnershipGraph


def node(key: str, country: str = "US", schema: str = "Company") -> EntityNode:
    return EntityNode(key, key.upper(), schema, country)


def edge(
    owner: str, asset: str, voting: float, economic: float | None = None, gp: bool = False
) -> OwnershipEdge:
    return OwnershipEdge(owner, asset, voting, voting if economic is None else economic, gp)


def test_regulation_example_parent_counts_as_100_percent() -> None:
    # §800.244(c): government 75 % of B, B 51 % of A (B is a parent of A) → 75 % of A.
    g = OwnershipGraph(
        [node("gov", "AE", "PublicBody"), node("b", "AE"), node("a")],
        [edge("gov", "b", 75), edge("b", "a", 51)],
    )
    voting, economic = g.interest("gov", "a")
    assert voting == pytest.approx(75.0)
    assert economic == pytest.approx(0.75 * 0.51 * 100)  # look-through, no deeming: 38.25 %


def test_regulation_example_non_parent_multiplies() -> None:
    # With B at 49 % (not a parent) the government holds 0.75 × 0.49 = 36.75 %.
    g = OwnershipGraph(
        [node("gov", "AE", "PublicBody"), node("b", "AE"), node("a")],
        [edge("gov", "b", 75), edge("b", "a", 49)],
    )
    assert g.interest("gov", "a")[0] == pytest.approx(36.75)


def test_multi_hop_chain_deems_every_parent_link_after_the_first() -> None:
    # gov 60 % → h1; h1 100 % → h2 (parent); h2 30 % → h3 (not parent); h3 80 % → target (parent)
    # voting = 0.60 × 1 × 0.30 × 1 = 18 %; economic = 0.60 × 1.00 × 0.30 × 0.80 = 14.4 %.
    nodes = [node("gov", "KR", "PublicBody"), node("h1", "KR"), node("h2", "KR"), node("h3", "US"), node("t")]
    edges = [edge("gov", "h1", 60), edge("h1", "h2", 100), edge("h2", "h3", 30), edge("h3", "t", 80)]
    g = OwnershipGraph(nodes, edges)
    voting, economic = g.interest("gov", "t")
    assert voting == pytest.approx(18.0)
    assert economic == pytest.approx(14.4)
    assert not g.controls_entity({"gov"}, "t")  # the 30 % link breaks control
    assert g.controls_entity({"gov"}, "h2")


def test_general_partner_is_a_parent_whatever_its_percentage() -> None:
    # A sovereign holds 40 % of a GP that is the general partner of a fund with 1 % economics:
    # the GP counts as 100 % of the fund's 60 % holding of the target → 0.40 × 1 × 1 = 40 %.
    nodes = [node("gov", "AE", "PublicBody"), node("gp", "AE"), node("fund", "US", "Fund"), node("t")]
    edges = [edge("gov", "gp", 40), edge("gp", "fund", 1, 1, gp=True), edge("fund", "t", 60)]
    g = OwnershipGraph(nodes, edges)
    assert g.interest("gov", "t")[0] == pytest.approx(40.0)
    assert g.controls_entity({"gp"}, "fund")


def test_one_foreign_governments_entities_are_aggregated() -> None:
    # Two PublicBody entities of AE: 75 % of holdco (a 51 % parent of the investor) and 20 % direct.
    nodes = [
        node("council", "AE", "PublicBody"),
        node("treasury", "AE", "PublicBody"),
        node("holdco", "AE"),
        node("inv", "AE"),
        node("other_gov", "QA", "PublicBody"),
    ]
    edges = [
        edge("council", "holdco", 75),
        edge("holdco", "inv", 51),
        edge("treasury", "inv", 20),
        edge("council", "treasury", 100),  # holdings inside one government add nothing
        edge("other_gov", "inv", 10),
    ]
    g = OwnershipGraph(nodes, edges)
    govs = g.government_interests("inv")
    assert set(govs) == {"AE", "QA"}
    assert govs["AE"].voting_pct == pytest.approx(95.0)
    assert govs["AE"].economic_pct == pytest.approx(0.75 * 0.51 * 100 + 20.0)
    assert govs["AE"].controls
    assert govs["QA"].voting_pct == pytest.approx(10.0)
    assert not govs["QA"].controls


def test_parallel_chains_are_capped_at_100_percent() -> None:
    # Parent deeming can count one stake twice: never more than 100 %.
    nodes = [node("gov", "AE", "PublicBody"), node("b", "AE"), node("a")]
    g = OwnershipGraph(nodes, [edge("gov", "b", 60), edge("b", "a", 60), edge("gov", "a", 40)])
    assert g.interest("gov", "a")[0] == pytest.approx(100.0)


def test_cycle_is_an_error_that_names_it() -> None:
    nodes = [node("a"), node("b"), node("c")]
    with pytest.raises(OwnershipCycleError) as info:
        OwnershipGraph(nodes, [edge("a", "b", 30), edge("b", "c", 30), edge("c", "a", 30)])
    message = str(info.value)
    assert "cycle" in message
    assert "a → b → c → a" in message


def test_self_ownership_is_a_cycle() -> None:
    with pytest.raises(OwnershipCycleError, match="x → x"):
        OwnershipGraph([node("x")], [edge("x", "x", 10)])


def test_unknown_country_code_is_a_clear_error() -> None:
    entities = pd.DataFrame(
        [{"entity": "e1", "name": "E1", "schema": "Company", "country": "UAE", "identifiers": None}]
    )
    empty_own = pd.DataFrame(columns=["owner", "asset", "voting_pct", "economic_pct", "general_partner"])
    empty_ctl = pd.DataFrame(columns=["controller", "controlled", "right"])
    investors = pd.DataFrame(columns=["investor", "name", "country", "government_ownership_pct", "entity"])
    with pytest.raises(UnknownCountryError) as info:
        OwnershipGraph.from_tables(entities, empty_own, empty_ctl, investors)
    assert str(info.value).startswith("entities.csv:2:country:")
    assert "'UAE'" in str(info.value)


def test_unknown_investor_country_is_a_clear_error() -> None:
    investors = pd.DataFrame([{"investor": "x", "name": "X", "country": "XX", "government_ownership_pct": 0}])
    empty = pd.DataFrame()
    with pytest.raises(UnknownCountryError, match=r"investors.csv:2:country: .*'XX'"):
        OwnershipGraph.from_tables(empty, empty, empty, investors)


def test_edge_to_unknown_entity_names_the_row() -> None:
    entities = pd.DataFrame([{"entity": "a", "name": "A", "schema": "Company", "country": "US"}])
    ownership = pd.DataFrame([{"owner": "ghost", "asset": "a", "voting_pct": 10, "economic_pct": 10}])
    with pytest.raises(SecurityDataError, match=r"ownership.csv:2:owner: 'ghost' is not an entity"):
        OwnershipGraph.from_tables(entities, ownership, pd.DataFrame(), pd.DataFrame(columns=["investor"]))


def test_government_share_column_becomes_a_synthetic_owner_only_when_the_graph_has_none() -> None:
    investors = pd.DataFrame(
        [
            {
                "investor": "kr",
                "name": "KR fund",
                "country": "KR",
                "government_ownership_pct": 100.0,
                "entity": None,
            },
            {
                "investor": "ae",
                "name": "AE fund",
                "country": "AE",
                "government_ownership_pct": 100.0,
                "entity": "ae_e",
            },
        ]
    )
    entities = pd.DataFrame(
        [
            {"entity": "ae_gov", "name": "AE gov", "schema": "PublicBody", "country": "AE"},
            {"entity": "ae_e", "name": "AE fund", "schema": "Fund", "country": "AE"},
        ]
    )
    ownership = pd.DataFrame([{"owner": "ae_gov", "asset": "ae_e", "voting_pct": 60.0, "economic_pct": 60.0}])
    g = OwnershipGraph.from_tables(entities, ownership, pd.DataFrame(), investors)
    assert g.government_interests("kr")["KR"].voting_pct == pytest.approx(100.0)
    assert "gov:KR" in g.nodes and g.nodes["gov:KR"].is_government
    # The graph already shows the AE government: no synthetic owner is added.
    assert "gov:AE" not in g.nodes
    assert g.government_interests("ae_e")["AE"].voting_pct == pytest.approx(60.0)


def test_veto_right_in_control_table_gives_control() -> None:
    from stateside.security.graph import ControlEdge

    nodes = [node("gov", "KR", "PublicBody"), node("inv", "KR")]
    g = OwnershipGraph(nodes, [edge("gov", "inv", 9)], [ControlEdge("gov", "inv", "veto")])
    assert g.controls_entity({"gov"}, "inv")
    g2 = OwnershipGraph(nodes, [edge("gov", "inv", 9)], [ControlEdge("gov", "inv", "board_seat")])
    assert not g2.controls_entity({"gov"}, "inv")
