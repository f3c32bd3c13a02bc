"""Validation: each class of problem in a corrupted copy of the tiny fixture gives its line(s)
and exit status 1 through ``stateside validate``, without a traceback."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stateside.cli import app
from stateside.scenario.errors import Issue, ScenarioError
from stateside.scenario.load import load_checked, load_scenario
from stateside.scenario.schema import table_specs
from stateside.scenario.validate import MAX_CELL_ISSUES

TINY = Path(__file__).parent / "fixtures" / "tiny"
runner = CliRunner()


@pytest.fixture
def scen(tmp_path: Path) -> Path:
    dest = tmp_path / "scen"
    shutil.copytree(TINY, dest)
    return dest


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set the cell on ``line`` of ``file`` (the header is line 1, so the first row is line 2)."""
    header, rows = read_rows(folder / file)
    rows[line - 2][header.index(column)] = value
    write_rows(folder / file, header, rows)


def drop_column(folder: Path, file: str, column: str) -> None:
    header, rows = read_rows(folder / file)
    i = header.index(column)
    write_rows(
        folder / file,
        [h for j, h in enumerate(header) if j != i],
        [[c for j, c in enumerate(r) if j != i] for r in rows],
    )


def add_row(folder: Path, file: str, values: dict[str, str]) -> None:
    header, rows = read_rows(folder / file)
    write_rows(folder / file, header, [*rows, [values.get(h, "") for h in header]])


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_validate(folder: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(folder)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output.splitlines()


def assert_fails_with(folder: Path, *lines: str) -> list[str]:
    code, out = run_validate(folder)
    shown = "\n".join(out)
    assert code == 1, shown
    for line in lines:
        assert line in out, f"missing line {line!r} in output:\n{shown}"
    return out


def problem_lines(out: list[str]) -> list[str]:
    return [line for line in out if ":" in line and not line.endswith("nothing was run.")]


# --------------------------------------------------------------------------------------
# the fixture itself


def test_tiny_fixture_is_valid() -> None:
    code, out = run_validate(TINY)
    assert code == 0
    assert out[-1].startswith("OK ") and "3 regions" in out[-1] and "periods 2028, 2030" in out[-1]


def test_loaded_tables_are_typed_and_filled() -> None:
    scenario = load_scenario(TINY)
    assert list(scenario.regions["region"]) == ["TX", "OK", "NM"]
    assert scenario.regions["population"].dtype == "int64"
    assert scenario.regions["population"].sum() == 31_290_831 + 4_095_393 + 2_130_256  # Census V2024
    assert math.isnan(scenario.regions.loc[2, "retail_price_usd_per_mwh"])  # blank optional float
    tech = scenario.technologies.set_index("technology")
    assert tech.loc["solar", "storage_hours"] == 0.0  # blank -> declared default 0
    assert tech.loc["solar", "round_trip_efficiency"] == 1.0  # blank -> declared default 1
    assert tech["buildable"].dtype == bool and not tech.loc["nuclear", "buildable"]
    assert scenario.investors.set_index("investor").loc["ae_fund", "excluded_asset_classes"] == (
        "fab",
        "transmission",
    )
    assert scenario.investors.set_index("investor").loc["us_lab", "excluded_asset_classes"] == ()
    retire = scenario.existing_capacity["retirement_year"]
    assert retire.dtype == "float64" and retire.notna().sum() == 1 and retire.max() == 2030
    assert scenario.commitments["amount_usd"].sum() == 9e9
    for name, spec in table_specs().items():
        assert list(scenario.tables[name].columns) == spec.column_names, name
    assert scenario.profiles is None


def test_absent_optional_table_and_column_take_defaults(scen: Path) -> None:
    (scen / "share_caps.csv").unlink()
    drop_column(scen, "campuses.csv", "lifetime_years")  # required, default 20
    drop_column(scen, "demand.csv", "peak_demand_mw")  # optional, no default
    set_cell(scen, "commitments.csv", 2, "stage", "")  # blank -> default 'committed'
    scenario = load_scenario(scen)
    assert (
        scenario.share_caps.empty
        and list(scenario.share_caps.columns) == table_specs()["share_caps"].column_names
    )
    assert list(scenario.campuses["lifetime_years"]) == [20.0, 20.0]
    assert scenario.demand["peak_demand_mw"].isna().all()
    assert scenario.commitments.loc[0, "stage"] == "committed"


def test_comment_columns_are_ignored(scen: Path) -> None:
    header, rows = read_rows(scen / "regions.csv")
    write_rows(scen / "regions.csv", [*header, "_note"], [[*r, "my note"] for r in rows])
    assert "_note" not in load_scenario(scen).regions.columns


def test_load_scenario_raises_scenario_error_with_issues(scen: Path) -> None:
    set_cell(scen, "fuels.csv", 2, "price_usd_per_mmbtu", "cheap")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scen)
    assert info.value.issues == [Issue("fuels.csv", 2, "price_usd_per_mmbtu", "a number", "'cheap'")]
    assert str(info.value.issues[0]) == "fuels.csv:2:price_usd_per_mmbtu: expected a number, found 'cheap'"


