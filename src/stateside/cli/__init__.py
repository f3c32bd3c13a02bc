"""The command line (Typer + Rich): ``stateside …``.

:mod:`.app` builds the Typer application, its shared helpers (loading a scenario with its
warnings, printing issues) and the small commands (``validate``, ``info``, ``scenario new``,
``plan``, ``report``, ``screen``, ``finance``, ``round``); each larger command family has
its own module: :mod:`.plan`, :mod:`.runs`, :mod:`.export`, :mod:`.finance`,
:mod:`.report`, :mod:`.screen`, :mod:`.serve` (``serve`` and ``users``), :mod:`.sweep`
and :mod:`.coalition`. The entry point ``stateside`` is ``stateside.cli:app``.
"""

from __future__ import annotations

from stateside.cli.app import app

__all__ = ["app"]
