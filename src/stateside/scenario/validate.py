"""Check a scenario folder and collect every problem, one :class:`Issue` each.

:func:`check_scenario` reads ``scenario.yaml``, every declared table and the optional
``profiles.csv`` without trusting anything: bytes are checked for binary content and
UTF-8 before the CSV is parsed (with the standard ``csv`` module, so that each row keeps
its line number), every cell is parsed against its declared type, and the tables are then
checked against each other. It never raises for a bad input; it returns the issues, and
the typed tables only when there is no error. :func:`stateside.scenario.load.load_scenario`
turns errors into a :class:`~stateside.scenario.errors.ScenarioError`.

Checks, in order:

* folder: exists; unknown ``*.csv`` files are reported as warnings and ignored;
* ``scenario.yaml``: present, UTF-8 text, valid YAML, a mapping, valid against
  :class:`~stateside.scenario.settings.Settings` (each pydantic error becomes
  ``scenario.yaml:-:<field.path>: expected …, found …``); ``security.rules_file`` exists
  and is valid YAML;
* each table: file present (required tables), text (no NUL byte, UTF-8), not empty;
  header: required columns present, no duplicate and no unknown column (an unknown column
  is an **error**, since a misspelt optional column would otherwise silently take its
  default; columns whose name starts with ``_`` are comments and are ignored); each row:
  no extra cells, each cell of its declared type, required cells not blank (blank cells
  of columns with a default take the default), numbers within the declared min/max;
  ``regions`` and ``technologies`` have at least one row;
* across tables: unique keys (as declared in ``tables.csv``), references (e.g.
  ``corridors.region_from`` → ``regions.region``, commitments of unknown investors),
  corridor ends differ, technology kind consistent with profile and storage hours,
  owner differs from asset and total voting (and economic) percentage held in one asset
  ≤ 100; periods: rows of ``technology_costs`` and ``demand`` for years that are not
  scenario periods are dropped with a **warning**, and both tables must be complete
  (every buildable technology and every region in every period);
* ``profiles.csv`` (optional): ``hour`` 0…8759 once each, other columns
  ``solar.<region>``, ``wind.<region>`` (availability, 0…1) or ``demand.<region>``
  (a shape: finite numbers ≥ 0 with a positive mean) for known regions, 8760 rows.

At most :data:`MAX_CELL_ISSUES` cell problems of one kind are listed per file and column;
the rest are counted in one summary line.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from stateside.scenario.errors import Issue
from stateside.scenario.schema import ColumnSpec, TableSpec, table_specs
from stateside.scenario.settings import Settings

SETTINGS_FILE = "scenario.yaml"
PROFILES_FILE = "profiles.csv"
PROFILE_KINDS: tuple[str, ...] = ("solar", "wind", "demand")
HOURS_PER_YEAR = 8760
MAX_CELL_ISSUES = 10
YEAR_MIN, YEAR_MAX = 1900, 2200
NON_EMPTY_TABLES: tuple[str, ...] = ("regions", "technologies")

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

#: ISO 3166-1 alpha-2 codes (from the IANA time-zone database's iso3166.tab) plus XK (Kosovo).
ISO_COUNTRIES: frozenset[str] = frozenset(
    " ".join(
        (
            "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS",
            "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE",
            "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM",
            "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC",
            "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA",
            "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW",
            "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO",
            "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK",
        )
    ).split()
)


# --------------------------------------------------------------------------------------
# Collecting issues


class _Collector:
    """Issues in the order found; cell problems capped per (file, column, kind)."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._counts: dict[tuple[str, str | None, str], int] = defaultdict(int)
        self._first_hidden: dict[tuple[str, str | None, str], Issue] = {}

    def add(self, issue: Issue, group: str | None = None) -> None:
        if group is None:
            self.issues.append(issue)
            return
        key = (issue.file, issue.column, group)
        self._counts[key] += 1
        if self._counts[key] <= MAX_CELL_ISSUES:
            self.issues.append(issue)
        else:
            self._first_hidden.setdefault(key, issue)

    def error(
        self,
        file: str,
        row: int | None,
        column: str | None,
        expected: str,
        found: str,
        group: str | None = None,
    ) -> None:
        self.add(Issue(file, row, column, expected, found), group)

    def warning(self, file: str, row: int | None, column: str | None, expected: str, found: str) -> None:
        self.add(Issue(file, row, column, expected, found, severity="warning"))

    def has_errors(self, file: str | None = None) -> bool:
        return any(i.is_error and (file is None or i.file == file) for i in self.issues)

    def finish(self, file_order: list[str]) -> list[Issue]:
        """All issues grouped by file (in ``file_order``), by row within a file, summaries last."""
        summaries: dict[str, list[Issue]] = defaultdict(list)
        for key, first in self._first_hidden.items():
            hidden = self._counts[key] - MAX_CELL_ISSUES
            summaries[first.file].append(
                Issue(
                    first.file,
                    None,
                    first.column,
                    first.expected,
                    f"{hidden} more rows with this problem (not listed)",
                )
            )
        rank = {name: i for i, name in enumerate(file_order)}
        ordered = sorted(
            enumerate(self.issues),
            key=lambda t: (rank.get(t[1].file, len(rank)), t[1].file, t[1].row or 0, t[0]),
        )
        out: list[Issue] = []
        files_seen: list[str] = []
        for _, issue in ordered:
            if issue.file not in files_seen:
                if files_seen and files_seen[-1] in summaries:
                    out.extend(summaries.pop(files_seen[-1]))
                files_seen.append(issue.file)
            out.append(issue)
        for rest in summaries.values():
            out.extend(rest)
        return out