# --------------------------------------------------------------------------------------
# files


def test_missing_folder(tmp_path: Path) -> None:
    assert_fails_with(
        tmp_path / "nope", f"{tmp_path / 'nope'}:-:-: expected a scenario folder, found nothing at this path"
    )


def test_missing_required_file(scen: Path) -> None:
    (scen / "regions.csv").unlink()
    out = assert_fails_with(
        scen,
        "regions.csv:-:-: expected the regions table (The planning regions: US states and DC, each a node of the "
        "power system.), found none",
    )
    # no cascade of reference errors against the missing table
    assert problem_lines(out) == [out[0]]


def test_binary_file(scen: Path) -> None:
    (scen / "fabs.csv").write_bytes(b"PK\x03\x04\x00\x00garbage\xff\xfe")
    assert_fails_with(scen, "fabs.csv:1:-: expected a UTF-8 text file, found binary data (a NUL byte)")


def test_not_utf8(scen: Path) -> None:
    raw = (scen / "regions.csv").read_bytes().replace(b"New Mexico", "Nuevo México".encode("latin-1"))
    (scen / "regions.csv").write_bytes(raw)
    assert_fails_with(
        scen,
        "regions.csv:4:-: expected UTF-8 text (save the file as CSV UTF-8), found byte 0xe9 that is not UTF-8",
    )


def test_empty_file(scen: Path) -> None:
    (scen / "fuels.csv").write_text("\n  \n", encoding="utf-8")
    assert_fails_with(
        scen,
        "fuels.csv:-:-: expected a header row (fuel, price_usd_per_mmbtu, co2_t_per_mmbtu, source), found an empty file",
    )


def test_header_only_regions(scen: Path) -> None:
    header, _ = read_rows(scen / "regions.csv")
    write_rows(scen / "regions.csv", header, [])
    assert_fails_with(scen, "regions.csv:-:-: expected at least one row of regions, found only the header")


