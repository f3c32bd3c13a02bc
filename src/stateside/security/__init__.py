"""National-security review: CFIUS-style rules as data, ownership graph, caps, screening.

* ``rules`` — the packaged rules file (``rules/cfius.yaml``) and user overrides, typed;
* ``graph`` — ownership graph with effective interests along chains (31 CFR 800);
* ``profiles`` — the facts the rules test, per investor and per asset;
* ``review`` — outcome per (project, investor, holding) with reasons and what would change it;
* ``caps`` — the share caps the planning model takes (``derive_share_caps``), from the same rules;
* ``screening`` — name screening against an OpenSanctions-style list;
* ``report`` — the declaration-style report (Markdown, HTML).

See docs/security.md.
"""
