"""``stateside serve`` (the web service) and ``stateside users`` (its accounts); registered in :mod:`stateside.cli`.

The service and the accounts live in the run store (``$STATESIDE_DB_URL``, default a
SQLite file in the user's data folder; docs/store.md), so ``users add`` on the same
machine (or against the same PostgreSQL) makes accounts the server sees at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Store, account and lease problems as one red line and exit status 1."""
    from stateside.api.auth import AuthError
    from stateside.api.lease import LeaseHeld
    from stateside.store.db import StoreError

    try:
        yield
    except (StoreError, AuthError, LeaseHeld) as exc:
        err.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(1) from None


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Plans and sweeps run at once, each in a worker process (default: half the CPU cores).",
            min=0,
        ),
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="Send the session cookie over plain HTTP to addresses other than 127.0.0.1/localhost "
            "(only behind a TLS-terminating proxy you trust, or for a throwaway test).",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            help="Seconds to wait for another server on the same store to stop (one server per store; "
            "a server killed without stopping frees the store after 15 s).",
            min=0,
        ),
    ] = 0.0,
) -> None:
    """Serve the web API and dashboard (FastAPI + uvicorn) on the run store.

    Open http://HOST:PORT/ in a browser (sign in with an account made by 'stateside users add'), or call the API with a token from 'stateside users token NAME' (OpenAPI at /api/openapi.json, docs at /api/docs). Plans and sweeps started there run in worker processes; their results are saved in the store like 'stateside plan' runs. See docs/api.md.
    """
    import uvicorn

    from stateside.api import lease
    from stateside.api.app import create_app
    from stateside.api.config import ApiConfig

    cfg = ApiConfig(
        secure_cookies=not insecure_cookies, job_workers=-1 if jobs is None else jobs, lease_wait_s=wait
    )
    with _errors():
        app = create_app(cfg)
        held = lease.current(cfg.db_url)
        if held is not None and wait <= 0:
            raise lease.LeaseHeld(held)
    err.print(f"Stateside on http://{host}:{port}/  (API docs: /api/docs; Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


users_app = typer.Typer(
    help="Accounts of the web service ('stateside serve'): add, list, disable, enable, delete users; "
    "reset passwords; make and revoke API tokens.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            raise typer.BadParameter("no password on standard input", param_hint="--password-stdin")
        return text
    first: str = typer.prompt("Password", hide_input=True)
    second: str = typer.prompt("Repeat it", hide_input=True)
    if first != second:
        err.print(Text("error: the two passwords differ", style="red"))
        raise typer.Exit(1)
    return first


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).", show_default=False)],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="admin, analyst, investor, state_official or reviewer.", show_default=False
        ),
    ],
    investor: Annotated[
        str | None, typer.Option("--investor", help="The investor id an investor user sees (investors.csv).")
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="The state a state official sees, e.g. TX.")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of standard input."),
    ] = False,
) -> None:
    """Add a user of the web service. The password is asked for (twice), or read from standard input.

    Roles: admin (everything, and users), analyst (uploads scenarios, runs plans and sweeps, sees everything), investor (bound to one investor: its own commitments, equity, cap-table rows and returns; coalition totals only), state_official (bound to one state: what lands there), reviewer (read-only: ownership, cap tables, security review).
    """
    from stateside.api import auth

    with _errors():
        auth.check_binding(role, investor, state)
        password = _password(password_stdin)
        user = auth.create_user(name, role, password, investor, state)
    bound = (
        f" (investor {user.investor})" if user.investor else f" (state {user.state})" if user.state else ""
    )
    console.print(f"Added {user.name}: {user.role}{bound}.")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="User name.", show_default=False)],
    label: Annotated[str, typer.Option(help="What the token is for (shown in lists).")] = "",
    days: Annotated[
        float, typer.Option(help="Days the token is valid (at most 366).", min=0.001, max=366)
    ] = 90.0,
) -> None:
    """Make an API token of a user and print it (only once: the store keeps only its hash).

    Send it as 'Authorization: Bearer TOKEN'. It expires after --days (90 by default).
    """
    from stateside.api import auth

    with _errors():
        _, token = auth.issue_token(name, label, days=days)
    print(token)


UserArg = Annotated[str, typer.Argument(help="User name.", show_default=False)]


@users_app.command("disable")
def users_disable(name: UserArg) -> None:
    """Disable a user: sign-in, API tokens and sessions are refused (sessions are ended) until 'enable'."""
    from stateside.api import auth

    with _errors():
        real = auth.set_disabled(name, True)
    console.print(f"Disabled {real}: sign-in and API tokens are refused, sessions ended.")


@users_app.command("enable")
def users_enable(name: UserArg) -> None:
    """Enable a disabled user again (their unexpired API tokens work again)."""
    from stateside.api import auth

    with _errors():
        real = auth.set_disabled(name, False)
    console.print(f"Enabled {real}.")


@users_app.command("delete")
def users_delete(
    name: UserArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a user with their API tokens and sessions (their uploads and jobs are kept)."""
    from stateside.api import auth

    if not yes and not typer.confirm(f"Delete user {name} and their tokens?", default=False):
        raise typer.Exit(1)
    with _errors():
        real = auth.delete_user(name)
    console.print(f"Deleted {real}.")


@users_app.command("reset-password")
def users_reset_password(
    name: UserArg,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the new password from the first line of standard input."),
    ] = False,
) -> None:
    """Set a new password for a user (asked twice, or read from standard input); their sessions end.

    API tokens are kept: 'stateside users revoke NAME' revokes them too.
    """
    from stateside.api import auth

    with _errors():
        if auth.get_user(name) is None:
            raise auth.AuthError(f"no user {name!r}")
        password = _password(password_stdin)
        real, sessions = auth.reset_password(name, password)
    console.print(f"New password for {real}; {sessions} session{'s' if sessions != 1 else ''} ended.")


@users_app.command("revoke")
def users_revoke(name: UserArg) -> None:
    """Revoke every API token and end every browser session of a user."""
    from stateside.api import auth

    with _errors():
        real, tokens, sessions = auth.revoke_all(name)
    console.print(
        f"Revoked {tokens} token{'s' if tokens != 1 else ''} and ended {sessions} "
        f"session{'s' if sessions != 1 else ''} of {real}."
    )


@users_app.command("list")
def users_list() -> None:
    """The users of the web service, their roles and bindings."""
    from stateside.api import auth
    from stateside.store.db import as_utc

    with _errors():
        users = auth.list_users()
    table = Table(title=f"{len(users)} user{'s' if len(users) != 1 else ''}")
    for col in ("name", "role", "investor", "state", "created (UTC)", "status"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name,
            u.role,
            u.investor or "",
            u.state or "",
            as_utc(u.created_at).strftime("%Y-%m-%d %H:%M"),
            "disabled" if u.disabled else "active",
        )
    console.print(table)