def _show(value: object, limit: int = 40) -> str:
    """A cell or value as the user typed it, quoted, shortened."""
    if value is None:
        return "nothing"
    text = value if isinstance(value, str) else str(value)
    if text == "":
        return "blank"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.6g}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _closest(word: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


# --------------------------------------------------------------------------------------
# Reading files


@dataclass
class _RawCsv:
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]]


def _read_text(path: Path, rel: str, col: _Collector) -> str | None:
    """The file's text, or None after reporting why it cannot be read as UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        col.error(rel, None, None, "a readable file", f"{type(exc).__name__}: {exc.strerror or exc}")
        return None
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col.error(rel, line, None, "a UTF-8 text file", "binary data (a NUL byte)")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col.error(
            rel,
            line,
            None,
            "UTF-8 text (save the file as CSV UTF-8)",
            f"byte 0x{data[exc.start]:02x} that is not UTF-8",
        )
        return None


def _read_csv(path: Path, rel: str, col: _Collector, columns_hint: list[str]) -> _RawCsv | None:
    """Header and records (with their first line number) of a CSV file, or None."""
    text = _read_text(path, rel, col)
    if text is None:
        return None
    if not text.strip():
        col.error(rel, None, None, f"a header row ({', '.join(columns_hint)})", "an empty file")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    header_line = 1
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, header_line = [c.strip() for c in cells], start
            else:
                records.append((start, cells))
    except csv.Error as exc:
        col.error(rel, previous_end + 1, None, "well-formed CSV", f"{exc}")
        return None
    if header is None:
        col.error(rel, None, None, f"a header row ({', '.join(columns_hint)})", "an empty file")
        return None
    if len(header) == 1 and len(columns_hint) > 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in header[0]:
                col.error(
                    rel,
                    header_line,
                    None,
                    "values separated by commas (save as 'CSV UTF-8 (comma delimited)')",
                    f"the wrong delimiter: values separated by {name}",
                )
                return None
    return _RawCsv(header=header, header_line=header_line, records=records)


# --------------------------------------------------------------------------------------
# Cells


class _BadCell(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _parse_cell(spec: ColumnSpec, text: str) -> Any:
    """The typed value of a non-blank cell; raises _BadCell with what was expected."""
    base = spec.base_type
    if base == "string":
        return text
    if base == "code":
        if not _CODE_RE.match(text):
            raise _BadCell("a code (letters, digits, '_', '-' or '.', no spaces)")
        return text
    if base == "float":
        try:
            value = float(text)
        except ValueError:
            raise _BadCell("a number") from None
        if not math.isfinite(value):
            raise _BadCell("a finite number (leave the cell blank for none)")
        return value
    if base in ("int", "year"):
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number.is_integer()):
            raise _BadCell("a year" if base == "year" else "a whole number")
        value_int = int(number)
        if base == "year" and not YEAR_MIN <= value_int <= YEAR_MAX:
            raise _BadCell(f"a year between {YEAR_MIN} and {YEAR_MAX}")
        return value_int
    if base == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise _BadCell("true or false")
    if base == "country":
        if text.upper() not in ISO_COUNTRIES:
            raise _BadCell("an ISO 3166-1 alpha-2 country code such as US")
        return text.upper()
    if base == "enum":
        if text not in spec.options:
            raise _BadCell(f"one of {', '.join(spec.options)}")
        return text
    if base == "list":
        items = [s.strip() for s in text.split(";") if s.strip()]
        if any(item not in spec.options for item in items):
            raise _BadCell(f"items from {', '.join(spec.options)}, separated by ';'")
        return tuple(dict.fromkeys(items))
    raise _BadCell(f"a value of type {spec.type}")  # pragma: no cover - schema types are checked


def _blank_value(spec: ColumnSpec) -> Any:
    """Value of a blank cell that is allowed to be blank."""
    if spec.default is not None:
        return _parse_cell(spec, spec.default)
    if spec.base_type == "list":
        return ()
    return None


#: The largest magnitude a number in a scenario table may have: beyond it (1e300 …) a value
#: would pass its column's bounds but break the solver's double-precision arithmetic (USD
#: totals of the largest plans stay below 1e13).
MAX_ABS_VALUE = 1e15


def _range_problem(spec: ColumnSpec, value: Any) -> str | None:
    if spec.base_type not in ("float", "int", "year") or value is None:
        return None
    if abs(value) > MAX_ABS_VALUE:
        return f"a number of magnitude at most {MAX_ABS_VALUE:g}"
    if spec.min is not None and value < spec.min:
        return f"a value >= {_num(spec.min)}"
    if spec.max is not None and value > spec.max:
        return f"a value <= {_num(spec.max)}"
    return None


# --------------------------------------------------------------------------------------
# One table


@dataclass
class _Parsed:
    """A table's cells parsed to Python values (None: blank or invalid), with line numbers."""

    spec: TableSpec
    file: str
    lines: list[int]
    values: dict[str, list[Any]]
    present: bool = True
    broken: bool = False
    missing: set[str] = field(default_factory=set)
    drop: set[int] = field(default_factory=set)

    def usable(self, column: str) -> bool:
        """Whether the column's values can be trusted for checks across tables."""
        return not self.broken and column not in self.missing

    def rows(self) -> Iterable[tuple[int, int, dict[str, Any]]]:
        """(index, line, {column: value}) for each row not dropped."""
        for i, line in enumerate(self.lines):
            if i not in self.drop:
                yield i, line, {name: vals[i] for name, vals in self.values.items()}

    def column_values(self, name: str) -> set[Any]:
        return {v for i, v in enumerate(self.values[name]) if v is not None and i not in self.drop}


