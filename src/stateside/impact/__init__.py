"""Impact of a plan: jobs, emissions, state benefits, CHIPS complementarity, benefit sharing.

:func:`attach_impact` adds these tables to a :class:`~stateside.plan.Plan` (see
docs/impact.md); every number is traceable: each jobs row carries its quantity, the
coefficient, the coefficient's id and its source id, and the plan carries the
coefficients used (``impact_coefficients``) and the sources (``impact_sources``).
Coefficients and sources live in ``stateside/data/impact`` (with ``SOURCES.md``).
"""

from stateside.impact.attach import IMPACT_TABLES, attach_impact, impact_summary, impact_tables
from stateside.impact.coefficients import CoefficientBook

__all__ = ["IMPACT_TABLES", "CoefficientBook", "attach_impact", "impact_summary", "impact_tables"]
