"""The HTML report of a plan: one self-contained file with interactive Plotly charts.

:func:`write_report` writes it (``stateside report``, and ``stateside plan --out``);
see docs/report.md.
"""

from stateside.report.build import SECTION_IDS, build_context, render_report, write_report

__all__ = ["SECTION_IDS", "build_context", "render_report", "write_report"]