def test_unknown_csv_file_is_a_warning(scen: Path) -> None:
    (scen / "demands.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = run_validate(scen)
    assert code == 0
    assert (
        "demands.csv:-:-: expected a scenario table file (did you mean 'demand.csv'?), found an unknown file (ignored) (warning)"
        in out
    )


# --------------------------------------------------------------------------------------
# columns


def test_missing_required_column(scen: Path) -> None:
    drop_column(scen, "campuses.csv", "pue")
    out = assert_fails_with(
        scen,
        "campuses.csv:1:pue: expected a required column 'pue' (Power usage effectiveness: facility power / IT power.), "
        "found no such column",
    )
    assert problem_lines(out) == [out[0]]  # not one more line per row


def test_unknown_column_is_an_error(scen: Path) -> None:
    replace_in(scen / "demand.csv", "peak_demand_mw", "peak_demand_MW")
    assert_fails_with(
        scen,
        "demand.csv:1:peak_demand_MW: expected a declared column (did you mean 'peak_demand_mw'?), found unknown column 'peak_demand_MW'",
    )


def test_duplicate_column(scen: Path) -> None:
    header, rows = read_rows(scen / "fuels.csv")
    write_rows(scen / "fuels.csv", [*header, "source"], [[*r, "x"] for r in rows])
    assert_fails_with(scen, "fuels.csv:1:source: expected each column once, found 'source' again (column 5)")


def test_row_with_extra_cells(scen: Path) -> None:
    with (scen / "fuels.csv").open("a", encoding="utf-8") as f:
        f.write("coal,2.0,0.095,src,surplus\n")
    assert_fails_with(scen, "fuels.csv:4:-: expected at most 4 cells (one per header column), found 5")


# --------------------------------------------------------------------------------------
# cells


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "expected"),
    [
        ("technology_costs.csv", 2, "capex_usd_per_kw", "abc", "expected a number, found 'abc'"),
        ("campuses.csv", 2, "max_modules", "2.5", "expected a whole number, found '2.5'"),
        ("campuses.csv", 2, "sensitive_data", "maybe", "expected true or false, found 'maybe'"),
        ("campuses.csv", 3, "earliest_year", "20x8", "expected a year, found '20x8'"),
        ("campuses.csv", 3, "earliest_year", "1776", "expected a year between 1900 and 2200, found '1776'"),
        (
            "regions.csv",
            2,
            "region",
            "T X",
            "expected a code (letters, digits, '_', '-' or '.', no spaces), found 'T X'",
        ),
        (
            "investors.csv",
            2,
            "country",
            "USA",
            "expected an ISO 3166-1 alpha-2 country code such as US, found 'USA'",
        ),
        (
            "investors.csv",
            3,
            "investor_type",
            "hedge",
            "expected one of sponsor, cloud, strategic, venture, pension, sovereign, other, found 'hedge'",
        ),
        (
            "investors.csv",
            4,
            "excluded_asset_classes",
            "fab;gold",
            "expected items from datacenter, generation, storage, transmission, fab, separated by ';', found 'fab;gold'",
        ),
        (
            "fuels.csv",
            2,
            "price_usd_per_mmbtu",
            "NaN",
            "expected a finite number (leave the cell blank for none), found 'NaN'",
        ),
        (
            "fuels.csv",
            2,
            "price_usd_per_mmbtu",
            "",
            "expected a price for 'gas' (burnt by gas_cc, gas_ct): here or in fuel_prices.csv, found blank",
        ),
    ],
)
def test_wrong_type_or_blank(
    scen: Path, file: str, line: int, column: str, value: str, expected: str
) -> None:
    set_cell(scen, file, line, column, value)
    assert_fails_with(scen, f"{file}:{line}:{column}: {expected}")


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "expected"),
    [
        ("technology_costs.csv", 3, "capex_usd_per_kw", "-1000", "expected a value >= 0, found -1000"),
        ("campuses.csv", 2, "pue", "5", "expected a value <= 3, found 5"),
        ("ownership.csv", 2, "voting_pct", "150", "expected a value <= 100, found 150"),
        ("investors.csv", 4, "government_ownership_pct", "101", "expected a value <= 100, found 101"),
    ],
)
def test_out_of_range(scen: Path, file: str, line: int, column: str, value: str, expected: str) -> None:
    set_cell(scen, file, line, column, value)
    assert_fails_with(scen, f"{file}:{line}:{column}: {expected}")


