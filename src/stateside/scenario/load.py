"""Load a scenario folder into a checked :class:`~stateside.scenario.types.Scenario`.

A scenario folder holds ``scenario.yaml`` (see :class:`~stateside.scenario.settings.Settings`),
one CSV per table declared in ``schema/tables.csv``, optionally ``profiles.csv`` (the
user's own hourly profiles) and a security rules file named in the settings. The default
US scenario ships inside the package (``stateside/data/default``).

Loaded tables follow the declarations: each has exactly the declared columns, in order,
with a RangeIndex. Column dtypes: ``float`` → float64 (blank: NaN); ``int``/``year`` →
int64 when the column is required or has a default, otherwise float64 with NaN for blanks
(e.g. ``existing_capacity.retirement_year``); ``bool`` → bool; ``list`` → tuples of
strings (blank: empty tuple); ``code``/``string``/``enum``/``country`` → strings (blank:
NaN; countries upper case). Blank cells of columns with a default hold the default.
Absent optional tables are empty frames with the declared columns. Rows of
``technology_costs`` and ``demand`` for years that are not scenario periods are dropped
(with a warning). ``profiles`` is a frame of 8760 rows sorted by hour (RangeIndex), with an int
column ``hour`` (0…8759) and float columns ``<kind>.<region>``, or None.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from stateside.scenario.errors import Issue, ScenarioError
from stateside.scenario.types import Scenario
from stateside.scenario.validate import SETTINGS_FILE, CheckResult, check_scenario


def default_scenario_dir() -> Path:
    """Folder of the default US scenario shipped as package data."""
    return Path(__file__).resolve().parent.parent / "data" / "default"


def load_checked(path: Path) -> tuple[Scenario, CheckResult]:
    """The scenario and everything the check found (warnings included).

    Raises :class:`ScenarioError` listing every problem when there is any error.
    """
    result = check_scenario(Path(path))
    if not result.ok or result.settings is None:
        raise ScenarioError(result.issues)
    scenario = Scenario(
        settings=result.settings,
        tables=result.tables,
        profiles=result.profiles,
        source_dir=Path(path).resolve(),
        rules_yaml=result.rules_yaml,
    )
    from stateside.round import with_round_proceeds  # the sponsor's rounds join its commitments

    return with_round_proceeds(scenario), result


def load_scenario(path: Path) -> Scenario:
    """Load and check the scenario folder ``path``.

    Raises :class:`ScenarioError` with every problem found (never a pandas, YAML or
    pydantic exception) when the folder cannot be used.
    """
    return load_checked(path)[0]


def default_dir_checked() -> Path:
    """:func:`default_scenario_dir`, or a :class:`ScenarioError` if the package data is missing."""
    root = default_scenario_dir()
    if not (root / SETTINGS_FILE).is_file():
        raise ScenarioError(
            [
                Issue(
                    str(root),
                    None,
                    None,
                    "the packaged default scenario",
                    "no scenario.yaml (package data missing)",
                )
            ]
        )
    return root


def load_default() -> Scenario:
    """The embedded default US scenario."""
    return load_scenario(default_dir_checked())


def copy_default(dest: Path, name: str | None = None) -> Path:
    """Copy the default scenario to ``dest`` (a new or empty folder) for editing; returns ``dest``.

    The copy's ``name`` in scenario.yaml becomes ``name`` (default: the folder's name), so
    its runs and reports do not carry the default's name. Refuses, with a
    :class:`ScenarioError`, to write into a folder that has anything in it or over a file.
    """
    dest = Path(dest)
    src = default_dir_checked()
    if dest.exists():
        if not dest.is_dir():
            raise ScenarioError([Issue(str(dest), None, None, "a new or empty folder", "an existing file")])
        entries = sum(1 for _ in dest.iterdir())
        if entries:
            raise ScenarioError(
                [
                    Issue(
                        str(dest),
                        None,
                        None,
                        "a new or empty folder (nothing is overwritten)",
                        f"a folder with {entries} entr{'y' if entries == 1 else 'ies'}",
                    )
                ]
            )
    try:
        shutil.copytree(
            src,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py"),
        )
        _rename(dest / SETTINGS_FILE, name or dest.resolve().name)
    except OSError as exc:
        raise ScenarioError(
            [Issue(str(dest), None, None, "a folder that can be written", f"{type(exc).__name__}: {exc}")]
        ) from None
    return dest


def _rename(settings_file: Path, name: str) -> None:
    """Set the top-level ``name:`` of a scenario.yaml, keeping every other line (and comment) as it is."""
    lines = settings_file.read_text(encoding="utf-8").splitlines(keepends=True)
    quoted = json.dumps(name)  # a JSON string is a valid YAML scalar
    for i, line in enumerate(lines):
        if line.startswith("name:"):
            lines[i] = f"name: {quoted}\n"
            break
    else:
        lines.insert(0, f"name: {quoted}\n")
    settings_file.write_text("".join(lines), encoding="utf-8")
