"""Name screening: variants and transliterations found, shared legal forms not flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from stateside.security.errors import SecurityDataError
from stateside.security.example import ENTITIES, example_scenario
from stateside.security.profiles import SecurityContext
from stateside.security.screening import (
    SANCTIONS_COLUMNS,
    SanctionsTarget,
    ScreeningConfig,
    Subject,
    load_sanctions_list,
    normalise_name,
    phonetic_key,
    scenario_subjects,
    score_match,
    screen_scenario,
    screen_subjects,
    script_note,
)

THRESHOLD = ScreeningConfig().threshold


def subject(name: str, countries: tuple[str, ...] = (), identifiers: tuple[str, ...] = ()) -> Subject:
    return Subject("s", name, frozenset(countries), identifiers, ("test",))


def target(
    name: str, aliases: tuple[str, ...] = (), countries: tuple[str, ...] = (), ids: tuple[str, ...] = ()
) -> SanctionsTarget:
    return SanctionsTarget("t", "Company", name, aliases, frozenset(countries), ids, "", "test", "")


def test_normalisation_removes_case_accents_punctuation_and_legal_forms() -> None:
    assert normalise_name("Société Générale S.A.") == ("societe", "generale")
    assert normalise_name("ALPHA Holding, L.L.C.") == ("alpha",)
    assert normalise_name("Rosoboron Export JSC") == ("rosoboron", "export")
    assert normalise_name("PJSC Gazprom Neft") == ("gazprom", "neft")
    assert normalise_name("Рособоронэкспорт") == ("rosoboroneksport",)
    assert normalise_name("Holding LLC") == ("holding", "llc")  # nothing but legal forms: kept


def test_phonetic_key_joins_spelling_variants() -> None:
    assert phonetic_key("Muhammad") == phonetic_key("Mohammed") == phonetic_key("Mohamed") == "MT"
    assert phonetic_key("Yevgeny") == phonetic_key("Evgeny")
    assert phonetic_key("Rosoboronexport") == phonetic_key("Rosoboroneksport")
    assert phonetic_key("Alpha") != phonetic_key("Beta")


def test_compound_spelling_variant_is_found() -> None:
    r = score_match(subject("Rosoboronexport"), target("Rosoboron Export JSC"))
    assert r.score == pytest.approx(1.0)
    assert r.features["name_string"] == pytest.approx(1.0)


def test_cyrillic_transliteration_is_found() -> None:
    r = score_match(subject("Рособоронэкспорт"), target("Rosoboronexport"))
    assert r.score >= THRESHOLD
    assert r.features["name_phonetic"] == pytest.approx(1.0)


def test_muhammad_mohammed_variants_are_found() -> None:
    r = score_match(subject("Mohammed Al-Rashid Trading Co."), target("Muhammad Al Rashid Trading Company"))
    assert r.score >= 0.9
    r = score_match(subject("Mohamed K. Haddad"), target("Muhammad Kareem Haddad"))
    assert r.score >= THRESHOLD


def test_companies_sharing_only_a_legal_form_are_not_flagged() -> None:
    r = score_match(subject("Alpha Holding LLC", ("US",)), target("Beta Holding LLC", countries=("US",)))
    assert r.score < 0.3
    assert r.features["name_tokens"] == 0.0
    r = score_match(subject("Frontier Lab Inc."), target("Northern Star Maritime Co."))
    assert r.score < 0.4


def test_contributions_add_up_to_the_score() -> None:
    r = score_match(
        subject("Harbor Lantern Holdings", ("HK",)),
        target("Harbour Lantern Holdings Limited", countries=("HK",)),
    )
    assert sum(r.contributions.values()) == pytest.approx(r.score)
    assert r.contributions["country"] == pytest.approx(0.05)
    assert "name_string" in r.explain() and "country" in r.explain()


def test_country_mismatch_lowers_the_score() -> None:
    same = score_match(
        subject("Kestrel Avionic Systems", ("DE",)), target("Kestrel Avionics GmbH", countries=("DE",))
    )
    other = score_match(
        subject("Kestrel Avionic Systems", ("US",)), target("Kestrel Avionics GmbH", countries=("DE",))
    )
    assert same.score < 1.0
    assert same.score - other.score == pytest.approx(0.25)


def test_shared_identifier_matches_despite_a_different_name() -> None:
    r = score_match(
        subject("KA Aerospace Holdings", identifiers=("LEI:5299000KESTREL00019",)),
        target("Kestrel Avionics GmbH", ids=("LEI:5299000KESTREL00019",)),
    )
    assert r.features["identifier"] == pytest.approx(0.95)
    assert r.score >= 0.95 - 1e-9


def test_sample_list_loads_and_blocking_finds_variants() -> None:
    lst = load_sanctions_list()
    assert len(lst.targets) == 10
    assert lst.last_change == "2025-03-02T00:00:00"
    hits = screen_subjects(
        [
            subject("Volkovoboron Export JSC", ("RU",)),
            subject("Kasr Al-Zahra General Trading", ("IR",)),
            subject("Alpha Holding LLC", ("RU",)),
        ],
        lst,
    )
    matched = {(h.subject.name, h.target.id) for h in hits if h.score >= THRESHOLD}
    assert ("Volkovoboron Export JSC", "syn-0001") in matched
    assert ("Kasr Al-Zahra General Trading", "syn-0002") in matched
    assert not any(name == "Alpha Holding LLC" for name, _ in matched)


def test_scenario_screening_covers_owners_and_flags_the_hk_family_office() -> None:
    ctx = SecurityContext.from_scenario(example_scenario())
    keys = {s.key for s in scenario_subjects(ctx)}
    assert {"falcon_ai", "oasis", "adic", "uae_treasury", "harbor_fo", "redwood_gp"} <= keys
    assert "gov:KR" not in keys  # synthetic government nodes are not screened by name
    table = screen_scenario(ctx)
    matches = table[table["match"]]
    assert matches["subject"].tolist() == ["harbor_fo"]
    row = matches.iloc[0]
    assert row["list_id"] == "syn-0009"
    assert "ultimate owner of redwood" in row["roles"]
    assert "sha256" in row["list_version"] and row["threshold"] == THRESHOLD


def test_bad_list_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("caption,country\nX,ru\n", encoding="utf-8")
    with pytest.raises(SecurityDataError, match=r"missing columns \['id', 'name'\]"):
        load_sanctions_list(bad)
    with pytest.raises(SecurityDataError, match="not found"):
        load_sanctions_list(tmp_path / "absent.csv")


def test_sample_has_the_opensanctions_columns() -> None:
    header = load_sanctions_list().source
    text = Path(header).read_text(encoding="utf-8").splitlines()[0]
    assert tuple(text.split(",")) == SANCTIONS_COLUMNS


# --------------------------------------------------------------------------------------
# issue 15, point 10: entity types, other scripts, near misses


def test_a_person_is_never_matched_to_a_company() -> None:
    lst = load_sanctions_list()
    company = Subject("c", "Mohammed Karim Haddad Trading", frozenset(), (), ("test",), schema="Company")
    person = Subject("p", "Mohammed Karim Haddad", frozenset(), (), ("test",), schema="Person")
    assert not [h for h in screen_subjects([company], lst) if h.target.schema == "Person"]
    assert any(h.target.id == "syn-0003" and h.score >= THRESHOLD for h in screen_subjects([person], lst))
    # an entity of unknown type (LegalEntity) may still be either
    unknown = Subject("u", "Mohammed Karim Haddad", frozenset(), (), ("test",))
    assert any(h.target.id == "syn-0003" for h in screen_subjects([unknown], lst))


def test_chinese_script_names_are_transliterated_screened_and_reported() -> None:
    name = "中原先进半导体有限公司"
    assert normalise_name("中原先进半导体") == ("zhong", "yuan", "xian", "jin", "ban", "dao", "ti")
    # against a list entry spelled in pinyin, and against one with the Chinese-script alias
    r = score_match(subject(name), target("Zhongyuan Xianjin Bandaoti Youxian Gongsi"))
    assert r.score >= THRESHOLD, r.explain()
    r = score_match(subject(name), target("Zhongyuan Advanced Semiconductor", aliases=(name,)))
    assert r.score == pytest.approx(1.0)
    note = script_note(name)
    assert note is not None and "Cjk script" in note and "zhong yuan" in note and "translation" in note
    assert script_note("Kestrel Avionics GmbH") is None and script_note("Рособоронэкспорт") is None


def test_arabic_script_names_are_screened_with_a_warning_and_symbols_are_not_screenable() -> None:
    arabic = "شركة قصر الزهراء للتجارة"
    r = score_match(subject(arabic), target("Qasr Al-Zahra Trading Company", aliases=(arabic,)))
    assert r.score == pytest.approx(1.0)
    note = script_note(arabic)
    assert note is not None and "Arabic" in note and "vowels" in note
    bad = script_note("★☆★")
    assert bad is not None and "not screenable" in bad


def test_scenario_screening_reports_names_it_transliterated() -> None:
    entities = [*ENTITIES]
    entities[entities.index(next(e for e in entities if e["entity"] == "harbor_fo"))] = {
        "entity": "harbor_fo",
        "name": "港灯家族办公室有限公司",
        "schema": "Company",
        "country": "HK",
    }
    ctx = SecurityContext.from_scenario(example_scenario(entities=entities))
    table = screen_scenario(ctx)
    notes = table.attrs["notes"]
    assert len(notes) == 1 and notes[0].startswith("harbor_fo: ") and "transliteration" in notes[0]


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Kestrel Aviation GmbH", "DE"),
        ("Kestrel Aviation", "DE"),
        ("Volkov Export LLC", "RU"),
        ("Volkov Export", "RU"),
    ],
)
def test_near_misses_stay_below_the_threshold(name: str, country: str) -> None:
    lst = load_sanctions_list()
    hits = screen_subjects([subject(name, (country,))], lst)
    assert all(h.score < THRESHOLD for h in hits), [(h.target.name, h.score, h.explain()) for h in hits]
    # and what makes them misses is shown
    worst = max(hits, key=lambda h: h.score) if hits else None
    assert worst is None or worst.contributions["unmatched_tokens"] < 0


def test_true_variants_still_match_with_a_country() -> None:
    lst = load_sanctions_list()
    for name, country, target_id in (
        ("Kestrel Avionik GmbH", "DE", "syn-0008"),
        ("Volkovoboron Export", "RU", "syn-0001"),
        ("Harbor Lantern Holdings Ltd", "HK", "syn-0009"),
    ):
        hits = screen_subjects([subject(name, (country,))], lst)
        assert any(h.target.id == target_id and h.score >= THRESHOLD for h in hits), name


def test_screen_command_prints_the_screening_notes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A name in another script is screened transliterated, and `stateside screen` says so."""
    import shutil
    from pathlib import Path

    import pandas as pd
    from typer.testing import CliRunner

    from stateside.cli import app

    dest = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", dest)
    inv = pd.read_csv(dest / "investors.csv")
    inv.loc[inv["investor"] == "jp_corp", "name"] = "日本戦略投資"
    inv.to_csv(dest / "investors.csv", index=False)
    result = CliRunner().invoke(
        app, ["screen", str(dest), "--sample-list", "--out", str(tmp_path / "out")], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "note:" in text and "screened as its transliteration" in text, result.output