def test_many_bad_cells_are_capped(scen: Path) -> None:
    header, rows = read_rows(scen / "existing_capacity.csv")
    i = header.index("capacity_mw")
    for r in rows:
        r[i] = "lots"
    write_rows(scen / "existing_capacity.csv", header, rows)
    out = assert_fails_with(
        scen,
        "existing_capacity.csv:2:capacity_mw: expected a number, found 'lots'",
        f"existing_capacity.csv:-:capacity_mw: expected a number, found {len(rows) - MAX_CELL_ISSUES} more rows with "
        "this problem (not listed)",
    )
    assert len(problem_lines(out)) == MAX_CELL_ISSUES + 1


# --------------------------------------------------------------------------------------
# across tables


def test_duplicate_key(scen: Path) -> None:
    add_row(
        scen,
        "technology_costs.csv",
        {
            "technology": "solar",
            "period": "2030",
            "capex_usd_per_kw": "1",
            "fixed_om_usd_per_kw_year": "1",
            "variable_om_usd_per_mwh": "0",
            "source": "x",
        },
    )
    set_cell(scen, "regions.csv", 4, "region", "TX")
    assert_fails_with(
        scen,
        "technology_costs.csv:14:technology+period: expected a unique technology + period, found solar, 2030 again (first on line 3)",
        "regions.csv:4:region: expected a unique region, found TX again (first on line 2)",
    )


def test_unknown_region_in_corridor(scen: Path) -> None:
    set_cell(scen, "corridors.csv", 2, "region_from", "ZZ")
    assert_fails_with(
        scen, "corridors.csv:2:region_from: expected a region listed in regions.csv, found 'ZZ'"
    )


def test_commitment_of_unknown_investor(scen: Path) -> None:
    set_cell(scen, "commitments.csv", 4, "investor", "jp_corpp")
    assert_fails_with(
        scen,
        "commitments.csv:4:investor: expected an investor listed in investors.csv (did you mean 'jp_corp'?), found 'jp_corpp'",
    )


def test_reference_to_absent_optional_table(scen: Path) -> None:
    (scen / "entities.csv").unlink()
    (scen / "ownership.csv").unlink()
    (scen / "control.csv").unlink()
    assert_fails_with(
        scen, "investors.csv:2:entity: expected an entity listed in entities.csv (absent), found 'us_lab_inc'"
    )


def test_corridor_with_equal_ends(scen: Path) -> None:
    set_cell(scen, "corridors.csv", 3, "region_from", "TX")
    assert_fails_with(
        scen,
        "corridors.csv:3:region_to: expected a region different from region_from, found 'TX' at both ends",
    )


def test_variable_technology_without_profile(scen: Path) -> None:
    set_cell(scen, "technologies.csv", 3, "profile", "none")
    assert_fails_with(
        scen, "technologies.csv:3:profile: expected solar or wind for a variable technology, found none"
    )


def test_missing_cost_row_for_buildable_technology(scen: Path) -> None:
    header, rows = read_rows(scen / "technology_costs.csv")
    write_rows(scen / "technology_costs.csv", header, [r for r in rows if r[:2] != ["gas_ct", "2030"]])
    assert_fails_with(
        scen,
        "technology_costs.csv:-:period: expected a row for buildable technology 'gas_ct' in period 2030, found none",
    )


def test_missing_demand_row(scen: Path) -> None:
    header, rows = read_rows(scen / "demand.csv")
    write_rows(scen / "demand.csv", header, [r for r in rows if r[:2] != ["OK", "2028"]])
    assert_fails_with(
        scen,
        "demand.csv:-:period: expected a row for region 'OK' in period 2028 (case 'reference'), found none",
    )


def test_rows_outside_the_periods_are_ignored_with_a_warning(scen: Path) -> None:
    add_row(scen, "demand.csv", {"region": "TX", "period": "2035", "annual_demand_mwh": "1", "source": "x"})
    code, out = run_validate(scen)
    assert code == 0
    assert (
        "demand.csv:8:period: expected one of the scenario periods (2028, 2030), found 2035 (row ignored) (warning)"
        in out
    )
    scenario, result = load_checked(scen)
    assert sorted(set(scenario.demand["period"])) == [2028, 2030] and len(scenario.demand) == 6
    assert [i.severity for i in result.issues] == ["warning"]