def _empty_parsed(spec: TableSpec, present: bool, broken: bool) -> _Parsed:
    return _Parsed(spec, spec.file, [], {c.name: [] for c in spec.columns}, present=present, broken=broken)


def _fits_header(rel: str, line: int, cells: list[str], width: int, col: _Collector) -> bool:
    """Whether a CSV row has no non-blank cell beyond the header's ``width`` columns; an error if it has."""
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        col.error(
            rel, line, None, f"at most {width} cells (one per header column)", f"{len(cells)}", group="width"
        )
        return False
    return True


def _parse_table(spec: TableSpec, raw: _RawCsv, col: _Collector) -> _Parsed:
    rel = spec.file
    declared = {c.name: c for c in spec.columns}
    index: dict[str, int] = {}
    ignored: list[int] = []
    for pos, name in enumerate(raw.header):
        if name.startswith("_"):
            ignored.append(pos)
            continue
        if name == "":
            if any(pos < len(cells) and cells[pos].strip() for _, cells in raw.records):
                col.error(
                    rel,
                    raw.header_line,
                    f"#{pos + 1}",
                    "a column name",
                    "blank header over a column with data",
                )
            ignored.append(pos)
            continue
        if name in index:
            col.error(rel, raw.header_line, name, "each column once", f"{name!r} again (column {pos + 1})")
            ignored.append(pos)
            continue
        if name not in declared:
            hint = _closest(name, declared)
            expected = (
                f"a declared column (did you mean {hint!r}?)"
                if hint
                else "a declared column: " + ", ".join(declared)
            )
            col.error(rel, raw.header_line, name, expected, f"unknown column {name!r}")
            ignored.append(pos)
            continue
        index[name] = pos
    missing: set[str] = set()
    for c in spec.columns:
        if c.name not in index and not c.may_be_absent:
            col.error(
                rel,
                raw.header_line,
                c.name,
                f"a required column {c.name!r} ({c.description})",
                "no such column",
            )
            missing.add(c.name)

    width = len(raw.header)
    values: dict[str, list[Any]] = {c.name: [] for c in spec.columns}
    lines: list[int] = []
    for line, cells in raw.records:
        _fits_header(rel, line, cells, width, col)
        lines.append(line)
        for c in spec.columns:
            at = index.get(c.name)
            text = cells[at].strip() if at is not None and at < len(cells) else ""
            if text == "":
                if c.may_be_blank:
                    values[c.name].append(_blank_value(c))
                else:
                    if c.name not in missing:
                        col.error(rel, line, c.name, "a value (required column)", "blank", group="blank")
                    values[c.name].append(None)
                continue
            try:
                value = _parse_cell(c, text)
            except _BadCell as bad:
                col.error(rel, line, c.name, bad.expected, _show(text), group="type")
                values[c.name].append(None)
                continue
            problem = _range_problem(c, value)
            if problem is not None:
                col.error(rel, line, c.name, problem, text, group="range")
                value = None
            values[c.name].append(value)
    if spec.name in NON_EMPTY_TABLES and not lines:
        col.error(rel, None, None, f"at least one row of {spec.name}", "only the header")
    return _Parsed(spec, rel, lines, values, missing=missing)


def _series(spec: ColumnSpec, values: list[Any]) -> pd.Series:
    base = spec.base_type
    if base == "float":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if base in ("int", "year"):
        if any(v is None for v in values) or not (spec.required or spec.default is not None):
            return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
        return pd.Series(values, dtype="int64")
    if base == "bool":
        if any(v is None for v in values):
            return pd.Series(values, dtype=object)
        return pd.Series(values, dtype="bool")
    if base == "list":
        return pd.Series(values, dtype=object)
    return pd.Series([np.nan if v is None else v for v in values], dtype="str")


def _frame(parsed: _Parsed) -> pd.DataFrame:
    keep = [i for i in range(len(parsed.lines)) if i not in parsed.drop]
    data = {c.name: _series(c, [parsed.values[c.name][i] for i in keep]) for c in parsed.spec.columns}
    return pd.DataFrame(data, columns=parsed.spec.column_names)


# --------------------------------------------------------------------------------------
# Checks across tables


def _key_label(spec: TableSpec) -> str:
    return "+".join(spec.key)


