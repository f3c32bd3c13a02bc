"""Find a stored run or sweep by what a user types: its id, a unique prefix, ``latest``, ``latest~N``.

One lookup (:func:`matching_ids`) serves the command line, which reports problems as
:class:`~stateside.store.db.StoreError` (:func:`resolve_ref`), and the web service, which
has its own stricter grammar and answers 404 / 409 problems (:mod:`stateside.api.rundata`).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stateside.store.db import StoreError, database_url, display_url, session
from stateside.store.models import Run, Sweep

#: what the command line accepts: ``latest``, ``latest~N`` or 1-32 hex characters of an id
REF = re.compile(r"latest(?:~(\d+))?|[0-9a-f]{1,32}")

#: a table whose rows carry an ``id`` and a ``created_at``
Stored = type[Run] | type[Sweep]


def matching_ids(s: Session, model: Stored, m: re.Match[str], limit: int) -> list[str]:
    """The ids a parsed reference names, in ``s``.

    ``m`` is a full match of a pattern whose first group is the N of ``latest~N``. For
    ``latest~N``: the N-th row before the newest (by ``created_at``, then id), or none.
    For a prefix: up to ``limit`` ids that start with it, in id order.
    """
    text = m.group(0)
    if text.startswith("latest"):
        back = int(m.group(1) or 0)
        found = s.scalars(
            select(model.id).order_by(model.created_at.desc(), model.id.desc()).offset(back).limit(1)
        ).first()
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
        ids = matching_ids(s, model, m, limit=6)
        if not ids and text.startswith("latest"):
            total = s.scalar(select(func.count()).select_from(model)) or 0
            raise StoreError(
                f"{noun} {ref!r}: the store {where} holds {total} {noun}{'s' if total != 1 else ''}"
            )
    if not ids:
        raise StoreError(f"no {noun} {ref!r} in {where}; '{listing}' shows the stored {noun}s")
    if len(ids) > 1:
        shown = ", ".join(i[: max(len(text) + 2, 8)] for i in ids[:5])
        raise StoreError(
            f"{noun} {ref!r} is ambiguous: it starts {shown}{' …' if len(ids) > 5 else ''}; give more characters"
        )
    return ids[0]