def test_ownership_over_100_percent(scen: Path) -> None:
    add_row(
        scen,
        "ownership.csv",
        {"owner": "us_lab_inc", "asset": "ae_fund", "voting_pct": "10", "economic_pct": "0"},
    )
    assert_fails_with(
        scen,
        "ownership.csv:4:voting_pct: expected total voting_pct held in 'ae_fund' <= 100, found 110 (lines 3, 4)",
    )


# --------------------------------------------------------------------------------------
# scenario.yaml


def test_missing_settings(scen: Path) -> None:
    (scen / "scenario.yaml").unlink()
    assert_fails_with(scen, "scenario.yaml:-:-: expected the settings file scenario.yaml, found none")


def test_unparseable_settings(scen: Path) -> None:
    replace_in(scen / "scenario.yaml", "mode: target", "mode: [target")
    out = assert_fails_with(scen)
    assert any(line.startswith("scenario.yaml:") and "expected valid YAML" in line for line in out), out


def test_settings_not_a_mapping(scen: Path) -> None:
    (scen / "scenario.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert_fails_with(scen, "scenario.yaml:-:-: expected a mapping of settings (name: value), found list")


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "discount_rate: 0.05",
            "discount_rate: high",
            "scenario.yaml:-:discount_rate: expected a valid number, found 'high'",
        ),
        (
            "base_dollar_year: 2024\n",
            "",
            "scenario.yaml:-:base_dollar_year: expected a value (required setting), found nothing",
        ),
        (
            "mode: target",
            "mode: target\nmodee: budget",
            "scenario.yaml:-:modee: expected a known setting (see docs/scenario-format.md), found unknown setting 'modee'",
        ),
        (
            "time_limit_s: 60",
            "time_limit_s: -1",
            "scenario.yaml:-:solver.time_limit_s: expected greater than 0, found '-1'",
        ),
        (
            "{year: 2030, length_years: 2}",
            "{year: 2030, length_years: zero}",
            "scenario.yaml:-:periods.1.length_years: expected a valid integer, found 'zero'",
        ),
        (
            "- {year: 2030",
            "- {year: 2027",
            "scenario.yaml:-:periods: expected periods to be in increasing year order, found [2028, 2027]",
        ),
    ],
)
def test_settings_errors(scen: Path, old: str, new: str, line: str) -> None:
    replace_in(scen / "scenario.yaml", old, new)
    assert_fails_with(scen, line)


def test_settings_and_table_errors_reported_together(scen: Path) -> None:
    replace_in(scen / "scenario.yaml", "reserve_margin: 0.15", "reserve_margin: 2")
    set_cell(scen, "fuels.csv", 3, "co2_t_per_mmbtu", "-1")
    assert_fails_with(
        scen,
        "scenario.yaml:-:reserve_margin: expected less than or equal to 1, found '2'",
        "fuels.csv:3:co2_t_per_mmbtu: expected a value >= 0, found -1",
    )


def test_missing_rules_file(scen: Path) -> None:
    replace_in(scen / "scenario.yaml", "solver:", "security:\n  rules_file: my_rules.yaml\nsolver:")
    assert_fails_with(
        scen,
        "scenario.yaml:-:security.rules_file: expected a YAML file inside the scenario folder, found 'my_rules.yaml'",
    )


def test_rules_file_is_read(scen: Path) -> None:
    replace_in(scen / "scenario.yaml", "solver:", "security:\n  rules_file: my_rules.yaml\nsolver:")
    (scen / "my_rules.yaml").write_text("rules: []\n", encoding="utf-8")
    assert load_scenario(scen).rules_yaml == "rules: []\n"
    (scen / "my_rules.yaml").write_text("rules: [\n", encoding="utf-8")
    out = assert_fails_with(scen)
    assert any(line.startswith("my_rules.yaml:") and "expected valid YAML" in line for line in out), out