def _check_keys(p: _Parsed, col: _Collector) -> None:
    spec = p.spec
    if not spec.key:
        return
    seen: dict[tuple[Any, ...], int] = {}
    for _, line, row in p.rows():
        key = tuple(row[k] for k in spec.key)
        if any(v is None and not spec.column(k).may_be_blank for k, v in zip(spec.key, key, strict=True)):
            continue  # already reported as blank or invalid
        if key in seen:
            shown = ", ".join("-" if v is None else str(v) for v in key)
            col.error(
                p.file,
                line,
                _key_label(spec),
                f"a unique {' + '.join(spec.key)}",
                f"{shown} again (first on line {seen[key]})",
                group="key",
            )
        else:
            seen[key] = line


def _check_references(parsed: dict[str, _Parsed], col: _Collector) -> None:
    for p in parsed.values():
        for c in p.spec.columns:
            if c.references is None:
                continue
            ref_table, ref_column = c.references
            target = parsed.get(ref_table)
            if target is None or not target.usable(ref_column) or not p.usable(c.name):
                continue  # the missing file or column is reported already
            known = target.column_values(ref_column)
            where = f"{target.spec.file}" if target.present else f"{target.spec.file} (absent)"
            for _, line, row in p.rows():
                value = row[c.name]
                if value is not None and value not in known:
                    hint = _closest(str(value), (str(k) for k in known))
                    expected = f"{_article(ref_column)} {ref_column} listed in {where}" + (
                        f" (did you mean {hint!r}?)" if hint else ""
                    )
                    col.error(p.file, line, c.name, expected, _show(str(value)), group="reference")


def _check_corridors(p: _Parsed, col: _Collector) -> None:
    for _, line, row in p.rows():
        a, b = row["region_from"], row["region_to"]
        if a is not None and a == b:
            col.error(p.file, line, "region_to", "a region different from region_from", f"{a!r} at both ends")


def _check_technologies(p: _Parsed, col: _Collector) -> None:
    for _, line, row in p.rows():
        kind, profile = row["kind"], row["profile"]
        if kind == "variable" and profile == "none":
            col.error(p.file, line, "profile", "solar or wind for a variable technology", "none")
        if kind is not None and kind != "variable" and profile not in (None, "none"):
            col.error(p.file, line, "profile", f"none for a {kind} technology", repr(profile))
        hours = row["storage_hours"]
        if kind == "storage" and hours is not None and hours <= 0:
            col.error(p.file, line, "storage_hours", "a value > 0 for a storage technology", _num(hours))


#: below this a commitment is surely not meant in dollars (5 meaning USD 5 bn)
_SMALL_COMMITMENT_USD = 100_000.0


def _check_commitments(p: _Parsed, col: _Collector) -> None:
    """Warn about amounts that look like billions or millions written as plain numbers."""
    if "amount_usd" not in p.values:
        return
    for _, line, row in p.rows():
        amount = row.get("amount_usd")
        if amount is not None and 0 < amount < _SMALL_COMMITMENT_USD:
            col.warning(
                p.file,
                line,
                "amount_usd",
                f"an amount in US dollars (USD {amount:g} bn is {amount * 1e9:.0f})",
                f"{amount:g}, i.e. USD {amount:g}",
            )


def _check_rounds(parsed: dict[str, _Parsed], col: _Collector) -> None:
    """The sponsor's funding rounds and cap table across rows (:func:`stateside.round.round_problems`)."""
    from stateside.round import round_problems

    rounds, cap, inv = parsed["funding_rounds"], parsed["sponsor_cap_table"], parsed["investors"]
    if not (rounds.present or cap.present) or rounds.broken or cap.broken or rounds.missing or cap.missing:
        return
    investors = _frame(inv) if inv.usable("investor") else pd.DataFrame(columns=["investor"])

    def lines(p: _Parsed) -> list[int]:
        return [line for i, line in enumerate(p.lines) if i not in p.drop]

    for file, line, column, expected, found in round_problems(
        _frame(rounds), _frame(cap), investors, lines(rounds), lines(cap)
    ):
        col.error(file, line, column, expected, found)


DEFLATORS_FILE = "reference/deflators.csv"
_DEFLATOR_COLUMNS = ("year", "gdp_deflator_2017_100", "factor_to_2024_usd")


def _check_deflators(root: Path, col: _Collector) -> None:
    """``reference/deflators.csv``, when a scenario folder has one: the columns of the packaged
    table, one row per year, positive numbers."""
    path = root / DEFLATORS_FILE
    if not path.is_file():
        return
    raw = _read_csv(path, DEFLATORS_FILE, col, list(_DEFLATOR_COLUMNS))
    if raw is None:
        return
    for name in _DEFLATOR_COLUMNS:
        if name not in raw.header:
            col.error(
                DEFLATORS_FILE,
                raw.header_line,
                name,
                f"the columns {', '.join(_DEFLATOR_COLUMNS)}",
                f"no column {name!r}",
            )
            return
    if not raw.records:
        col.error(DEFLATORS_FILE, None, None, "one row per year", "no rows")
        return
    where = {name: raw.header.index(name) for name in _DEFLATOR_COLUMNS}
    seen: dict[int, int] = {}
    for line, cells in raw.records:
        for name, i in where.items():
            text = cells[i].strip() if i < len(cells) else ""
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if name == "year":
                if not (math.isfinite(value) and value.is_integer() and YEAR_MIN <= value <= YEAR_MAX):
                    col.error(
                        DEFLATORS_FILE, line, name, f"a year between {YEAR_MIN} and {YEAR_MAX}", _show(text)
                    )
                elif int(value) in seen:
                    col.error(
                        DEFLATORS_FILE,
                        line,
                        name,
                        "each year once",
                        f"{int(value)} again (line {seen[int(value)]})",
                    )
                else:
                    seen[int(value)] = line
            elif not (math.isfinite(value) and value > 0):
                col.error(DEFLATORS_FILE, line, name, "a number > 0", _show(text))


