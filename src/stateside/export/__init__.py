"""Exports of a scenario's or a plan's power system to other tools (see docs/export.md)."""

from stateside.export.pypsa import ExportError, PypsaExport, build_network, export_pypsa, solve_network

__all__ = ["ExportError", "PypsaExport", "build_network", "export_pypsa", "solve_network"]
