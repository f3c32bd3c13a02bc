"""Rules as data: the packaged YAML, its citations, and user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from stateside.scenario.settings import SecuritySettings
from stateside.scenario.types import Scenario
from stateside.security.errors import SecurityDataError
from stateside.security.example import example_scenario
from stateside.security.rules import load_rules, rules_for_scenario


def test_packaged_rules_are_versioned_and_every_rule_cites_a_section() -> None:
    rules = load_rules()
    assert rules.version.startswith("stateside-cfius-")
    assert all(r.section.strip() for r in rules.rules)
    for block in (rules.excepted_states, rules.countries_of_concern, rules.control, rules.covered_investment):
        assert block.section.strip()
    assert sorted(rules.excepted_states.countries) == ["AU", "CA", "GB", "NZ"]
    assert set(rules.countries_of_concern.countries) == {"CN", "HK", "MO", "RU", "IR", "KP", "CU", "VE"}
    assert rules.tid.asset_classes["fab"].prongs == ["critical_technology"]
    assert rules.tid.asset_classes["transmission"].prongs == ["critical_infrastructure"]
    assert rules.tid.asset_classes["datacenter"].prongs == []
    mandatory_b = rules.rule("C5-mandatory-foreign-government")
    assert mandatory_b.section.startswith("§800.401(b)")
    assert mandatory_b.when.voting_pct_at_least == 25
    assert mandatory_b.when.non_excepted_government_pct_at_least == 49
    assert [b.fee_usd for b in rules.filing_fees.brackets] == [0, 750, 7500, 75000, 150000, 300000]


def test_override_changes_values_disables_and_adds_rules() -> None:
    text = """
excepted_states: {countries: [AU, CA, GB, NZ, JP]}
rules:
  - id: C5-mandatory-foreign-government
    when: {voting_pct_at_least: 20}
  - id: P2-foreign-government-control-of-tid
    enabled: false
  - id: U9-test
    title: test rule
    section: "test"
    outcome: voluntary_notice
    when: {investor_countries: [KR]}
"""
    rules = load_rules(text, "my_rules.yaml")
    assert "JP" in rules.excepted_states.countries
    assert rules.excepted_states.section.startswith("§800.218")  # untouched keys are kept
    c5 = rules.rule("C5-mandatory-foreign-government")
    assert c5.when.voting_pct_at_least == 20
    assert c5.when.non_excepted_government_pct_at_least == 49  # merged field by field
    assert not rules.rule("P2-foreign-government-control-of-tid").enabled
    assert "P2-foreign-government-control-of-tid" not in [r.id for r in rules.active_rules]
    assert rules.rules[-1].id == "U9-test"
    assert rules.overrides == ["my_rules.yaml"]


def test_invalid_override_is_a_clear_error() -> None:
    with pytest.raises(SecurityDataError, match=r"my_rules.yaml.*rules\.9\.outcome"):
        load_rules("rules:\n  - {id: X, title: x, section: x, outcome: maybe, when: {}}\n", "my_rules.yaml")
    with pytest.raises(SecurityDataError, match=r"unknown ISO 3166-1 alpha-2 country codes \['ZZ'\]"):
        load_rules("excepted_states: {countries: [ZZ]}\n", "my_rules.yaml")
    with pytest.raises(SecurityDataError, match=r"my_rules\.yaml: not valid YAML"):
        load_rules("rules: [\n", "my_rules.yaml")


def test_rules_file_is_read_from_the_scenario_folder(tmp_path: Path) -> None:
    (tmp_path / "extra_rules.yaml").write_text("caps: {margin_pct: 0.5}\n", encoding="utf-8")
    base = example_scenario()
    settings = base.settings.model_copy(update={"security": SecuritySettings(rules_file="extra_rules.yaml")})
    scenario = Scenario(settings=settings, tables=base.tables, source_dir=tmp_path)
    assert rules_for_scenario(scenario).caps.margin_pct == 0.5
    missing = Scenario(
        settings=base.settings.model_copy(update={"security": SecuritySettings(rules_file="nope.yaml")}),
        tables=base.tables,
        source_dir=tmp_path,
    )
    with pytest.raises(SecurityDataError, match=r"security\.rules_file: file 'nope\.yaml' not found"):
        rules_for_scenario(missing)