def _check_ownership(p: _Parsed, col: _Collector) -> None:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    last: dict[tuple[str, str], int] = {}
    lines: dict[tuple[str, str], list[int]] = defaultdict(list)
    for _, line, row in p.rows():
        owner, asset = row["owner"], row["asset"]
        if owner is not None and owner == asset:
            col.error(p.file, line, "owner", "an owner different from the asset", f"{owner!r} owning itself")
        if asset is None:
            continue
        for column in ("voting_pct", "economic_pct"):
            if row[column] is not None:
                totals[(asset, column)] += row[column]
                last[(asset, column)] = line
                lines[(asset, column)].append(line)
    for (asset, column), total in totals.items():
        if total > 100 + 1e-9:
            on = ", ".join(str(n) for n in lines[(asset, column)])
            col.error(
                p.file,
                last[(asset, column)],
                column,
                f"total {column} held in {asset!r} <= 100",
                f"{_num(total)} (lines {on})",
            )


def _check_periods(parsed: dict[str, _Parsed], periods: list[int], case: str, col: _Collector) -> None:
    shown = ", ".join(str(y) for y in periods)
    for name in ("technology_costs", "demand", "fuel_prices"):
        p = parsed[name]
        for i, line, row in p.rows():
            if row["period"] is not None and row["period"] not in periods:
                col.warning(
                    p.file,
                    line,
                    "period",
                    f"one of the scenario periods ({shown})",
                    f"{row['period']} (row ignored)",
                )
                p.drop.add(i)
    costs, techs = parsed["technology_costs"], parsed["technologies"]
    if all(t.usable(c) for t, c in ((costs, "period"), (costs, "technology"), (techs, "technology"))):
        have = {(row["technology"], row["period"]) for _, _, row in costs.rows()}
        for _, _, row in techs.rows():
            if row["buildable"] and row["technology"] is not None:
                for year in periods:
                    if (row["technology"], year) not in have:
                        col.error(
                            costs.file,
                            None,
                            "period",
                            f"a row for buildable technology {row['technology']!r} in period {year}",
                            "none",
                        )
    demand, regions = parsed["demand"], parsed["regions"]
    usable = ((demand, "period"), (demand, "region"), (demand, "case"), (regions, "region"))
    if all(t.usable(c) for t, c in usable):
        have = {(row["region"], row["period"]) for _, _, row in demand.rows() if row["case"] == case}
        cases = sorted({str(row["case"]) for _, _, row in demand.rows() if row["case"] is not None})
        if not have and cases:
            col.error(
                demand.file,
                None,
                "case",
                f"rows for the demand_case {case!r} chosen in {SETTINGS_FILE} (cases here: {', '.join(cases)})",
                "none",
            )
            return
        for _, _, row in regions.rows():
            if row["region"] is not None:
                for year in periods:
                    if (row["region"], year) not in have:
                        col.error(
                            demand.file,
                            None,
                            "period",
                            f"a row for region {row['region']!r} in period {year} (case {case!r})",
                            "none",
                        )


