"""The ``starpunk`` command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from starpunk import __version__
from starpunk.config import SETTINGS, load_config, markdown_table, redacted
from starpunk.errors import StartupError


def _settings_epilog() -> str:
    lines = ["Settings (environment variables or a .env file; `starpunk config` shows them):"]
    lines += ["", "\b"]  # click: keep the table's line breaks
    lines += [f"{s.name:<20} {s.help}" for s in SETTINGS]
    return "\n".join(lines)


def _fail(exc: StartupError) -> None:
    for problem in exc.problems:
        click.echo(f"starpunk: {problem}", err=True)
    sys.exit(2)


def build_app() -> Flask:
    """Create the app, turning configuration problems into one line each and exit 2."""
    from starpunk import create_app

    try:
        return create_app()
    except StartupError as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


def with_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``command`` inside an application context, passing the app first."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = build_app()
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper


@click.group(epilog=_settings_epilog(), context_settings={"max_content_width": 100})
@click.version_option(__version__, prog_name="starpunk")
def cli() -> None:
    """StarPunk: your own IndieWeb site."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds before a silent worker is restarted.")
@click.option("--jobs/--no-jobs", default=True, show_default=True,
              help="Also run the background job worker (WebSub pings); use --no-jobs when "
                   "`starpunk jobs run` runs as its own service.")
def serve(host: str, port: int, workers: int, timeout: int, jobs: bool) -> None:
    """Run the production server (gunicorn) and the background job worker."""
    from starpunk.server import run

    try:
        config = load_config()
    except StartupError as exc:
        _fail(exc)
    run(config, host=host, port=port, workers=workers, timeout=timeout, jobs=jobs)


@cli.command()
@with_app
def init(app: Flask) -> None:
    """Create the data directory, the database and the secret, then say what comes next."""
    click.echo(f"Data directory: {app.config['DATA_PATH']}")
    click.echo(f"Site URL:       {app.config['SITE_URL']}")
    click.echo("Ready. Start the site with: starpunk serve")


@cli.command("config")
@click.option("--markdown", is_flag=True, help="Print the settings table for the README.")
def show_config(markdown: bool) -> None:
    """Show the effective settings (secrets hidden)."""
    if markdown:
        click.echo(markdown_table())
        return
    try:
        config = load_config()
    except StartupError as exc:
        _fail(exc)
    for name, value in redacted(config).items():
        click.echo(f"{name}={value}")


def main() -> None:
    """Console-script entry point."""
    cli()


from starpunk import jobs_cli as _jobs_cli  # noqa: E402,F401  (registers `jobs`)
from starpunk.auth import cli as _auth_cli  # noqa: E402,F401  (registers `passwd`)
from starpunk.indieauth import cli as _indieauth_cli  # noqa: E402,F401  (registers `token`)
from starpunk.notes import cli as _notes_cli  # noqa: E402,F401  (registers `check`, `reindex`)
