"""The planning model: a linopy MILP over regions, periods, typical hours, technologies,
corridors, campuses, fabs and investors, solved with HiGHS.

One module per constraint family; each function's docstring gives its maths and symbols
(see also docs/model.md). The model never touches the store or the screen.
"""
