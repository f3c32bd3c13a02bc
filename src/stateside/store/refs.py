"""Find a stored run or sweep by what a user types: its id, a unique prefix, ``latest``, ``latest~N``.

One lookup (:func:`matching_ids`) serves the command line, which reports problems as
:class:`~stateside.store.db.StoreError` (:func:`resolve_ref`), and the web service, which
has its own stricter grammar and answers 404 / 409 problems (:mod:`stateside.api.rundata`).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from stateside.store.db import StoreError, database_url, display_url, session
from stateside.store.models import Run, Sweep, SweepMember

#: what the command line accepts: ``latest``, ``latest~N`` or 1-32 hex characters of an id
REF = re.compile(r"latest(?:~(\d+))?|[0-9a-f]{1,32}")

#: a table whose rows carry an ``id`` and a ``created_at``
Stored = type[Run] | type[Sweep]


#: the ``source`` a sweep gives the runs of its members (``sweep 1a2b3c4d member 7``)
SWEEP_SOURCE = "sweep % member %"


def not_sweep_member() -> ColumnElement[bool]:
    """Runs a user planned, not the members of a sweep: neither saved by a sweep (its
    ``source``) nor solved for one (a member row that did not reuse an earlier run)."""
    solved_for_sweep = select(SweepMember.run_id).where(
        SweepMember.run_id.is_not(None), SweepMember.reused.is_(False)
    )
    return and_(or_(Run.source.is_(None), ~Run.source.like(SWEEP_SOURCE)), Run.id.not_in(solved_for_sweep))


def matching_ids(
    s: Session, model: Stored, m: re.Match[str], limit: int, planned_only: bool = False
) -> list[str]:
    """The ids a parsed reference names, in ``s``.

    ``m`` is a full match of a pattern whose first group is the N of ``latest~N``. For
    ``latest~N``: the N-th row before the newest (by ``created_at``, then id), or none;
    with ``planned_only``, among the runs a user planned (sweep members are left out,
    :func:`not_sweep_member`; the command line's meaning of ``latest``).
    For a prefix: up to ``limit`` ids that start with it, in id order.
    """
    text = m.group(0)
    if text.startswith("latest"):
        back = int(m.group(1) or 0)
        q = select(model.id).order_by(model.created_at.desc(), model.id.desc())
        if model is Run and planned_only:
            q = q.where(not_sweep_member())
        found = s.scalars(q.offset(back).limit(1)).first()
        return [] if found is None else [str(found)]
    return [
        str(i)
        for i in s.scalars(select(model.id).where(model.id.startswith(text)).order_by(model.id).limit(limit))
    ]


def resolve_ref(ref: str, url: str | None, model: Stored, noun: str, listing: str) -> str:
    """The full id of the ``noun`` (``run``, ``sweep``) that ``ref`` names in the store at ``url``.

    ``listing`` is the command that shows them (``stateside runs list``); the
    :class:`~stateside.store.db.StoreError` messages point to it.
    """
    text = ref.strip().lower()
    m = REF.fullmatch(text)
    if m is None:
        raise StoreError(
            f"{noun} {ref!r}: expected a {noun} id (or a unique prefix of one, as '{listing}' shows), "
            "'latest' or 'latest~N'"
        )
    where = display_url(database_url(url))
    with session(url) as s:
        ids = matching_ids(s, model, m, limit=6, planned_only=True)
        if not ids and text.startswith("latest"):
            q = select(func.count()).select_from(model)
            if model is Run:
                q = q.where(not_sweep_member())
            total = s.scalar(q) or 0
            own = " planned (besides sweep members)" if model is Run else ""
            raise StoreError(
                f"{noun} {ref!r}: the store {where} holds {total} {noun}{'s' if total != 1 else ''}{own}"
            )
    if not ids:
        raise StoreError(f"no {noun} {ref!r} in {where}; '{listing}' shows the stored {noun}s")
    if len(ids) > 1:
        shown = ", ".join(i[: max(len(text) + 2, 8)] for i in ids[:5])
        raise StoreError(
            f"{noun} {ref!r} is ambiguous: it starts {shown}{' …' if len(ids) > 5 else ''}; give more characters"
        )
    return ids[0]