# --------------------------------------------------------------------------------------
# profiles.csv


def write_profiles(folder: Path, columns: dict[str, list[float]], hours: int = 8760) -> None:
    lines = [",".join(["hour", *columns])]
    lines += [",".join([str(h), *(repr(v[h]) for v in columns.values())]) for h in range(hours)]
    (folder / "profiles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_valid_profiles_are_loaded(scen: Path) -> None:
    solar = [max(0.0, math.sin(math.pi * ((h % 24) - 6) / 12)) for h in range(8760)]
    write_profiles(scen, {"solar.TX": solar, "demand.NM": [1.0 + 0.1 * (h % 24 > 16) for h in range(8760)]})
    profiles = load_scenario(scen).profiles
    assert profiles is not None
    assert list(profiles.columns) == ["hour", "solar.TX", "demand.NM"]
    assert len(profiles) == 8760 and list(profiles["hour"][:3]) == [0, 1, 2]
    assert profiles["solar.TX"].max() == pytest.approx(1.0) and profiles["solar.TX"][12] == pytest.approx(1.0)


def test_profiles_wrong_row_count(scen: Path) -> None:
    write_profiles(scen, {"solar.TX": [0.5] * 8760}, hours=100)
    assert_fails_with(scen, "profiles.csv:-:-: expected 8760 rows (hours 0 to 8759), found 100")


def test_profiles_unknown_region_and_bad_column(scen: Path) -> None:
    write_profiles(scen, {"solar.CA": [0.5] * 8760, "sun.TX": [0.5] * 8760})
    assert_fails_with(
        scen,
        "profiles.csv:1:solar.CA: expected a region listed in regions.csv, found 'CA'",
        "profiles.csv:1:sun.TX: expected hour, solar.<region>, wind.<region> or demand.<region>, found column 'sun.TX'",
    )


def test_profiles_row_with_extra_cells(scen: Path) -> None:
    write_profiles(scen, {"solar.TX": [0.5] * 8760})
    text = (scen / "profiles.csv").read_text(encoding="utf-8").replace("\n3,0.5\n", "\n3,0.5,0.7\n", 1)
    (scen / "profiles.csv").write_text(text, encoding="utf-8")
    # hour 3 is on line 5 (the header is line 1)
    assert_fails_with(scen, "profiles.csv:5:-: expected at most 2 cells (one per header column), found 3")


def test_profiles_bad_values(scen: Path) -> None:
    wind = [0.4] * 8760
    wind[5] = 1.5
    demand = [1.0] * 8760
    demand[7] = -2.0
    write_profiles(scen, {"wind.OK": wind, "demand.TX": demand})
    replace_in(scen / "profiles.csv", "\n10,0.4,1.0\n", "\n10,x,1.0\n")
    assert_fails_with(
        scen,
        "profiles.csv:7:wind.OK: expected a number from 0 to 1 (availability per unit of capacity), found 1.5",
        "profiles.csv:9:demand.TX: expected a finite number >= 0, found -2.0",
        "profiles.csv:12:wind.OK: expected a number from 0 to 1 (availability per unit of capacity), found 'x'",
    )


def test_profiles_duplicate_hour(scen: Path) -> None:
    write_profiles(scen, {"solar.TX": [0.5] * 8760})
    replace_in(scen / "profiles.csv", "\n3,0.5\n", "\n2,0.5\n")
    assert_fails_with(
        scen, "profiles.csv:5:hour: expected each hour once, found hour 2 again (first on line 4)"
    )


# --------------------------------------------------------------------------------------
# issue #14, point 7: delimiter, YAML in plain words, commitments in dollars, deflators


def _issues(folder: Path) -> list[str]:
    try:
        _, result = load_checked(folder)
    except ScenarioError as exc:
        return [str(i) for i in exc.issues]
    return [str(i) for i in result.issues]


def test_a_semicolon_csv_is_one_wrong_delimiter_line(scen: Path) -> None:
    text = (scen / "fuels.csv").read_text(encoding="utf-8")
    (scen / "fuels.csv").write_text(text.replace(",", ";"), encoding="utf-8")
    found = [i for i in _issues(scen) if i.startswith("fuels.csv")]
    assert len(found) == 1, found
    assert "fuels.csv:1:" in found[0] and "values separated by semicolons" in found[0]
    assert "comma" in found[0]


@pytest.mark.parametrize(
    ("yaml_text", "line", "words"),
    [
        ('name: "tiny\nmode: target\nstart_year: 2026\n', 1, "a quote opened here that is never closed"),
        ("name: tiny\nmode target\nstart_year: 2026\n", 2, "a colon and a space after the key"),
        ("name: tiny\n\tmode: target\n", 2, "a tab character"),
        ("name: tiny\nperiods:\n  - year: 2028\n   length_years: 2\n", 4, "lines up with the lines above"),
    ],
)
def test_yaml_errors_name_the_line_in_plain_words(scen: Path, yaml_text: str, line: int, words: str) -> None:
    (scen / "scenario.yaml").write_text(yaml_text, encoding="utf-8")
    found = [i for i in _issues(scen) if i.startswith("scenario.yaml")]
    assert len(found) == 1, found
    assert found[0].startswith(f"scenario.yaml:{line}:"), found
    assert words in found[0] and "<block" not in found[0] and "scalar" not in found[0]


def test_a_commitment_of_5_dollars_is_flagged(scen: Path) -> None:
    header, rows = read_rows(scen / "commitments.csv")
    rows[0][header.index("amount_usd")] = "5"
    write_rows(scen / "commitments.csv", header, rows)
    found = [i for i in _issues(scen) if i.startswith("commitments.csv:2:amount_usd")]
    assert len(found) == 1 and "USD 5 bn is 5000000000" in found[0], found
    _, result = load_checked(scen)  # a warning: the scenario still loads
    assert any(i.severity == "warning" and i.column == "amount_usd" for i in result.issues)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "reference/deflators.csv:-:-: expected a header row"),
        (
            "garbage\n1,2,3\n",
            "reference/deflators.csv:1:year: expected the columns year, gdp_deflator_2017_100",
        ),
        ("year,gdp_deflator_2017_100,source\n2024,120.0,x\n", "no column 'factor_to_2024_usd'"),
        (
            "year,gdp_deflator_2017_100,factor_to_2024_usd\n2024,120.0,1\n2024,121.0,abc\n",
            "reference/deflators.csv:3:year: expected each year once",
        ),
        (
            "year,gdp_deflator_2017_100,factor_to_2024_usd\n2024,-1,1\n",
            "reference/deflators.csv:2:gdp_deflator",
        ),
    ],
)
def test_a_scenarios_deflators_are_validated(scen: Path, content: str, expected: str) -> None:
    (scen / "reference").mkdir(exist_ok=True)
    (scen / "reference" / "deflators.csv").write_text(content, encoding="utf-8")
    found = [i for i in _issues(scen) if i.startswith("reference/deflators.csv")]
    assert any(expected in i for i in found), found


def test_scenario_new_names_the_copy_after_its_folder(tmp_path: Path) -> None:
    from stateside.scenario.load import copy_default

    folder = copy_default(tmp_path / "my-texas-case")
    scenario = load_scenario(folder)
    assert scenario.settings.name == "my-texas-case"
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    assert text.count("name:") >= 1 and "default-us" not in text.split("\n", 3)[0]
    assert load_scenario(copy_default(tmp_path / "other", name="Gulf: 2030")).settings.name == "Gulf: 2030"
