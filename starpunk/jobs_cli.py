"""``starpunk jobs run``: the worker for the durable queue."""

from __future__ import annotations

import logging
import sqlite3
import time

import click
from flask import Flask

from starpunk.cli import cli, with_app
from starpunk.database import get_db
from starpunk.jobs import handlers, run_due

log = logging.getLogger(__name__)


@cli.group("jobs")
def jobs_group() -> None:
    """The durable queue of background work (WebSub pings)."""


@jobs_group.command("run")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then stop.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between looks at the queue.")
@with_app
def run_command(app: Flask, once: bool, interval: float) -> None:
    """Run queued jobs as they fall due, retrying failures with backoff (stop with Ctrl-C)."""
    registered = handlers(app)
    try:
        while True:
            try:
                ran = run_due(get_db(), registered)
            except sqlite3.Error as exc:  # e.g. the database stayed locked: try again later
                log.warning("job queue unavailable", extra={"reason": str(exc)})
                if once:
                    raise click.ClickException(f"the job queue is unavailable: {exc}") from exc
                ran = 0
            if once:
                click.echo(f"ran {ran} jobs")
                return
            if not ran:
                time.sleep(interval)
    except KeyboardInterrupt:  # Ctrl-C on `starpunk serve` reaches its job worker too
        return