def _check_campus_power(parsed: dict[str, _Parsed], settings: Settings, col: _Collector) -> None:
    """Where some campus has a ``grid_connection_year``, ``campus_power.technologies``
    names thermal technologies of technologies.csv (a connection year at or before
    ``earliest_year`` only means the campus is never islanded)."""
    techs, camp = parsed["technologies"], parsed["campuses"]
    if not (techs.usable("technology") and techs.usable("kind")):
        return
    if "grid_connection_year" not in camp.values or not camp.column_values("grid_connection_year"):
        return
    kinds = {row["technology"]: row["kind"] for _, _, row in techs.rows() if row["technology"] is not None}
    for name in settings.campus_power.technologies:
        if name not in kinds:
            close = difflib.get_close_matches(name, list(kinds), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            col.error(
                SETTINGS_FILE,
                None,
                "campus_power.technologies",
                "technologies of technologies.csv",
                f"{name!r}{hint}",
            )
        elif kinds[name] != "thermal":
            col.error(
                SETTINGS_FILE,
                None,
                "campus_power.technologies",
                "thermal technologies (an island runs on firm, dispatchable units)",
                f"{name!r} of kind {kinds[name]!r}",
            )


def _check_fuels(parsed: dict[str, _Parsed], periods: list[int], col: _Collector) -> None:
    """One source per fuel price: a fuel priced by region in fuel_prices.csv has a blank
    national price in fuels.csv; a fuel that a technology burns has a price somewhere; a
    regional price covers every period; existing plants burn a fuel available where they are."""
    fuels, prices = parsed["fuels"], parsed["fuel_prices"]
    techs, existing = parsed["technologies"], parsed["existing_capacity"]
    if not (fuels.usable("fuel") and fuels.usable("price_usd_per_mmbtu")) or col.has_errors(fuels.file):
        return  # a broken cell is reported already
    regional: dict[str, set[str]] = defaultdict(set)
    periods_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    if prices.present and all(prices.usable(c) for c in ("fuel", "region", "period")):
        for _, _, row in prices.rows():
            if row["fuel"] is not None and row["region"] is not None:
                regional[row["fuel"]].add(row["region"])
                if row["period"] is not None:
                    periods_of[(row["fuel"], row["region"])].add(row["period"])
    national: dict[str, bool] = {}
    line_of: dict[str, int] = {}
    for _, line, row in fuels.rows():
        fuel = row["fuel"]
        if fuel is None:
            continue
        national[fuel] = row["price_usd_per_mmbtu"] is not None
        line_of[fuel] = line
        if fuel in regional and national[fuel]:
            col.error(
                fuels.file,
                line,
                "price_usd_per_mmbtu",
                f"blank: {fuel!r} has regional prices in {prices.spec.file} (one source per price)",
                _num(row["price_usd_per_mmbtu"]),
            )
    for (fuel, region), years in sorted(periods_of.items()):
        missing = [y for y in periods if y not in years]
        if missing:
            col.error(
                prices.file,
                None,
                "period",
                f"a price of {fuel!r} in {region!r} for every period (or no {region!r} rows: no supply)",
                f"none for {', '.join(str(y) for y in missing)}",
            )
    burns: dict[str, str] = {}
    if techs.usable("technology") and techs.usable("fuel"):
        for _, _line, row in techs.rows():
            fuel, tech = row["fuel"], row["technology"]
            if fuel is not None and tech is not None:
                burns[tech] = fuel
    for fuel in sorted(set(burns.values())):
        if fuel in national and not national[fuel] and fuel not in regional:
            users = ", ".join(sorted(t for t, f in burns.items() if f == fuel))
            col.error(
                fuels.file,
                line_of[fuel],
                "price_usd_per_mmbtu",
                f"a price for {fuel!r} (burnt by {users}): here or in {prices.spec.file}",
                "blank",
            )
    if existing.usable("technology") and existing.usable("region"):
        for _, line, row in existing.rows():
            fuel = burns.get(row["technology"])
            if fuel in regional and row["region"] not in regional[fuel] and (row["capacity_mw"] or 0) > 0:
                col.error(
                    existing.file,
                    line,
                    "technology",
                    f"a technology whose fuel is available in {row['region']!r} "
                    f"({fuel!r} has no price there in {prices.spec.file})",
                    repr(row["technology"]),
                )


def _check_credit_steps(p: _Parsed, col: _Collector) -> None:
    """Steps of each technology number 1, 2, ... with rising upper shares, blank only on the last."""
    if not p.present or not all(p.usable(c) for c in ("technology", "step", "share_of_peak_upto")):
        return
    steps: dict[str, list[tuple[int, int, float | None]]] = defaultdict(list)
    for _, line, row in p.rows():
        if row["technology"] is not None and row["step"] is not None:
            steps[row["technology"]].append((row["step"], line, row["share_of_peak_upto"]))
    for tech, rows in steps.items():
        rows.sort()
        numbers = [n for n, _, _ in rows]
        if numbers != list(range(1, len(rows) + 1)):
            col.error(p.file, rows[0][1], "step", f"steps 1..{len(rows)} for {tech!r}", str(numbers))
            continue
        previous = 0.0
        for k, (_n, line, upto) in enumerate(rows):
            last = k == len(rows) - 1
            if upto is None and not last:
                col.error(
                    p.file, line, "share_of_peak_upto", "a value (only the last step may be blank)", "blank"
                )
            elif upto is not None and upto <= previous:
                col.error(
                    p.file,
                    line,
                    "share_of_peak_upto",
                    f"more than the previous step's {_num(previous)}",
                    _num(upto),
                )
            if upto is not None:
                previous = upto


# --------------------------------------------------------------------------------------
# scenario.yaml and the rules file


def _load_yaml(path: Path, rel: str, col: _Collector) -> tuple[Any, str] | None:
    text = _read_text(path, rel, col)
    if text is None:
        return None
    try:
        return yaml.safe_load(text), text
    except yaml.reader.ReaderError as exc:
        at = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        col.error(rel, at, None, "YAML text", f"the control character {ord(char):#06x}")
    except yaml.MarkedYAMLError as exc:
        line, expected, found = _yaml_problem(exc)
        col.error(rel, line, None, expected, found)
    except Exception as exc:  # any other YAML failure is still the user's file
        col.error(rel, None, None, "valid YAML", f"{type(exc).__name__}: {exc}")
    return None


def _yaml_problem(exc: yaml.MarkedYAMLError) -> tuple[int | None, str, str]:
    """(line, expected, found) in plain words for PyYAML's common errors, on the line where
    the mistake is (PyYAML often notices it a line or two later)."""
    problem, context = str(exc.problem or ""), str(exc.context or "")
    p_line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    c_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
    if "quoted scalar" in context:
        return c_line or p_line, "a closing quote", "a quote opened here that is never closed"
    if "could not find expected ':'" in problem:
        return c_line or p_line, "'key: value' (a colon and a space after the key)", "a line without one"
    if "\\t" in problem or "\t" in problem:  # PyYAML shows a tab as \t
        return p_line, "spaces for indentation", "a tab character"
    if "expected <block end>" in problem or "block collection" in context or "block mapping" in context:
        return p_line, "indentation that lines up with the lines above", "a line indented differently"
    if "mapping values are not allowed" in problem:
        return p_line, "one 'key: value' per line (quote values that contain ': ')", "a second ':'"
    return p_line or c_line, "valid YAML", problem or context or "a syntax error"


def _settings_issue(err: dict[str, Any]) -> Issue:
    loc = ".".join(str(x) for x in err.get("loc", ()))
    kind, msg = str(err.get("type", "")), str(err.get("msg", ""))
    value = err.get("input")
    if kind == "missing":
        return Issue(SETTINGS_FILE, None, loc, "a value (required setting)", "nothing")
    if kind == "extra_forbidden":
        return Issue(
            SETTINGS_FILE,
            None,
            loc,
            "a known setting (see docs/scenario-format.md)",
            f"unknown setting {loc!r}",
        )
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        first = text.split(" ", 1)[0]
        column = loc or (first if first.split(".")[0] in Settings.model_fields else "")
        if ", found " in text:
            expected, found = text.rsplit(", found ", 1)
            return Issue(SETTINGS_FILE, None, column, expected.replace(" must ", " to "), found)
        return Issue(SETTINGS_FILE, None, column, "consistent settings", text)
    expected = msg.removeprefix("Input should be ").split(", ")[0]
    expected = expected[:1].lower() + expected[1:]
    return Issue(
        SETTINGS_FILE, None, loc, expected, _show(value if not isinstance(value, dict) else "a mapping")
    )


def _check_settings(root: Path, col: _Collector) -> tuple[Settings | None, str | None]:
    path = root / SETTINGS_FILE
    if not path.is_file():
        col.error(SETTINGS_FILE, None, None, "the settings file scenario.yaml", "none")
        return None, None
    loaded = _load_yaml(path, SETTINGS_FILE, col)
    if loaded is None:
        return None, None
    data, _ = loaded
    if not isinstance(data, dict):
        col.error(SETTINGS_FILE, None, None, "a mapping of settings (name: value)", type(data).__name__)
        return None, None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            col.add(_settings_issue(dict(err)))
        return None, None
    except Exception as exc:  # a validator tripping over odd input is still a settings problem
        col.error(SETTINGS_FILE, None, None, "valid settings", f"{type(exc).__name__}: {exc}")
        return None, None
    rules_yaml: str | None = None
    rules_file = settings.security.rules_file
    if rules_file:
        rules_path = root / rules_file
        inside = (
            Path(rules_file).parts
            and not Path(rules_file).is_absolute()
            and ".." not in Path(rules_file).parts
        )
        if not inside or not rules_path.is_file():
            col.error(
                SETTINGS_FILE,
                None,
                "security.rules_file",
                "a YAML file inside the scenario folder",
                _show(rules_file),
            )
        else:
            rules = _load_yaml(rules_path, rules_file, col)
            if rules is not None:
                rules_yaml = rules[1]
    return settings, rules_yaml


# --------------------------------------------------------------------------------------
# profiles.csv


def _check_profiles(root: Path, regions: set[str] | None, col: _Collector) -> pd.DataFrame | None:
    path = root / PROFILES_FILE
    rel = PROFILES_FILE
    raw = _read_csv(path, rel, col, ["hour", "solar.<region>", "wind.<region>", "demand.<region>"])
    if raw is None:
        return None
    ok = True
    index: dict[str, int] = {}
    for pos, name in enumerate(raw.header):
        if name.startswith("_") or (
            name == "" and not any(pos < len(c) and c[pos].strip() for _, c in raw.records)
        ):
            continue
        if name in index:
            col.error(rel, raw.header_line, name, "each column once", f"{name!r} again (column {pos + 1})")
            ok = False
            continue
        kind, dot, region = name.partition(".")
        if name != "hour" and (not dot or kind not in PROFILE_KINDS):
            col.error(
                rel,
                raw.header_line,
                name or f"#{pos + 1}",
                "hour, solar.<region>, wind.<region> or demand.<region>",
                f"column {name!r}",
            )
            ok = False
            continue
        if name != "hour" and regions is not None and region not in regions:
            hint = _closest(region, regions)
            expected = "a region listed in regions.csv" + (f" (did you mean {hint!r}?)" if hint else "")
            col.error(rel, raw.header_line, name, expected, _show(region))
            ok = False
            continue
        index[name] = pos
    if "hour" not in index:
        col.error(rel, raw.header_line, "hour", "a column 'hour' (0 to 8759)", "no such column")
        ok = False
    if len(raw.records) != HOURS_PER_YEAR:
        col.error(rel, None, None, f"{HOURS_PER_YEAR} rows (hours 0 to 8759)", f"{len(raw.records)}")
        ok = False
    width = len(raw.header)
    lines = [line for line, _ in raw.records]
    for line, cells in raw.records:
        if not _fits_header(rel, line, cells, width, col):
            ok = False
    numbers: dict[str, np.ndarray] = {}
    for name, pos in index.items():
        texts = pd.Series(
            [cells[pos].strip() if pos < len(cells) else "" for _, cells in raw.records], dtype=object
        )
        values = pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isfinite(values)
        kind = name.partition(".")[0]
        if name == "hour":
            bad |= ~np.isclose(values, np.round(values))
            expected, high = "a whole hour from 0 to 8759", float(HOURS_PER_YEAR - 1)
        elif kind in ("solar", "wind"):
            expected, high = "a number from 0 to 1 (availability per unit of capacity)", 1.0
        else:
            expected, high = "a finite number >= 0", math.inf
        for i in np.flatnonzero(bad):
            col.error(rel, lines[i], name, expected, _show(texts.iloc[i]), group="type")
            ok = False
        with np.errstate(invalid="ignore"):
            outside = ~bad & ((values < 0) | (values > high))
        for i in np.flatnonzero(outside):
            col.error(rel, lines[i], name, expected, str(texts.iloc[i]), group="range")
            ok = False
        if kind == "demand" and not bad.any() and len(values) and not values.mean() > 0:
            col.error(rel, None, name, "a demand shape with a positive mean", "all zeros")
            ok = False
        numbers[name] = values
    if ok:
        hours = numbers["hour"].astype(int)
        counts = np.bincount(hours, minlength=HOURS_PER_YEAR)
        for h in np.flatnonzero(counts > 1)[:MAX_CELL_ISSUES]:
            dup = [lines[i] for i in np.flatnonzero(hours == h)]
            col.error(rel, dup[1], "hour", "each hour once", f"hour {h} again (first on line {dup[0]})")
            ok = False
    if not ok:
        return None
    order = np.argsort(numbers["hour"], kind="stable")
    frame = pd.DataFrame(
        {
            name: vals[order].astype("int64") if name == "hour" else vals[order]
            for name, vals in numbers.items()
        }
    )
    return frame[["hour", *(n for n in frame.columns if n != "hour")]].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# The whole folder


@dataclass
class CheckResult:
    """What :func:`check_scenario` found: every issue, and the typed data when there is no error."""

    root: Path
    issues: list[Issue]
    settings: Settings | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    profiles: pd.DataFrame | None = None
    rules_yaml: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(i.is_error for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]


def check_scenario(root: Path) -> CheckResult:
    """Check the scenario folder ``root``; never raises for anything inside the folder."""
    root = Path(root)
    col = _Collector()
    specs = table_specs()
    if not root.is_dir():
        found = "a file" if root.exists() else "nothing at this path"
        col.error(str(root), None, None, "a scenario folder", found)
        return CheckResult(root, col.finish([]))

    known_files = {s.file for s in specs.values()} | {PROFILES_FILE}
    try:
        listing = sorted(p.name for p in root.iterdir())
    except OSError as exc:
        col.error(str(root), None, None, "a readable folder", f"{type(exc).__name__}: {exc.strerror or exc}")
        return CheckResult(root, col.finish([]))
    for name in listing:
        if name.lower().endswith(".csv") and name not in known_files:
            hint = _closest(name, known_files)
            expected = f"a scenario table file{f' (did you mean {hint!r}?)' if hint else ''}"
            col.warning(name, None, None, expected, "an unknown file (ignored)")

    settings, rules_yaml = _check_settings(root, col)

    parsed: dict[str, _Parsed] = {}
    for spec in specs.values():
        path = root / spec.file
        if not path.is_file():
            if spec.required:
                other = [n for n in listing if n.lower() == spec.file.lower()]
                found = f"none (there is {other[0]!r}: names are case-sensitive)" if other else "none"
                col.error(spec.file, None, None, f"the {spec.name} table ({spec.description})", found)
            parsed[spec.name] = _empty_parsed(spec, present=False, broken=spec.required)
            continue
        raw = _read_csv(path, spec.file, col, spec.column_names)
        if raw is None:
            parsed[spec.name] = _empty_parsed(spec, present=True, broken=True)
            continue
        parsed[spec.name] = _parse_table(spec, raw, col)

    for p in parsed.values():
        _check_keys(p, col)
    _check_references(parsed, col)
    _check_corridors(parsed["corridors"], col)
    _check_technologies(parsed["technologies"], col)
    _check_ownership(parsed["ownership"], col)
    _check_commitments(parsed["commitments"], col)
    _check_credit_steps(parsed["capacity_credit_steps"], col)
    _check_rounds(parsed, col)
    if settings is not None:
        _check_periods(parsed, settings.period_years, settings.demand_case, col)
        _check_fuels(parsed, settings.period_years, col)
        _check_campus_power(parsed, settings, col)

    profiles: pd.DataFrame | None = None
    if (root / PROFILES_FILE).is_file():
        regions = parsed["regions"].column_values("region") if parsed["regions"].usable("region") else None
        profiles = _check_profiles(root, regions, col)
    _check_deflators(root, col)

    order = [str(root), SETTINGS_FILE]
    if settings is not None and settings.security.rules_file:
        order.append(settings.security.rules_file)
    order += [s.file for s in specs.values()] + [PROFILES_FILE, DEFLATORS_FILE]
    result = CheckResult(root, col.finish(order))
    if result.ok and settings is not None:
        result.settings = settings
        result.tables = {name: _frame(p) for name, p in parsed.items()}
        result.profiles = profiles
        result.rules_yaml = rules_yaml
    return result
