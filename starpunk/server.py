"""Run the site under gunicorn: each worker builds its own app (and its own pool)."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)

#: Access log without query strings (they can carry codes and tokens), with the request id.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'


class StarPunkServer(BaseApplication):
    """A gunicorn application whose workers call ``create_app`` after forking."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Build the app inside the worker process."""
        from starpunk import create_app

        return create_app()


def gunicorn_options(host: str, port: int, workers: int, timeout: int) -> dict[str, Any]:
    """The gunicorn settings ``starpunk serve`` uses."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "preload_app": False,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        # X-Forwarded-* is trusted by the app itself (TRUSTED_PROXIES), never by gunicorn.
        "forwarded_allow_ips": "",
        "proc_name": "starpunk",
        "control_socket_disable": True,
    }


def start_job_worker() -> subprocess.Popen:
    """``starpunk jobs run`` as a child process (same environment and working directory)."""
    return subprocess.Popen([sys.executable, "-m", "starpunk", "jobs", "run"])


def stop_job_worker(worker: subprocess.Popen) -> None:
    """Stop the job worker: SIGTERM, then SIGKILL if it has not ended within ten seconds."""
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run(config: dict[str, Any], *, host: str, port: int, workers: int, timeout: int,
        jobs: bool = True) -> None:
    """Start gunicorn in the foreground (and the job worker); SIGTERM shuts both down."""
    from starpunk.auth.cli import print_password_hint
    from starpunk.logging import configure_logging

    configure_logging(config)
    site = config["SITE_URL"]
    log.info("starting server", extra={"bind": f"{host}:{port}", "workers": workers, "site": site})
    print_password_hint(config)
    worker = start_job_worker() if jobs else None
    try:
        StarPunkServer(gunicorn_options(host, port, workers, timeout)).run()
    finally:
        if worker is not None:
            stop_job_worker(worker)
