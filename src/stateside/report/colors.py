"""Colours and labels shared by the report, the web pages and the PyPSA export (no plotly import)."""

from __future__ import annotations

CLASS_COLORS: dict[str, str] = {
    "datacenter": "#3b6fb6",
    "generation": "#e0883e",
    "storage": "#c2549d",
    "transmission": "#2e9a5b",
    "fab": "#7b5bb5",
}
CLASS_LABELS: dict[str, str] = {
    "datacenter": "AI campuses",
    "generation": "Generation",
    "storage": "Storage",
    "transmission": "Transmission",
    "fab": "Fabs",
}
TECH_COLORS: dict[str, str] = {
    "coal": "#5b5b5b",
    "gas_existing": "#c97b4a",
    "gas_cc_existing": "#c97b4a",
    "gas_ct_existing": "#d9a27a",
    "gas_cc": "#e0883e",
    "gas_ct": "#f2b26b",
    "oil": "#8c564b",
    "nuclear": "#7b5bb5",
    "smr": "#b39ddb",
    "hydro": "#2f6db5",
    "pumped_storage": "#7fb2e5",
    "geothermal": "#b5651d",
    "biomass": "#6b8e23",
    "solar": "#f2c12e",
    "wind": "#45b3a6",
    "battery": "#c2549d",
}
PARTY_COLORS: dict[str, str] = {
    "sponsor": "#3b6fb6",
    "other_companies": "#7fb2e5",
    "allied_countries": "#e0883e",
}
FALLBACK = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]


def color(name: str, palette: dict[str, str], i: int = 0) -> str:
    """The palette colour of ``name``, or a fallback colour."""
    return palette.get(name, FALLBACK[i % len(FALLBACK)])


#: short human names of the default technologies (charts, tables, the web pages)
TECH_LABELS: dict[str, str] = {
    "coal": "Coal",
    "gas_existing": "Gas (existing fleet)",
    "gas_cc_existing": "Gas combined cycle (existing)",
    "gas_ct_existing": "Gas turbines (existing)",
    "gas_cc": "Gas combined cycle",
    "gas_ct": "Gas turbine (CT)",
    "oil": "Oil",
    "nuclear": "Nuclear",
    "smr": "Small modular reactor",
    "hydro": "Hydro",
    "pumped_storage": "Pumped storage",
    "geothermal": "Geothermal",
    "biomass": "Biomass",
    "solar": "Solar PV",
    "wind": "Onshore wind",
    "battery": "Battery (4 h)",
    "unserved": "Unserved energy",
}


def tech_label(tech: str) -> str:
    """A technology id as a reader's name: ``gas_ct`` → "Gas turbine (CT)"; unknown ids
    lose their underscores (``my_tech`` → "My tech")."""
    t = str(tech)
    return TECH_LABELS.get(t) or t.replace("_", " ").capitalize()
