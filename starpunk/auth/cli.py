"""``starpunk passwd``: set the owner's password, and the start-up hint when none is set."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask

from starpunk.auth.passwords import PasswordTooWeak, check_strength, set_password, stored_hash
from starpunk.auth.sessions import end_all_sessions
from starpunk.cli import cli, with_app
from starpunk.database import connect, db_path, get_db, transaction

HINT = "No owner password is set yet. Set one with:  starpunk passwd"


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt(
        "New owner password",
        hide_input=True,
        confirmation_prompt="Repeat the password",
        default="",
        show_default=False,
    )


@cli.command()
@with_app
def passwd(app: Flask) -> None:
    """Set the owner password (read from stdin when it is not a terminal).

    Every signed-in browser is signed out.
    """
    password = _read_password()
    try:
        check_strength(password)
    except PasswordTooWeak as exc:
        click.echo(f"starpunk: {exc} Nothing was changed.", err=True)
        sys.exit(1)
    conn = get_db()
    with transaction(conn):
        set_password(conn, password)
        ended = end_all_sessions(conn)
    click.echo("Owner password set." + (f" Signed out {ended} session(s)." if ended else ""))


def password_missing(config: Mapping[str, Any]) -> bool:
    """Whether the database under ``DATA_PATH`` has no owner password (yet).

    Opens the database only if it exists, never creating it; a database whose
    migrations have not run counts as having no password.
    """
    path = db_path(config["DATA_PATH"])
    if not path.exists():
        return True
    conn = connect(path, config["DB_TIMEOUT"])
    try:
        return stored_hash(conn) is None
    except sqlite3.OperationalError:  # the table does not exist yet
        return True
    finally:
        conn.close()


def print_password_hint(config: Mapping[str, Any]) -> None:
    """Tell the operator how to set a password when none is set (self-hosted identity only)."""
    from starpunk.indieauth.tokens import external_mode

    if not external_mode(config) and password_missing(config):
        click.echo(f"starpunk: {HINT}", err=True)
