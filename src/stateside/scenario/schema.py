"""The scenario tables, declared in data (``schema/tables.csv`` and ``schema/<table>.csv``).

Like PyPSA's component attributes, each table's columns are declared once, with a type,
unit, whether they are required, a default, bounds, a foreign key and a description.
Loading, validation and docs/scenario-format.md all read these declarations.

Column types:

``code``      identifier: letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit
``string``    free text
``float``     real number (no NaN or infinity)
``int``       whole number
``bool``      true/false (also yes/no, 1/0; any case)
``year``      whole calendar year, 1900 to 2200
``country``   ISO 3166-1 alpha-2 code (any case; stored upper case)
``enum:a|b``  one of the listed words
``list:a|b``  zero or more of the listed words, separated by ``;``

A cell may be blank where the column is not required or has a default (blanks take the
default). A column may be left out of the file where it has a default or is not required.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

BASE_TYPES: tuple[str, ...] = ("code", "string", "float", "int", "bool", "year", "country")


@dataclass(frozen=True)
class ColumnSpec:
    """One declared column of a scenario table."""

    name: str
    type: str
    unit: str
    required: bool
    default: str | None
    min: float | None
    max: float | None
    references: tuple[str, str] | None
    description: str

    @property
    def base_type(self) -> str:
        """``code``, ``string``, ``float``, ``int``, ``bool``, ``year``, ``country``, ``enum`` or ``list``."""
        return self.type.split(":", 1)[0]

    @property
    def options(self) -> tuple[str, ...]:
        """Allowed words of an ``enum`` or ``list`` column (empty for other types)."""
        if ":" not in self.type:
            return ()
        return tuple(self.type.split(":", 1)[1].split("|"))

    @property
    def may_be_blank(self) -> bool:
        """Whether a blank cell is allowed (it takes the default, if any)."""
        return self.default is not None or not self.required

    @property
    def may_be_absent(self) -> bool:
        """Whether the column may be left out of the file."""
        return self.may_be_blank


@dataclass(frozen=True)
class TableSpec:
    """One declared scenario table."""

    name: str
    file: str
    required: bool
    key: tuple[str, ...]
    description: str
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _read_schema_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("stateside.scenario").joinpath("schema", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _bool(text: str, where: str) -> bool:
    if text.strip().lower() == "true":
        return True
    if text.strip().lower() == "false":
        return False
    raise ValueError(f"schema {where}: expected true or false, found {text!r}")


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _column(row: dict[str, str], table: str) -> ColumnSpec:
    where = f"{table}.{row['column']}"
    type_ = row["type"].strip()
    base = type_.split(":", 1)[0]
    if base not in (*BASE_TYPES, "enum", "list") or (base in ("enum", "list") and ":" not in type_):
        raise ValueError(f"schema {where}: unknown type {type_!r}")
    ref = row["references"].strip()
    references: tuple[str, str] | None = None
    if ref:
        ref_table, _, ref_column = ref.partition(".")
        references = (ref_table, ref_column)
    default = row["default"].strip()
    return ColumnSpec(
        name=row["column"].strip(),
        type=type_,
        unit=row["unit"].strip(),
        required=_bool(row["required"], where),
        default=default if default else None,
        min=_number(row["min"]),
        max=_number(row["max"]),
        references=references,
        description=row["description"].strip(),
    )


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every declared scenario table by name, in the order of ``tables.csv`` (cached)."""
    specs: dict[str, TableSpec] = {}
    for row in _read_schema_csv("tables.csv"):
        name = row["table"].strip()
        columns = tuple(_column(r, name) for r in _read_schema_csv(f"{name}.csv"))
        key = tuple(k for k in row["key"].strip().split(";") if k)
        spec = TableSpec(
            name=name,
            file=row["file"].strip(),
            required=_bool(row["required"], f"tables.{name}"),
            key=key,
            description=row["description"].strip(),
            columns=columns,
        )
        unknown = [k for k in key if k not in spec.column_names]
        if unknown:
            raise ValueError(f"schema tables.{name}: key columns {unknown} are not declared")
        specs[name] = spec
    for spec in specs.values():
        for col in spec.columns:
            if col.references is not None:
                ref_table, ref_column = col.references
                if ref_table not in specs or ref_column not in specs[ref_table].column_names:
                    raise ValueError(
                        f"schema {spec.name}.{col.name}: unknown reference {ref_table}.{ref_column}"
                    )
    return specs
