"""The command line: --version, --help, scenario new, validate and info."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stateside import __version__
from stateside.cli import app
from stateside.scenario import load as load_module
from stateside.scenario.load import default_scenario_dir

TINY = Path(__file__).parent / "fixtures" / "tiny"
HAS_DEFAULT = (default_scenario_dir() / "scenario.yaml").is_file()
NO_DEFAULT = "the default scenario (src/stateside/data/default/scenario.yaml) is not built yet"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def test_version() -> None:
    assert invoke("--version") == (0, f"stateside {__version__}\n")


@pytest.mark.parametrize(
    "args", [["--help"], ["validate", "--help"], ["info", "--help"], ["scenario", "new", "--help"]]
)
def test_help(args: list[str]) -> None:
    code, out = invoke(*args)
    assert code == 0 and "Usage:" in out


def test_help_lists_the_commands() -> None:
    _, out = invoke("--help")
    for command in ("validate", "info", "scenario"):
        assert command in out


def test_info_on_tiny_fixture() -> None:
    code, out = invoke("info", str(TINY))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"tiny ({TINY})"
    assert (
        "Regions: 3 (eastern 1, ercot 1, western 1); corridors: 2 (6.5 GW existing transfer capability, both directions)"
        in out
    )
    assert "AI IT targets: 2028: 300 MW, 2030: 600 MW" in out

    def row(label: str) -> list[str]:
        """Cells of the table row that starts with ``label``."""
        found = [ln for ln in lines if ln.startswith("│") and ln.strip("│ ").split(" ")[0] == label]
        assert found, f"no row {label!r} in\n{out}"
        return [c.strip() for c in found[0].strip("│").split("│")]

    # existing capacity: the fixture's existing_capacity.csv summed by hand
    assert row("gas_cc") == ["gas_cc", "67.5", "0.0"]  # 55 + 10 + 2.5 GW
    assert row("gas_ct") == ["gas_ct", "34.0", "2.0"]  # 25 + 2 (retiring 2030) + 5 + 2 GW
    assert row("total")[:3] == ["total", "199.2", "2.0"]
    # demand: 480 + 75 + 25 TWh in 2028, peaks 86 + 13 + 4.5 GW
    assert row("2028") == ["2028", "580.0", "103.5"]
    # candidates: 8 + 4 modules of 100 MW; one fab of 12 bn USD
    assert row("AI") == ["AI campuses", "2", "2", "1.2 GW IT (max)", "13.4"]
    assert row("fabs") == ["fabs", "1", "1", "0.25 M accelerators/yr", "12.0"]
    # coalition: AE 2 + 2, US 1.5 + 1.5, JP 1 + 1 bn USD
    assert row("AE") == ["AE", "4.00"]
    assert row("sovereign") == ["sovereign", "4.00"]
    assert row("committed") == ["committed", "4.50"]


def test_info_on_invalid_folder_prints_issues(tmp_path: Path) -> None:
    code, out = invoke("info", str(tmp_path))
    assert code == 1
    assert "scenario.yaml:-:-: expected the settings file scenario.yaml, found none" in out.splitlines()


def test_scenario_new_copies_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_module, "default_scenario_dir", lambda: TINY)
    dest = tmp_path / "mine"
    code, out = invoke("scenario", "new", str(dest))
    assert code == 0, out
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in TINY.iterdir())
    assert invoke("validate", str(dest))[0] == 0
    (dest / "regions.csv").write_text("edited", encoding="utf-8")
    code, out = invoke("scenario", "new", str(dest))
    assert code == 1
    assert (
        f"{dest}:-:-: expected a new or empty folder (nothing is overwritten), found a folder with 17 entries"
        in out
    )
    assert (dest / "regions.csv").read_text(encoding="utf-8") == "edited"


@pytest.mark.skipif(not HAS_DEFAULT, reason=NO_DEFAULT)
def test_scenario_new_then_validate_default(tmp_path: Path) -> None:
    dest = tmp_path / "x"
    code, out = invoke("scenario", "new", str(dest))
    assert code == 0, out
    code, out = invoke("validate", str(dest))
    assert code == 0, out
    assert out.splitlines()[-1].startswith("OK ")


@pytest.mark.skipif(not HAS_DEFAULT, reason=NO_DEFAULT)
def test_info_on_default() -> None:
    code, out = invoke("info")
    assert code == 0, out
    assert "(embedded default)" in out.splitlines()[0]
